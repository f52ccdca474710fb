//! EventFilter semantics and ordering, on both backends.

mod common;

use common::{BASE, Backends, Spec, backends, event};
use glir_events::AuditEvent;
use glir_store::{EventFilter, Store};

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().expect("timestamp")
}

/// Both backends, each holding the same six events.
fn stores(test: &str) -> Backends {
    let specs = [
        Spec {
            id: "10",
            at: "2025-03-02T06:00:00Z",
            ..BASE
        },
        Spec {
            id: "11",
            at: "2025-03-02T06:00:00Z",
            author: "Admin One",
            author_id: 1,
            email: Some("admin@example.test"),
            ip: "198.51.100.7",
            event_type: "personal_access_token_created",
            target_type: "PersonalAccessToken",
            ..BASE
        },
        Spec {
            id: "12",
            at: "2025-03-02T07:00:00Z",
            event_type: "personal_access_token_revoked",
            target_type: "PersonalAccessToken",
            path: "grp/app/sub",
            entity_id: 30,
            ..BASE
        },
        Spec {
            id: "13",
            at: "2025-03-02T08:00:00Z",
            author: "ci-deploy-key",
            author_id: -3,
            email: None,
            path: "grp2/app",
            entity_id: 31,
            event_type: "repository_git_operation",
            ..BASE
        },
        Spec {
            id: "09",
            at: "2025-03-02T06:00:00Z",
            path: "grp",
            entity_id: 9,
            ..BASE
        },
    ];
    let mut b = backends(test);
    let events: Vec<AuditEvent> = specs.iter().map(|s| event("h", s)).collect();
    let elsewhere = event("other", &Spec { id: "99", ..BASE });
    for (_, store) in &mut b.stores {
        store.insert_events(&events).expect("insert");
        store
            .insert_events(std::slice::from_ref(&elsewhere))
            .expect("insert");
    }
    b
}

fn ids(backend: &str, store: &Store, filter: EventFilter) -> Vec<String> {
    let events = store.query_events(&filter).expect("query");
    if filter.limit.is_none() {
        let count = store.count_events(&filter).expect("count");
        assert_eq!(
            events.len() as u64,
            count,
            "{backend}: count agrees with query for {filter:?}"
        );
    }
    events.into_iter().map(|e| e.event_id).collect()
}

fn only_h() -> EventFilter {
    EventFilter {
        source: Some("h".into()),
        ..Default::default()
    }
}

#[test]
fn default_order_is_time_then_event_id_and_can_be_reversed() {
    let b = stores("default_order");
    for (backend, s) in &b.stores {
        assert_eq!(
            ids(backend, s, only_h()),
            ["09", "10", "11", "12", "13"],
            "{backend}"
        );
        assert_eq!(
            ids(
                backend,
                s,
                EventFilter {
                    newest_first: true,
                    ..only_h()
                }
            ),
            ["13", "12", "11", "10", "09"],
            "{backend}"
        );
        assert_eq!(
            ids(
                backend,
                s,
                EventFilter {
                    limit: Some(2),
                    ..only_h()
                }
            ),
            ["09", "10"],
            "{backend}"
        );
        assert_eq!(
            ids(backend, s, EventFilter::default()).len(),
            6,
            "{backend}"
        );
    }
}

#[test]
fn actor_matches_name_case_insensitively_email_or_numeric_id() {
    let b = stores("actor");
    for (backend, s) in &b.stores {
        let by = |actor: &str| {
            ids(
                backend,
                s,
                EventFilter {
                    actor: Some(actor.into()),
                    ..only_h()
                },
            )
        };
        assert_eq!(by("admin one"), ["11"], "{backend}");
        assert_eq!(by("ADMIN@example.test"), ["11"], "{backend}");
        assert_eq!(by("1"), ["11"], "{backend}");
        assert_eq!(by("-3"), ["13"], "{backend}");
        assert_eq!(by("mallory"), ["09", "10", "12"], "{backend}");
        assert!(by("Mall").is_empty(), "{backend}: no substring matching");
    }
}

