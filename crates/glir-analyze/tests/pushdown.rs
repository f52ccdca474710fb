//! Detection pushed down to ClickHouse raises exactly the alerts of the whole pack run in glir
//! over SQLite, on a labelled instance the team's generator writes (a fortnight of 120 users
//! with attack scenarios: `scripts/detection_bench/gen.py`), with the shipped pack — rules that
//! convert to SQL, rules that read `baseline.*` fields (preselected, their baseline answers
//! computed by ClickHouse), and correlations; over everything and from the middle on.

use glir_analyze::{PushdownRun, StoredRun, Warmup, detect_pushed_down, detect_stored};
use glir_detect::{Alert, Detector, LoadOptions, RulePack, load_rules};
use glir_events::{AuditEvent, parse_event};
use glir_store::{EventFilter, Store, StoreLocation};
use glir_test_support::clickhouse::TestDatabase;
use std::path::{Path, PathBuf};

type Result<T> = std::result::Result<T, glir_analyze::Error>;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The generator's streaming layout, every event; empty where the generator cannot run.
fn instance() -> Vec<AuditEvent> {
    let Some(out) = glir_test_support::detection_bench::generate(5, 120, 10) else {
        return Vec::new();
    };
    std::fs::read_to_string(out.path().join("stream.jsonl"))
        .unwrap()
        .lines()
        .map(|l| parse_event(l, None, "bench").unwrap())
        .collect()
}

fn key(a: &Alert) -> String {
    format!("{} {} {:?} {}", a.time, a.rule_id, a.event_ids, a.reason)
}

/// The whole pack in glir over `store`: the alerts (as [`key`]s, sorted) and the run.
fn in_glir(store: &mut Store, pack: &RulePack, filter: &EventFilter) -> (Vec<String>, StoredRun) {
    let mut alerts = Vec::new();
    let run = detect_stored(
        store,
        &mut Detector::new(pack).unwrap(),
        filter,
        true,
        &mut Warmup::new(None),
        |_, a| -> Result<()> {
            alerts.extend(a.iter().map(key));
            Ok(())
        },
    )
    .unwrap();
    alerts.sort();
    (alerts, run)
}

/// The pack pushed down to a ClickHouse `store`: the alerts (as [`key`]s, sorted) and the run.
fn pushed_down(
    store: &mut Store,
    pack: &RulePack,
    filter: &EventFilter,
) -> (Vec<String>, PushdownRun) {
    let mut alerts = Vec::new();
    let run = detect_pushed_down(
        store,
        pack,
        &|p: &RulePack| -> Result<Detector> { Ok(Detector::new(p).unwrap()) },
        filter,
        true,
        &mut Warmup::new(None),
        &mut || {},
        |_, a| -> Result<()> {
            alerts.extend(a.iter().map(key));
            Ok(())
        },
    )
    .unwrap();
    alerts.sort();
    (alerts, run)
}

#[test]
fn pushed_down_alerts_are_the_in_process_alerts() {
    let events = instance();
    if events.is_empty() {
        return;
    }
    let Some(db) = TestDatabase::new("pushdown") else {
        return;
    };
    let pack: RulePack =
        load_rules(&[repo().join("rules/gitlab")], &LoadOptions::default()).unwrap();
    let mut sqlite = Store::open_in_memory().unwrap();
    sqlite.insert_events(&events).unwrap();
    let location: StoreLocation = db.url.parse().unwrap();
    let mut clickhouse = Store::open_location(&location).unwrap();
    clickhouse.insert_events(&events).unwrap();

    let filter = EventFilter::default();
    let (want, _) = in_glir(&mut sqlite, &pack, &filter);
    let (got, run) = pushed_down(&mut clickhouse, &pack, &filter);
    assert_eq!(got.len(), want.len(), "alerts pushed down vs in glir");
    assert_eq!(got, want);

    // What ran where: most rules as SQL, the baseline readers in glir over a preselection, and
    // far fewer events read whole than stored.
    assert!(run.pushed() > 90, "{} rules pushed down", run.pushed());
    assert!(
        run.preselected,
        "the baseline rules' events were preselected"
    );
    assert!(
        run.candidates * 4 < events.len() as u64,
        "{} of {} events selected",
        run.candidates,
        events.len()
    );
    assert_eq!(run.summary.events, events.len() as u64);
    let baseline_rules: Vec<&str> = pack
        .rules
        .iter()
        .filter(|r| r.fields.iter().any(|f| f.starts_with("baseline.")))
        .map(|r| r.id.as_str())
        .collect();
    let from_baseline = want
        .iter()
        .filter(|a| baseline_rules.iter().any(|id| a.contains(id)))
        .count();
    assert!(
        from_baseline > 0,
        "no alert of a baseline rule: the preselection went untested"
    );
    let answered = run.baseline_in_sql.unwrap_or_else(|| {
        panic!(
            "the baseline was not computed in ClickHouse: {:?}",
            run.in_process.as_ref().map(|r| &r.notes)
        )
    });
    assert!(
        answered > 0 && answered * 4 < events.len() as u64,
        "{answered} answers"
    );
    eprintln!(
        "{} alerts ({} of baseline rules) both ways over {} events; {} selected by SQL, \
         {answered} baseline answers from SQL",
        want.len(),
        from_baseline,
        events.len(),
        run.candidates
    );

    // From the middle on: both learn the stored history window before it first.
    let mut times: Vec<_> = events.iter().map(|e| e.created_at).collect();
    times.sort();
    let filter = EventFilter {
        since: Some(times[times.len() / 2]),
        ..EventFilter::default()
    };
    let (want, sqlite_run) = in_glir(&mut sqlite, &pack, &filter);
    assert!(sqlite_run.learned > 1000, "{} learned", sqlite_run.learned);
    let (got, _) = pushed_down(&mut clickhouse, &pack, &filter);
    assert!(!want.is_empty());
    assert_eq!(got, want, "alerts from the middle on");
}
