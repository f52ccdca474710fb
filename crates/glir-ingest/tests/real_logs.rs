//! Files as GitLab and the documentation give them (glir-events' `fixtures/external`): pretty
//! objects, mixed audit_json.log shapes, other Rails logs, and files without a single event.

mod common;

use common::{AUDIT_LOG, Case, gzip};
use glir_events::Layout;
use glir_ingest::{IngestError, IngestOptions};
use glir_store::EventFilter;

fn external(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../glir-events/tests/fixtures/external/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn one_pretty_printed_object_is_one_event() {
    let mut case = Case::new();
    let path = case.file(
        "event.json",
        external("gitlab_docs_rest_single_audit_event.json"),
    );
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(
        (report.records, report.inserted, report.malformed),
        (1, 1, 0)
    );
    assert_eq!(report.layout(), Some(Layout::Rest));
}

#[test]
fn pretty_printed_objects_one_after_another_are_each_an_event() {
    let mut case = Case::new();
    let bytes = external("gitlab_docs_stream_git_operations.json");
    let path = case.file("examples.json", gzip(&bytes));
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert!(report.gzip);
    assert_eq!((report.records, report.malformed), (7, 0));
    // A broken object in the middle costs that object only.
    let text = String::from_utf8(bytes).expect("utf-8");
    let second = text.match_indices("\n{").nth(1).expect("three objects").0;
    let broken = format!("{}\n{{\"id\": 2,,}}{}", &text[..second], &text[second..]);
    let path = case.file("broken.json", broken);
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!((report.records, report.malformed), (7, 1));
}

#[test]
fn old_and_current_audit_log_lines_share_one_file() {
    // The issue that made glir reject real files: a current first line (with `created_at` and
    // a numeric `id`) used to fix the file's layout to `rest`, and the old lines after it failed.
    let current = r#"{"severity":"INFO","time":"2024-06-01T10:00:00.500Z","meta.remote_ip":"198.51.100.4","id":912,"author_id":7,"entity_id":9,"entity_type":"Project","details":{"event_name":"project_access_token_created"},"author_name":"Dana","created_at":"2024-06-01T10:00:00.491Z","target_type":"PersonalAccessToken","target_id":55,"event_name":"project_access_token_created"}"#;
    let mut case = Case::new();
    let path = case.file("audit_json.log", format!("{current}\n{AUDIT_LOG}"));
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!((report.records, report.malformed), (7, 0));
    assert_eq!(report.layouts, [(Layout::AuditLog, 7)]);
    let typed = case
        .store
        .query_events(&EventFilter::default())
        .expect("query")
        .iter()
        .filter(|e| e.event_type.is_some())
        .count();
    assert_eq!(typed, 7, "every line has or gets a type");
}

#[test]
fn rails_logs_are_their_own_sources_and_other_messages_are_counted() {
    let mut case = Case::new();
    let path = case.file("application_json.log", external("elastic_application.log"));
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(report.layouts, [(Layout::ApplicationLog, 3)]);
    assert_eq!(report.malformed, 0);
    assert_eq!(
        report.skipped,
        [(
            "an application_json.log message that is not a sign-in or sign-out".to_owned(),
            18
        )]
    );
    let path = case.file("api_json.log", external("elastic_api.log"));
    let report = case
        .ingest(&path, &IngestOptions::default())
        .expect("ingest");
    assert_eq!(report.layouts, [(Layout::ApiLog, 10)]);
}

#[test]
fn a_file_without_an_event_is_an_error_that_says_what_it_held() {
    let mut case = Case::new();
    let path = case.file("production_json.log", external("elastic_production.log"));
    match case.ingest(&path, &IngestOptions::default()) {
        Err(IngestError::NoEvents { reason, .. }) => {
            assert!(reason.contains("3 × a Rails request line"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let path = case.file("notes.txt", "not json\nat all\n");
    match case.ingest(&path, &IngestOptions::default()) {
        Err(IngestError::NoEvents { reason, .. }) => {
            assert!(
                reason.starts_with("no event in 2 records: 2 malformed"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    let path = case.file("empty.log", "");
    match case.ingest(&path, &IngestOptions::default()) {
        Err(IngestError::NoEvents { reason, .. }) => assert_eq!(reason, "no records"),
        other => panic!("{other:?}"),
    }
    assert_eq!(case.count(), 0);
}

#[test]
fn a_large_file_of_another_log_is_given_up_on_early() {
    let line = String::from_utf8(external("elastic_production.log")).expect("utf-8");
    let line = line.lines().next().expect("a line").to_owned() + "\n";
    let mut case = Case::new();
    let path = case.file("production_json.log", line.repeat(5000));
    match case.ingest(&path, &IngestOptions::default()) {
        Err(IngestError::NoEvents { reason, .. }) => {
            assert!(
                reason.starts_with("no event in the first 1000 records"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}
