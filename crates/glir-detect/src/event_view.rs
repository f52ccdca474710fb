//! rsigma's `Event` over a borrowed event: the same fields [`sigma_fields`] exposes, looked up
//! in place so the hot path builds no JSON per event.

use crate::fields::{baseline_object, sigma_fields};
use glir_baseline::{Answer, FieldValue, Novelty};
use glir_events::{Details, DetailsMembers, EventRef};
use rsigma_eval::{Event, EventValue, JsonEvent};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::OnceCell;

/// rsigma caps JSON traversal at 64 levels from the root; `details` sits one level down.
const DETAILS_DEPTH: usize = 63;

/// The top-level fields of [`sigma_fields`], by name resolved once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Top {
    Id,
    EventType,
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
    CreatedAt,
    Details,
}

impl Top {
    pub(crate) fn of(name: &str) -> Option<Top> {
        Some(match name {
            "id" => Top::Id,
            "event_type" => Top::EventType,
            "author_id" => Top::AuthorId,
            "author_name" => Top::AuthorName,
            "author_email" => Top::AuthorEmail,
            "entity_id" => Top::EntityId,
            "entity_type" => Top::EntityType,
            "entity_path" => Top::EntityPath,
            "target_id" => Top::TargetId,
            "target_type" => Top::TargetType,
            "target_details" => Top::TargetDetails,
            "ip_address" => Top::IpAddress,
            "created_at" => Top::CreatedAt,
            "details" => Top::Details,
            _ => return None,
        })
    }
}

/// An event as rsigma sees it; agrees with `JsonEvent` over [`sigma_fields`]. Details still in
/// text form are parsed the first time a rule looks into them, and only then.
pub(crate) struct EventView<'a> {
    e: EventRef<'a>,
    /// What the baseline said of the event, when the pack reads `baseline.*` fields.
    baseline: Option<Novelty>,
    parsed: OnceCell<Value>,
    /// Members of text details: as the parser noted them, or read on first lookup without
    /// building a value.
    members: OnceCell<Option<Members<'a>>>,
}

enum Members<'a> {
    Noted(DetailsMembers<'a>),
    Read(Vec<(Cow<'a, str>, &'a str)>),
}

impl<'a> Members<'a> {
    fn has(&self, key: &str) -> bool {
        match self {
            Members::Noted(m) => m.iter().any(|(k, _)| k == key),
            Members::Read(m) => m.iter().any(|(k, _)| k == key),
        }
    }

    /// The JSON text of the last member named `key`, as a parsed map keeps it.
    fn last(&self, key: &str) -> Option<&'a str> {
        match self {
            Members::Noted(m) => m.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| v),
            Members::Read(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v),
        }
    }
}

impl<'a> EventView<'a> {
    pub(crate) fn with_baseline(e: EventRef<'a>, baseline: Option<Novelty>) -> EventView<'a> {
        EventView {
            e,
            baseline,
            parsed: OnceCell::new(),
            members: OnceCell::new(),
        }
    }

    /// `baseline.<name>`: absent without a baseline, while it warms up, or for a name it lacks.
    fn baseline_field(&self, name: &str) -> Option<EventValue<'_>> {
        self.baseline_answer(Answer::of(name)?)
    }

