//! Building an [`AuditEvent`] from one record of any layout.

use crate::error::ParseError;
use crate::event::AuditEvent;
use crate::fast;
use crate::layout::{Layout, detect_layout};
use crate::record::{IdKind, Record};
use crate::render::{as_i64, as_text, custom_message};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Parse one record's JSON text. `layout: None` = detect it from the record. `source` becomes
/// [`AuditEvent::source`].
pub fn parse_event(
    raw: &str,
    layout: Option<Layout>,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    let raw = raw.trim();
    match fast::parse(raw, layout, None) {
        Some(parsed) => {
            let id = parsed.event_id(raw);
            Ok(parsed.event_ref(raw, source, &id, &[]).to_event())
        }
        None => parse_slowly(raw, layout, source),
    }
}

/// The ordinary way, through a JSON value: for what the text path does not read, and the one
/// that says what is wrong with a record.
pub(crate) fn parse_slowly(
    raw: &str,
    layout: Option<Layout>,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    let value: Value =
        serde_json::from_str(raw).map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    build(value, raw, layout, source)
}

/// Same, from an already-parsed value (`raw` is the text it came from).
pub fn event_from_value(
    v: &Value,
    raw: &str,
    layout: Option<Layout>,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    build(v.clone(), raw.trim(), layout, source)
}

/// Takes the value by ownership so strings and `details` move into the event instead of being
/// copied.
fn build(
    value: Value,
    raw: &str,
    layout: Option<Layout>,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    if layout.is_none() && detect_layout(&value).is_none() {
        return Err(if value.is_object() {
            ParseError::MissingField("created_at")
        } else {
            ParseError::NotAnObject
        });
    }
    let Value::Object(mut map) = value else {
        return Err(ParseError::NotAnObject);
    };
    from_record(&mut map, raw, layout, source)
}

fn from_record(
    record: &mut impl Record,
    raw: &str,
    layout: Option<Layout>,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    let layout = match layout {
        Some(layout) => layout,
        None => record_layout(record).ok_or(ParseError::MissingField("created_at"))?,
    };
    match layout {
        Layout::AuditLog => from_flat(record, raw, source),
        Layout::Rest | Layout::Stream => from_nested(record, layout, raw, source),
    }
}

/// [`detect_layout`] over a [`Record`]; the two must agree.
fn record_layout(record: &impl Record) -> Option<Layout> {
    if !record.contains("created_at") {
        return record.contains("time").then_some(Layout::AuditLog);
    }
    match record.id_kind() {
        IdKind::String => Some(Layout::Stream),
        IdKind::Number => Some(Layout::Rest),
        IdKind::Other if record.contains("event_type") => Some(Layout::Stream),
        IdKind::Other => Some(Layout::Rest),
    }
}

/// REST items and streamed bodies: a few top-level columns plus a schemaless `details` that
/// repeats some of them (`app/models/concerns/audit_events/common_model.rb` duplicates
/// author_name, entity_path and target_* between columns and details). Top level wins.
fn from_nested(
    top: &mut impl Record,
    layout: Layout,
    raw: &str,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    let created_at = top.timestamp("created_at")?;
    let details = top
        .take("details")
        .unwrap_or_else(|| Value::Object(Map::new()));
    let event_id = match top.take("id") {
        Some(Value::String(id)) => id,
        Some(Value::Number(id)) => id.to_string(),
        _ => content_id(raw),
    };
    let mut pick = |key: &str| {
        top.take_text(key)
            .or_else(|| details.get(key).and_then(as_text))
    };
    // ee/lib/api/entities/audit_event.rb exposes event_name from details.event_name; older
    // entities lack it and old rows have it null, so both fall back to details. The stream body
    // names the same thing event_type (audit_event_schema.md).
    let event_type = match layout {
        Layout::Stream => pick("event_type").or_else(|| pick("event_name")),
        _ => pick("event_name").or_else(|| pick("event_type")),
    };
    let author_name = pick("author_name");
    let author_email = pick("author_email");
    let entity_type = pick("entity_type");
    let entity_path = pick("entity_path");
    // details.target_id is an int or a string such as "flightjs/flight" (doc/api/audit_events.md).
    let target_id = pick("target_id");
    let target_type = pick("target_type");
    let target_details = pick("target_details");
    let ip_address = pick("ip_address");
    let change = pick("change");
    let from = pick("from");
    let to = pick("to");
    let mut number = |key: &str| {
        top.take_i64(key)
            .or_else(|| details.get(key).and_then(as_i64))
    };
    let author_id = number("author_id");
    let entity_id = number("entity_id");
    let custom_message = top
        .take("custom_message")
        .as_ref()
        .or_else(|| details.get("custom_message"))
        .and_then(custom_message);
    Ok(AuditEvent {
        source: source.to_owned(),
        event_id,
        layout,
        created_at,
        event_type,
        author_id,
        author_name,
        author_email,
        entity_id,
        entity_type,
        entity_path,
        target_id,
        target_type,
        target_details,
        ip_address,
        change,
        from,
        to,
        custom_message,
        details,
        raw: raw.to_owned(),
    })
}

/// audit_json.log lines are flat (doc/administration/logs/_index.md); whatever is not a canonical
/// field (severity, with, add, remove, correlation_id, ...) becomes `details`.
fn from_flat(map: &mut impl Record, raw: &str, source: &str) -> Result<AuditEvent, ParseError> {
    let created_at = map.timestamp("time")?;
    map.take("time");
    let mut take = |key: &str| map.take_text(key);
    let event_type = take("event_name").or_else(|| take("event_type"));
    let author_name = take("author_name");
    let author_email = take("author_email");
    let entity_type = take("entity_type");
    let entity_path = take("entity_path");
    let target_id = take("target_id");
    let target_type = take("target_type");
    let target_details = take("target_details");
    let ip_address = take("ip_address");
    let change = take("change");
    let from = take("from");
    let to = take("to");
    let mut number = |key: &str| map.take_i64(key);
    let author_id = number("author_id");
    let entity_id = number("entity_id");
    let custom_message = map.take("custom_message").as_ref().and_then(custom_message);
    Ok(AuditEvent {
        source: source.to_owned(),
        // These lines carry no id; hashing the line makes re-ingesting the same file idempotent.
        event_id: content_id(raw),
        layout: Layout::AuditLog,
        created_at,
        event_type,
        author_id,
        author_name,
        author_email,
        entity_id,
        entity_type,
        entity_path,
        target_id,
        target_type,
        target_details,
        ip_address,
        change,
        from,
        to,
        custom_message,
        details: Value::Object(map.take_rest()),
        raw: raw.to_owned(),
    })
}

/// `sha256:` and the first 16 bytes (32 hex digits) of the SHA-256 of the trimmed record.
pub(crate) fn content_id(raw: &str) -> String {
    let digest = Sha256::digest(raw.trim().as_bytes());
    format!("sha256:{}", hex::encode(&digest[..16]))
}
