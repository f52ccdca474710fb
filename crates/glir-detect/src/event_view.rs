//! rsigma's `Event` over a borrowed [`AuditEvent`]: the same fields [`sigma_fields`] exposes,
//! looked up in place so the hot path builds no JSON per event.

use crate::fields::sigma_fields;
use glir_events::AuditEvent;
use rsigma_eval::{Event, EventValue, JsonEvent};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// rsigma caps JSON traversal at 64 levels from the root; `details` sits one level down.
const DETAILS_DEPTH: usize = 63;

/// An [`AuditEvent`] as rsigma sees it; agrees with `JsonEvent` over [`sigma_fields`].
pub(crate) struct EventView<'a>(pub(crate) &'a AuditEvent);

impl<'a> EventView<'a> {
    /// Top-level scalar fields, in [`sigma_fields`] order; absent values absent.
    fn top_level(&self) -> [(&'static str, Option<EventValue<'a>>); 12] {
        let e = self.0;
        let s = |v: &'a Option<String>| v.as_deref().map(|s| EventValue::Str(Cow::Borrowed(s)));
        [
            ("id", Some(EventValue::Str(Cow::Borrowed(&e.event_id)))),
            ("event_type", s(&e.event_type)),
            ("author_id", e.author_id.map(EventValue::Int)),
            ("author_name", s(&e.author_name)),
            ("author_email", s(&e.author_email)),
            ("entity_id", e.entity_id.map(EventValue::Int)),
            ("entity_type", s(&e.entity_type)),
            ("entity_path", s(&e.entity_path)),
            ("target_id", s(&e.target_id)),
            ("target_type", s(&e.target_type)),
            ("target_details", s(&e.target_details)),
            ("ip_address", s(&e.ip_address)),
        ]
    }

    /// One field by name: a `match` here, as this is the per-rule lookup on the hot path.
    fn field(&self, name: &str) -> Option<EventValue<'a>> {
        let e = self.0;
        let s = |v: &'a Option<String>| v.as_deref().map(|s| EventValue::Str(Cow::Borrowed(s)));
        match name {
            "id" => Some(EventValue::Str(Cow::Borrowed(&e.event_id))),
            "event_type" => s(&e.event_type),
            "author_id" => e.author_id.map(EventValue::Int),
            "author_name" => s(&e.author_name),
            "author_email" => s(&e.author_email),
            "entity_id" => e.entity_id.map(EventValue::Int),
            "entity_type" => s(&e.entity_type),
            "entity_path" => s(&e.entity_path),
            "target_id" => s(&e.target_id),
            "target_type" => s(&e.target_type),
            "target_details" => s(&e.target_details),
            "ip_address" => s(&e.ip_address),
            "created_at" => Some(EventValue::Str(Cow::Owned(e.created_at.to_string()))),
            "details" => Some(EventValue::Map(self.details_entries())),
            _ => None,
        }
    }

    fn details_object(&self) -> Option<&'a Map<String, Value>> {
        self.0.details.as_object()
    }

    /// Canonical change/from/to/custom_message that `details` lacks (see `fields::details`).
    fn merged(&self) -> impl Iterator<Item = (&'static str, &'a str)> + use<'a> {
        let e = self.0;
        let details = self.details_object();
        [
            ("change", &e.change),
            ("from", &e.from),
            ("to", &e.to),
            ("custom_message", &e.custom_message),
        ]
        .into_iter()
        .filter(move |(k, _)| !details.is_some_and(|d| d.contains_key(*k)))
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    }

    fn details_entries(&self) -> Vec<(Cow<'a, str>, EventValue<'a>)> {
        let mut entries: Vec<_> = self
            .details_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), EventValue::from(v)))
            .collect();
        entries.extend(
            self.merged()
                .map(|(k, v)| (Cow::Borrowed(k), EventValue::Str(Cow::Borrowed(v)))),
        );
        entries
    }

    /// `details.<rest>`, resolved as rsigma walks `{"details": {...}}` from the root.
    fn details_path(&self, rest: &str) -> Option<EventValue<'a>> {
        if let Some((_, v)) = self.merged().find(|(k, _)| *k == rest) {
            return Some(EventValue::Str(Cow::Borrowed(v)));
        }
        // A merged key is a string, so a longer path through it finds nothing, as in rsigma.
        let details = self.details_object()?;
        let nested = rest.contains(['.', '[', '\\']);
        if nested && details.contains_key(rest) {
            // rsigma prefers a flat key only at the root, so a literal dotted key inside
            // `details` must not match here: walk the materialised fields exactly as rsigma does.
            let full = JsonEvent::owned(sigma_fields(self.0));
            return full.get_field(&format!("details.{rest}")).map(into_owned);
        }
        if !nested {
            return details.get(rest).map(EventValue::from);
        }
        JsonEvent::borrow(&self.0.details)
            .get_field(rest)
            .map(into_owned)
    }

    fn visit_strings(&self, visit: &mut dyn FnMut(&str)) {
        for (_, v) in self.top_level() {
            if let Some(EventValue::Str(s)) = v {
                visit(&s);
            }
        }
        visit(&self.0.created_at.to_string());
        if self.details_object().is_some() {
            visit_json_strings(&self.0.details, visit, DETAILS_DEPTH);
        }
        for (_, v) in self.merged() {
            visit(v);
        }
    }
}

