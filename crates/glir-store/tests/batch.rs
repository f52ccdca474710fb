//! Inserting borrowed events (an `EventBatch`), on both backends, and moving WAL checkpoints
//! off the writer (SQLite).

mod common;

use common::backends;
use glir_events::{AuditEvent, EventBatch, Layout, parse_event};
use glir_store::{EventFilter, Store};

/// One record of each layout, with the quirks a borrowed insert must store alike: nested REST
/// details, a stream record with a string id, an audit_json.log line whose details are its
/// leftover fields (stored as text), and an escaped value.
const RECORDS: [&str; 4] = [
    r#"{"id": 101, "author_id": 1, "entity_id": 6, "entity_type": "Project", "event_name": "project_archived", "details": {"custom_message": "Project archived", "author_name": "Admin One", "author_email": "admin@example.test", "target_id": 6, "target_type": "Project", "target_details": "grp/app", "ip_address": "198.51.100.7", "entity_path": "grp/app"}, "created_at": "2025-03-02T06:00:00.000Z"}"#,
    r#"{"id": "7f1c", "author_id": 51, "entity_id": 29, "entity_type": "Project", "details": {"change": "allow_force_push", "from": false, "to": true, "author_name": "Mallory \"M\" Quiet", "target_id": 12, "target_type": "ProtectedBranch", "target_details": "main", "ip_address": "203.0.113.50", "entity_path": "grp/app"}, "ip_address": "203.0.113.50", "author_name": "Mallory \"M\" Quiet", "entity_path": "grp/app", "target_details": "main", "created_at": "2025-03-02T06:00:01.000Z", "target_type": "ProtectedBranch", "target_id": 12, "event_type": "protected_branch_updated"}"#,
    r#"{"severity":"INFO","time":"2025-03-02T17:38:22.523Z","author_id":3,"entity_id":2,"entity_type":"Project","change":"visibility","from":"Private","to":"Public","author_name":"Mallory","target_id":2,"target_type":"Project","target_details":"grp/app","ip_address":"203.0.113.50","extra":{"b":[1,2.5,"x"],"a":null}}"#,
    r#"{"severity":"INFO","time":"2025-03-02T17:30:01.004Z","author_id":3,"entity_id":3,"entity_type":"User","with":"standard","author_name":"Mallory","target_id":3,"target_type":"User","target_details":"Mallory"}"#,
];

fn parsed() -> Vec<AuditEvent> {
    RECORDS
        .iter()
        .map(|r| parse_event(r, None, "gitlab.example.test").expect("parses"))
        .collect()
}

fn batch() -> EventBatch {
    let mut batch = EventBatch::new();
    for r in RECORDS {
        batch
            .push_record(r, None, "gitlab.example.test")
            .expect("parses");
    }
    batch
}

fn all(store: &Store) -> Vec<AuditEvent> {
    store.query_events(&EventFilter::default()).expect("query")
}

#[test]
fn borrowed_events_are_stored_exactly_as_owned_ones() {
    let events = parsed();
    assert_eq!(
        events.iter().map(|e| e.layout).collect::<Vec<_>>(),
        [
            Layout::Rest,
            Layout::Stream,
            Layout::AuditLog,
            Layout::AuditLog
        ]
    );
    let mut owned = backends("owned");
    let mut borrowed = backends("borrowed");
    assert_eq!(
        owned.stores.len(),
        borrowed.stores.len(),
        "the same backends"
    );
    let batch = batch();
    for ((backend, owned), (_, borrowed)) in owned.stores.iter_mut().zip(&mut borrowed.stores) {
        owned.insert_events(&events).expect("insert");
        let mut writer = borrowed.writer().expect("writer");
        let stats = writer.insert_refs(batch.iter()).expect("insert");
        writer.commit().expect("commit");
        assert_eq!(stats.inserted, 4, "{backend}");

        let stored = all(borrowed);
        assert_eq!(stored, all(owned), "{backend}");
        let mut expected = events.clone();
        expected.sort_by_key(|e| e.created_at);
        assert_eq!(stored, expected, "{backend}");
        // The lookup tables (SQLite) or columns (ClickHouse) were filled alike too.
        for filter in [
            EventFilter {
                actor: Some("mallory".into()),
                ..Default::default()
            },
            EventFilter {
                ip: Some("203.0.113.50".into()),
                ..Default::default()
            },
            EventFilter {
                event_type: Some("protected_branch_updated".into()),
                ..Default::default()
            },
        ] {
            let n = borrowed.count_events(&filter).expect("count");
            assert!(n > 0, "{backend}: {filter:?}");
            assert_eq!(
                n,
                owned.count_events(&filter).expect("count"),
                "{backend}: {filter:?}"
            );
        }
    }
}

