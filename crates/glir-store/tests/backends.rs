//! Both backends on the same inputs give the same answers: every filter, duplicates from one and
//! several sources, counts, lookups, alerts, checkpoints, case links and findings.

mod common;

use common::{BASE, Spec, backends, event};
use glir_events::{Alert, AuditEvent};
use glir_store::{AlertFilter, EventFilter, InsertStats, Store, StoreLocation};
use glir_test_support::clickhouse::TestDatabase;

fn spec<'a>(id: &'a str, at: &'a str) -> Spec<'a> {
    Spec { id, at, ..BASE }
}

/// Events with every filtered dimension varied, including awkward values.
fn events() -> Vec<AuditEvent> {
    let mut out = Vec::new();
    let authors = [
        ("Mallory", Some("mallory@example.test"), 51),
        ("mallory", None, 52),
        ("Zoë O'Brien", Some("ZOE@Example.test"), 53),
        ("root\\admin", Some("root@example.test"), 1),
    ];
    let paths = [
        "grp/app",
        "grp",
        "grp/app/sub",
        "grp-other",
        "grp0",
        "other/grp",
    ];
    let types = [
        "protected_branch_updated",
        "personal_access_token_created",
        "user_blocked",
        "token[1]",
        "100%_done",
    ];
    let ips = ["203.0.113.50", "198.51.100.7", "2001:db8::1"];
    for i in 0..60usize {
        let (author, email, author_id) = authors[i % authors.len()];
        let at = format!(
            "2025-03-02T06:{:02}:{:02}.{:03}Z",
            i / 10,
            (i * 7) % 60,
            i % 3
        );
        let id = format!("{}", 1000 + i);
        let s = Spec {
            id: &id,
            at: &at,
            event_type: types[i % types.len()],
            author_id,
            author,
            email,
            ip: ips[i % ips.len()],
            entity_id: 29 + (i % 4) as i64,
            path: paths[i % paths.len()],
            target_type: if i % 2 == 0 {
                "ProtectedBranch"
            } else {
                "User"
            },
        };
        out.push(event(
            if i % 5 == 0 { "b.example" } else { "a.example" },
            &s,
        ));
    }
    // Two events in the same microsecond, ordered by id.
    out.push(event("a.example", &spec("z9", "2025-03-02T07:00:00.000Z")));
    out.push(event("a.example", &spec("a1", "2025-03-02T07:00:00.000Z")));
    out
}

fn ids(events: &[AuditEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| format!("{}@{}#{}", e.event_id, e.created_at, e.source))
        .collect()
}

