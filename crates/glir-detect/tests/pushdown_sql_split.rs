//! The pack split for pushdown raises exactly the alerts of the whole pack: the SQL part run
//! over only the events its conditions select (correlations included, with their group
//! pre-filters), the rest over every event.

mod pushdown;

use glir_detect::{Alert, Detector, LoadOptions, Pushdown, RuleKind, RulePack, load_rules};
use glir_events::AuditEvent;
use pushdown::{Db, corpus, variants};
use std::collections::{BTreeMap, HashMap};

/// Every alert of `pack` over `events` (in time order), as comparable text.
fn alerts(pack: &RulePack, events: &[&AuditEvent]) -> Vec<String> {
    let mut detector = Detector::new(pack).unwrap();
    let mut out: Vec<String> = events
        .iter()
        .flat_map(|e| detector.process(e))
        .map(|a: Alert| format!("{} {} {:?} {:?}", a.rule_id, a.time, a.event_ids, a.actor))
        .collect();
    out.sort();
    out
}

#[test]
fn the_split_pack_raises_exactly_the_whole_packs_alerts() {
    // The pack's own tests alone put groups right at the correlations' thresholds; with
    // their variants and the benchmark, groups are large and many.
    let tests = corpus::rule_tests();
    split_agrees("pushdown_split_tests", tests.clone(), false);
    let mut events = tests.clone();
    events.extend(variants::of(&tests));
    events.extend(corpus::benchmark(10));
    split_agrees("pushdown_split_all", events, true);
}

fn split_agrees(name: &str, mut events: Vec<AuditEvent>, all_fire: bool) {
    let pack = load_rules(
        &[corpus::repo().join("rules/gitlab")],
        &LoadOptions::default(),
    )
    .unwrap();
    // The order ClickHouse gives back: time to the microsecond, then id.
    events.sort_by(|a, b| {
        (a.created_at.as_microsecond(), &a.event_id)
            .cmp(&(b.created_at.as_microsecond(), &b.event_id))
    });
    let (pushed, rest) = pack.split_for_pushdown();
    let (pushed, rest) = (pushed.unwrap(), rest.unwrap());
    assert_eq!(pushed.rules.len() + rest.rules.len(), pack.rules.len());
    let Some(db) = Db::with(name, &events) else {
        return;
    };

    let conds: Vec<String> = pushed
        .clickhouse_plan()
        .into_iter()
        .map(|p| match p.pushdown {
            Pushdown::Sql(sql) => sql,
            Pushdown::InProcess(why) => panic!("{} was pushed but runs in-process: {why}", p.key),
        })
        .collect();
    let by_id: HashMap<&str, &AuditEvent> =
        events.iter().map(|e| (e.event_id.as_str(), e)).collect();
    let selected: Vec<&AuditEvent> = db
        .select(&conds.join(" OR "))
        .iter()
        .map(|id| by_id[id.as_str()])
        .collect();
    let everything: Vec<&AuditEvent> = events.iter().collect();

    let whole = alerts(&pack, &everything);
    let mut split = alerts(&pushed, &selected);
    split.extend(alerts(&rest, &everything));
    split.sort();
    eprintln!(
        "{} events, {} selected; {} alerts",
        events.len(),
        selected.len(),
        whole.len()
    );
    // Not vacuous: each pushed correlation fires, those with a group pre-filter included.
    for r in &pushed.rules {
        if r.kind == RuleKind::Correlation {
            let fired = whole.iter().filter(|a| a.starts_with(&r.id)).count();
            eprintln!("  {}: {fired} alerts", r.title);
            assert!(fired > 0 || !all_fire, "{} never fires", r.title);
        }
    }
    assert!(selected.len() < events.len() / 2 || !all_fire);
    // Both sorted: compare as multisets, naming what differs.
    fn count(v: &[String]) -> BTreeMap<&str, i64> {
        let mut m: BTreeMap<&str, i64> = BTreeMap::new();
        v.iter()
            .for_each(|a| *m.entry(a.as_str()).or_default() += 1);
        m
    }
    let (w, s) = (count(&whole), count(&split));
    let differ: Vec<(&&str, i64)> = w
        .keys()
        .chain(s.keys())
        .map(|k| {
            (
                k,
                s.get(k).copied().unwrap_or(0) - w.get(k).copied().unwrap_or(0),
            )
        })
        .filter(|(_, d)| *d != 0)
        .collect();
    assert!(differ.is_empty(), "split minus whole: {differ:#?}");
    assert_eq!(whole.len(), split.len());
}
