//! What the pushdown tests share: a ClickHouse store holding a corpus, the events a rule's SQL
//! selects there, and the events the detector matches in-process.
#![allow(dead_code)]

pub mod corpus;
pub mod variants;

use glir_detect::{Detector, Pushdown, RulePack};
use glir_events::AuditEvent;
use glir_store::Store;
use glir_test_support::clickhouse::TestDatabase;
use std::collections::{BTreeMap, BTreeSet};

/// A fresh ClickHouse database holding `events`; `None` (the test says it skipped) without a
/// server outside CI.
pub struct Db {
    pub store: Store,
    _db: TestDatabase,
}

impl Db {
    pub fn with(test: &str, events: &[AuditEvent]) -> Option<Db> {
        let db = TestDatabase::new(test)?;
        let mut store = Store::open_location(&db.url.parse().expect("a store URL")).expect("open");
        for chunk in events.chunks(5_000) {
            let stats = store.insert_events(chunk).expect("insert");
            // Each event stored once: the comparison needs one row per event.
            assert_eq!(stats.inserted as usize, chunk.len(), "{stats:?}");
        }
        Some(Db { store, _db: db })
    }

    /// Ids of the events `cond` selects, in time order.
    pub fn select(&self, cond: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let sql = format!(
            "SELECT event_id FROM {{db}}.events FINAL WHERE {cond} ORDER BY created_us, event_id"
        );
        self.store
            .clickhouse()
            .expect("a ClickHouse store")
            .query_rows("test selection", &sql, |line| {
                let row: serde_json::Value = serde_json::from_str(line).expect("a JSON row");
                ids.push(row["event_id"].as_str().expect("an id").to_owned());
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));
        ids
    }

    /// ClickHouse's type for `cond` over the table.
    pub fn type_of(&self, cond: &str) -> String {
        let mut ty = String::new();
        let sql = format!("SELECT toTypeName({cond}) AS t FROM {{db}}.events LIMIT 1");
        self.store
            .clickhouse()
            .expect("a ClickHouse store")
            .query_rows("test type", &sql, |line| {
                let row: serde_json::Value = serde_json::from_str(line).expect("a JSON row");
                ty = row["t"].as_str().unwrap_or_default().to_owned();
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));
        ty
    }
}

/// Per detection rule key, the ids of the events the detector matches it on, each on its own
/// (rules that only feed correlations included).
pub fn in_process(pack: &RulePack, events: &[AuditEvent]) -> BTreeMap<String, BTreeSet<String>> {
    let detector = Detector::new(pack).expect("a detector");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in events {
        for key in detector.matching_rules(e) {
            out.entry(key).or_default().insert(e.event_id.clone());
        }
    }
    out
}

/// How the SQL of each pushed detection rule compares with the detector, over `events`.
pub struct Comparison {
    pub rules: usize,
    pub matches: usize,
    /// Events selected although not matched, by rule: allowed only where the columns cannot
    /// tell (`lossy` ids).
    pub extra: usize,
}

/// Checks every pushed detection rule of `pack`: its SQL is a UInt8, selects every event the
/// detector matches, and nothing else unless `lossy(rule key, event)` says the event's stored
/// form cannot tell for that rule.
pub fn compare_detections(
    pack: &RulePack,
    events: &[AuditEvent],
    db: &Db,
    lossy: impl Fn(&str, &AuditEvent) -> bool,
) -> Comparison {
    let expected = in_process(pack, events);
    let by_id: BTreeMap<&str, &AuditEvent> =
        events.iter().map(|e| (e.event_id.as_str(), e)).collect();
    let mut c = Comparison {
        rules: 0,
        matches: 0,
        extra: 0,
    };
    for plan in pack.clickhouse_plan() {
        let Pushdown::Sql(sql) = &plan.pushdown else {
            continue;
        };
        if plan.kind != glir_detect::RuleKind::Detection {
            continue;
        }
        assert_eq!(db.type_of(sql), "UInt8", "{}: {sql}", plan.key);
        let selected: BTreeSet<String> = db.select(sql).into_iter().collect();
        let want = expected.get(&plan.key).cloned().unwrap_or_default();
        let missed: Vec<&String> = want.difference(&selected).collect();
        assert!(
            missed.is_empty(),
            "{} ({}): the SQL misses {} matched events, e.g. {:?}\n{sql}",
            plan.key,
            plan.title,
            missed.len(),
            &missed[..missed.len().min(5)]
        );
        let extra: Vec<&String> = selected.difference(&want).collect();
        let wrong: Vec<&&String> = extra
            .iter()
            .filter(|id| !lossy(&plan.key, by_id[id.as_str()]))
            .collect();
        assert!(
            wrong.is_empty(),
            "{} ({}): the SQL selects {} unmatched events, e.g. {:?}\n{sql}",
            plan.key,
            plan.title,
            wrong.len(),
            &wrong[..wrong.len().min(5)]
        );
        if !extra.is_empty() {
            eprintln!(
                "{}: {} more selected (lossy), e.g. {:?}",
                plan.key,
                extra.len(),
                &extra[..extra.len().min(4)]
            );
        }
        c.rules += 1;
        c.matches += want.len();
        c.extra += extra.len();
    }
    c
}
