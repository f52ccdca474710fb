//! Turning GitLab's loosely typed JSON values into the plain strings the event keeps.

use serde_json::{Map, Value};

/// A value as text: strings as they are, booleans and numbers as written (`from`/`to` can be
/// `true`), containers as compact JSON; `null` is absence.
pub(crate) fn into_text(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// [`into_text`] for a borrowed value.
pub(crate) fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => into_text(other.clone()),
    }
}

/// An id that GitLab writes as a number, or sometimes as a numeric string.
pub(crate) fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `custom_message` is a string, or for git operations an object `{protocol, action}`
/// (`doc/api/audit_events.md`); the object reads best as "ssh git-upload-pack".
pub(crate) fn custom_message(v: &Value) -> Option<String> {
    match v {
        Value::Object(map) => Some(object_words(map).unwrap_or_else(|| v.to_string())),
        other => as_text(other),
    }
}

/// `protocol action` first, then any other scalar values in key order; `None` if the object holds
/// containers, which only compact JSON can show faithfully.
fn object_words(map: &Map<String, Value>) -> Option<String> {
    const LEADING: [&str; 2] = ["protocol", "action"];
    let leading = LEADING.iter().filter_map(|k| map.get(*k).map(|v| (*k, v)));
    let rest = map
        .iter()
        .filter(|(k, _)| !LEADING.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v));
    let mut words = Vec::with_capacity(map.len());
    for (_, v) in leading.chain(rest) {
        match v {
            Value::Object(_) | Value::Array(_) => return None,
            Value::Null => {}
            scalar => words.extend(as_text(scalar)),
        }
    }
    (!words.is_empty()).then(|| words.join(" "))
}
