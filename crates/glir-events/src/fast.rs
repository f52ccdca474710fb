//! The hot path of parsing: a REST or stream record read straight from its text into borrowed
//! fields, without building a JSON value. Only values that are not plain strings or integers are
//! parsed on their own and rendered as the value path renders them (`render`), so the result is
//! the value path's (tested equal in `tests/text_path.rs`). Anything unusual — not an object,
//! invalid JSON, a duplicated field the event reads, an audit_json.log line — returns `None`, and
//! the caller parses the record the ordinary way, which also reports what is wrong.

use crate::layout::Layout;
use crate::render::{as_i64, custom_message, into_text};
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The canonical fields of one record, borrowed from its text where they are plain.
pub(crate) struct Parsed<'a> {
    pub(crate) event_id: Option<Cow<'a, str>>,
    pub(crate) layout: Layout,
    pub(crate) created_at: jiff::Timestamp,
    pub(crate) event_type: Option<Cow<'a, str>>,
    pub(crate) author_id: Option<i64>,
    pub(crate) author_name: Option<Cow<'a, str>>,
    pub(crate) author_email: Option<Cow<'a, str>>,
    pub(crate) entity_id: Option<i64>,
    pub(crate) entity_type: Option<Cow<'a, str>>,
    pub(crate) entity_path: Option<Cow<'a, str>>,
    pub(crate) target_id: Option<Cow<'a, str>>,
    pub(crate) target_type: Option<Cow<'a, str>>,
    pub(crate) target_details: Option<Cow<'a, str>>,
    pub(crate) ip_address: Option<Cow<'a, str>>,
    pub(crate) change: Option<Cow<'a, str>>,
    pub(crate) from: Option<Cow<'a, str>>,
    pub(crate) to: Option<Cow<'a, str>>,
    pub(crate) custom_message: Option<Cow<'a, str>>,
    /// The JSON text of `details`; `{}` when the record has none.
    pub(crate) details: &'a str,
}

impl Parsed<'_> {
    /// The owned event; `raw` is the text it was read from.
    pub(crate) fn into_event(self, raw: &str, source: &str) -> crate::AuditEvent {
        let own = |v: Option<Cow<'_, str>>| v.map(Cow::into_owned);
        crate::AuditEvent {
            source: source.to_owned(),
            event_id: own(self.event_id).unwrap_or_else(|| crate::parse::content_id(raw)),
            layout: self.layout,
            created_at: self.created_at,
            event_type: own(self.event_type),
            author_id: self.author_id,
            author_name: own(self.author_name),
            author_email: own(self.author_email),
            entity_id: self.entity_id,
            entity_type: own(self.entity_type),
            entity_path: own(self.entity_path),
            target_id: own(self.target_id),
            target_type: own(self.target_type),
            target_details: own(self.target_details),
            ip_address: own(self.ip_address),
            change: own(self.change),
            from: own(self.from),
            to: own(self.to),
            custom_message: own(self.custom_message),
            // Checked valid while reading.
            details: serde_json::from_str(self.details).unwrap_or(Value::Null),
            raw: raw.to_owned(),
        }
    }
}

/// The members an event reads, at the top level and again inside `details`.
#[derive(Clone, Copy)]
enum Key {
    Id,
    CreatedAt,
    Time,
    EventType,
    EventName,
    AuthorId,
    AuthorName,
    AuthorEmail,
    EntityId,
    EntityType,
    EntityPath,
    TargetId,
    TargetType,
    TargetDetails,
    IpAddress,
    Change,
    From,
    To,
    CustomMessage,
    Details,
}

const KEYS: usize = Key::Details as usize + 1;

impl Key {
    fn of(name: &str) -> Option<Key> {
        Some(match name {
            "id" => Key::Id,
            "created_at" => Key::CreatedAt,
            "time" => Key::Time,
            "event_type" => Key::EventType,
            "event_name" => Key::EventName,
            "author_id" => Key::AuthorId,
            "author_name" => Key::AuthorName,
            "author_email" => Key::AuthorEmail,
            "entity_id" => Key::EntityId,
            "entity_type" => Key::EntityType,
            "entity_path" => Key::EntityPath,
            "target_id" => Key::TargetId,
            "target_type" => Key::TargetType,
            "target_details" => Key::TargetDetails,
            "ip_address" => Key::IpAddress,
            "change" => Key::Change,
            "from" => Key::From,
            "to" => Key::To,
            "custom_message" => Key::CustomMessage,
            "details" => Key::Details,
            _ => return None,
        })
    }
}

