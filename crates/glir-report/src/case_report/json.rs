//! The report as one JSON value, for other tools and for archiving next to the case.

use super::CaseReport;
use glir_redact::scrub;
use serde_json::Value;

/// Names the shape of [`to_json`]'s output; bump it when a field changes meaning or goes away.
const FORMAT: &str = "glir-case-report/1";

/// [`CaseReport`] serialised, plus `"format": "glir-case-report/1"` and each action's full
/// journal `hash` (which the journal record itself does not serialise). Every string, including
/// each event's raw JSON text, is scrubbed of token-shaped substrings.
pub fn to_json(report: &CaseReport) -> Value {
    let mut value = serde_json::to_value(report)
        .expect("a CaseReport serialises: its maps all have string keys");
    if let Some(actions) = value.get_mut("actions").and_then(Value::as_array_mut) {
        for (json, record) in actions.iter_mut().zip(&report.actions) {
            if let Some(object) = json.as_object_mut() {
                object.insert("hash".into(), Value::String(record.hash.clone()));
            }
        }
    }
    if let Some(object) = value.as_object_mut() {
        object.insert("format".into(), Value::String(FORMAT.into()));
    }
    scrub_value(&mut value);
    value
}

/// Scrubs every string and object key in place.
pub(super) fn scrub_value(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(clean) = scrub(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(map) => {
            for (key, mut item) in std::mem::take(map) {
                scrub_value(&mut item);
                map.insert(scrub(&key).into_owned(), item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