#[test]
fn ip_event_type_glob_and_target_type() {
    let b = stores("ip_type_target");
    for (backend, s) in &b.stores {
        assert_eq!(
            ids(
                backend,
                s,
                EventFilter {
                    ip: Some("198.51.100.7".into()),
                    ..only_h()
                }
            ),
            ["11"],
            "{backend}"
        );
        assert_eq!(
            ids(
                backend,
                s,
                EventFilter {
                    event_type: Some("*token*".into()),
                    ..only_h()
                }
            ),
            ["11", "12"],
            "{backend}"
        );
        assert_eq!(
            ids(
                backend,
                s,
                EventFilter {
                    event_type: Some("personal_access_token_?evoked".into()),
                    ..only_h()
                }
            ),
            ["12"],
            "{backend}"
        );
        assert!(
            ids(
                backend,
                s,
                EventFilter {
                    event_type: Some("*TOKEN*".into()),
                    ..only_h()
                }
            )
            .is_empty(),
            "{backend}: the glob is case-sensitive"
        );
        assert_eq!(
            ids(
                backend,
                s,
                EventFilter {
                    target_type: Some("PersonalAccessToken".into()),
                    ..only_h()
                }
            ),
            ["11", "12"],
            "{backend}"
        );
    }
}

#[test]
fn entity_matches_path_subtree_or_id() {
    let b = stores("entity");
    for (backend, s) in &b.stores {
        let by = |entity: &str| {
            ids(
                backend,
                s,
                EventFilter {
                    entity: Some(entity.into()),
                    ..only_h()
                },
            )
        };
        assert_eq!(
            by("grp"),
            ["09", "10", "11", "12"],
            "{backend}: grp2 is not under grp"
        );
        assert_eq!(by("grp/"), ["09", "10", "11", "12"], "{backend}");
        assert_eq!(by("grp/app"), ["10", "11", "12"], "{backend}");
        assert_eq!(by("grp/app/sub"), ["12"], "{backend}");
        assert_eq!(by("grp2"), ["13"], "{backend}");
        assert_eq!(by("30"), ["12"], "{backend}");
    }
}

#[test]
fn since_is_inclusive_and_until_exclusive() {
    let b = stores("since_until");
    for (backend, s) in &b.stores {
        let window = EventFilter {
            since: Some(ts("2025-03-02T07:00:00Z")),
            until: Some(ts("2025-03-02T08:00:00Z")),
            ..only_h()
        };
        assert_eq!(ids(backend, s, window), ["12"], "{backend}");
        let since = EventFilter {
            since: Some(ts("2025-03-02T06:00:00.001Z")),
            ..only_h()
        };
        assert_eq!(ids(backend, s, since), ["12", "13"], "{backend}");
    }
}

#[test]
fn filters_combine() {
    let b = stores("combine");
    for (backend, s) in &b.stores {
        let filter = EventFilter {
            actor: Some("Mallory".into()),
            entity: Some("grp/app".into()),
            event_type: Some("personal_access_token_*".into()),
            ..only_h()
        };
        assert_eq!(ids(backend, s, filter), ["12"], "{backend}");
    }
}

#[test]
fn every_filter_finds_an_event_through_its_own_lookup() {
    // Each filter alone (no source filter) is answered from that dimension's lookup table
    // (SQLite), or from that dimension's column (ClickHouse).
    let b = stores("own_lookup");
    let filters = [
        EventFilter {
            actor: Some("admin@example.test".into()),
            ..Default::default()
        },
        EventFilter {
            ip: Some("198.51.100.7".into()),
            ..Default::default()
        },
        EventFilter {
            event_type: Some("personal_access_token_created".into()),
            ..Default::default()
        },
        EventFilter {
            entity: Some("grp/app".into()),
            actor: Some("1".into()),
            ..Default::default()
        },
        EventFilter {
            target_type: Some("PersonalAccessToken".into()),
            since: Some(ts("2025-03-02T06:00:00Z")),
            until: Some(ts("2025-03-02T07:00:00Z")),
            ..Default::default()
        },
    ];
    for (backend, s) in &b.stores {
        for filter in &filters {
            assert_eq!(
                ids(backend, s, filter.clone()),
                ["11"],
                "{backend}: {filter:?}"
            );
        }
    }
}