    /// [`baseline_field`](Self::baseline_field) of a resolved name.
    pub(crate) fn baseline_answer(&self, answer: Answer) -> Option<EventValue<'static>> {
        Some(match self.baseline?.answer(answer)? {
            FieldValue::Bool(b) => EventValue::Bool(b),
            FieldValue::Int(n) => EventValue::Int(n),
        })
    }

    /// The event's id, which correlation windows keep.
    pub(crate) fn event_id(&self) -> &'a str {
        self.e.event_id
    }

    /// Top-level scalar fields, in [`sigma_fields`] order; absent values absent.
    fn top_level(&self) -> [(&'static str, Option<EventValue<'a>>); 12] {
        let e = &self.e;
        let s = |v: Option<&'a str>| v.map(|s| EventValue::Str(Cow::Borrowed(s)));
        [
            ("id", s(Some(e.event_id))),
            ("event_type", s(e.event_type)),
            ("author_id", e.author_id.map(EventValue::Int)),
            ("author_name", s(e.author_name)),
            ("author_email", s(e.author_email)),
            ("entity_id", e.entity_id.map(EventValue::Int)),
            ("entity_type", s(e.entity_type)),
            ("entity_path", s(e.entity_path)),
            ("target_id", s(e.target_id)),
            ("target_type", s(e.target_type)),
            ("target_details", s(e.target_details)),
            ("ip_address", s(e.ip_address)),
        ]
    }

    /// One top-level field.
    pub(crate) fn top(&self, field: Top) -> Option<EventValue<'_>> {
        let e = &self.e;
        let s = |v: Option<&'a str>| v.map(|s| EventValue::Str(Cow::Borrowed(s)));
        match field {
            Top::Id => s(Some(e.event_id)),
            Top::EventType => s(e.event_type),
            Top::AuthorId => e.author_id.map(EventValue::Int),
            Top::AuthorName => s(e.author_name),
            Top::AuthorEmail => s(e.author_email),
            Top::EntityId => e.entity_id.map(EventValue::Int),
            Top::EntityType => s(e.entity_type),
            Top::EntityPath => s(e.entity_path),
            Top::TargetId => s(e.target_id),
            Top::TargetType => s(e.target_type),
            Top::TargetDetails => s(e.target_details),
            Top::IpAddress => s(e.ip_address),
            Top::CreatedAt => Some(EventValue::Str(Cow::Owned(e.created_at.to_string()))),
            Top::Details => Some(EventValue::Map(self.details_entries())),
        }
    }

    fn details_value(&self) -> &Value {
        match self.e.details {
            Details::Value(v) => v,
            Details::Text(_) => self.parsed.get_or_init(|| self.e.details.to_value()),
        }
    }

    fn details_object(&self) -> Option<&Map<String, Value>> {
        self.details_value().as_object()
    }

    fn details_is_object(&self) -> bool {
        match self.e.details {
            Details::Value(v) => v.is_object(),
            Details::Text(t) => t.starts_with('{'),
        }
    }

    fn text_members(&self) -> Option<&Members<'a>> {
        self.members
            .get_or_init(|| match self.e.details_members {
                Some(noted) => Some(Members::Noted(noted)),
                None => self.e.details.text_members().map(Members::Read),
            })
            .as_ref()
    }

    fn details_has(&self, key: &str) -> bool {
        match self.e.details {
            Details::Value(v) => v.as_object().is_some_and(|m| m.contains_key(key)),
            Details::Text(_) => self.text_members().is_some_and(|m| m.has(key)),
        }
    }

    /// One member of `details`; a repeated name gives the last, as in a parsed map. With
    /// `opaque_objects`, an object member still in text is given as an empty map instead of
    /// parsed: for matchers that never look inside maps, it matches the same.
    fn details_get(&self, key: &str, opaque_objects: bool) -> Option<EventValue<'_>> {
        match self.e.details {
            Details::Value(v) => v.as_object()?.get(key).map(EventValue::from),
            Details::Text(_) => {
                let text = self.text_members()?.last(key)?;
                if opaque_objects && text.starts_with('{') {
                    return Some(EventValue::Map(Vec::new()));
                }
                Some(json_value(text))
            }
        }
    }

    /// Canonical change/from/to/custom_message that `details` lacks (see `fields::details`).
    fn merged(&self) -> impl Iterator<Item = (&'static str, &'a str)> + '_ {
        let e = &self.e;
        [
            ("change", e.change),
            ("from", e.from),
            ("to", e.to),
            ("custom_message", e.custom_message),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        // Only now, as it may have to read the members of `details`.
        .filter(|(k, _)| !self.details_has(k))
    }

    fn details_entries(&self) -> Vec<(Cow<'_, str>, EventValue<'_>)> {
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
    fn details_path(&self, rest: &str) -> Option<EventValue<'_>> {
        if !rest.contains(['.', '[', '\\']) {
            return self.details_key(rest, false);
        }
        // A merged key is a plain name, and a string, so a longer path through it finds
        // nothing, as in rsigma.
        if !self.details_is_object() {
            return None;
        }
        if self.details_has(rest) {
            // rsigma prefers a flat key only at the root, so a literal dotted key inside
            // `details` must not match here: walk the materialised fields exactly as rsigma does.
            let full = JsonEvent::owned(sigma_fields(self.e));
            return full.get_field(&format!("details.{rest}")).map(into_owned);
        }
        if let Some(found) = self.member_of_member(rest) {
            return found;
        }
        JsonEvent::borrow(self.details_value())
            .get_field(rest)
            .map(into_owned)
    }

    /// `key.sub` of text details, reading only the `key` member (a git operation's
    /// `custom_message.action` is read on most events of a stream): `None` when the path or the
    /// member is not that simple and the whole details must be walked.
    fn member_of_member(&self, rest: &str) -> Option<Option<EventValue<'_>>> {
        let Details::Text(_) = self.e.details else {
            return None;
        };
        let (key, sub) = rest.split_once('.')?;
        if key.contains(['[', '\\']) || sub.contains(['.', '[', '\\']) {
            return None;
        }
        let Some(text) = self.text_members()?.last(key) else {
            // Absent, or merged in as a string: nothing beneath it.
            return Some(None);
        };
        match text.as_bytes().first() {
            Some(b'{') => {
                let member: Value = serde_json::from_str(text).ok()?;
                Some(JsonEvent::borrow(&member).get_field(sub).map(into_owned))
            }
            // rsigma looks into arrays element by element: left to the whole walk.
            Some(b'[') => None,
            _ => Some(None),
        }
    }

    /// `details.<key>` for a key that is a plain name (no `.`, `[` or `\`), as
    /// [`get_field`](Event::get_field) gives it, or as [`details_get`](Self::details_get) with
    /// `opaque_objects`.
    pub(crate) fn details_key(&self, key: &str, opaque_objects: bool) -> Option<EventValue<'_>> {
        if let Some(v) = self.details_get(key, opaque_objects) {
            return Some(v);
        }
        // What `details` lacks of the canonical change/from/to/custom_message is merged in.
        let e = &self.e;
        let merged = match key {
            "change" => e.change,
            "from" => e.from,
            "to" => e.to,
            "custom_message" => e.custom_message,
            _ => None,
        };
        merged.map(|v| EventValue::Str(Cow::Borrowed(v)))
    }

    fn visit_strings(&self, visit: &mut dyn FnMut(&str)) {
        for (_, v) in self.top_level() {
            if let Some(EventValue::Str(s)) = v {
                visit(&s);
            }
        }
        visit(&self.e.created_at.to_string());
        if self.details_object().is_some() {
            visit_json_strings(self.details_value(), visit, DETAILS_DEPTH);
        }
        for (_, v) in self.merged() {
            visit(v);
        }
    }
}

