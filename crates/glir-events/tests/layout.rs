//! Layout names and detection.

use glir_events::{Layout, detect_layout};
use serde_json::json;

#[test]
fn names_round_trip_and_aliases_parse() {
    for layout in [Layout::Rest, Layout::Stream, Layout::AuditLog] {
        assert_eq!(layout.to_string().parse::<Layout>(), Ok(layout));
        let quoted = serde_json::to_string(&layout).expect("serializes");
        assert_eq!(quoted, format!("\"{layout}\""));
    }
    assert_eq!("audit-json".parse::<Layout>(), Ok(Layout::AuditLog));
    let err = "csv".parse::<Layout>().expect_err("unknown");
    assert!(err.to_string().contains("`csv`"));
}

#[test]
fn detection_rules() {
    let rest = json!({"id": 5, "created_at": "2025-01-01T00:00:00Z", "details": {}});
    let rest_with_stream_keys =
        json!({"id": 5, "created_at": "2025-01-01T00:00:00Z", "event_type": "x"});
    let stream = json!({"id": "5", "created_at": "2025-01-01T00:00:00Z"});
    let stream_without_id = json!({"event_type": "x", "created_at": "2025-01-01T00:00:00Z"});
    let log = json!({"severity": "INFO", "time": "2025-01-01T00:00:00Z", "change": "x"});
    assert_eq!(detect_layout(&rest), Some(Layout::Rest));
    assert_eq!(detect_layout(&rest_with_stream_keys), Some(Layout::Rest));
    assert_eq!(detect_layout(&stream), Some(Layout::Stream));
    assert_eq!(detect_layout(&stream_without_id), Some(Layout::Stream));
    assert_eq!(detect_layout(&log), Some(Layout::AuditLog));
    assert_eq!(detect_layout(&json!({"id": 1})), None);
    assert_eq!(detect_layout(&json!([1, 2])), None);
}

#[test]
fn events_serialize_and_deserialize_unchanged() {
    let line = include_str!("fixtures/stream.jsonl")
        .lines()
        .next()
        .expect("line");
    let event = glir_events::parse_event(line, None, "gitlab.example.test").expect("parses");
    let json = serde_json::to_string(&event).expect("serializes");
    let back: glir_events::AuditEvent = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, event);
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(value["layout"], "stream");
    assert_eq!(value["created_at"], "2025-03-02T05:43:53.662Z");
}
