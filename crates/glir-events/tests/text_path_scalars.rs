//! The text path borrows numbers, booleans and git-operation messages as written instead of
//! rendering a parsed value; it must give exactly what the value path gives for every shape
//! of those, including the ones where rendering changes the text.

use glir_events::{EventBatch, Layout, ParseError, event_from_value, parse_event};

fn via_value(raw: &str, layout: Option<Layout>) -> Result<glir_events::AuditEvent, ParseError> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    event_from_value(&value, raw, layout, "src")
}

fn record(fields: &str) -> String {
    format!(r#"{{"created_at": "2025-03-01T08:34:25.639Z", "event_type": "x", {fields}}}"#)
}

/// Number texts, some rendered differently by serde_json (`-0` is a float to it, `1.50` drops
/// a zero, exponents and overlong integers change shape).
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "7",
    "-7",
    "4102",
    "123456789012345678",
    "-123456789012345678",
    "1234567890123456789",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "1.50",
    "-0.0",
    "1e3",
    "2E-2",
];

fn check(raw: &str) {
    for layout in [None, Some(Layout::Rest), Some(Layout::Stream)] {
        let fast = parse_event(raw, layout, "src");
        assert_eq!(fast, via_value(raw, layout), "{raw} as {layout:?}");
        let mut batch = EventBatch::new();
        batch.push_record(raw, layout, "src").unwrap();
        assert_eq!(batch.get(0).unwrap().to_event(), fast.unwrap(), "{raw}");
    }
}

#[test]
fn numbers_read_as_the_value_path_reads_them() {
    for n in NUMBERS {
        for field in ["target_id", "author_id", "entity_id", "from", "change"] {
            check(&record(&format!(r#""{field}": {n}"#)));
            check(&record(&format!(r#""details": {{"{field}": {n}}}"#)));
        }
        check(&format!(
            r#"{{"created_at": "2025-03-01T08:34:25Z", "id": {n}}}"#
        ));
        check(&record(&format!(r#""custom_message": {{"count": {n}}}"#)));
    }
    let e = parse_event(&record(r#""target_id": 4102, "id": 12"#), None, "src").unwrap();
    assert_eq!(e.target_id.as_deref(), Some("4102"));
    assert_eq!(e.event_id, "12");
    // serde_json reads `-0` as a float: not an integer id, and written back as `-0.0`.
    let e = parse_event(&record(r#""author_id": -0, "target_id": -0"#), None, "src").unwrap();
    assert_eq!(e.author_id, None);
    assert_eq!(e.target_id.as_deref(), Some("-0.0"));
}

#[test]
fn literals_read_as_the_value_path_reads_them() {
    for v in [
        "true",
        "false",
        "null",
        r#""""#,
        r#""a\"b""#,
        "[]",
        "{}",
        r#"{"a": 1}"#,
    ] {
        for field in ["from", "to", "target_id", "author_name", "custom_message"] {
            check(&record(&format!(r#""{field}": {v}"#)));
            check(&record(&format!(r#""details": {{"{field}": {v}}}"#)));
        }
    }
}

#[test]
fn git_operation_messages_read_as_the_value_path_reads_them() {
    let messages = [
        r#"{"protocol": "ssh", "action": "git-upload-pack"}"#,
        r#"{"action": "git-receive-pack", "protocol": "http"}"#,
        r#"{"zeta": "z", "action": "a", "alpha": "y", "protocol": "p"}"#,
        r#"{"protocol": "", "action": "a"}"#,
        r#"{"extra": "", "protocol": "ssh"}"#,
        r#"{"protocol": null, "action": null}"#,
        r#"{"protocol": true, "n": 3, "m": -0, "f": 2.50}"#,
        r#"{"protocol": false, "n": 3}"#,
        r#"{"action": -0, "protocol": "ssh"}"#,
        r#"{"action": 2.50, "protocol": "ssh"}"#,
        r#"{"other": 12, "action": null, "protocol": "ssh"}"#,
        r#"{"action": "a", "action": "b"}"#,
        r#"{"protocol": "ssh", "protocol": "http"}"#,
        r#"{"protocol": "s\"sh", "action": "\u0061"}"#,
        r#"{"pr\u006ftocol": "ssh", "action": "a"}"#,
        r#"{"protocol": "ssh", "nested": {"a": 1}}"#,
        r#"{"protocol": "ssh", "list": []}"#,
        r#"{"é": "e", "z": "z", "Z": "Z", "protocol": "ssh"}"#,
        r#"{}"#,
    ];
    for m in messages {
        check(&record(&format!(r#""custom_message": {m}"#)));
        check(&record(&format!(r#""details": {{"custom_message": {m}}}"#)));
    }
    let e = parse_event(
        &record(&format!(r#""custom_message": {}"#, messages[1])),
        None,
        "src",
    )
    .unwrap();
    assert_eq!(e.custom_message.as_deref(), Some("http git-receive-pack"));
}