/// One object's members that an event reads, as slices of the text.
type Members<'a> = [Option<&'a RawValue>; KEYS];

/// Reads `raw` (already trimmed) as a REST or stream record; see the module comment for `None`.
pub(crate) fn parse(raw: &str, layout: Option<Layout>) -> Option<Parsed<'_>> {
    let top = members(raw)?;
    let get = |k: Key| top[k as usize];
    let layout = match layout.or_else(|| detect(&top))? {
        Layout::AuditLog => return None,
        layout => layout,
    };
    let created_at = plain(get(Key::CreatedAt)?)?.parse().ok()?;
    let details_raw = get(Key::Details).map_or("{}", RawValue::get);
    let inner = match details_raw.as_bytes().first() {
        Some(b'{') => members(details_raw)?,
        // Not an object (checked valid with the other members): nothing to read from it.
        _ => [None; KEYS],
    };
    // REST items and stream bodies repeat some columns in `details`; the top level wins
    // (see `parse::from_nested`).
    let pick = |k: Key| text(get(k)).or_else(|| text(inner[k as usize]));
    let number = |k: Key| integer(get(k)).or_else(|| integer(inner[k as usize]));
    let event_type = match layout {
        Layout::Stream => pick(Key::EventType).or_else(|| pick(Key::EventName)),
        _ => pick(Key::EventName).or_else(|| pick(Key::EventType)),
    };
    // A top-level `null` is taken as the message (none), not passed over for `details`.
    let message = get(Key::CustomMessage).or(inner[Key::CustomMessage as usize]);
    Some(Parsed {
        event_id: get(Key::Id).and_then(event_id),
        layout,
        created_at,
        event_type,
        author_id: number(Key::AuthorId),
        author_name: pick(Key::AuthorName),
        author_email: pick(Key::AuthorEmail),
        entity_id: number(Key::EntityId),
        entity_type: pick(Key::EntityType),
        entity_path: pick(Key::EntityPath),
        target_id: pick(Key::TargetId),
        target_type: pick(Key::TargetType),
        target_details: pick(Key::TargetDetails),
        ip_address: pick(Key::IpAddress),
        change: pick(Key::Change),
        from: pick(Key::From),
        to: pick(Key::To),
        custom_message: message.and_then(|v| match v.get().as_bytes().first() {
            Some(b'{') => value(v).and_then(|v| custom_message(&v)).map(Cow::Owned),
            _ => text(Some(v)),
        }),
        details: details_raw,
    })
}

/// `layout::detect_layout` over the members read.
fn detect(top: &Members<'_>) -> Option<Layout> {
    let get = |k: Key| top[k as usize];
    if get(Key::CreatedAt).is_none() {
        return get(Key::Time).map(|_| Layout::AuditLog);
    }
    Some(match get(Key::Id).and_then(|v| v.get().bytes().next()) {
        Some(b'"') => Layout::Stream,
        Some(b'-' | b'0'..=b'9') => Layout::Rest,
        _ if get(Key::EventType).is_some() => Layout::Stream,
        _ => Layout::Rest,
    })
}

