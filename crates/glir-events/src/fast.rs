//! The hot path of parsing: a REST or stream record read straight from its text into borrowed
//! fields, without building a JSON value (one pass of `scan::Reader`). Plain strings, integers,
//! booleans and git-operation messages are taken as written; other values are parsed on their
//! own and rendered as the value path renders them (`render`), so the result is the value path's
//! (tested equal in `tests/text_path.rs` and `tests/text_path_scalars.rs`). Anything unusual —
//! not an object, invalid JSON, a duplicated field the event reads, an audit_json.log line —
//! returns `None`, and the caller parses the record the ordinary way, which also reports what is
//! wrong.

use crate::event_ref::{Details, DetailsMembers, EventRef, MemberSpan};
use crate::layout::Layout;
use crate::render::{as_i64, custom_message, into_text};
use crate::scan::{self, Reader};
use crate::timestamp;
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
    /// Whether the spans the parse was given hold every member of an object `details`.
    pub(crate) members_found: bool,
}

impl<'a> Parsed<'a> {
    /// The event's id: the record's own, else the content id (as the value path gives).
    pub(crate) fn event_id(&self, raw: &str) -> Cow<'a, str> {
        self.event_id
            .clone()
            .unwrap_or_else(|| Cow::Owned(crate::parse::content_id(raw)))
    }

    /// The event, borrowing from this and from `raw`, the text it was read from; `spans` are
    /// what the parse filled in.
    pub(crate) fn event_ref<'s>(
        &'s self,
        raw: &'s str,
        source: &'s str,
        event_id: &'s str,
        spans: &'s [MemberSpan],
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
            details_members: self.members_found.then(|| DetailsMembers::new(raw, spans)),
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
    /// One comparison at most: the length and first byte (and for two names a later byte)
    /// single out the only key the name can be, where a `match` on strings would compare it with
    /// one key after another. (Each comparison is with an array, whose length the compiler
    /// knows, so it needs no call to `memcmp`.)
    #[inline(always)]
    fn of(name: &str) -> Option<Key> {
        let b = name.as_bytes();
        let (key, same) = match (b.len(), *b.first()?) {
            (2, b'i') => (Key::Id, b == b"id"),
            (2, b't') => (Key::To, b == b"to"),
            (4, b't') => (Key::Time, b == b"time"),
            (4, b'f') => (Key::From, b == b"from"),
            (6, b'c') => (Key::Change, b == b"change"),
            (7, b'd') => (Key::Details, b == b"details"),
            (9, b'a') => (Key::AuthorId, b == b"author_id"),
            (9, b'e') => (Key::EntityId, b == b"entity_id"),
            (9, b't') => (Key::TargetId, b == b"target_id"),
            (10, b'c') => (Key::CreatedAt, b == b"created_at"),
            (10, b'i') => (Key::IpAddress, b == b"ip_address"),
            (10, b'e') if b[6] == b't' => (Key::EventType, b == b"event_type"),
            (10, b'e') => (Key::EventName, b == b"event_name"),
            (11, b'a') => (Key::AuthorName, b == b"author_name"),
            (11, b'e') if b[7] == b't' => (Key::EntityType, b == b"entity_type"),
            (11, b'e') => (Key::EntityPath, b == b"entity_path"),
            (11, b't') => (Key::TargetType, b == b"target_type"),
            (12, b'a') => (Key::AuthorEmail, b == b"author_email"),
            (14, b'c') => (Key::CustomMessage, b == b"custom_message"),
            (14, b't') => (Key::TargetDetails, b == b"target_details"),
            _ => return None,
        };
        same.then_some(key)
    }
}

/// A member's value as a slice of the text, and whether it is a string without escapes.
#[derive(Clone, Copy)]
struct Member<'a> {
    text: &'a str,
    plain: bool,
}

impl<'a> Member<'a> {
    /// The string's contents when it has no escapes: exactly the text between its quotes.
    fn contents(self) -> Option<&'a str> {
        self.plain.then(|| &self.text[1..self.text.len() - 1])
    }
}

/// One object's members that an event reads.
type Members<'a> = [Option<Member<'a>>; KEYS];

