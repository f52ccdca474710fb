//! REST `GET /audit_events` items (reference §5), including the old-entity and InstanceScope quirks.

use glir_events::{AuditEvent, AuthorKind, Layout, event_from_value, parse_event};
use serde_json::value::RawValue;

const SOURCE: &str = "gitlab.example.test";

fn items() -> Vec<Box<RawValue>> {
    serde_json::from_str(include_str!("fixtures/rest.json")).expect("fixture is a JSON array")
}

fn parse_all() -> Vec<AuditEvent> {
    items()
        .iter()
        .map(|raw| parse_event(raw.get(), None, SOURCE).expect("fixture item parses"))
        .collect()
}

fn by_id(events: &[AuditEvent], id: &str) -> AuditEvent {
    events
        .iter()
        .find(|e| e.event_id == id)
        .cloned()
        .unwrap_or_else(|| panic!("no event {id}"))
}

#[test]
fn every_item_is_detected_as_rest_with_decimal_id_and_source() {
    let events = parse_all();
    assert_eq!(events.len(), 6);
    for e in &events {
        assert_eq!(e.layout, Layout::Rest, "{}", e.event_id);
        assert_eq!(e.source, SOURCE);
        assert!(e.event_id.parse::<u64>().is_ok());
    }
}

#[test]
fn plain_item_maps_top_level_and_details_fields() {
    let e = by_id(&parse_all(), "101");
    assert_eq!(e.created_at.to_string(), "2025-03-01T07:00:41.885Z");
    assert_eq!(e.event_type.as_deref(), Some("project_archived"));
    assert_eq!(e.author_id, Some(1));
    assert_eq!(e.author_kind(), AuthorKind::User);
    assert_eq!(e.author_name.as_deref(), Some("Admin One"));
    assert_eq!(e.author_email.as_deref(), Some("admin@example.test"));
    assert_eq!(e.entity_id, Some(6));
    assert_eq!(e.entity_type.as_deref(), Some("Project"));
    assert_eq!(e.entity_path.as_deref(), Some("grp/app"));
    assert_eq!(e.target_id.as_deref(), Some("grp/app"));
    assert_eq!(e.target_type.as_deref(), Some("Project"));
    assert_eq!(e.ip_address.as_deref(), Some("198.51.100.7"));
    assert_eq!(e.custom_message.as_deref(), Some("Project archived"));
    assert_eq!(e.details["author_class"], serde_json::Value::Null);
    assert_eq!(e.details["target_id"], "grp/app");
}

#[test]
fn null_event_name_is_derived_null_ip_is_absent_and_int_target_id_becomes_text() {
    let e = by_id(&parse_all(), "102");
    // No name: the email change it describes gives one (derive.rs).
    assert_eq!(e.event_type.as_deref(), Some("user_email_address_updated"));
    assert_eq!(e.ip_address, None);
    assert_eq!(e.target_id.as_deref(), Some("51"));
    assert_eq!(e.change.as_deref(), Some("email address"));
    assert_eq!(e.from.as_deref(), Some("old@example.test"));
    assert_eq!(e.to.as_deref(), Some("new@example.test"));
}

#[test]
fn old_entity_without_event_name_falls_back_to_details() {
    let e = by_id(&parse_all(), "104");
    assert_eq!(e.event_type.as_deref(), Some("protected_branch_updated"));
    assert_eq!(e.from.as_deref(), Some("false"));
    assert_eq!(e.to.as_deref(), Some("true"));
}

#[test]
fn extra_streaming_keys_on_a_rest_item_are_tolerated_and_used() {
    let e = by_id(&parse_all(), "103");
    assert_eq!(e.layout, Layout::Rest);
    assert_eq!(
        e.event_type.as_deref(),
        Some("audit_events_streaming_instance_headers_create")
    );
    assert_eq!(
        e.entity_type.as_deref(),
        Some("Gitlab::Audit::InstanceScope")
    );
    assert_eq!(e.target_id.as_deref(), Some("32"));
    assert_eq!(e.ip_address.as_deref(), Some("127.0.0.1"));
}

#[test]
fn unauthenticated_author_is_recognised() {
    let e = by_id(&parse_all(), "105");
    assert_eq!(e.author_id, Some(-1));
    assert_eq!(e.author_kind(), AuthorKind::Unauthenticated);
    assert_eq!(e.target_id.as_deref(), Some("0"));
}

#[test]
fn offset_timestamps_are_normalised_to_utc() {
    let e = by_id(&parse_all(), "106");
    assert_eq!(e.created_at.to_string(), "2025-03-01T09:10:00Z");
}

#[test]
fn details_and_raw_are_kept_exactly() {
    for raw in items() {
        let e = parse_event(raw.get(), None, SOURCE).expect("parses");
        assert_eq!(e.raw, raw.get().trim());
        let original: serde_json::Value = serde_json::from_str(raw.get()).expect("json");
        assert_eq!(e.details, original["details"]);
    }
}

#[test]
fn value_entry_point_matches_text_entry_point() {
    for raw in items() {
        let value: serde_json::Value = serde_json::from_str(raw.get()).expect("json");
        let from_value = event_from_value(&value, raw.get(), Some(Layout::Rest), SOURCE);
        let from_text = parse_event(raw.get(), Some(Layout::Rest), SOURCE);
        assert_eq!(
            from_value.expect("value parses"),
            from_text.expect("text parses")
        );
    }
}
