//! The shipped pack's SQL against the detector, on a real ClickHouse server: every detection
//! rule that converts selects exactly the events the detector matches, over the pack's own
//! test events and their adversarial variants, glir-events' fixtures and a slice of the
//! labelled benchmark.

mod pushdown;

use glir_detect::{LoadOptions, Pushdown, RuleKind, load_rules};
use pushdown::{Db, compare_detections, corpus, variants};

#[test]
fn every_converted_pack_rule_selects_exactly_what_the_detector_matches() {
    let pack = load_rules(
        &[corpus::repo().join("rules/gitlab")],
        &LoadOptions::default(),
    )
    .unwrap();
    let plan = pack.clickhouse_plan();
    let sql = |kind| {
        plan.iter()
            .filter(|p| p.kind == kind && matches!(p.pushdown, Pushdown::Sql(_)))
            .count()
    };
    let (detections, correlations) = (sql(RuleKind::Detection), sql(RuleKind::Correlation));
    eprintln!(
        "{} of {} rules convert ({detections} detections, {correlations} correlations)",
        detections + correlations,
        plan.len()
    );
    for p in &plan {
        if let Pushdown::InProcess(why) = &p.pushdown {
            eprintln!("  in-process: {} ({}): {why}", p.key, p.title);
        }
    }
    // Only the rules reading baseline.* fields stay in-process, and the correlations of them.
    assert!(plan.iter().all(|p| match &p.pushdown {
        Pushdown::Sql(_) => true,
        Pushdown::InProcess(why) => why.contains("baseline"),
    }));

    let tests = corpus::rule_tests();
    let mut events = tests.clone();
    events.extend(variants::of(&tests));
    events.extend(corpus::fixtures());
    events.extend(corpus::benchmark(20));
    let Some(db) = Db::with("pushdown_pack", &events) else {
        return;
    };
    let c = compare_detections(&pack, &events, &db, |_, e| variants::lossy(&e.event_id));
    eprintln!(
        "{} events; {} rules; {} matches; {} extra (lossy) selections",
        events.len(),
        c.rules,
        c.matches,
        c.extra
    );
    assert_eq!(c.rules, detections);
    assert!(c.matches > 5_000, "{} matches", c.matches);
}
