//! Malformed records: reported as `file:line: reason`, counted, skipped; strict mode stops.

mod common;

use common::{AUDIT_LOG, Case, STREAM, stream_lines};
use glir_events::Layout;
use glir_ingest::{IngestError, IngestOptions};

const SECRET: &str = "glpat-AAAAbbbbCCCCddddEEEE";

/// STREAM with broken lines spliced in; returns the text and the 1-based broken line numbers.
fn stream_with_bad_lines() -> (String, Vec<u64>) {
    let mut lines: Vec<String> = STREAM.lines().map(str::to_owned).collect();
    lines.insert(1, format!("{{\"id\": \"x\", \"token\": \"{SECRET}\"")); // cut off
    lines.insert(4, format!("[\"{SECRET}\"]")); // not an object
    lines.insert(
        6,
        format!("{{\"id\": \"y\", \"created_at\": \"{SECRET}\"}}"),
    ); // bad time
    (lines.join("\n") + "\n", vec![2, 5, 7])
}

#[test]
fn bad_lines_are_reported_with_their_line_numbers_and_skipped() {
    let mut case = Case::new();
    let (text, bad) = stream_with_bad_lines();
    let path = case.file("mixed.jsonl", text);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!((report.inserted, report.malformed), (7, 3));
    let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, bad);
    let shown: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(
        shown[0].starts_with(&format!("{}:2: invalid JSON: ", path.display())),
        "{}",
        shown[0]
    );
    assert_eq!(shown[1], format!("{}:5: not a JSON object", path.display()));
    assert_eq!(
        shown[2],
        format!(
            "{}:7: field `created_at`: not an RFC 3339 timestamp",
            path.display()
        )
    );
    assert!(
        shown.iter().all(|s| !s.contains("glpat")),
        "errors must not quote records"
    );
}

#[test]
fn invalid_utf8_is_replaced_and_named_and_overlong_lines_are_malformed() {
    let mut case = Case::new();
    // A Latin-1 byte in an author's name: the event is kept, the byte replaced, the line named.
    let mut bytes = b"{\"id\":\"latin1\",\"created_at\":\"2026-11-25T02:13:00Z\",\"event_type\":\"add_ssh_key\",\"author_id\":2,\"author_name\":\"Jos\xe9\"}\n".to_vec();
    bytes.extend(format!("\"{}\"\n", "x".repeat(9 * 1024 * 1024)).as_bytes());
    bytes.extend(STREAM.as_bytes());
    let path = case.file("binary.jsonl", bytes);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    let reasons: Vec<(u64, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.reason.as_str()))
        .collect();
    assert_eq!(reasons, [(2, "line longer than 8 MiB")]);
    assert_eq!(report.repaired, 1);
    assert_eq!(report.repairs[0].line, 1);
    assert_eq!(report.inserted, 8);
}

#[test]
fn only_the_first_errors_are_kept_but_all_are_counted() {
    let mut case = Case::new();
    let text = "not json\n".repeat(250) + STREAM;
    let path = case.file("noisy.jsonl", text);
    let opts = IngestOptions {
        max_reported_errors: 10,
        ..IngestOptions::default()
    };
    let report = case.ingest(&path, &opts).expect("ingest");
    assert_eq!(report.malformed, 250);
    assert_eq!(report.errors.len(), 10);
    assert_eq!(report.errors[9].line, 10);
    // The layout still comes from the first well-formed record.
    assert_eq!(report.layout(), Some(Layout::Stream));
}

#[test]
fn array_errors_name_the_element_and_its_line() {
    let mut case = Case::new();
    let text = "[\n  {\"id\": 1, \"created_at\": \"2025-03-01T00:00:00Z\"},\n  42,\n  {\"id\": 3,\n   \"details\": {}}\n]\ntrailing";
    let path = case.file("array.json", text);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    let shown: Vec<(u64, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.reason.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            (3, "element 2 of the array: not a JSON object"),
            (
                4,
                "element 3 of the array: no `created_at` (REST, stream) or `time` (log line): not an audit event"
            ),
            (7, "content after the closing `]` of the array"),
        ]
    );
    assert_eq!((report.inserted, report.malformed), (1, 3));
}

#[test]
fn a_truncated_array_reports_the_cut_record() {
    let mut case = Case::new();
    let text = "[{\"id\": 1, \"created_at\": \"2025-03-01T00:00:00Z\"},\n {\"id\": 2, \"crea";
    let path = case.file("cut.json", text);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(report.inserted, 1);
    assert_eq!(report.errors[0].line, 2);
    assert_eq!(
        report.errors[0].reason,
        "element 2 of the array: record cut off by the end of the file"
    );
}

#[test]
fn strict_mode_stops_at_the_first_bad_line_keeping_whole_batches() {
    let mut case = Case::new();
    let text = stream_lines(25) + "{oops\n" + &stream_lines(5);
    let path = case.file("strict.jsonl", text);
    let opts = IngestOptions {
        strict: true,
        batch_size: 10,
        ..IngestOptions::default()
    };
    let err = case.ingest(&path, &opts).expect_err("strict stops");
    let IngestError::Strict(line) = &err else {
        panic!("expected a strict stop, got {err}")
    };
    assert_eq!(line.line, 26);
    assert!(
        err.to_string()
            .starts_with(&format!("{}:26: invalid JSON", path.display())),
        "{err}"
    );
    // Batches 1-10 and 11-20 were committed; 21-25 were not a whole batch.
    assert_eq!(case.count(), 20);
}

#[test]
fn a_forced_layout_turns_misfits_into_malformed_records() {
    let mut case = Case::new();
    let stream = case.file("stream.jsonl", STREAM);
    let as_log = IngestOptions {
        layout: Some(Layout::AuditLog),
        ..IngestOptions::default()
    };
    match case.ingest(&stream, &as_log) {
        Err(IngestError::NoEvents { reason, .. }) => assert_eq!(
            reason,
            "no event in 7 records: 7 malformed (first, line 1: missing field `time`)"
        ),
        other => panic!("{other:?}"),
    }
    let log = case.file("audit_json.log", AUDIT_LOG);
    let as_stream = IngestOptions {
        layout: Some(Layout::Stream),
        ..IngestOptions::default()
    };
    match case.ingest(&log, &as_stream) {
        Err(IngestError::NoEvents { reason, .. }) => {
            assert!(
                reason.ends_with("(first, line 1: missing field `created_at`)"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(case.count(), 0);
}

#[test]
fn each_record_has_its_own_layout() {
    let mut case = Case::new();
    let text = STREAM.to_owned() + AUDIT_LOG.lines().next().expect("line") + "\n";
    let path = case.file("mixed-layouts.jsonl", text);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(
        (report.layout(), report.inserted, report.malformed),
        (Some(Layout::Stream), 8, 0)
    );
    assert_eq!(report.layouts, [(Layout::Stream, 7), (Layout::AuditLog, 1)]);
}
