//! Building an [`AuditEvent`] from one record of any layout.

use crate::error::ParseError;
use crate::event::AuditEvent;
use crate::layout::{Layout, detect_layout};
use crate::render::{as_i64, as_text, custom_message, into_text};
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
/// copied: this is the ingest hot path.
fn build(
    value: Value,
    raw: &str,
    layout: Option<Layout>,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    let layout = match layout {
        Some(layout) => layout,
        None => detect_layout(&value).ok_or(if value.is_object() {
            ParseError::MissingField("created_at")
        } else {
            ParseError::NotAnObject
        })?,
    };
    let Value::Object(map) = value else {
        return Err(ParseError::NotAnObject);
    };
    match layout {
        Layout::AuditLog => from_flat(map, raw, source),
        Layout::Rest | Layout::Stream => from_nested(map, layout, raw, source),
    }
}

/// REST items and streamed bodies: a few top-level columns plus a schemaless `details` that
/// repeats some of them (`app/models/concerns/audit_events/common_model.rb` duplicates
/// author_name, entity_path and target_* between columns and details). Top level wins.
fn from_nested(
    mut top: Map<String, Value>,
    layout: Layout,
    raw: &str,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    let created_at = timestamp(&top, "created_at")?;
    let details = top
        .remove("details")
        .unwrap_or_else(|| Value::Object(Map::new()));
    let event_id = match top.remove("id") {
        Some(Value::String(id)) => id,
        Some(Value::Number(id)) => id.to_string(),
        _ => content_id(raw),
    };
    let mut pick = |key: &str| {
        top.remove(key)
            .and_then(into_text)
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
        top.remove(key)
            .as_ref()
            .and_then(as_i64)
            .or_else(|| details.get(key).and_then(as_i64))
    };
    let author_id = number("author_id");
    let entity_id = number("entity_id");
    let custom_message = top
        .remove("custom_message")
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
fn from_flat(
    mut map: Map<String, Value>,
    raw: &str,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    let created_at = timestamp(&map, "time")?;
    map.remove("time");
    let mut take = |key: &str| map.remove(key).and_then(into_text);
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
    let mut number = |key: &str| map.remove(key).as_ref().and_then(as_i64);
    let author_id = number("author_id");
    let entity_id = number("entity_id");
    let custom_message = map
        .remove("custom_message")
        .as_ref()
        .and_then(custom_message);
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
        details: Value::Object(map),
        raw: raw.to_owned(),
    })
}

fn timestamp(map: &Map<String, Value>, field: &'static str) -> Result<jiff::Timestamp, ParseError> {
    match map.get(field) {
        None | Some(Value::Null) => Err(ParseError::MissingField(field)),
        Some(Value::String(s)) => s.parse().map_err(|_| ParseError::InvalidTimestamp(field)),
        Some(_) => Err(ParseError::InvalidTimestamp(field)),
    }
}

/// `sha256:` and the first 16 bytes (32 hex digits) of the SHA-256 of the trimmed record.
fn content_id(raw: &str) -> String {
    let digest = Sha256::digest(raw.trim().as_bytes());
    format!("sha256:{}", hex::encode(&digest[..16]))
}
