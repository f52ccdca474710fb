//! Building an [`AuditEvent`] from one record of any layout.

use crate::derive::{Fields, derive_event_type};
use crate::error::ParseError;
use crate::event::AuditEvent;
use crate::fast;
use crate::layout::{Layout, classify};
use crate::rails_logs::{self, RailsLog};
use crate::record::Record;
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
    let Value::Object(mut map) = value else {
        return Err(ParseError::NotAnObject);
    };
    let layout = match layout {
        Some(layout) => layout,
        None => classify(&map)?,
    };
    match layout {
        Layout::AuditLog => from_flat(&mut map, raw, source),
        Layout::Rest | Layout::Stream => from_nested(&mut map, layout, raw, source),
        Layout::ApplicationLog => rails_logs::parse(map, RailsLog::Application, raw, source),
        Layout::AuthLog => rails_logs::parse(map, RailsLog::Auth, raw, source),
        Layout::ApiLog => rails_logs::parse(map, RailsLog::Api, raw, source),
    }
}

/// REST items and streamed bodies: a few top-level columns plus a schemaless `details` that
/// repeats some of them (`app/models/concerns/audit_events/common_model.rb` duplicates
/// author_name, entity_path and target_* between columns and details). Top level wins.
fn from_nested(
    top: &mut Map<String, Value>,
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
    let event_type = event_type.or_else(|| {
        derived(
            details.as_object()?,
            change.as_deref(),
            custom_message.as_deref(),
            entity_type.as_deref(),
        )
    });
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
/// field (severity, with, add, remove, correlation_id, meta.*, ...) becomes `details`.
///
/// Lines of current versions are the audit event itself merged with its `details`, which they
/// also keep as a member, plus the request context the JSON logger adds (`meta.remote_ip`,
/// `meta.user`; `lib/gitlab/audit/auditor.rb`, `lib/gitlab/json_logger.rb`). Old lines have only
/// `time`, and name what happened through `change`/`with`/`add`/`remove` (see `derive.rs`).
fn from_flat(
    map: &mut Map<String, Value>,
    raw: &str,
    source: &str,
) -> Result<AuditEvent, ParseError> {
    // Every line has `time`, when it was written; the event's own time wins where the line
    // has it too.
    let written = map.timestamp("time")?;
    let created_at = match map.get("created_at") {
        Some(v) if !v.is_null() => map.timestamp("created_at")?,
        _ => written,
    };
    map.take("time");
    map.take("created_at");
    if let Some(Value::Object(inner)) = map.remove("details") {
        for (key, value) in inner {
            map.entry(key).or_insert(value);
        }
    }
    // A current line carries the audit event's database id; old lines carry none, and hashing
    // the line makes re-ingesting the same file idempotent.
    let event_id = match map.take("id") {
        Some(Value::Number(id)) => id.to_string(),
        _ => content_id(raw),
    };
    let mut take = |key: &str| map.take_text(key);
    let event_type = take("event_name").or_else(|| take("event_type"));
    let author_name = take("author_name");
    let author_email = take("author_email");
    let entity_type = take("entity_type");
    let entity_path = take("entity_path");
    let target_id = take("target_id");
    let target_type = take("target_type");
    let target_details = take("target_details");
    let ip_address = take("ip_address").filter(|ip| !ip.is_empty());
    let change = take("change");
    let from = take("from");
    let to = take("to");
    let mut number = |key: &str| map.take_i64(key);
    let author_id = number("author_id");
    let entity_id = number("entity_id");
    // A git operation's message is an object (protocol, action) that rules read member by
    // member, as in REST and stream details: it stays in `details`; a text message moves out.
    let custom_message = match map.get("custom_message") {
        Some(Value::Object(_)) => map.get("custom_message").and_then(custom_message),
        _ => map.take("custom_message").as_ref().and_then(custom_message),
    };
    // The request's address, which the logger records for every line (many audited actions do
    // not copy it into the event).
    let ip_address = ip_address.or_else(|| first_text(map, &["meta.remote_ip", "remote_ip"]));
    let event_type = event_type.or_else(|| {
        derived(
            map,
            change.as_deref(),
            custom_message.as_deref(),
            entity_type.as_deref(),
        )
    });
    Ok(AuditEvent {
        source: source.to_owned(),
        event_id,
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
        details: Value::Object(std::mem::take(map)),
        raw: raw.to_owned(),
    })
}

/// The derived type of a record without one (`derive.rs`); `rest` holds `with`, `add`,
/// `remove` and `failed_login` where the record has them.
fn derived(
    rest: &Map<String, Value>,
    change: Option<&str>,
    custom_message: Option<&str>,
    entity_type: Option<&str>,
) -> Option<String> {
    let text = |key| rest.get(key).and_then(Value::as_str);
    let fields = Fields {
        change,
        with: text("with"),
        add: text("add"),
        remove: text("remove"),
        custom_message,
        failed_login: text("failed_login"),
        entity_type,
    };
    derive_event_type(&fields).map(str::to_owned)
}

/// The first of `keys` that holds a non-empty string.
pub(crate) fn first_text(map: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|k| map.get(*k).and_then(Value::as_str))
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `sha256:` and the first 16 bytes (32 hex digits) of the SHA-256 of the trimmed record.
pub(crate) fn content_id(raw: &str) -> String {
    let digest = Sha256::digest(raw.trim().as_bytes());
    format!("sha256:{}", hex::encode(&digest[..16]))
}
