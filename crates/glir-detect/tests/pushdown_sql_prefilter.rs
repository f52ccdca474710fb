//! A count correlation's SQL keeps only groups whose count over the table can reach its
//! threshold, counting as rsigma does: an event once per rule of the correlation it matches,
//! a missing group-by value as a group of its own, a missing counted value not at all.

mod pushdown;

use glir_detect::{Detector, LoadOptions, Pushdown, RulePack, load_rule_texts};
use glir_events::{AuditEvent, Layout, parse_event};
use pushdown::Db;
use std::collections::BTreeSet;
use std::path::PathBuf;

const RULES: &[(&str, &str)] = &[
    (
        "failed",
        "title: failed\nid: failed\nlogsource: {product: gitlab}\ndetection:\n  s:\n    event_type: login_failed\n  condition: s",
    ),
    (
        "admin",
        "title: admin\nid: admin\nlogsource: {product: gitlab}\ndetection:\n  s:\n    target_type: Admin\n  condition: s",
    ),
    (
        "burst",
        "title: burst\nid: burst\ncorrelation:\n  type: event_count\n  rules: [failed, admin]\n  group-by: [author_name]\n  timespan: 1h\n  condition: {gte: 3}",
    ),
    (
        "spread",
        "title: spread\nid: spread\ncorrelation:\n  type: value_count\n  rules: [failed]\n  group-by: [author_id]\n  timespan: 1h\n  condition: {field: entity_path, gt: 1}\n  generate: true",
    ),
];

/// (author, author id, entity path, target type) per event, a minute apart.
const EVENTS: &[(Option<&str>, i64, Option<&str>, &str)] = &[
    // Three failures: `burst` fires.
    (Some("a"), 1, Some("p1"), "User"),
    (Some("a"), 1, Some("p1"), "User"),
    (Some("a"), 1, Some("p1"), "User"),
    // Two: no group reaches three.
    (Some("b"), 2, Some("p1"), "User"),
    (Some("b"), 2, Some("p1"), "User"),
    // Two events, each matching both rules: rsigma counts each twice, four in all.
    (Some("c"), 3, Some("p1"), "Admin"),
    (Some("c"), 3, Some("p2"), "Admin"),
    // No author: a group of its own (rsigma's key is `None`), reaching three.
    (None, 4, None, "User"),
    (None, 4, Some("p3"), "User"),
    (None, 4, Some("p3"), "User"),
];

fn pack() -> RulePack {
    let files: Vec<(PathBuf, &str)> = RULES
        .iter()
        .map(|(id, text)| (PathBuf::from(format!("{id}.yml")), *text))
        .collect();
    let strict = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    load_rule_texts(&files, &strict).unwrap()
}

fn events() -> Vec<AuditEvent> {
    EVENTS
        .iter()
        .enumerate()
        .map(|(i, (author, id, path, target))| {
            let mut e = serde_json::json!({
                "id": format!("e{i}"),
                "created_at": format!("2026-01-01T00:{i:02}:00Z"),
                "event_type": "login_failed",
                "author_id": id,
                "target_type": target,
            });
            if let Some(a) = author {
                e["author_name"] = (*a).into();
            }
            if let Some(p) = path {
                e["entity_path"] = (*p).into();
            }
            parse_event(&e.to_string(), Some(Layout::Stream), "test").unwrap()
        })
        .collect()
}

#[test]
fn count_correlations_select_only_groups_that_can_reach_their_threshold() {
    let pack = pack();
    let events = events();
    let Some(db) = Db::with("pushdown_prefilter", &events) else {
        return;
    };
    let plan = pack.clickhouse_plan();
    let sql = |key: &str| match &plan.iter().find(|p| p.key == key).unwrap().pushdown {
        Pushdown::Sql(s) => s.clone(),
        Pushdown::InProcess(why) => panic!("{key}: {why}"),
    };
    let selected = |key: &str| -> BTreeSet<String> { db.select(&sql(key)).into_iter().collect() };
    let ids =
        |list: &[usize]| -> BTreeSet<String> { list.iter().map(|i| format!("e{i}")).collect() };

    // What fires, and on which events.
    let mut detector = Detector::new(&pack).unwrap();
    let mut fired: BTreeSet<String> = BTreeSet::new();
    for e in &events {
        for a in detector.process(e) {
            if a.rule_id == "burst" || a.rule_id == "spread" {
                fired.extend(a.event_ids.iter().map(|id| format!("{} {id}", a.rule_id)));
            }
        }
    }
    let burst: BTreeSet<String> = fired
        .iter()
        .filter_map(|f| f.strip_prefix("burst "))
        .map(str::to_owned)
        .collect();
    let spread: BTreeSet<String> = fired
        .iter()
        .filter_map(|f| f.strip_prefix("spread "))
        .map(str::to_owned)
        .collect();
    // rsigma's counting, which the SQL must not undercount: `c` fires on two events.
    assert_eq!(burst, ids(&[0, 1, 2, 5, 6, 7, 8, 9]));
    // `b` cannot reach three, and only `b` is left out.
    assert_eq!(selected("burst"), burst);
    // Author 3 spreads over two paths; author 4 over p3 and a missing one, which is no value.
    assert_eq!(spread, ids(&[5, 6]));
    assert_eq!(selected("spread"), spread);
}
