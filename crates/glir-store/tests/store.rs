//! Opening, migrating, inserting and checkpointing; what both backends do alike runs on both.

mod common;

use common::{BASE, Spec, backends, backends_with, event};
use glir_store::{EventFilter, InsertStats, LATEST_VERSION, Store, StoreError};
use serde_json::json;

#[test]
fn open_creates_the_directory_and_uses_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/case-42/glir.sqlite");
    let mut store = Store::open(&path).expect("opens");
    assert_eq!(store.schema_version().expect("version"), LATEST_VERSION);
    store.insert_events(&[event("h", &BASE)]).expect("insert");
    assert!(path.exists());
    assert!(
        dir.path().join("nested/case-42/glir.sqlite-wal").exists(),
        "WAL journal in use"
    );
    drop(store);
    let store = Store::open(&path).expect("reopens");
    assert_eq!(
        store.count_events(&EventFilter::default()).expect("count"),
        1
    );
}

#[test]
fn a_newer_schema_is_refused_in_plain_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("future.sqlite");
    rusqlite::Connection::open(&path)
        .and_then(|c| c.pragma_update(None, "user_version", 7))
        .expect("prepare file");
    let err = Store::open(&path).err().expect("must refuse");
    assert!(matches!(err, StoreError::TooNew { found: 7, .. }));
    assert_eq!(
        err.to_string(),
        format!("store schema version 7 is newer than this glir (max {LATEST_VERSION})")
    );
}

#[test]
fn a_file_that_is_not_a_database_is_named_in_the_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "these are not the pages you are looking for ".repeat(100),
    )
    .expect("write");
    let message = Store::open(&path).err().expect("must fail").to_string();
    assert!(
        message.starts_with(&format!("cannot open store at {}: ", path.display())),
        "{message}"
    );
}

#[test]
fn events_round_trip_and_duplicates_are_counted() {
    let mut b = backends("round_trip_duplicates");
    let first = event("gitlab.example.test", &BASE);
    let second = event("gitlab.example.test", &Spec { id: "2", ..BASE });
    for (backend, store) in &mut b.stores {
        let stats = store
            .insert_events(&[first.clone(), second.clone()])
            .expect("insert");
        assert_eq!(
            stats,
            InsertStats {
                inserted: 2,
                duplicates: 0
            },
            "{backend}"
        );
        let again = store
            .insert_events(&[first.clone(), second.clone()])
            .expect("insert");
        assert_eq!(
            again,
            InsertStats {
                inserted: 0,
                duplicates: 2
            },
            "{backend}"
        );
        let stored = store
            .query_events(&EventFilter {
                source: Some("gitlab.example.test".into()),
                ..Default::default()
            })
            .expect("query");
        assert_eq!(stored, vec![first.clone(), second.clone()], "{backend}");
    }
}

/// The same GitLab event collected from the API and then ingested from a file (the case's own
/// audit file, under the default source `local`) is one event that both sources find.
#[test]
fn one_event_from_two_sources_is_stored_once_and_found_under_both() {
    let mut b = backends("two_sources");
    let collected = event("gitlab.example.test", &BASE);
    let other = event("gitlab.example.test", &Spec { id: "2", ..BASE });
    for (backend, store) in &mut b.stores {
        store
            .insert_events(&[collected.clone(), other.clone()])
            .expect("collect");
        let from_file = event("local", &BASE);
        let stats = store.insert_events(&[from_file]).expect("ingest");
        assert_eq!(
            stats,
            InsertStats {
                inserted: 0,
                duplicates: 1
            },
            "{backend}"
        );
        assert_eq!(
            store.count_events(&EventFilter::default()).expect("count"),
            2,
            "{backend}"
        );
        let under = |source: &str| {
            store
                .query_events(&EventFilter {
                    source: Some(source.into()),
                    ..Default::default()
                })
                .expect("query")
        };
        // The row keeps the source it first came from.
        assert_eq!(under("local"), vec![collected.clone()], "{backend}");
        assert_eq!(
            under("gitlab.example.test"),
            vec![collected.clone(), other.clone()],
            "{backend}"
        );
        // A filter on source and actor together (the actor drives through its postings on
        // SQLite).
        let both = store
            .count_events(&EventFilter {
                source: Some("local".into()),
                actor: Some(BASE.author.into()),
                ..Default::default()
            })
            .expect("count");
        assert_eq!(both, 1, "{backend}");
    }
}

#[test]
fn a_duplicate_inside_one_batch_is_counted_once_stored_once() {
    let mut b = backends("duplicate_in_batch");
    let e = event("h", &BASE);
    for (backend, store) in &mut b.stores {
        let stats = store
            .insert_events(&[e.clone(), e.clone()])
            .expect("insert");
        assert_eq!(
            stats,
            InsertStats {
                inserted: 1,
                duplicates: 1
            },
            "{backend}"
        );
    }
}