#[test]
fn borrowed_duplicates_of_owned_events_are_counted() {
    let mut b = backends("borrowed_duplicates");
    let batch = batch();
    for (backend, store) in &mut b.stores {
        store.insert_events(&parsed()[..2]).expect("insert");
        let mut writer = store.writer().expect("writer");
        let stats = writer.insert_refs(batch.iter()).expect("insert");
        writer.commit().expect("commit");
        assert_eq!((stats.inserted, stats.duplicates), (2, 2), "{backend}");
        assert_eq!(all(store).len(), 4, "{backend}");
    }
}

#[test]
fn detached_checkpoints_keep_commits_readable_and_attaching_empties_the_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("glir.sqlite");
    let wal = dir.path().join("glir.sqlite-wal");
    let mut store = Store::open(&path).expect("store");
    let checkpointer = store
        .detach_checkpoints()
        .expect("detach")
        .expect("a file store has a WAL");
    let events = parsed();
    for e in &events {
        store
            .insert_events(std::slice::from_ref(e))
            .expect("insert");
        checkpointer.checkpoint().expect("checkpoint");
    }
    // Another connection sees every commit, checkpointed or not.
    let reader = Store::open(&path).expect("reader");
    assert_eq!(all(&reader), all(&store));
    drop(reader);
    assert!(std::fs::metadata(&wal).expect("wal").len() > 0);
    store.attach_checkpoints().expect("attach");
    assert_eq!(std::fs::metadata(&wal).expect("wal").len(), 0);
    drop(checkpointer);
    drop(store);
    let reopened = Store::open(&path).expect("reopen");
    assert_eq!(all(&reopened).len(), events.len());
}

#[test]
fn an_in_memory_store_has_no_checkpoints_to_detach() {
    let mut store = Store::open_in_memory().expect("store");
    assert!(store.detach_checkpoints().expect("detach").is_none());
    store.insert_events(&parsed()).expect("insert");
    store.attach_checkpoints().expect("attach");
    assert_eq!(all(&store).len(), 4);
}

#[test]
fn attaching_leaves_the_wal_to_a_reader_still_using_it_instead_of_failing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("glir.sqlite");
    let wal = dir.path().join("glir.sqlite-wal");
    let mut store = Store::open(&path).expect("store");
    let checkpointer = store.detach_checkpoints().expect("detach").expect("WAL");
    store.insert_events(&parsed()).expect("insert");
    let reader = rusqlite::Connection::open(&path).expect("reader");
    reader.execute_batch("BEGIN").expect("begin");
    let seen: i64 = reader
        .query_row("SELECT count(*) FROM events", [], |row| row.get(0))
        .expect("read");
    assert_eq!(seen, 4);
    store.attach_checkpoints().expect("attach");
    assert!(std::fs::metadata(&wal).expect("wal").len() > 0);
    reader.execute_batch("COMMIT").expect("end read");
    drop(checkpointer);
    // The store keeps writing once the reader has gone.
    store.insert_events(&parsed()).expect("duplicates");
    assert_eq!(all(&store).len(), 4);
}