#[test]
fn every_filter_selects_the_same_events_in_the_same_order() {
    let mut b = backends("filters");
    let stores = &mut b.stores;
    let events = events();
    let filters = {
        let t = |s: &str| Some(s.parse().unwrap());
        let mut f = vec![EventFilter::default()];
        for actor in [
            "mallory",
            "MALLORY",
            "zoe@example.TEST",
            "Zoë O'Brien",
            "zoË o'brien",
            "53",
            "root\\admin",
            "nobody",
        ] {
            f.push(EventFilter {
                actor: Some(actor.into()),
                ..Default::default()
            });
        }
        for entity in ["grp", "grp/", "grp/app", "29", "grp-other", "other"] {
            f.push(EventFilter {
                entity: Some(entity.into()),
                ..Default::default()
            });
        }
        for glob in [
            "*token*",
            "user_?locked",
            "token[[]1]",
            "[a-p]*",
            "[^p]*",
            "100%_done",
            "*_done",
            "USER_BLOCKED",
        ] {
            f.push(EventFilter {
                event_type: Some(glob.into()),
                ..Default::default()
            });
        }
        for ip in ["2001:db8::1", "203.0.113.5"] {
            f.push(EventFilter {
                ip: Some(ip.into()),
                ..Default::default()
            });
        }
        f.push(EventFilter {
            target_type: Some("User".into()),
            ..Default::default()
        });
        f.push(EventFilter {
            source: Some("b.example".into()),
            ..Default::default()
        });
        f.push(EventFilter {
            source: Some("c.example".into()),
            ..Default::default()
        });
        f.push(EventFilter {
            since: t("2025-03-02T06:02:00Z"),
            until: t("2025-03-02T06:04:00Z"),
            ..Default::default()
        });
        f.push(EventFilter {
            actor: Some("mallory".into()),
            entity: Some("grp".into()),
            limit: Some(5),
            ..Default::default()
        });
        f.push(EventFilter {
            newest_first: true,
            limit: Some(7),
            ..Default::default()
        });
        f.push(EventFilter {
            event_type: Some("*".into()),
            newest_first: true,
            ..Default::default()
        });
        f
    };
    let mut answers = Vec::new();
    for (name, store) in stores.iter_mut() {
        let first = store.insert_events(&events).expect("insert");
        assert_eq!(
            first,
            InsertStats {
                inserted: events.len() as u64,
                duplicates: 0
            },
            "{name}"
        );
        // The same events again, and some from another source: all duplicates, and the other
        // source is remembered.
        let again = store.insert_events(&events[..10]).expect("again");
        assert_eq!(
            again,
            InsertStats {
                inserted: 0,
                duplicates: 10
            },
            "{name}"
        );
        let mut relabelled: Vec<AuditEvent> = events[..3].to_vec();
        for e in &mut relabelled {
            e.source = "c.example".into();
        }
        assert_eq!(
            store
                .insert_events(&relabelled)
                .expect("relabelled")
                .duplicates,
            3,
            "{name}"
        );
        let mut per_filter = Vec::new();
        for f in &filters {
            let got = store.query_events(f).expect("query");
            let count = store.count_events(f).expect("count");
            if f.limit.is_none() {
                assert_eq!(count as usize, got.len(), "{name}: count of {f:?}");
            }
            per_filter.push((ids(&got), count));
        }
        // An event comes back exactly as it went in.
        let back = store.query_events(&EventFilter::default()).expect("all");
        let mut sent = events.clone();
        sent.sort_by(|a, b| (a.created_at, &a.event_id).cmp(&(b.created_at, &b.event_id)));
        assert_eq!(back, sent, "{name}: events round-trip");
        answers.push((*name, per_filter));
    }
    let (reference, expected) = &answers[0];
    for (name, got) in &answers[1..] {
        for ((f, want), have) in filters.iter().zip(expected).zip(got) {
            assert_eq!(want, have, "{name} differs from {reference} for {f:?}");
        }
    }
    // The filters are not vacuous: each selects some but not all events, except four meant to
    // select everything (no filter, `*`, two whose limit a count ignores) and three meant to
    // select nothing (an unknown actor, a glob in the wrong case, a prefix of an address).
    let all = expected[0].1;
    let selective = expected.iter().filter(|(_, n)| *n > 0 && *n < all).count();
    assert_eq!(selective, filters.len() - 7, "selective filters");
}