#[test]
fn checkpoints_are_stored_and_replaced() {
    let mut b = backends("checkpoints");
    for (backend, store) in &mut b.stores {
        assert_eq!(
            store.checkpoint("instance").expect("read"),
            None,
            "{backend}"
        );
        store
            .set_checkpoint("instance", &json!({"id_after": 100}))
            .expect("set");
        store
            .set_checkpoint("instance", &json!({"id_after": 250}))
            .expect("replace");
        store
            .set_checkpoint("group:7", &json!("2025-03-01T00:00:00Z"))
            .expect("set");
        assert_eq!(
            store.checkpoint("instance").expect("read"),
            Some(json!({"id_after": 250})),
            "{backend}"
        );
        assert_eq!(
            store.checkpoint("group:7").expect("read"),
            Some(json!("2025-03-01T00:00:00Z")),
            "{backend}"
        );
    }
}

#[test]
fn events_and_checkpoint_commit_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("glir.sqlite");
    let mut b = backends_with("events_with_checkpoint", Store::open(&path).expect("opens"));
    for (backend, store) in &mut b.stores {
        let stats = store
            .insert_events_with_checkpoint(
                &[event("h", &BASE)],
                "instance",
                &json!({"cursor": "a"}),
            )
            .expect("commit");
        assert_eq!(stats.inserted, 1, "{backend}");
        assert_eq!(
            store.checkpoint("instance").expect("read"),
            Some(json!({"cursor": "a"})),
            "{backend}"
        );
    }

    // SQLite only, which writes both in one transaction (ClickHouse has none, and writes the
    // checkpoint after the events): make the checkpoint write fail after the events were
    // written in the same transaction: neither may remain.
    let (backend, store) = &mut b.stores[0];
    rusqlite::Connection::open(&path)
        .and_then(|c| {
            c.execute_batch(
                "CREATE TRIGGER refuse BEFORE UPDATE ON checkpoints
                 BEGIN SELECT RAISE(ABORT, 'refused by test'); END;",
            )
        })
        .expect("trigger");
    let next = event("h", &Spec { id: "2", ..BASE });
    let err = store
        .insert_events_with_checkpoint(&[next], "instance", &json!({"cursor": "b"}))
        .expect_err("checkpoint write fails");
    assert!(
        err.to_string().starts_with("cannot store checkpoint: "),
        "{backend}: {err}"
    );
    assert_eq!(
        store.count_events(&EventFilter::default()).expect("count"),
        1,
        "{backend}"
    );
    assert_eq!(
        store.checkpoint("instance").expect("read"),
        Some(json!({"cursor": "a"})),
        "{backend}"
    );
}

#[test]
fn a_rolled_back_writer_does_not_leave_stale_dictionary_ids() {
    let mut b = backends("rolled_back_writer");
    let newcomer = Spec {
        id: "7",
        author: "Eve Outsider",
        author_id: 88,
        email: None,
        ip: "192.0.2.1",
        ..BASE
    };
    for (backend, store) in &mut b.stores {
        {
            let mut writer = store.writer().expect("writer");
            writer.insert(&[event("h", &newcomer)]).expect("insert");
            // Dropped without commit: the event and Eve's dictionary rows roll back (SQLite),
            // or are never sent (ClickHouse).
        }
        assert_eq!(
            store.count_events(&EventFilter::default()).expect("count"),
            0,
            "{backend}"
        );
        let again = event("h", &newcomer);
        store
            .insert_events(std::slice::from_ref(&again))
            .expect("insert");
        let stored = store
            .query_events(&EventFilter {
                actor: Some("eve outsider".into()),
                ..Default::default()
            })
            .expect("query");
        assert_eq!(stored, vec![again], "{backend}");
        let by_ip = store
            .count_events(&EventFilter {
                ip: Some("192.0.2.1".into()),
                ..Default::default()
            })
            .expect("count");
        assert_eq!(by_ip, 1, "{backend}");
    }
}

#[test]
fn audit_log_details_and_rest_details_round_trip() {
    let mut b = backends("details_round_trip");
    let log = glir_events::parse_event(
        r#"{"severity":"INFO","time":"2025-03-02T17:40:11.870Z","author_id":3,"entity_id":2,"entity_type":"Project","add":"user_access","as":"Developer","author_name":"Mallory","target_id":88,"target_type":"User","target_details":"Eve Outsider"}"#,
        None,
        "h",
    )
    .expect("parses");
    let rest = glir_events::parse_event(
        r#"{"id": 102, "author_id": 51, "entity_id": 51, "entity_type": "User", "event_name": null, "details": {"change": "email address", "from": "old@example.test", "to": "new@example.test", "author_name": "Mallory", "ip_address": null}, "created_at": "2025-03-01T08:34:25.639Z"}"#,
        None,
        "h",
    )
    .expect("parses");
    let bare = glir_events::parse_event(
        r#"{"id": "9", "created_at": "2025-03-01T00:00:00Z"}"#,
        None,
        "h",
    )
    .expect("parses");
    for (backend, store) in &mut b.stores {
        store
            .insert_events(&[log.clone(), rest.clone(), bare.clone()])
            .expect("insert");
        let stored = store.query_events(&EventFilter::default()).expect("query");
        assert_eq!(
            stored,
            vec![bare.clone(), rest.clone(), log.clone()],
            "{backend}"
        );
    }
}

