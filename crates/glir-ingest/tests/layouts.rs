//! Every file shape: JSON Lines, JSON arrays, audit_json.log, gzip, with layout detection.

mod common;

use common::{AUDIT_LOG, Case, REST, STREAM, gzip};
use glir_events::Layout;
use glir_ingest::IngestOptions;
use glir_store::EventFilter;

#[test]
fn stream_jsonl_is_detected_and_stored() {
    let mut case = Case::new();
    let path = case.file("stream.jsonl", STREAM);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(report.layout(), Some(Layout::Stream));
    assert!(!report.gzip);
    assert_eq!(
        (report.records, report.inserted, report.malformed),
        (7, 7, 0)
    );
    assert_eq!(report.path, path);
    assert_eq!(case.count(), 7);
}

#[test]
fn rest_array_is_streamed_element_by_element() {
    let mut case = Case::new();
    let path = case.file("audit_events.json", REST);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(report.layout(), Some(Layout::Rest));
    assert_eq!(
        (report.records, report.inserted, report.malformed),
        (6, 6, 0)
    );
    let events = case
        .store
        .query_events(&EventFilter {
            actor: Some("mallory".into()),
            ..Default::default()
        })
        .expect("query");
    let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["105", "102", "104", "106"]);
}

#[test]
fn audit_json_log_is_detected() {
    let mut case = Case::new();
    let path = case.file("audit_json.log", AUDIT_LOG);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(report.layout(), Some(Layout::AuditLog));
    assert_eq!((report.records, report.inserted), (6, 6));
    let stored = case
        .store
        .query_events(&EventFilter::default())
        .expect("query");
    assert!(stored.iter().all(|e| e.layout == Layout::AuditLog));
    assert!(stored.iter().any(|e| e.details["with"] == "standard"));
}

#[test]
fn gzip_is_recognised_by_magic_bytes_not_name() {
    let mut case = Case::new();
    let path = case.file("audit_json.log.1", gzip(AUDIT_LOG.as_bytes()));
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert!(report.gzip);
    assert_eq!(
        (report.layout(), report.inserted),
        (Some(Layout::AuditLog), 6)
    );

    let array = case.file("rest.json.gz", gzip(REST.as_bytes()));
    let report = case
        .ingest(&array, &IngestOptions::default())
        .expect("ingest");
    assert!(report.gzip);
    assert_eq!((report.layout(), report.inserted), (Some(Layout::Rest), 6));

    let plain = case.file("named-like-gzip.gz", STREAM);
    let report = case
        .ingest(&plain, &IngestOptions::default())
        .expect("ingest");
    assert!(!report.gzip);
    assert_eq!(report.inserted, 7);
}

#[test]
fn concatenated_gzip_members_are_all_read() {
    let mut case = Case::new();
    let (first, second) =
        STREAM.split_at(STREAM.find("\n{\"id\": \"2047\"").expect("split point") + 1);
    let mut bytes = gzip(first.as_bytes());
    bytes.extend(gzip(second.as_bytes()));
    let path = case.file("rotated", bytes);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(report.inserted, 7);
}

#[test]
fn crlf_bom_and_blank_lines_are_tolerated() {
    let mut case = Case::new();
    let text = format!("\u{feff}\r\n\r\n{}", STREAM.replace('\n', "\r\n\r\n"));
    let path = case.file("windows.jsonl", text);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(
        (report.inserted, report.malformed),
        (7, 0),
        "{:?}",
        report.errors
    );
}

#[test]
fn pretty_printed_array_with_tricky_strings() {
    let mut case = Case::new();
    let text = r#"
[
  {
    "id": 1, "created_at": "2025-03-01T00:00:00Z",
    "details": {"custom_message": "braces } ] [ { and \"quotes\" \\", "nested": [1, {"a": "]"}]}
  } ,
  {"id": 2, "created_at": "2025-03-01T00:00:01Z", "details": {}}
]
"#;
    let path = case.file("pretty.json", text);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!((report.inserted, report.malformed), (2, 0));
    let events = case
        .store
        .query_events(&EventFilter::default())
        .expect("query");
    assert_eq!(
        events[0].custom_message.as_deref(),
        Some(r#"braces } ] [ { and "quotes" \"#)
    );
}

#[test]
fn empty_inputs_store_nothing_and_say_so() {
    let mut case = Case::new();
    for (name, text) in [
        ("empty.jsonl", ""),
        ("blank.jsonl", "\n\n  \n"),
        ("empty.json", " [ ] \n"),
    ] {
        let path = case.file(name, text);
        match case.ingest(&path, &IngestOptions::default()) {
            Err(glir_ingest::IngestError::NoEvents { reason, .. }) => {
                assert_eq!(reason, "no records", "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(case.count(), 0);
}
