//! `AuditEvent::summary`: one readable line per event type family.

use glir_events::parse_event;

fn summary(raw: &str) -> String {
    parse_event(raw, None, "s").expect("parses").summary()
}

#[test]
fn change_with_from_and_to() {
    let line = include_str!("fixtures/audit_json.log")
        .lines()
        .next()
        .expect("line");
    assert_eq!(
        summary(line),
        "visibility: Private → Public; target Project grp/app"
    );
}

#[test]
fn cleared_value_and_membership_and_sign_in() {
    let cleared = r#"{"time":"2025-03-02T17:38:22Z","change":"email","from":"a@x.test","to":null}"#;
    assert_eq!(summary(cleared), "email: a@x.test → ∅");
    let member = include_str!("fixtures/audit_json.log")
        .lines()
        .nth(2)
        .expect("line");
    assert_eq!(
        summary(member),
        "add user_access as Developer; target User Eve Outsider"
    );
    let sign_in = include_str!("fixtures/audit_json.log")
        .lines()
        .nth(1)
        .expect("line");
    assert_eq!(summary(sign_in), "with standard; target User Mallory");
}

#[test]
fn git_operation_message_and_fallbacks() {
    let git = include_str!("fixtures/stream.jsonl")
        .lines()
        .next()
        .expect("line");
    assert_eq!(summary(git), "ssh git-upload-pack; target Project app");
    let bare = r#"{"id":"9","created_at":"2025-03-02T17:38:22Z","event_type":"user_blocked"}"#;
    assert_eq!(summary(bare), "user_blocked");
}

#[test]
fn multi_line_messages_become_one_line() {
    let raw = r#"{"id":9,"created_at":"2025-03-02T17:38:22Z","details":{"custom_message":"first\nsecond\r\n"}}"#;
    assert_eq!(summary(raw), "first second");
}
