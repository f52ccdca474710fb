//! [`AuditEvent`] borrowed: the same fields as slices of text that lives elsewhere (an
//! [`EventBatch`](crate::EventBatch), or an `AuditEvent`), so the hot paths — detection over
//! files, ingest — read and match events without a heap allocation per field.

use crate::author::AuthorKind;
use crate::event::AuditEvent;
use crate::layout::Layout;
use serde_json::Value;
use std::borrow::Cow;

/// The canonical event with every text field borrowed; see [`AuditEvent`] for each field.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub struct EventRef<'a> {
    pub source: &'a str,
    pub event_id: &'a str,
    pub layout: Layout,
    pub created_at: jiff::Timestamp,
    pub event_type: Option<&'a str>,
    pub author_id: Option<i64>,
    pub author_name: Option<&'a str>,
    pub author_email: Option<&'a str>,
    pub entity_id: Option<i64>,
    pub entity_type: Option<&'a str>,
    pub entity_path: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub target_type: Option<&'a str>,
    pub target_details: Option<&'a str>,
    pub ip_address: Option<&'a str>,
    pub change: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub custom_message: Option<&'a str>,
    pub details: Details<'a>,
    /// The members of `details` as the parser found them, when it did (see [`DetailsMembers`]).
    pub details_members: Option<DetailsMembers<'a>>,
    pub raw: &'a str,
}

/// Where one member of a `details` object sits in its record: the name between its quotes and
/// the value's JSON text, as byte offsets into the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemberSpan {
    name: (u32, u32),
    value: (u32, u32),
}

impl MemberSpan {
    /// The span of `name` and `value`, both slices of `raw`; `None` when either is not (a name
    /// with escapes is decoded into a new string) or the record is too long for the offsets.
    pub(crate) fn of(raw: &str, name: &str, value: &str) -> Option<MemberSpan> {
        Some(MemberSpan {
            name: offsets(raw, name)?,
            value: offsets(raw, value)?,
        })
    }
}

fn offsets(raw: &str, part: &str) -> Option<(u32, u32)> {
    let start = (part.as_ptr() as usize).checked_sub(raw.as_ptr() as usize)?;
    let end = start + part.len();
    (end <= raw.len()).then_some((u32::try_from(start).ok()?, u32::try_from(end).ok()?))
}

/// The top-level members of an event's `details` object, in record order, as the parser read
/// them while checking the record: looking one up needs no second pass over the text. Names are
/// plain (the parser leaves this out when a name has escapes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetailsMembers<'a> {
    raw: &'a str,
    spans: &'a [MemberSpan],
}

impl<'a> DetailsMembers<'a> {
    /// The members of a `details` object in `raw`, found at `spans`.
    pub(crate) fn new(raw: &'a str, spans: &'a [MemberSpan]) -> DetailsMembers<'a> {
        DetailsMembers { raw, spans }
    }

    /// The spans, for copying along with the record.
    pub(crate) fn spans(&self) -> &'a [MemberSpan] {
        self.spans
    }

    /// Each member as (name, JSON text of the value).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&'a str, &'a str)> + 'a {
        let raw = self.raw;
        let at = move |(start, end): (u32, u32)| &raw[start as usize..end as usize];
        self.spans.iter().map(move |m| (at(m.name), at(m.value)))
    }
}

/// [`AuditEvent::details`], parsed or still as JSON text (parsed only when something reads it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Details<'a> {
    /// Already a value (the event came from an [`AuditEvent`]).
    Value(&'a Value),
    /// Valid JSON text, as it appeared in the record.
    Text(&'a str),
}

impl<'a> Details<'a> {
    /// The details as a value.
    pub fn to_value(&self) -> Value {
        match self {
            Details::Value(v) => (*v).clone(),
            // Text only ever holds JSON that has been checked valid.
            Details::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        }
    }

    /// The members named by `keys` (the last of each when repeated), read in one pass; all
    /// `None` when the details are not an object.
    pub fn members<const N: usize>(&self, keys: [&str; N]) -> [Option<Value>; N] {
        match self {
            Details::Value(v) => keys.map(|k| v.get(k).cloned()),
            Details::Text(t) => crate::fast::named_members(t, keys)
                .map(|v| v.and_then(|text| serde_json::from_str(text).ok())),
        }
    }

    /// The members of details still in text form, as (name, JSON text) in record order, read
    /// without building a value; `None` for details already parsed or not an object.
    pub fn text_members(&self) -> Option<Vec<(Cow<'a, str>, &'a str)>> {
        match self {
            Details::Text(t) if t.starts_with('{') => crate::fast::all_members(t),
            _ => None,
        }
    }

    /// The JSON text of the details, as `serde_json` writes the value.
    pub fn to_json_string(&self) -> String {
        match self {
            Details::Value(v) => v.to_string(),
            Details::Text(_) => self.to_value().to_string(),
        }
    }
}

impl<'a> From<&'a AuditEvent> for EventRef<'a> {
    fn from(e: &'a AuditEvent) -> EventRef<'a> {
        EventRef {
            source: &e.source,
            event_id: &e.event_id,
            layout: e.layout,
            created_at: e.created_at,
            event_type: e.event_type.as_deref(),
            author_id: e.author_id,
            author_name: e.author_name.as_deref(),
            author_email: e.author_email.as_deref(),
            entity_id: e.entity_id,
            entity_type: e.entity_type.as_deref(),
            entity_path: e.entity_path.as_deref(),
            target_id: e.target_id.as_deref(),
            target_type: e.target_type.as_deref(),
            target_details: e.target_details.as_deref(),
            ip_address: e.ip_address.as_deref(),
            change: e.change.as_deref(),
            from: e.from.as_deref(),
            to: e.to.as_deref(),
            custom_message: e.custom_message.as_deref(),
            details: Details::Value(&e.details),
            details_members: None,
            raw: &e.raw,
        }
    }
}

impl EventRef<'_> {
    /// The `details` object detection rules match against. audit_json.log carries
    /// change/from/to/custom_message flat (gitlab-foss MR 22471), REST and stream nest them in
    /// `details`: copying the canonical values in lets one rule say `details.change` for all
    /// three layouts. A value already in `details` wins, since it keeps GitLab's own type (e.g. a
    /// boolean `from`).
    pub fn rule_details(&self) -> Value {
        let mut d = match self.details.to_value() {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        for (key, value) in [
            ("change", self.change),
            ("from", self.from),
            ("to", self.to),
            ("custom_message", self.custom_message),
        ] {
            if let Some(v) = value
                && !d.contains_key(key)
            {
                d.insert(key.into(), Value::String(v.to_owned()));
            }
        }
        Value::Object(d)
    }

    /// The owned event.
    pub fn to_event(&self) -> AuditEvent {
        let own = |v: Option<&str>| v.map(str::to_owned);
        AuditEvent {
            source: self.source.to_owned(),
            event_id: self.event_id.to_owned(),
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
            details: self.details.to_value(),
            raw: self.raw.to_owned(),
        }
    }

    /// What kind of author performed the event.
    pub fn author_kind(&self) -> AuthorKind {
        AuthorKind::from_author_id(self.author_id)
    }

    /// [`AuditEvent::summary`].
    pub fn summary(&self) -> String {
        crate::summary::summarize(self)
    }
}
