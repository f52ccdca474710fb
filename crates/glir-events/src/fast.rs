//! The hot path of parsing: a REST or stream record read straight from its text into borrowed
//! fields, without building a JSON value (one pass of `scan::Reader`). Only values that are not plain strings or integers are
//! parsed on their own and rendered as the value path renders them (`render`), so the result is
//! the value path's (tested equal in `tests/text_path.rs`). Anything unusual — not an object,
//! invalid JSON, a duplicated field the event reads, an audit_json.log line — returns `None`, and
//! the caller parses the record the ordinary way, which also reports what is wrong.

use crate::event_ref::{Details, EventRef};
use crate::layout::Layout;
use crate::render::{as_i64, custom_message, into_text};
use crate::scan::{self, Reader};
use serde_json::Value;
use std::borrow::Cow;

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

impl<'a> Parsed<'a> {
    /// The event's id: the record's own, else the content id (as the value path gives).
    pub(crate) fn event_id(&self, raw: &str) -> Cow<'a, str> {
        self.event_id
            .clone()
            .unwrap_or_else(|| Cow::Owned(crate::parse::content_id(raw)))
    }

    /// The event, borrowing from this and from `raw`, the text it was read from.
    pub(crate) fn event_ref<'s>(
        &'s self,
        raw: &'s str,
        source: &'s str,
        event_id: &'s str,
    ) -> EventRef<'s> {
        let text = |v: &'s Option<Cow<'a, str>>| v.as_deref();
        EventRef {
            source,
            event_id,
            layout: self.layout,
            created_at: self.created_at,
            event_type: text(&self.event_type),
            author_id: self.author_id,
            author_name: text(&self.author_name),
            author_email: text(&self.author_email),
            entity_id: self.entity_id,
            entity_type: text(&self.entity_type),
            entity_path: text(&self.entity_path),
            target_id: text(&self.target_id),
            target_type: text(&self.target_type),
            target_details: text(&self.target_details),
            ip_address: text(&self.ip_address),
            change: text(&self.change),
            from: text(&self.from),
            to: text(&self.to),
            custom_message: text(&self.custom_message),
            // Checked valid while reading.
            details: Details::Text(self.details),
            raw,
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
type Members<'a> = [Option<&'a str>; KEYS];

/// Reads `raw` (already trimmed) as a REST or stream record; see the module comment for `None`.
pub(crate) fn parse(raw: &str, layout: Option<Layout>) -> Option<Parsed<'_>> {
    let (top, inner) = record(raw)?;
    let get = |k: Key| top[k as usize];
    let layout = match layout.or_else(|| detect(&top))? {
        Layout::AuditLog => return None,
        layout => layout,
    };
    let created_at = plain(get(Key::CreatedAt)?)?.parse().ok()?;
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
        custom_message: message.and_then(|v| match v.as_bytes().first() {
            Some(b'{') => value(v).and_then(|v| custom_message(&v)).map(Cow::Owned),
            _ => text(Some(v)),
        }),
        details: get(Key::Details).unwrap_or("{}"),
    })
}

/// The members the event reads at the top level and inside an object `details`, in one pass;
/// `None` when the text is not a valid object or repeats a member the event reads (a parsed map
/// keeps the last, which the value path handles).
fn record(raw: &str) -> Option<(Members<'_>, Members<'_>)> {
    let mut top: Members = [None; KEYS];
    let mut inner: Members = [None; KEYS];
    let mut usable = true;
    Reader::new(raw).whole_object(|r, name| {
        let key = Key::of(&name);
        let value = if matches!(key, Some(Key::Details)) && r.at_object() {
            let start = r.position();
            r.object(1, |r, name| {
                let v = r.value(2)?;
                if let Some(k) = Key::of(&name) {
                    usable &= inner[k as usize].replace(v).is_none();
                }
                Some(())
            })?;
            r.since(start)
        } else {
            r.value(1)?
        };
        if let Some(k) = key {
            usable &= top[k as usize].replace(value).is_none();
        }
        Some(())
    })?;
    usable.then_some((top, inner))
}

/// `layout::detect_layout` over the members read.
fn detect(top: &Members<'_>) -> Option<Layout> {
    let get = |k: Key| top[k as usize];
    if get(Key::CreatedAt).is_none() {
        return get(Key::Time).map(|_| Layout::AuditLog);
    }
    Some(match get(Key::Id).and_then(|v| v.bytes().next()) {
        Some(b'"') => Layout::Stream,
        Some(b'-' | b'0'..=b'9') => Layout::Rest,
        _ if get(Key::EventType).is_some() => Layout::Stream,
        _ => Layout::Rest,
    })
}

/// The stream `id` as given, the REST `id` in decimal; `None` when it is neither (the caller
/// then falls back to the content id, as the value path does).
fn event_id(v: &str) -> Option<Cow<'_, str>> {
    if v.starts_with('"') {
        return plain(v)
            .map(Cow::Borrowed)
            .or_else(|| serde_json::from_str::<String>(v).ok().map(Cow::Owned));
    }
    match value(v)? {
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// `render::into_text` of a member: plain strings borrowed, anything else rendered.
fn text(v: Option<&str>) -> Option<Cow<'_, str>> {
    let v = v?;
    if let Some(s) = plain(v) {
        return Some(Cow::Borrowed(s));
    }
    value(v).and_then(into_text).map(Cow::Owned)
}

/// `render::as_i64` of a member, without parsing plain integers twice.
fn integer(v: Option<&str>) -> Option<i64> {
    let text = v?;
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.len() < 19 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    value(text).as_ref().and_then(as_i64)
}

/// A JSON string's contents when it has no escapes: the reader has already checked the slice is
/// a valid string, so without a backslash its contents are exactly the text between quotes.
fn plain(v: &str) -> Option<&str> {
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

fn value(v: &str) -> Option<Value> {
    serde_json::from_str(v).ok()
}

/// The members of an object text named by `keys` (the last of each when repeated); all `None`
/// when the text is not an object.
pub(crate) fn named_members<'a, const N: usize>(
    text: &'a str,
    keys: [&str; N],
) -> [Option<&'a str>; N] {
    let mut found = [None; N];
    for (name, v) in scan::members(text).unwrap_or_default() {
        if let Some(i) = keys.iter().position(|k| *k == name) {
            found[i] = Some(v);
        }
    }
    found
}

/// Every member of an object text as (name, JSON text), in order; `None` when not an object.
pub(crate) fn all_members(text: &str) -> Option<Vec<(Cow<'_, str>, &str)>> {
    scan::members(text)
}