/// Reads `raw` (already trimmed) as a REST or stream record; see the module comment for `None`.
/// With `spans`, it also notes where each member of an object `details` is (see
/// [`Parsed::members_found`]).
pub(crate) fn parse<'a>(
    raw: &'a str,
    layout: Option<Layout>,
    mut spans: Option<&mut Vec<MemberSpan>>,
) -> Option<Parsed<'a>> {
    let (mut top, mut inner): (Members, Members) = ([None; KEYS], [None; KEYS]);
    if let Some(spans) = spans.as_deref_mut() {
        spans.clear();
    }
    let members_found = record(raw, &mut top, &mut inner, spans)?;
    let get = |k: Key| top[k as usize];
    let layout = match layout.or_else(|| detect(&top))? {
        layout @ (Layout::Rest | Layout::Stream) => layout,
        _ => return None,
    };
    let created_at = timestamp::parse(get(Key::CreatedAt)?.contents()?)?;
    // REST items and stream bodies repeat some columns in `details`; the top level wins
    // (see `parse::from_nested`).
    let pick = |k: Key| text(get(k)).or_else(|| text(inner[k as usize]));
    let number = |k: Key| integer(get(k)).or_else(|| integer(inner[k as usize]));
    let event_type = match layout {
        Layout::Stream => pick(Key::EventType).or_else(|| pick(Key::EventName)),
        _ => pick(Key::EventName).or_else(|| pick(Key::EventType)),
    };
    // A record without a type gets one derived from what it says (`derive.rs`), on the value
    // path: such records are old and rare.
    event_type.as_ref()?;
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
        custom_message: message.and_then(|m| match m.text.as_bytes().first() {
            Some(b'{') => message_words(m.text)
                .or_else(|| value(m.text).and_then(|v| custom_message(&v)))
                .map(Cow::Owned),
            _ => text(Some(m)),
        }),
        details: get(Key::Details).map_or("{}", |m| m.text),
        members_found,
    })
}

/// The members the event reads at the top level and inside an object `details`, in one pass;
/// `None` when the text is not a valid object or repeats a member the event reads (a parsed map
/// keeps the last, which the value path handles). The members are filled in place: they are a
/// few hundred bytes, which returning them would copy. With `spans`, every member of an object
/// `details` is noted there too; the result says whether all were (not when a name has escapes).
fn record<'a>(
    raw: &'a str,
    top: &mut Members<'a>,
    inner: &mut Members<'a>,
    mut spans: Option<&mut Vec<MemberSpan>>,
) -> Option<bool> {
    let mut usable = true;
    let mut found = false;
    Reader::new(raw).whole_object(|r, name| {
        let key = Key::of(&name);
        let value = if matches!(key, Some(Key::Details)) && r.at_object() {
            let start = r.position();
            found = spans.is_some();
            r.object(1, |r, name| {
                let v = member(r, 2)?;
                if let Some(spans) = spans.as_deref_mut().filter(|_| found) {
                    match MemberSpan::of(raw, &name, v.text) {
                        Some(span) => spans.push(span),
                        None => found = false,
                    }
                }
                if let Some(k) = Key::of(&name) {
                    usable &= inner[k as usize].replace(v).is_none();
                }
                Some(())
            })?;
            Member {
                text: r.since(start),
                plain: false,
            }
        } else {
            member(r, 1)?
        };
        if let Some(k) = key {
            usable &= top[k as usize].replace(value).is_none();
        }
        Some(())
    })?;
    usable.then_some(found)
}

/// The value at the reader, `depth` levels down.
#[inline(always)]
fn member<'a>(r: &mut Reader<'a>, depth: usize) -> Option<Member<'a>> {
    let text = r.value(depth)?;
    Some(Member {
        text,
        plain: text.starts_with('"') && !r.escaped(),
    })
}

/// `layout::classify` over the members read, as far as REST and stream records go.
fn detect(top: &Members<'_>) -> Option<Layout> {
    let get = |k: Key| top[k as usize];
    // Log lines of every kind go to the value path, which tells them apart.
    if get(Key::Time).is_some() {
        return Some(Layout::AuditLog);
    }
    get(Key::CreatedAt)?;
    Some(match get(Key::Id).and_then(|m| m.text.bytes().next()) {
        Some(b'"') => Layout::Stream,
        Some(b'-' | b'0'..=b'9') => Layout::Rest,
        _ if get(Key::EventType).is_some() => Layout::Stream,
        _ => Layout::Rest,
    })
}

