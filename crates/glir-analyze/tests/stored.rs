//! Detection over the store with the baseline's history: what a run learns before its window,
//! when it saves the baseline, and that a known IP before the window is not "new" inside it.

use glir_analyze::{BASELINE_SCOPE, Warmup, detect_stored, history_before};
use glir_baseline::{Baseline, Config};
use glir_detect::{Detector, LoadOptions, load_rule_texts};
use glir_events::{AuditEvent, Layout, parse_event};
use glir_store::{EventFilter, Store};
use jiff::Timestamp;
use std::path::PathBuf;

/// Fires on a key added from an IP the actor has not used before.
const NEW_IP_RULE: &str = r#"
title: key from a new IP
id: 0b9c4b1e-5d1e-4c3a-9a51-3f3c1c2d8a10
status: experimental
logsource:
    product: gitlab
    service: audit
detection:
    selection:
        event_type: add_ssh_key
        baseline.new_ip: true
        baseline.actor_known: true
    condition: selection
level: high
"#;

fn event(id: usize, at: &str, ip: &str) -> AuditEvent {
    let raw = format!(
        r#"{{"id":"{id}","created_at":"{at}","event_type":"add_ssh_key","author_id":2,"author_name":"Dana","ip_address":"{ip}","entity_type":"User","entity_path":"dana"}}"#
    );
    parse_event(&raw, Some(Layout::Stream), "test").unwrap()
}

/// Dana adds keys from the office on the first ten days of November, then once from the
/// office and once from elsewhere on the 20th.
fn store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let mut events: Vec<AuditEvent> = (1..=10)
        .map(|day| event(day, &format!("2026-11-{day:02}T09:00:00Z"), "198.51.100.7"))
        .collect();
    events.push(event(11, "2026-11-20T09:00:00Z", "198.51.100.7"));
    events.push(event(12, "2026-11-20T10:00:00Z", "203.0.113.66"));
    store.insert_events(&events).unwrap();
    store
}

fn detector() -> Detector {
    let pack = load_rule_texts(
        &[(PathBuf::from("new-ip.yml"), NEW_IP_RULE)],
        &LoadOptions::default(),
    )
    .unwrap();
    assert!(pack.errors.is_empty(), "{:?}", pack.errors);
    Detector::new(&pack).unwrap()
}

fn since(at: &str) -> EventFilter {
    EventFilter {
        since: Some(at.parse::<Timestamp>().unwrap()),
        ..EventFilter::default()
    }
}

fn run(store: &mut Store, filter: &EventFilter) -> (glir_analyze::StoredRun, Vec<String>) {
    let mut alerted = Vec::new();
    let run = detect_stored(
        store,
        &mut detector(),
        filter,
        true,
        &mut Warmup::new(None),
        |event, alerts| -> Result<(), glir_analyze::Error> {
            if !alerts.is_empty() {
                alerted.push(event.event_id.clone());
            }
            Ok(())
        },
    )
    .unwrap();
    (run, alerted)
}

#[test]
fn the_window_is_judged_against_the_history_before_it_and_the_baseline_is_saved() {
    let mut store = store();
    // The window holds only the key from elsewhere: Dana is known only from the history.
    let (run, alerted) = run(&mut store, &since("2026-11-20T09:30:00Z"));
    assert_eq!(run.events, 1);
    // The default history is 14 days: the office events of the 7th to the 10th and the 20th.
    assert_eq!(run.learned, 5);
    assert_eq!(alerted, ["12"]);
    assert!(run.baseline_saved);
    assert!(store.checkpoint(BASELINE_SCOPE).unwrap().is_some());
}

#[test]
fn a_filtered_run_learns_but_does_not_save_the_baseline() {
    let mut store = store();
    let filter = EventFilter {
        actor: Some("Dana".into()),
        ..since("2026-11-20T09:30:00Z")
    };
    let (run, alerted) = run(&mut store, &filter);
    assert_eq!(alerted, ["12"]);
    assert!(!run.baseline_saved);
    assert!(store.checkpoint(BASELINE_SCOPE).unwrap().is_none());
}

#[test]
fn history_before_learns_the_subjects_fortnight_only() {
    let store = store();
    let mut baseline = Baseline::new(Config::default());
    let shown = EventFilter {
        ip: Some("198.51.100.7".into()),
        limit: Some(1),
        ..EventFilter::default()
    };
    let first = "2026-11-20T09:00:00Z".parse().unwrap();
    let learned = history_before(&store, &shown, first, &mut baseline).unwrap();
    // The default window is 14 days: the 6th to the 10th of November, not the 1st to the 5th.
    assert_eq!(learned, 5);
}