impl Event for EventView<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        if let Some(v) = Top::of(path).and_then(|t| self.top(t)) {
            return Some(v);
        }
        if let Some(name) = path.strip_prefix("baseline.") {
            return self.baseline_field(name);
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
        let mut fields = sigma_fields(self.e);
        if let (Some(n), Value::Object(m)) = (self.baseline, &mut fields)
            && let Some(baseline) = baseline_object(&n)
        {
            m.insert("baseline".into(), baseline);
        }
        fields
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
        if self.baseline.is_some_and(|n| n.ready) {
            visit("baseline");
        }
        true
    }
}

/// [`EventView`] for the correlation engine, whose JSON is the event id alone. In reference mode
/// (`CorrelationEventMode::Refs`, the detector's setting) rsigma calls `to_json` on every event
/// that feeds a window only to read its id (rsigma-eval 0.23 `correlation/buffers.rs`,
/// `extract_event_id`, which looks at `id` first): the id alone gives the same reference without
/// copying the whole event. Everything else is the plain view's.
pub(crate) struct RefsView<'v, 'a>(pub(crate) &'v EventView<'a>);

impl Event for RefsView<'_, '_> {
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
        m.insert("id".into(), Value::String(self.0.e.event_id.to_owned()));
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

/// `EventValue::from` of a member's JSON text, borrowing plain strings.
fn json_value(text: &str) -> EventValue<'_> {
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
        && !inner.contains('\\')
    {
        return EventValue::Str(Cow::Borrowed(inner));
    }
    // What serde_json makes of the plain scalars, without building a value.
    match text {
        "true" => return EventValue::Bool(true),
        "false" => return EventValue::Bool(false),
        "null" => return EventValue::Null,
        _ => {}
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = text.parse::<i64>()
    {
        return EventValue::Int(n);
    }
    // Member texts come from details already checked to be valid JSON.
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    into_owned(EventValue::from(&value))
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
    use glir_events::{AuditEvent, EventBatch, Layout, parse_event};

    // Shapes as GitLab documents them: REST (`doc/api/audit_events.md`), streaming
    // (`doc/user/compliance/audit_event_streaming.md`) and audit_json.log
    // (`doc/administration/compliance/audit_event_reports.md`, `doc/administration/logs/_index.md`);
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

    /// The events twice: borrowed from parsed events (details a value) and from a batch
    /// (details still text).
    fn views(events: &[AuditEvent], batch: &mut EventBatch) -> Vec<(AuditEvent, bool)> {
        batch.clear();
        for (raw, layout) in EVENTS {
            batch.push_record(raw, Some(*layout), "gl").unwrap();
        }
        let mut out: Vec<(AuditEvent, bool)> = events.iter().map(|e| (e.clone(), false)).collect();
        out.extend(events.iter().map(|e| (e.clone(), true)));
        out
    }

    fn view<'a>(e: &'a AuditEvent, batch: &'a EventBatch, from_batch: bool) -> EventView<'a> {
        if !from_batch {
            return EventView::with_baseline(EventRef::from(e), None);
        }
        let found = batch.iter().find(|b| b.raw == e.raw).expect("pushed");
        assert!(matches!(found.details, Details::Text(_)));
        EventView::with_baseline(found, None)
    }

    #[test]
    fn every_field_name_resolves_to_its_own_top_level_field() {
        let resolved: Vec<Top> = crate::fields::FIELD_NAMES
            .iter()
            .map(|n| Top::of(n).unwrap_or_else(|| panic!("{n} does not resolve")))
            .collect();
        // In the enum's order, each once, none left out: the two lists say the same.
        let order: Vec<usize> = resolved.iter().map(|&t| t as usize).collect();
        assert_eq!(order, (0..=Top::Details as usize).collect::<Vec<_>>());
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn lookups_agree_with_json_over_sigma_fields() {
        let mut batch = EventBatch::new();
        for (e, from_batch) in views(&events(), &mut batch) {
            let json = sigma_fields(&e);
            let reference = JsonEvent::borrow(&json);
            let view = view(&e, &batch, from_batch);
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
        let mut batch = EventBatch::new();
        for (e, from_batch) in views(&events(), &mut batch) {
            let view = view(&e, &batch, from_batch);
            let refs = RefsView(&view);
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
        let mut batch = EventBatch::new();
        for (e, from_batch) in views(&events(), &mut batch) {
            let json = sigma_fields(&e);
            let reference = JsonEvent::borrow(&json);
            let view = view(&e, &batch, from_batch);
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