impl Event for EventView<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        if let Some(v) = self.field(path) {
            return Some(v);
        }
        // Every other top-level field is a scalar, so only `details` has anything beneath it.
        path.strip_prefix("details.")
            .and_then(|rest| self.details_path(rest))
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        let mut found = false;
        self.visit_strings(&mut |s| found = found || pred(s));
        found
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        self.visit_strings(&mut |s| out.push(Cow::Owned(s.to_owned())));
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        self.visit_strings(visit);
    }

    fn to_json(&self) -> Value {
        sigma_fields(self.0)
    }

    fn top_level_keys(&self) -> Option<Vec<Cow<'_, str>>> {
        let mut keys = Vec::new();
        self.visit_top_level_keys(&mut |k| keys.push(Cow::Owned(k.to_owned())));
        Some(keys)
    }

    fn visit_top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        for (k, v) in self.top_level() {
            if v.is_some() {
                visit(k);
            }
        }
        visit("created_at");
        visit("details");
        true
    }
}

/// [`EventView`] for the correlation engine, whose JSON is the event id alone. In reference mode
/// (`CorrelationEventMode::Refs`, the detector's setting) rsigma calls `to_json` on every event
/// that feeds a window only to read its id (rsigma-eval 0.23 `correlation/buffers.rs`,
/// `extract_event_id`, which looks at `id` first): the id alone gives the same reference without
/// copying the whole event. Everything else is the plain view's.
pub(crate) struct RefsView<'a>(pub(crate) EventView<'a>);

impl Event for RefsView<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        self.0.get_field(path)
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        self.0.any_string_value(pred)
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        self.0.all_string_values()
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        self.0.visit_string_values(visit);
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), Value::String(self.0.0.event_id.clone()));
        Value::Object(m)
    }

    fn field_keys(&self) -> Vec<Cow<'_, str>> {
        self.0.field_keys()
    }

    fn top_level_keys(&self) -> Option<Vec<Cow<'_, str>>> {
        self.0.top_level_keys()
    }

    fn visit_top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        self.0.visit_top_level_keys(visit)
    }
}

/// `JsonEvent::get_field` borrows from the `JsonEvent`, not the `Value`; owning the result
/// lets it outlive the temporary wrapper.
fn into_owned(v: EventValue<'_>) -> EventValue<'static> {
    match v {
        EventValue::Str(s) => EventValue::Str(Cow::Owned(s.into_owned())),
        EventValue::Int(n) => EventValue::Int(n),
        EventValue::Float(f) => EventValue::Float(f),
        EventValue::Bool(b) => EventValue::Bool(b),
        EventValue::Null => EventValue::Null,
        EventValue::Array(a) => EventValue::Array(a.into_iter().map(into_owned).collect()),
        EventValue::Map(m) => EventValue::Map(
            m.into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), into_owned(v)))
                .collect(),
        ),
    }
}

