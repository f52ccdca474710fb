//! An event as a row of the ClickHouse `events` table: every field a filter or a rule reads as
//! a typed column, extracted here rather than in SQL (ClickHouse before 19.x has no
//! `JSONExtract*`), and the whole event as `record` to read it back unchanged.

use glir_events::{AuditEvent, EventRef};
use serde::Serialize;
use serde_json::Value;

/// What a `details_kinds` element says its value was in JSON.
pub const KIND_STRING: u8 = 1;
/// A JSON number, kept as its JSON text.
pub const KIND_NUMBER: u8 = 2;
/// `true` or `false`.
pub const KIND_BOOL: u8 = 3;
/// `null`; the value is empty.
pub const KIND_NULL: u8 = 4;

/// A `details` object deeper than this is cut off: attacker-controlled JSON must not recurse
/// without bound. GitLab's own details are two or three levels deep.
const MAX_DEPTH: usize = 16;

/// One `events` row, serialised as a line of `JSONEachRow`.
#[derive(Serialize)]
pub(crate) struct EventRow<'a> {
    pub created_us: i64,
    pub event_id: &'a str,
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
    /// The address's network as the baseline groups addresses (`glir_baseline::network`),
    /// empty when it has none: the SQL baseline reads it (`baseline.rs`), and ClickHouse cannot
    /// parse an IPv6 address exactly as Rust does.
    pub network: String,
    pub created_at: String,
    pub details_keys: Vec<String>,
    pub details_values: Vec<String>,
    pub details_kinds: Vec<u8>,
    /// 1 when `details` nests deeper than the arrays keep ([`MAX_DEPTH`]): a rule's answer
    /// on such an event cannot be read off the arrays.
    pub details_truncated: u8,
    pub source: &'a str,
    pub record: String,
    pub version: u64,
}

impl<'a> EventRow<'a> {
    /// The row of `e`; `version` decides which copy of an event stored twice is kept.
    pub(crate) fn new(e: &'a AuditEvent, version: u64) -> EventRow<'a> {
        let view = EventRef::from(e);
        let mut flat = Flat::default();
        flat.add("", &view.rule_details(), 0);
        EventRow {
            created_us: e.created_at.as_microsecond(),
            event_id: &e.event_id,
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
            network: e
                .ip_address
                .as_deref()
                .and_then(glir_baseline::network)
                .map(|n| n.into_owned())
                .unwrap_or_default(),
            // The text rules see as `created_at` (`glir_detect::sigma_fields`).
            created_at: e.created_at.to_string(),
            details_keys: flat.keys,
            details_values: flat.values,
            details_kinds: flat.kinds,
            details_truncated: u8::from(flat.truncated),
            source: &e.source,
            record: serde_json::to_string(e).expect("an event serializes"),
            version,
        }
    }
}

/// `details` flattened to parallel arrays: a nested member's key is its dotted path, and each
/// element of an array is one entry under the array's key.
#[derive(Default)]
struct Flat {
    keys: Vec<String>,
    values: Vec<String>,
    kinds: Vec<u8>,
    /// A container was left out for being too deep.
    truncated: bool,
}

impl Flat {
    fn add(&mut self, key: &str, value: &Value, depth: usize) {
        match value {
            Value::Object(map) if depth < MAX_DEPTH => {
                for (k, v) in map {
                    let path = if key.is_empty() {
                        k.clone()
                    } else {
                        format!("{key}.{k}")
                    };
                    self.add(&path, v, depth + 1);
                }
            }
            Value::Array(items) if depth < MAX_DEPTH => {
                for item in items {
                    self.add(key, item, depth + 1);
                }
            }
            Value::Object(_) | Value::Array(_) => self.truncated = true,
            Value::String(s) => self.push(key, s.clone(), KIND_STRING),
            Value::Number(n) => self.push(key, n.to_string(), KIND_NUMBER),
            Value::Bool(b) => self.push(key, b.to_string(), KIND_BOOL),
            Value::Null => self.push(key, String::new(), KIND_NULL),
        }
    }

    fn push(&mut self, key: &str, value: String, kind: u8) {
        if key.is_empty() {
            return;
        }
        self.keys.push(key.to_owned());
        self.values.push(value);
        self.kinds.push(kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glir_events::Layout;

    #[test]
    fn details_become_dotted_keys_with_their_json_kinds() {
        let e = AuditEvent {
            source: "gitlab.example.com".into(),
            event_id: "7".into(),
            layout: Layout::Rest,
            created_at: "2026-01-02T03:04:05.123456Z".parse().unwrap(),
            event_type: Some("user_blocked".into()),
            author_id: Some(1),
            author_name: None,
            author_email: None,
            entity_id: None,
            entity_type: None,
            entity_path: None,
            target_id: None,
            target_type: None,
            target_details: None,
            ip_address: None,
            change: Some("state".into()),
            from: None,
            to: None,
            custom_message: None,
            details: serde_json::json!({"a": {"b": [1, "x"]}, "on": true, "gone": null}),
            raw: "{}".into(),
        };
        let row = EventRow::new(&e, 9);
        let mut entries: Vec<_> = row
            .details_keys
            .iter()
            .zip(&row.details_values)
            .zip(&row.details_kinds)
            .map(|((k, v), kind)| (k.as_str(), v.as_str(), *kind))
            .collect();
        entries.sort();
        assert_eq!(
            entries,
            [
                ("a.b", "1", KIND_NUMBER),
                ("a.b", "x", KIND_STRING),
                ("change", "state", KIND_STRING),
                ("gone", "", KIND_NULL),
                ("on", "true", KIND_BOOL),
            ]
        );
        assert_eq!(row.details_truncated, 0);
        assert_eq!(row.created_us, 1_767_323_045_123_456);
        assert_eq!(row.created_at, "2026-01-02T03:04:05.123456Z");
        let back: AuditEvent = serde_json::from_str(&row.record).unwrap();
        assert_eq!(back, e);
        let mut deep = serde_json::json!("bottom");
        for _ in 0..MAX_DEPTH {
            deep = serde_json::json!({ "x": deep });
        }
        let e = AuditEvent {
            details: serde_json::json!({ "deep": deep }),
            ..e
        };
        assert_eq!(EventRow::new(&e, 9).details_truncated, 1);
    }
}