#[test]
fn lookups_checkpoints_links_and_alerts_agree() {
    let mut b = backends("lookups");
    let stores = &mut b.stores;
    let mut answers = Vec::new();
    for (name, store) in stores.iter_mut() {
        let mut user = event(
            "h",
            &Spec {
                id: "u1",
                path: "Mallory.Dev",
                ..BASE
            },
        );
        user.entity_type = Some("User".into());
        user.entity_id = Some(77);
        store
            .insert_events(&[event("h", &BASE), user.clone()])
            .expect("insert");
        assert!(
            store.has_event(user.created_at, "u1").expect("has"),
            "{name}"
        );
        assert!(
            !store.has_event(user.created_at, "u2").expect("has not"),
            "{name}"
        );
        let ids = store.user_ids_by_username("mallory.dev").expect("username");

        assert_eq!(store.checkpoint("collect:x").expect("none"), None, "{name}");
        store
            .set_checkpoint("collect:x", &serde_json::json!({"page": 1}))
            .expect("set");
        store
            .set_checkpoint("collect:x", &serde_json::json!({"page": 2}))
            .expect("replace");
        let mut writer = store.writer().expect("writer");
        writer
            .insert(&[event("h", &Spec { id: "w1", ..BASE })])
            .expect("insert");
        writer
            .set_checkpoint("collect:y", &serde_json::json!("after"))
            .expect("cp");
        writer.commit().expect("commit");
        let checkpoints = (
            store.checkpoint("collect:x").expect("x"),
            store.checkpoint("collect:y").expect("y"),
        );
        // A writer dropped without committing stores nothing.
        {
            let mut writer = store.writer().expect("writer");
            writer
                .insert(&[event(
                    "h",
                    &Spec {
                        id: "dropped",
                        ..BASE
                    },
                )])
                .expect("insert");
        }
        assert!(
            !store.has_event(user.created_at, "dropped").expect("lookup"),
            "{name}"
        );

        let links = store
            .link_case("case-1", "event", &["b".into(), "a".into(), "b".into()])
            .expect("link");
        let again = store
            .link_case("case-1", "event", &["a".into(), "c".into()])
            .expect("link");
        let linked = store.case_links("case-1", "event").expect("links");

        let alert = |rule: &str, at: &str, events: &[&str]| Alert {
            rule_id: rule.into(),
            title: format!("{rule} title"),
            level: "high".into(),
            tags: vec!["attack.persistence".into()],
            event_ids: events.iter().map(|s| s.to_string()).collect(),
            actor: Some("Mallory".into()),
            time: at.parse().unwrap(),
            reason: "because".into(),
        };
        let alerts = [
            alert("r2", "2025-03-02T06:00:00Z", &["1"]),
            alert("r1", "2025-03-02T06:00:00Z", &["2", "3"]),
            alert("r1", "2025-03-01T06:00:00Z", &["4"]),
        ];
        let stats = store.insert_alerts(&alerts).expect("alerts");
        let dup = store.insert_alerts(&alerts[..2]).expect("dup alerts");
        let all = store.query_alerts(&AlertFilter::default()).expect("query");
        let r1 = store
            .query_alerts(&AlertFilter {
                rule_id: Some("r1".into()),
                limit: Some(1),
                ..Default::default()
            })
            .expect("r1");
        let since = store
            .query_alerts(&AlertFilter {
                since: Some("2025-03-02T00:00:00Z".parse().unwrap()),
                ..Default::default()
            })
            .expect("since");
        assert_eq!(
            stats,
            InsertStats {
                inserted: 3,
                duplicates: 0
            },
            "{name}"
        );
        assert_eq!(
            dup,
            InsertStats {
                inserted: 0,
                duplicates: 2
            },
            "{name}"
        );
        answers.push((
            *name,
            format!("{ids:?} {checkpoints:?} {links} {again} {linked:?} {all:?} {r1:?} {since:?}"),
        ));
    }
    assert!(answers[0].1.contains("[77]"), "{}", answers[0].1);
    for (name, got) in &answers[1..] {
        assert_eq!(&answers[0].1, got, "{name} differs from sqlite");
    }
}