/// rsigma's string walk over JSON (`visit_string_values_json`), with the same depth cap.
fn visit_json_strings(v: &Value, visit: &mut dyn FnMut(&str), depth: usize) {
    if depth == 0 {
        return;
    }
    match v {
        Value::String(s) => visit(s),
        Value::Object(map) => map
            .values()
            .for_each(|v| visit_json_strings(v, visit, depth - 1)),
        Value::Array(arr) => arr
            .iter()
            .for_each(|v| visit_json_strings(v, visit, depth - 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glir_events::{Layout, parse_event};

    // Shapes as in shared/reference/gitlab-api.md §5 (REST), §6 (stream), §8 (audit_json.log);
    // the last stream record adds a dotted key, an array and a non-string `from` to `details`.
    const EVENTS: &[(&str, Layout)] = &[
        (
            r#"{"id": 102, "author_id": 51, "entity_id": 51, "entity_type": "User", "event_name": "user_email_address_updated", "details": {"change": "email address", "from": "old@example.test", "to": "new@example.test", "author_name": "Mallory", "target_id": 51, "target_type": "User", "target_details": "Mallory", "ip_address": "198.51.100.7", "entity_path": "Mallory"}, "created_at": "2025-03-01T08:34:25.639Z"}"#,
            Layout::Rest,
        ),
        (
            r#"{"id": "1", "author_id": -3, "entity_id": 29, "entity_type": "Project", "details": {"author_name": "ci-deploy-key", "author_class": "DeployKey", "custom_message": {"protocol": "ssh", "action": "git-upload-pack"}, "entity_path": "grp/app"}, "ip_address": "203.0.113.9", "author_name": "ci-deploy-key", "entity_path": "grp/app", "target_details": "app", "created_at": "2025-03-02T05:43:53.662Z", "target_type": "Project", "target_id": 29, "event_type": "repository_git_operation"}"#,
            Layout::Stream,
        ),
        (
            r#"{"severity":"INFO","time":"2025-03-02T17:38:22.523Z","author_id":3,"entity_id":2,"entity_type":"Project","change":"visibility","from":"Private","to":"Public","author_name":"Mallory","target_id":2,"target_type":"Project","target_details":"grp/app"}"#,
            Layout::AuditLog,
        ),
        (
            r#"{"id": "7", "author_id": 5, "entity_id": 9, "entity_type": "Group", "details": {"a.b": "flat", "a": {"b": "nested"}, "change": "mfa", "from": false, "to": true, "members": [{"name": "x"}, {"name": "y"}], "tags": ["p", "q"]}, "author_name": "Eve", "created_at": "2025-03-03T00:00:00Z", "event_type": "group_setting_updated"}"#,
            Layout::Stream,
        ),
    ];

    /// Paths beyond the top-level names in `FIELD_NAMES`: nesting, arrays and malformed paths.
    const DEEP_PATHS: &[&str] = &[
        "details.change",
        "details.from",
        "details.to",
        "details.custom_message",
        "details.custom_message.action",
        "details.change.x",
        "details.a.b",
        "details.a",
        "details.members.name",
        "details.members[1].name",
        "details.tags[0]",
        "details.tags",
        "details.author_class",
        "details.missing",
        "details[0]",
        "author_name.x",
        "missing",
        "details.",
        "details..a",
    ];

    fn events() -> Vec<AuditEvent> {
        EVENTS
            .iter()
            .map(|(raw, layout)| parse_event(raw, Some(*layout), "gl").unwrap())
            .collect()
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn lookups_agree_with_json_over_sigma_fields() {
        for e in events() {
            let json = sigma_fields(&e);
            let reference = JsonEvent::borrow(&json);
            let view = EventView(&e);
            for path in crate::fields::FIELD_NAMES.iter().chain(DEEP_PATHS) {
                assert_eq!(
                    view.get_field(path).map(|v| v.to_json()),
                    reference.get_field(path).map(|v| v.to_json()),
                    "{path} on {}",
                    e.raw
                );
            }
        }
    }

    #[test]
    fn refs_view_is_the_plain_view_with_only_the_id_as_json() {
        for e in events() {
            let (view, refs) = (EventView(&e), RefsView(EventView(&e)));
            assert_eq!(refs.to_json(), serde_json::json!({"id": e.event_id}));
            assert_eq!(refs.to_json()["id"], view.to_json()["id"]);
            for path in crate::fields::FIELD_NAMES.iter().chain(DEEP_PATHS) {
                assert_eq!(
                    refs.get_field(path).map(|v| v.to_json()),
                    view.get_field(path).map(|v| v.to_json()),
                    "{path}"
                );
            }
            assert_eq!(refs.field_keys(), view.field_keys());
            assert_eq!(refs.top_level_keys(), view.top_level_keys());
            assert_eq!(refs.all_string_values(), view.all_string_values());
        }
    }

    #[test]
    fn string_walks_and_keys_agree_with_json_over_sigma_fields() {
        for e in events() {
            let json = sigma_fields(&e);
            let reference = JsonEvent::borrow(&json);
            let view = EventView(&e);
            let strings = |ev: &dyn Event| {
                sorted(
                    ev.all_string_values()
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                )
            };
            assert_eq!(strings(&view), strings(&reference), "{}", e.raw);
            let keys = |ev: &dyn Event| {
                sorted(
                    ev.top_level_keys()
                        .unwrap()
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                )
            };
            assert_eq!(keys(&view), keys(&reference), "{}", e.raw);
            assert!(
                view.any_string_value(&|s| s == "grp/app") == json.to_string().contains("grp/app")
            );
            assert_eq!(view.to_json(), json);
        }
    }
}
