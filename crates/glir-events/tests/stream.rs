//! Streaming destination bodies (reference §6): string and UUID ids, git-operation messages,
//! boolean from/to and the negative author ids of `lib/gitlab/audit/null_author.rb`.

use glir_events::{AuditEvent, AuthorKind, Layout, parse_event};

fn events() -> Vec<AuditEvent> {
    include_str!("fixtures/stream.jsonl")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| parse_event(line, None, "gitlab.example.test").expect("fixture line parses"))
        .collect()
}

fn nth(n: usize) -> AuditEvent {
    events().swap_remove(n)
}

#[test]
fn all_lines_are_detected_as_stream() {
    let events = events();
    assert_eq!(events.len(), 7);
    assert!(events.iter().all(|e| e.layout == Layout::Stream));
}

#[test]
fn reference_git_operation_by_deploy_key() {
    let e = nth(0);
    assert_eq!(e.event_id, "1");
    assert_eq!(e.event_type.as_deref(), Some("repository_git_operation"));
    assert_eq!(e.author_id, Some(-3));
    assert_eq!(e.author_kind(), AuthorKind::DeployKey);
    assert_eq!(e.custom_message.as_deref(), Some("ssh git-upload-pack"));
    assert_eq!(e.target_id.as_deref(), Some("29"));
    assert_eq!(e.entity_path.as_deref(), Some("grp/app"));
    assert_eq!(e.created_at.to_string(), "2025-03-02T05:43:53.662Z");
    assert_eq!(
        e.details["custom_message"],
        serde_json::json!({"protocol": "ssh", "action": "git-upload-pack"})
    );
}

#[test]
fn uuid_id_is_kept_as_is_and_deploy_token_is_recognised() {
    let e = nth(1);
    assert_eq!(e.event_id, "7f3c2a9e-5b1d-4c8e-9a47-0d2e6f81b3c5");
    assert_eq!(e.author_kind(), AuthorKind::DeployToken);
    assert_eq!(
        e.custom_message.as_deref(),
        Some("Downloaded artifact artifacts.zip")
    );
}

#[test]
fn boolean_from_and_to_become_text() {
    let e = nth(2);
    assert_eq!(e.change.as_deref(), Some("allow_force_push"));
    assert_eq!(e.from.as_deref(), Some("false"));
    assert_eq!(e.to.as_deref(), Some("true"));
    assert_eq!(e.author_email.as_deref(), Some("new@example.test"));
}

#[test]
fn every_negative_author_id_has_its_kind() {
    let kinds: Vec<(Option<i64>, AuthorKind)> = events()
        .iter()
        .map(|e| (e.author_id, e.author_kind()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Some(-3), AuthorKind::DeployKey),
            (Some(-2), AuthorKind::DeployToken),
            (Some(51), AuthorKind::User),
            (Some(-1), AuthorKind::Unauthenticated),
            (Some(-4), AuthorKind::OrbitIndexer),
            (Some(-9), AuthorKind::OtherSystem),
            (None, AuthorKind::Unknown),
        ]
    );
}

#[test]
fn http_git_operation_message_puts_protocol_first() {
    assert_eq!(
        nth(4).custom_message.as_deref(),
        Some("http git-upload-pack")
    );
}

#[test]
fn string_target_id_null_ip_and_unknown_keys() {
    let e = nth(5);
    assert_eq!(e.target_id.as_deref(), Some("flightjs/flight"));
    assert_eq!(e.ip_address, None);
    // Unknown top-level keys are not lost: they stay in raw.
    assert!(e.raw.contains("\"correlation_id\""));
}