/// The stream `id` as given, the REST `id` in decimal; `None` when it is neither (the caller
/// then falls back to the content id, as the value path does).
fn event_id(v: &RawValue) -> Option<Cow<'_, str>> {
    let text = v.get();
    if text.starts_with('"') {
        return plain(v)
            .map(Cow::Borrowed)
            .or_else(|| serde_json::from_str::<String>(text).ok().map(Cow::Owned));
    }
    match value(v)? {
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// `render::into_text` of a member: plain strings borrowed, anything else rendered.
fn text(v: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let v = v?;
    if let Some(s) = plain(v) {
        return Some(Cow::Borrowed(s));
    }
    value(v).and_then(into_text).map(Cow::Owned)
}

/// `render::as_i64` of a member, without parsing plain integers twice.
fn integer(v: Option<&RawValue>) -> Option<i64> {
    let text = v?.get();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.len() < 19 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    value(v?).as_ref().and_then(as_i64)
}

/// A JSON string's contents when it has no escapes: serde_json has already checked the slice is
/// a valid string, so without a backslash its contents are exactly the text between quotes.
fn plain(v: &RawValue) -> Option<&str> {
    let inner = v.get().strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

fn value(v: &RawValue) -> Option<Value> {
    serde_json::from_str(v.get()).ok()
}

/// Whether a slice is a value serde_json accepts whole: slicing checks syntax only, so a number
/// out of range (`1e999`), a lone surrogate or nesting past the depth limit must still fail the
/// record, as they do when it is parsed into a value.
fn valid(v: &RawValue) -> bool {
    let text = v.get();
    let simple = match text.as_bytes().first() {
        Some(b'"') => !text.contains('\\'),
        Some(b't' | b'f' | b'n') => true,
        Some(b'-' | b'0'..=b'9') => !text.contains(['e', 'E']) && text.len() < 19,
        _ => false,
    };
    simple || value(v).is_some()
}

/// The members of one JSON object text; `None` when it is not a valid object or repeats a
/// member the event reads (a parsed map keeps the last, which the value path handles).
fn members(text: &str) -> Option<Members<'_>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let found = MembersSeed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    found
}

struct MembersSeed;

impl<'de> DeserializeSeed<'de> for MembersSeed {
    type Value = Option<Members<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(MembersVisitor)
    }
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Option<Members<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found: Members<'de> = [None; KEYS];
        let mut usable = true;
        while let Some(Name(name)) = map.next_key()? {
            let v: &'de RawValue = map.next_value()?;
            let key = Key::of(&name);
            // An object `details` is read member by member, which checks each one.
            let nested = matches!(key, Some(Key::Details)) && v.get().starts_with('{');
            usable &= nested || valid(v);
            if let Some(key) = key {
                usable &= found[key as usize].replace(v).is_none();
            }
        }
        Ok(usable.then_some(found))
    }
}

/// A member name borrowed from the text unless it has escapes (serde's `Cow<str>` always copies).
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(NameVisitor)
    }
}

struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Name<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Owned(s.to_owned())))
    }
}

/// The members of an object text named by `keys` (the last of each when repeated); all `None`
/// when the text is not an object.
pub(crate) fn named_members<'a, const N: usize>(
    text: &'a str,
    keys: [&str; N],
) -> [Option<&'a RawValue>; N] {
    let mut de = serde_json::Deserializer::from_str(text);
    NamedSeed(keys).deserialize(&mut de).unwrap_or([None; N])
}

struct NamedSeed<'k, const N: usize>([&'k str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for NamedSeed<'_, N> {
    type Value = [Option<&'de RawValue>; N];

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for NamedSeed<'_, N> {
    type Value = [Option<&'de RawValue>; N];

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = [None; N];
        while let Some(Name(name)) = map.next_key()? {
            let v: &'de RawValue = map.next_value()?;
            if let Some(i) = self.0.iter().position(|k| *k == name) {
                found[i] = Some(v);
            }
        }
        Ok(found)
    }
}

/// Every member of an object text as (name, JSON text), in order; `None` when not an object.
pub(crate) fn all_members(text: &str) -> Option<Vec<(Cow<'_, str>, &str)>> {
    let mut de = serde_json::Deserializer::from_str(text);
    AllSeed.deserialize(&mut de).ok()
}

struct AllSeed;

impl<'de> DeserializeSeed<'de> for AllSeed {
    type Value = Vec<(Cow<'de, str>, &'de str)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AllSeed {
    type Value = Vec<(Cow<'de, str>, &'de str)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(Name(name)) = map.next_key()? {
            let v: &'de RawValue = map.next_value()?;
            found.push((name, v.get()));
        }
        Ok(found)
    }
}
