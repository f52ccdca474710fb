//! `gitlab-rails/audit_json.log` lines (reference §8): flat fields, no id.

use glir_events::{AuditEvent, AuthorKind, Layout, parse_event};

fn lines() -> Vec<&'static str> {
    include_str!("fixtures/audit_json.log").lines().collect()
}

fn events() -> Vec<AuditEvent> {
    lines()
        .into_iter()
        .map(|line| parse_event(line, None, "gitlab.example.test").expect("fixture line parses"))
        .collect()
}

#[test]
fn lines_are_detected_and_get_content_ids() {
    let events = events();
    assert_eq!(events.len(), 6);
    for e in &events {
        assert_eq!(e.layout, Layout::AuditLog);
        let hex = e.event_id.strip_prefix("sha256:").expect("sha256 prefix");
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let mut ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "distinct lines get distinct ids");
}

#[test]
fn content_id_ignores_surrounding_whitespace_only() {
    let line = lines()[0];
    let plain = parse_event(line, None, "s").expect("parses");
    let padded = parse_event(&format!("  {line}\r\n"), None, "s").expect("parses");
    assert_eq!(plain.event_id, padded.event_id);
    assert_eq!(padded.raw, line);
    let edited = line.replace("Public", "Internal");
    assert_ne!(
        parse_event(&edited, None, "s").expect("parses").event_id,
        plain.event_id
    );
}

#[test]
fn visibility_change_maps_flat_fields() {
    let e = &events()[0];
    assert_eq!(e.created_at.to_string(), "2025-03-02T17:38:22.523Z");
    assert_eq!(
        e.event_type.as_deref(),
        Some("project_visibility_level_updated")
    );
    assert_eq!(e.author_id, Some(3));
    assert_eq!(e.author_name.as_deref(), Some("Mallory"));
    assert_eq!(e.entity_id, Some(2));
    assert_eq!(e.entity_type.as_deref(), Some("Project"));
    assert_eq!(e.change.as_deref(), Some("visibility"));
    assert_eq!(e.from.as_deref(), Some("Private"));
    assert_eq!(e.to.as_deref(), Some("Public"));
    assert_eq!(e.target_id.as_deref(), Some("2"));
    assert_eq!(e.target_type.as_deref(), Some("Project"));
    assert_eq!(e.target_details.as_deref(), Some("grp/app"));
    assert_eq!(e.details, serde_json::json!({"severity": "INFO"}));
}

#[test]
fn unmapped_fields_go_to_details() {
    let events = events();
    assert_eq!(
        events[1].details,
        serde_json::json!({"severity": "INFO", "with": "standard"})
    );
    assert_eq!(
        events[2].details,
        serde_json::json!({"severity": "INFO", "add": "user_access", "as": "Developer", "member_id": 77})
    );
    assert_eq!(events[3].details["remove"], "ssh_key");
    assert_eq!(
        events[5].details["correlation_id"],
        "01GYDSAKAN2SPZPAMJNRWW5H8S"
    );
}

#[test]
fn email_path_booleans_and_unauthenticated_author() {
    let events = events();
    assert_eq!(
        events[3].author_email.as_deref(),
        Some("admin@example.test")
    );
    assert_eq!(events[4].entity_path.as_deref(), Some("grp"));
    assert_eq!(events[4].from.as_deref(), Some("false"));
    assert_eq!(events[4].to.as_deref(), Some("true"));
    assert_eq!(events[5].author_kind(), AuthorKind::Unauthenticated);
    assert_eq!(events[5].ip_address.as_deref(), Some("203.0.113.50"));
    assert_eq!(
        events[5].custom_message.as_deref(),
        Some("Failed to login with STANDARD authentication")
    );
}

#[test]
fn lines_without_a_name_get_the_type_of_what_they_say() {
    let types: Vec<Option<String>> = events().into_iter().map(|e| e.event_type).collect();
    let expected = [
        Some("project_visibility_level_updated"),
        Some("authenticated_with_password"),
        Some("member_created"),
        Some("remove_ssh_key"),
        Some("group_require_two_factor_authentication_updated"),
        Some("login_failed_with_standard_authentication"),
    ];
    assert_eq!(types, expected.map(|t| t.map(str::to_owned)));
}

#[test]
fn a_named_line_keeps_its_name() {
    let line = r#"{"severity":"INFO","time":"2025-03-02T17:38:22.523Z","event_name":"custom_event","change":"visibility","entity_type":"Project","author_id":1}"#;
    let e = parse_event(line, None, "s").expect("parses");
    assert_eq!(e.event_type.as_deref(), Some("custom_event"));
}