/// The stream `id` as given, the REST `id` in decimal; `None` when it is neither (the caller
/// then falls back to the content id, as the value path does).
fn event_id(m: Member<'_>) -> Option<Cow<'_, str>> {
    if let Some(s) = m.contents() {
        return Some(Cow::Borrowed(s));
    }
    if m.text.starts_with('"') {
        return serde_json::from_str::<String>(m.text).ok().map(Cow::Owned);
    }
    if let Some(n) = integer_as_written(m.text) {
        return Some(Cow::Borrowed(n));
    }
    match value(m.text)? {
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// `render::into_text` of a member: plain strings, booleans and integers borrowed (their text
/// is what rendering gives), anything else rendered.
#[inline(always)]
fn text(m: Option<Member<'_>>) -> Option<Cow<'_, str>> {
    let m = m?;
    match m.contents() {
        Some(s) => Some(Cow::Borrowed(s)),
        None => rendered(m.text),
    }
}

/// [`text`] of anything but a string without escapes.
fn rendered(v: &str) -> Option<Cow<'_, str>> {
    match v {
        "null" => None,
        "true" | "false" => Some(Cow::Borrowed(v)),
        v => match integer_as_written(v) {
            Some(n) => Some(Cow::Borrowed(n)),
            None => value(v).and_then(into_text).map(Cow::Owned),
        },
    }
}

/// `render::as_i64` of a member, without parsing plain integers twice.
fn integer(m: Option<Member<'_>>) -> Option<i64> {
    let text = m?.text;
    if let Some(n) = integer_as_written(text) {
        return n.parse().ok();
    }
    value(text).as_ref().and_then(as_i64)
}

/// A number's text (already checked to be valid JSON) when it is an integer serde_json reads as
/// an `i64` or `u64`, and so writes back exactly as it is; `-0` it reads as a float.
fn integer_as_written(v: &str) -> Option<&str> {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let integer =
        !digits.is_empty() && digits.len() < 19 && digits.bytes().all(|b| b.is_ascii_digit());
    (integer && v != "-0").then_some(v)
}

/// `render::custom_message` of an object text without building a value, for the git-operation
/// shape: `protocol`, `action` and at most one other member, each a string without escapes, a
/// boolean, `null` or an integer. `None` otherwise, and the caller renders the value: a repeated
/// name (the map keeps the last) or a second other member (whose place depends on the map's
/// order) is left to it.
fn message_words(v: &str) -> Option<String> {
    let (mut protocol, mut action, mut other) = (None, None, None);
    let mut usable = true;
    Reader::new(v).whole_object(|r, name| {
        let slot = match name.as_ref() {
            "protocol" => &mut protocol,
            "action" => &mut action,
            _ => &mut other,
        };
        usable &= slot.replace(member(r, 1)?).is_none();
        Some(())
    })?;
    if !usable {
        return None;
    }
    // `render::object_words`: protocol, action, then the rest, skipping nulls, joined by spaces.
    let mut words: Option<String> = None;
    for m in [protocol, action, other].into_iter().flatten() {
        let word = match (m.contents(), m.text) {
            (Some(s), _) => s,
            (None, "null") => continue,
            (None, literal @ ("true" | "false")) => literal,
            (None, number) => integer_as_written(number)?,
        };
        match &mut words {
            Some(words) => {
                words.push(' ');
                words.push_str(word);
            }
            // The words are never longer than the object's text.
            None => words = Some(String::with_capacity(v.len()) + word),
        }
    }
    words
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key's member name, in the order `Key` declares them.
    const NAMES: [&str; KEYS] = [
        "id",
        "created_at",
        "time",
        "event_type",
        "event_name",
        "author_id",
        "author_name",
        "author_email",
        "entity_id",
        "entity_type",
        "entity_path",
        "target_id",
        "target_type",
        "target_details",
        "ip_address",
        "change",
        "from",
        "to",
        "custom_message",
        "details",
    ];

    #[test]
    fn every_key_is_found_by_its_name_and_only_by_it() {
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(Key::of(name).map(|k| k as usize), Some(i), "{name}");
            // Any one byte changed is another name.
            for at in 0..name.len() {
                for b in [b'x', b'_', b'T', b'e'] {
                    let mut changed = name.as_bytes().to_vec();
                    changed[at] = b;
                    let changed = String::from_utf8(changed).unwrap();
                    if !NAMES.contains(&changed.as_str()) {
                        assert!(Key::of(&changed).is_none(), "{changed}");
                    }
                }
            }
        }
        for other in [
            "",
            "i",
            "ids",
            "author_class",
            "event_",
            "Details",
            "entity_pat",
        ] {
            assert!(Key::of(other).is_none(), "{other}");
        }
    }
}
