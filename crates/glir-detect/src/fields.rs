//! The field layer: a canonical event seen under GitLab's streaming field names.

use glir_events::EventRef;
use serde_json::{Map, Value};

/// Top-level names a rule may use; anything under `details.` is allowed too.
pub const FIELD_NAMES: &[&str] = &[
    "id",
    "event_type",
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
    "created_at",
    "details",
];

/// Whether a rule field name is exposed by [`sigma_fields`], or is a `baseline.*` field the
/// detector adds when the pack reads one (`glir_baseline::FIELDS`).
pub fn is_known_field(name: &str) -> bool {
    FIELD_NAMES.contains(&name)
        || name.starts_with("details.")
        || glir_baseline::FIELDS
            .iter()
            .any(|(field, _)| *field == name)
}

/// The `baseline` object of an event's fields: every `baseline.*` answer, or `None` while the
/// baseline warms up.
pub(crate) fn baseline_object(n: &glir_baseline::Novelty) -> Option<Value> {
    let mut m = Map::new();
    for (field, _) in glir_baseline::FIELDS {
        let name = field.trim_start_matches("baseline.");
        let value = match n.field(name)? {
            glir_baseline::FieldValue::Bool(b) => Value::Bool(b),
            glir_baseline::FieldValue::Int(i) => Value::from(i),
        };
        m.insert(name.to_owned(), value);
    }
    Some(Value::Object(m))
}

/// The event as the JSON object rules match against: streaming names, absent values absent.
/// The detector reads the same fields in place (`event_view`); this is the materialised form.
pub fn sigma_fields<'a>(e: impl Into<EventRef<'a>>) -> Value {
    let e = e.into();
    let mut m = Map::new();
    // `id` is where rsigma's correlation refs look for an event id (EventRef::ID_FIELDS).
    put_str(&mut m, "id", Some(e.event_id));
    put_str(&mut m, "event_type", e.event_type);
    put_int(&mut m, "author_id", e.author_id);
    put_str(&mut m, "author_name", e.author_name);
    put_str(&mut m, "author_email", e.author_email);
    put_int(&mut m, "entity_id", e.entity_id);
    put_str(&mut m, "entity_type", e.entity_type);
    put_str(&mut m, "entity_path", e.entity_path);
    put_str(&mut m, "target_id", e.target_id);
    put_str(&mut m, "target_type", e.target_type);
    put_str(&mut m, "target_details", e.target_details);
    put_str(&mut m, "ip_address", e.ip_address);
    m.insert("created_at".into(), Value::String(e.created_at.to_string()));
    m.insert("details".into(), e.rule_details());
    Value::Object(m)
}

fn put_str(m: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        m.insert(key.into(), Value::String(v.to_owned()));
    }
}

fn put_int(m: &mut Map<String, Value>, key: &str, v: Option<i64>) {
    if let Some(v) = v {
        m.insert(key.into(), Value::from(v));
    }
}