#[test]
fn a_rolled_back_batch_leaves_nothing_to_find() {
    let mut b = backends("rolled_back_batch");
    for (backend, s) in &mut b.stores {
        let lost = event(
            "h",
            &Spec {
                id: "1",
                author: "Lost Writer",
                ..BASE
            },
        );
        {
            let mut writer = s.writer().expect("writer");
            writer.insert(&[lost]).expect("insert");
            // Dropped without commit: rolled back (SQLite, where its row id may be handed out
            // again), or never sent (ClickHouse).
        }
        let kept = event("h", &Spec { id: "2", ..BASE });
        s.insert_events(&[kept]).expect("insert");
        let lost_actor = EventFilter {
            actor: Some("Lost Writer".into()),
            ..Default::default()
        };
        assert!(ids(backend, s, lost_actor).is_empty(), "{backend}");
        let ip = EventFilter {
            ip: Some(BASE.ip.into()),
            ..Default::default()
        };
        assert_eq!(ids(backend, s, ip), ["2"], "{backend}");
    }
}

#[test]
fn events_stored_again_are_found_once() {
    let mut b = backends("stored_again");
    let events: Vec<AuditEvent> = ["1", "2"]
        .iter()
        .map(|id| event("h", &Spec { id, ..BASE }))
        .collect();
    for (backend, s) in &mut b.stores {
        s.insert_events(&events).expect("first");
        let again = s.insert_events(&events).expect("again");
        assert_eq!((again.inserted, again.duplicates), (0, 2), "{backend}");
        let actor = EventFilter {
            actor: Some(BASE.author.into()),
            ..Default::default()
        };
        assert_eq!(ids(backend, s, actor), ["1", "2"], "{backend}");
    }
}

#[test]
fn a_large_batch_is_found_whole_and_in_time_order() {
    // Enough events that the lookup rows of one transaction are written in several statements
    // (SQLite).
    let event_ids: Vec<String> = (0..250).map(|n| format!("{n:03}")).collect();
    let times: Vec<String> = (0..250)
        .map(|n| format!("2025-03-02T06:{:02}:{:02}Z", n / 60, n % 60))
        .collect();
    let mut events: Vec<AuditEvent> = event_ids
        .iter()
        .zip(&times)
        .map(|(id, at)| event("h", &Spec { id, at, ..BASE }))
        .collect();
    // Stored out of time order: the lookup still returns them by time.
    events.reverse();
    let mut b = backends("large_batch");
    for (backend, s) in &mut b.stores {
        s.insert_events(&events).expect("insert");
        let by_entity = EventFilter {
            entity: Some(BASE.path.into()),
            ..Default::default()
        };
        assert_eq!(ids(backend, s, by_entity), event_ids, "{backend}");
        let newest_ten = EventFilter {
            actor: Some(BASE.author.into()),
            newest_first: true,
            limit: Some(10),
            ..Default::default()
        };
        let expected: Vec<String> = event_ids.iter().rev().take(10).cloned().collect();
        assert_eq!(ids(backend, s, newest_ten), expected, "{backend}");
    }
}

#[test]
fn a_username_is_found_as_the_path_of_a_user_entity() {
    let user_event = |id: &str, entity_id: i64, path: &str, entity_type: &str| {
        let raw = serde_json::json!({
            "id": id, "created_at": "2025-03-02T06:00:00Z", "event_type": "user_blocked",
            "author_id": 1, "author_name": "Administrator", "entity_id": entity_id,
            "entity_type": entity_type, "entity_path": path
        });
        glir_events::parse_event(&raw.to_string(), Some(glir_events::Layout::Stream), "h").unwrap()
    };
    let mut b = stores("username");
    for (backend, s) in &mut b.stores {
        s.insert_events(&[
            user_event("u1", 42, "dana", "User"),
            user_event("u2", 42, "dana", "User"),
            // A project or group path that happens to equal the username is not the user.
            user_event("u3", 77, "dana", "Group"),
        ])
        .unwrap();
        assert_eq!(s.user_ids_by_username("Dana").unwrap(), [42], "{backend}");
        assert!(
            s.user_ids_by_username("dan").unwrap().is_empty(),
            "{backend}"
        );
        assert!(
            s.user_ids_by_username("grp/app").unwrap().is_empty(),
            "{backend}"
        );
    }
}