#[test]
fn findings_are_kept_once_per_key_first_record_winning_in_key_order() {
    let mut b = backends("findings");
    let stores = &mut b.stores;
    let pair = |key: &str, record: &str| (key.to_owned(), record.to_owned());
    // Keys and records SQL would trip over, and more keys than one ClickHouse lookup takes.
    let first = vec![
        pair("k'2", r#"{"n":2,"path":"a\\b \"q\""}"#),
        pair("k\\1", r#"{"n":1,"secret":"glpat-…abcd","note":"Zoë"}"#),
    ];
    let many: Vec<(String, String)> = (0..2_500)
        .map(|i| pair(&format!("m{i:05}"), &format!("{{\"m\":{i}}}")))
        .collect();
    let mut answers = Vec::new();
    for (name, store) in stores.iter_mut() {
        assert_eq!(store.query_findings().expect("empty"), Vec::<String>::new());
        let stats = store.insert_findings(&first).expect("first");
        assert_eq!(
            stats,
            InsertStats {
                inserted: 2,
                duplicates: 0
            },
            "{name}"
        );
        // A shard run again, another overlapping it: known keys and a key twice in one batch
        // are duplicates, and the record first stored stays.
        let again = store
            .insert_findings(&[
                pair("k\\1", r#"{"n":"later"}"#),
                pair("k3", r#"{"n":3}"#),
                pair("k3", r#"{"n":"twice"}"#),
            ])
            .expect("again");
        assert_eq!(
            again,
            InsertStats {
                inserted: 1,
                duplicates: 2
            },
            "{name}"
        );
        let bulk = store.insert_findings(&many).expect("many");
        let bulk_again = store.insert_findings(&many).expect("many again");
        assert_eq!(
            (bulk.inserted, bulk_again.duplicates),
            (2_500, 2_500),
            "{name}"
        );
        assert_eq!(
            store.insert_findings(&[]).expect("nothing"),
            InsertStats::default(),
            "{name}"
        );
        let stored = store.query_findings().expect("query");
        assert_eq!(stored.len(), 2_503, "{name}");
        answers.push((*name, stored));
    }
    let (_, stored) = &answers[0];
    assert_eq!(
        stored[..3],
        [
            first[0].1.clone(),
            r#"{"n":3}"#.to_owned(),
            first[1].1.clone()
        ],
        "in key order, by bytes: k'2 < k3 < k\\1"
    );
    assert_eq!(stored[3], r#"{"m":0}"#);
    for (name, got) in &answers[1..] {
        assert_eq!(stored, got, "{name} differs from sqlite");
    }
}

#[test]
fn streaming_a_time_range_at_a_time_neither_loses_nor_repeats_nor_reorders() {
    let Some(db) = TestDatabase::new("chunks") else {
        return;
    };
    let StoreLocation::ClickHouse(url) = db.url.parse().expect("url") else {
        panic!("not a ClickHouse URL");
    };
    let mut reference = Store::open_in_memory().expect("sqlite");
    let mut clickhouse = glir_store::ClickHouseStore::open(&url).expect("clickhouse");
    // Events over many hours, several per hour and some in the same microsecond, and one
    // before 1970 (attacker-controlled times are stored as given).
    let mut events = Vec::new();
    for i in 0..90usize {
        let at = format!(
            "2025-03-{:02}T{:02}:{:02}:00.000Z",
            1 + i / 40,
            (i / 3) % 24,
            i % 3
        );
        events.push(event("h", &spec(&format!("e{i}"), &at)));
    }
    events.push(event("h", &spec("old", "1969-12-31T23:59:59.000Z")));
    reference.insert_events(&events).expect("sqlite insert");
    Store::open_location(&StoreLocation::ClickHouse(url.clone()))
        .expect("open")
        .insert_events(&events)
        .expect("clickhouse insert");
    for newest_first in [false, true] {
        let filter = EventFilter {
            newest_first,
            ..Default::default()
        };
        let want = ids(&reference.query_events(&filter).expect("sqlite"));
        for chunk in [1, 4, 1_000] {
            clickhouse.set_chunk_events(chunk);
            let mut got = Vec::new();
            clickhouse
                .for_each_event(&filter, None, |e| {
                    got.push(e);
                    Ok::<(), glir_store::StoreError>(())
                })
                .expect("stream");
            assert_eq!(
                ids(&got),
                want,
                "chunks of {chunk}, newest first: {newest_first}"
            );
        }
    }
}

#[test]
fn an_event_two_writers_raced_to_store_is_read_once() {
    let Some(db) = TestDatabase::new("race") else {
        return;
    };
    let location: StoreLocation = db.url.parse().expect("url");
    let mut a = Store::open_location(&location).expect("a");
    let mut b = Store::open_location(&location).expect("b");
    let events = events();
    // Both writers look the batch up before either sends it: both find nothing stored.
    let mut wa = a.writer().expect("writer a");
    let mut wb = b.writer().expect("writer b");
    assert_eq!(wa.insert(&events).expect("a").inserted, events.len() as u64);
    assert_eq!(wb.insert(&events).expect("b").inserted, events.len() as u64);
    wa.commit().expect("commit a");
    wb.commit().expect("commit b");
    let rows: usize = db
        .sql("SELECT count() FROM {db}.events")
        .trim()
        .parse()
        .expect("rows");
    assert_eq!(
        rows,
        2 * events.len(),
        "both copies are there until a merge"
    );
    let mut reference = Store::open_in_memory().expect("sqlite");
    reference.insert_events(&events).expect("sqlite");
    for filter in [
        EventFilter::default(),
        EventFilter {
            actor: Some("mallory".into()),
            ..Default::default()
        },
        EventFilter {
            newest_first: true,
            limit: Some(3),
            ..Default::default()
        },
    ] {
        let want = ids(&reference.query_events(&filter).expect("sqlite"));
        assert_eq!(
            ids(&a.query_events(&filter).expect("read")),
            want,
            "{filter:?}"
        );
        let n = a.count_events(&filter).expect("count");
        assert_eq!(
            n,
            reference.count_events(&filter).expect("count"),
            "{filter:?}"
        );
    }
}

#[test]
fn a_store_of_version_1_gets_its_identifier_index_on_opening() {
    let Some(db) = TestDatabase::new("idents_migration") else {
        return;
    };
    let location: StoreLocation = db.url.parse().expect("url");
    let events = events();
    Store::open_location(&location)
        .expect("open")
        .insert_events(&events)
        .expect("insert");
    // As version 1 left it: no index of identifiers, no view filling it.
    db.sql("DROP TABLE {db}.event_idents_mv");
    db.sql("DROP TABLE {db}.event_idents");
    db.sql("DROP TABLE {db}.glir_schema");
    db.sql("CREATE TABLE {db}.glir_schema (version UInt32, written_us Int64) ENGINE = ReplacingMergeTree ORDER BY version");
    db.sql("INSERT INTO {db}.glir_schema VALUES (1, 0)");
    let store = Store::open_location(&location).expect("reopen");
    assert_eq!(store.schema_version().expect("version"), 2);
    let mut reference = Store::open_in_memory().expect("sqlite");
    reference.insert_events(&events).expect("sqlite");
    for filter in [
        EventFilter {
            actor: Some("MALLORY".into()),
            ..Default::default()
        },
        EventFilter {
            entity: Some("grp".into()),
            ..Default::default()
        },
        EventFilter {
            ip: Some("2001:db8::1".into()),
            ..Default::default()
        },
    ] {
        let want = ids(&reference.query_events(&filter).expect("sqlite"));
        assert!(!want.is_empty(), "{filter:?}");
        assert_eq!(
            ids(&store.query_events(&filter).expect("read")),
            want,
            "{filter:?}"
        );
    }
}

#[test]
fn many_alerts_with_long_event_lists_are_stored_once() {
    let mut b = backends("long_alerts");
    let alert = |i: usize, events: usize| Alert {
        rule_id: format!("rule-{}", i % 7),
        title: "t".into(),
        level: "medium".into(),
        tags: vec![],
        event_ids: (0..events)
            .map(|e| format!("{i}-{e}-6f1c2d9e-0b7a-4e4f-9a59-1c1f1b0d2e3a"))
            .collect(),
        actor: None,
        time: "2025-03-02T06:00:00Z".parse().unwrap(),
        reason: "r".into(),
    };
    // Far past one lookup query's size: 3,000 grouped alerts, one of 20,000 events.
    let mut alerts: Vec<Alert> = (0..3_000).map(|i| alert(i, 40)).collect();
    alerts.push(alert(99_999, 20_000));
    for (name, store) in b.stores.iter_mut() {
        let first = store.insert_alerts(&alerts).expect("first");
        assert_eq!(
            first,
            InsertStats {
                inserted: alerts.len() as u64,
                duplicates: 0
            },
            "{name}"
        );
        let again = store.insert_alerts(&alerts).expect("again");
        assert_eq!(
            again,
            InsertStats {
                inserted: 0,
                duplicates: alerts.len() as u64
            },
            "{name}"
        );
        let stored = store.query_alerts(&AlertFilter::default()).expect("query");
        assert_eq!(stored.len(), alerts.len(), "{name}");
    }
}
