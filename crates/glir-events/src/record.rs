//! One record's top-level fields, read either from a parsed JSON object or straight from the
//! record text. The parser takes fields out of a [`Record`], so both sources share one mapping.

use crate::error::ParseError;
use crate::render::{as_i64, into_text};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// Whether a record's `id` is a JSON string, a JSON number or something else (or absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdKind {
    String,
    Number,
    Other,
}

/// Top-level fields of one record; taking a field removes it.
pub(crate) trait Record {
    fn contains(&self, key: &str) -> bool;
    fn id_kind(&self) -> IdKind;
    fn timestamp(&self, key: &'static str) -> Result<jiff::Timestamp, ParseError>;
    fn take(&mut self, key: &str) -> Option<Value>;
    /// [`into_text`] of the field: strings as they are, scalars as written.
    fn take_text(&mut self, key: &str) -> Option<String> {
        self.take(key).and_then(into_text)
    }
    /// [`as_i64`] of the field.
    fn take_i64(&mut self, key: &str) -> Option<i64> {
        self.take(key).as_ref().and_then(as_i64)
    }
    /// What was not taken, leaving the record empty.
    fn take_rest(&mut self) -> Map<String, Value>;
}

impl Record for Map<String, Value> {
    fn contains(&self, key: &str) -> bool {
        self.contains_key(key)
    }

    fn id_kind(&self) -> IdKind {
        match self.get("id") {
            Some(Value::String(_)) => IdKind::String,
            Some(Value::Number(_)) => IdKind::Number,
            _ => IdKind::Other,
        }
    }

    fn timestamp(&self, key: &'static str) -> Result<jiff::Timestamp, ParseError> {
        match self.get(key) {
            None | Some(Value::Null) => Err(ParseError::MissingField(key)),
            Some(Value::String(s)) => s.parse().map_err(|_| ParseError::InvalidTimestamp(key)),
            Some(_) => Err(ParseError::InvalidTimestamp(key)),
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.remove(key)
    }

    fn take_rest(&mut self) -> Map<String, Value> {
        std::mem::take(self)
    }
}

/// A record's top-level fields as slices of its text: only the fields the event keeps are ever
/// turned into values, which saves building (and tearing down) a map per record.
pub(crate) struct RawRecord<'a> {
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
    /// `details`, parsed as it is read: it is always kept whole, so slicing it first would
    /// only scan it twice.
    details: Option<Value>,
    /// A field was sliced but could not be turned into a value (e.g. a number out of range);
    /// the caller then parses the record the ordinary way, which reports it.
    failed: bool,
}

impl<'a> RawRecord<'a> {
    /// `None` when `raw` is not a JSON object (or not JSON at all).
    pub(crate) fn parse(raw: &'a str) -> Option<RawRecord<'a>> {
        let Fields { fields, details } = serde_json::from_str(raw).ok()?;
        Some(RawRecord {
            fields,
            details,
            failed: false,
        })
    }

    /// Whether every field, read or not, is a value serde_json accepts. Slicing checks syntax
    /// only, so a number out of range (`1e999`) in a field nobody reads must still fail the
    /// record, as it does when the record is parsed whole.
    pub(crate) fn all_valid(&self) -> bool {
        !self.failed
            && self.fields.iter().all(|(_, raw)| {
                unescaped(raw).is_some() || serde_json::from_str::<Value>(raw.get()).is_ok()
            })
    }

    /// The slice of a field; with duplicate keys the last one wins, as in a parsed map.
    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
    }

    fn value(&mut self, raw: &RawValue) -> Option<Value> {
        match serde_json::from_str(raw.get()) {
            Ok(v) => Some(v),
            Err(_) => {
                self.failed = true;
                None
            }
        }
    }
}

impl Record for RawRecord<'_> {
    fn contains(&self, key: &str) -> bool {
        if key == DETAILS {
            return self.details.is_some();
        }
        self.get(key).is_some()
    }

    fn id_kind(&self) -> IdKind {
        match self.get("id").and_then(|v| v.get().bytes().next()) {
            Some(b'"') => IdKind::String,
            Some(b'-' | b'0'..=b'9') => IdKind::Number,
            _ => IdKind::Other,
        }
    }

    fn timestamp(&self, key: &'static str) -> Result<jiff::Timestamp, ParseError> {
        let raw = self.get(key).map(RawValue::get);
        match raw {
            None | Some("null") => Err(ParseError::MissingField(key)),
            Some(text) if text.starts_with('"') => {
                let plain = self.get(key).and_then(unescaped).map(Cow::Borrowed);
                plain
                    .or_else(|| serde_json::from_str::<String>(text).ok().map(Cow::Owned))
                    .and_then(|s| s.parse().ok())
                    .ok_or(ParseError::InvalidTimestamp(key))
            }
            Some(_) => Err(ParseError::InvalidTimestamp(key)),
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        if key == DETAILS {
            return self.details.take();
        }
        let raw = self.get(key)?;
        self.fields.retain(|(k, _)| k != key);
        self.value(raw)
    }

    fn take_text(&mut self, key: &str) -> Option<String> {
        if key == DETAILS {
            return self.take(key).and_then(into_text);
        }
        let raw = self.get(key)?;
        if !raw.get().starts_with('"') {
            return self.take(key).and_then(into_text);
        }
        self.fields.retain(|(k, _)| k != key);
        if let Some(s) = unescaped(raw) {
            return Some(s.to_owned());
        }
        match serde_json::from_str::<String>(raw.get()) {
            Ok(s) => Some(s),
            Err(_) => {
                self.failed = true;
                None
            }
        }
    }

    fn take_rest(&mut self) -> Map<String, Value> {
        let fields = std::mem::take(&mut self.fields);
        let mut map = Map::new();
        if let Some(details) = self.details.take() {
            map.insert(DETAILS.to_owned(), details);
        }
        for (k, raw) in fields {
            if let Some(v) = self.value(raw) {
                map.insert(k.into_owned(), v);
            }
        }
        map
    }
}

/// A JSON string's contents when it has no escapes: serde_json has already checked the slice
/// is a valid string, so without a backslash its contents are exactly the text between quotes.
fn unescaped(raw: &RawValue) -> Option<&str> {
    let text = raw.get();
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// The key [`RawRecord`] parses in place.
const DETAILS: &str = "details";

/// The top-level object as (key, slice) pairs in record order, `details` apart.
struct Fields<'a> {
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
    details: Option<Value>,
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
        let mut details = None;
        while let Some(Key(key)) = map.next_key()? {
            if key == DETAILS {
                // A later duplicate wins, as in a parsed map.
                details = Some(map.next_value()?);
            } else {
                fields.push((key, map.next_value()?));
            }
        }
        Ok(Fields { fields, details })
    }
}

/// A key borrowed from the record text unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(s)))
    }
}