#[test]
fn a_rest_item_and_a_streamed_copy_of_it_are_one_event() {
    let mut b = backends("rest_and_streamed");
    let rest = glir_events::parse_event(
        r#"{"id": 2047, "author_id": 51, "entity_id": 29, "entity_type": "Project", "event_name": "protected_branch_updated", "details": {}, "created_at": "2025-03-02T06:00:01.500Z"}"#,
        None,
        "gitlab.example.test",
    )
    .expect("parses");
    let streamed = event(
        "gitlab.example.test",
        &Spec {
            id: "2047",
            at: "2025-03-02T06:00:01.500Z",
            ..BASE
        },
    );
    for (backend, store) in &mut b.stores {
        let stats = store
            .insert_events(&[rest.clone(), streamed.clone()])
            .expect("insert");
        assert_eq!(
            stats,
            InsertStats {
                inserted: 1,
                duplicates: 1
            },
            "{backend}"
        );
    }
}

#[test]
fn the_sql_view_shows_readable_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("glir.sqlite");
    let mut store = Store::open(&path).expect("opens");
    store
        .insert_events(&[event("gitlab.example.test", &BASE)])
        .expect("insert");
    drop(store);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let row: (String, String, String, String, String, String) = conn
        .query_row(
            "SELECT source, created_at, author_name, entity_path, ip_address, details ->> '$.change'
             FROM events_view",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .expect("view row");
    assert_eq!(
        row,
        (
            "gitlab.example.test".into(),
            "2025-03-02T06:00:00.000Z".into(),
            "Mallory".into(),
            "grp/app".into(),
            "203.0.113.50".into(),
            "allow_force_push".into()
        )
    );
}

mod alerts {
    use crate::common::backends;
    use glir_events::Alert;
    use glir_store::{AlertFilter, Store};

    fn alert(rule: &str, events: &[&str], time: &str) -> Alert {
        Alert {
            rule_id: rule.into(),
            title: format!("rule {rule}"),
            level: "high".into(),
            tags: vec!["attack.persistence".into()],
            event_ids: events.iter().map(|e| e.to_string()).collect(),
            actor: Some("Dana Whitfield".into()),
            time: time.parse().unwrap(),
            reason: "GitLab User Granted Administrator: admin: false → true".into(),
        }
    }

    #[test]
    fn alerts_round_trip_and_are_stored_once() {
        let mut b = backends("alerts_round_trip");
        let first = vec![
            alert("r1", &["5057"], "2026-11-25T02:31:40Z"),
            alert("r2", &["5054", "5055", "5056"], "2026-11-25T02:20:00Z"),
        ];
        for (backend, store) in &mut b.stores {
            let stats = store.insert_alerts(&first).unwrap();
            assert_eq!((stats.inserted, stats.duplicates), (2, 0), "{backend}");
            let again = store.insert_alerts(&first).unwrap();
            assert_eq!((again.inserted, again.duplicates), (0, 2), "{backend}");
            // Same rule on other events is another alert.
            let other = store
                .insert_alerts(&[alert("r1", &["6000"], "2026-11-26T00:00:00Z")])
                .unwrap();
            assert_eq!(other.inserted, 1, "{backend}");

            let all = store.query_alerts(&AlertFilter::default()).unwrap();
            assert_eq!(all.len(), 3, "{backend}");
            assert_eq!(all[0], first[1], "{backend}: time order, every field kept");
            let r1 = store
                .query_alerts(&AlertFilter {
                    rule_id: Some("r1".into()),
                    since: Some("2026-11-25T03:00:00Z".parse().unwrap()),
                    ..AlertFilter::default()
                })
                .unwrap();
            assert_eq!(r1.len(), 1, "{backend}");
            assert_eq!(r1[0].event_ids, ["6000"], "{backend}");
        }
    }

    #[test]
    fn alerts_survive_reopening_an_on_disk_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("glir.db");
        Store::open(&path)
            .unwrap()
            .insert_alerts(&[alert("r1", &["1"], "2026-11-25T00:00:00Z")])
            .unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.query_alerts(&AlertFilter::default()).unwrap().len(),
            1
        );
        assert_eq!(store.schema_version().unwrap(), glir_store::LATEST_VERSION);
    }
}

#[test]
fn case_links_are_kept_once_and_per_case() {
    let mut b = backends("case_links");
    let refs = vec!["e1".to_string(), "e2".to_string()];
    for (backend, store) in &mut b.stores {
        assert_eq!(
            store.link_case("leak-1", "event", &refs).unwrap(),
            2,
            "{backend}"
        );
        assert_eq!(
            store.link_case("leak-1", "event", &refs).unwrap(),
            0,
            "{backend}"
        );
        store.link_case("leak-2", "event", &refs[..1]).unwrap();
        assert_eq!(
            store.case_links("leak-1", "event").unwrap(),
            refs,
            "{backend}"
        );
        assert_eq!(
            store.case_links("leak-2", "event").unwrap(),
            ["e1"],
            "{backend}"
        );
        assert!(
            store.case_links("leak-1", "alert").unwrap().is_empty(),
            "{backend}"
        );
    }
}
