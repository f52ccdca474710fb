//! What fails a parse, and that error messages never quote the record.

use glir_events::{Layout, ParseError, parse_event};

const SECRET: &str = "glpat-AAAAbbbbCCCCddddEEEE";

fn err(raw: &str, layout: Option<Layout>) -> ParseError {
    parse_event(raw, layout, "s").expect_err("must fail")
}

#[test]
fn failures_name_the_field_and_hide_the_content() {
    let cases = [
        (format!("{{\"id\": \"{SECRET}\""), None, "invalid JSON: "),
        (format!("[\"{SECRET}\"]"), None, "not a JSON object"),
        (
            format!("\"{SECRET}\""),
            Some(Layout::Stream),
            "not a JSON object",
        ),
        (
            format!("{{\"id\": \"{SECRET}\"}}"),
            None,
            "no `created_at` (REST, stream) or `time` (log line)",
        ),
        (
            format!("{{\"id\": 1, \"created_at\": \"{SECRET}\"}}"),
            None,
            "field `created_at`: not an RFC 3339 timestamp",
        ),
        (
            format!("{{\"time\": 17, \"author_name\": \"{SECRET}\"}}"),
            None,
            "field `time`: not an RFC 3339 timestamp",
        ),
        (
            format!("{{\"id\": \"1\", \"created_at\": null, \"x\": \"{SECRET}\"}}"),
            Some(Layout::Stream),
            "missing field `created_at`",
        ),
    ];
    for (raw, layout, expected) in cases {
        let message = err(&raw, layout).to_string();
        assert!(message.starts_with(expected), "{message:?} for {layout:?}");
        assert!(!message.contains("glpat"), "{message:?} leaks content");
    }
}

#[test]
fn forced_layout_requires_its_timestamp_field() {
    let stream = include_str!("fixtures/stream.jsonl")
        .lines()
        .next()
        .expect("line");
    assert_eq!(
        err(stream, Some(Layout::AuditLog)),
        ParseError::MissingField("time")
    );
    let log = include_str!("fixtures/audit_json.log")
        .lines()
        .next()
        .expect("line");
    assert_eq!(
        err(log, Some(Layout::Rest)),
        ParseError::MissingField("created_at")
    );
}

#[test]
fn unknown_and_oddly_typed_fields_never_fail() {
    let raw = r#"{"id": {"weird": true}, "created_at": "2025-03-01T00:00:00Z", "author_id": "x",
                 "details": "not an object", "whatever": [1, 2]}"#;
    let e = parse_event(raw, None, "s").expect("parses");
    assert_eq!(e.author_id, None);
    assert_eq!(e.details, serde_json::json!("not an object"));
    // Without a usable id the event still gets a stable identity from its content.
    assert!(e.event_id.starts_with("sha256:"));
    assert_eq!(
        parse_event(raw, None, "s").expect("parses").event_id,
        e.event_id
    );
}
