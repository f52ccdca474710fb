//! Collection against the simulator: complete runs, incremental runs, and runs interrupted at
//! any page (by a stop request or by a network loss) that resume with no gap and no duplicate.

use glir_collect::{CollectError, CollectRequest, WindowPolicy, collect_audit_events};
use glir_gitlab::{AuditScope, Auth, Client, RetryPolicy};
use glir_redact::Secret;
use glir_sim::{Fault, FaultKind, Scenario};
use glir_store::{EventFilter, Store};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const ADMIN_TOKEN: &str = "glpat-SimAdminToken0000001";

fn start() -> Timestamp {
    "2026-10-01T00:00:00Z".parse().unwrap()
}

fn client(url: &str) -> Client {
    Client::builder(url)
        .unwrap()
        .auth(Auth::PrivateToken(Secret::new(ADMIN_TOKEN)))
        .retry(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_rate_limit_wait: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
        })
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn request(n: usize, per_page: u32, window_hours: i64) -> CollectRequest {
    let mut req = CollectRequest::new(AuditScope::Instance);
    req.since = Some(start());
    // One minute per synthetic event, plus slack.
    req.until = Some(start() + SignedDuration::from_mins(n as i64 + 5));
    req.per_page = per_page;
    req.windows = WindowPolicy {
        initial: SignedDuration::from_hours(window_hours),
        min: SignedDuration::from_mins(1),
        max: SignedDuration::from_hours(24),
        dense_events: 50,
    };
    req
}

fn stored_ids(store: &Store) -> Vec<i64> {
    let mut ids: Vec<i64> = store
        .query_events(&EventFilter::default())
        .unwrap()
        .iter()
        .map(|e| e.event_id.parse().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn full_collection_stores_exactly_the_simulators_events() {
    rt().block_on(async {
        let sim = glir_sim::start(Scenario::synthetic(230, start()))
            .await
            .unwrap();
        let client = client(&sim.url());
        let mut store = Store::open_in_memory().unwrap();
        let stop = AtomicBool::new(false);
        let s = collect_audit_events(
            &client,
            &mut store,
            &request(230, 20, 1),
            &stop,
            &mut |_| {},
        )
        .await
        .unwrap();
        assert!(!s.interrupted);
        assert_eq!(stored_ids(&store), sim.audit_event_ids());
        assert_eq!(s.inserted, 230);
        assert!(s.windows >= 4, "230 minutes in 1-hour windows: {s:?}");

        // A second run of the same range finds everything already stored.
        let again = collect_audit_events(
            &client,
            &mut store,
            &request(230, 20, 1),
            &stop,
            &mut |_| {},
        )
        .await
        .unwrap();
        assert_eq!(again.inserted, 0);
        // Window edges are inclusive on both sides, so an event on an edge is read twice.
        assert!(again.duplicates >= 230, "{again:?}");
        sim.shutdown().await;
    });
}

#[test]
fn incremental_run_starts_from_the_checkpoint() {
    rt().block_on(async {
        let sim = glir_sim::start(Scenario::synthetic(120, start()))
            .await
            .unwrap();
        let client = client(&sim.url());
        let mut store = Store::open_in_memory().unwrap();
        let stop = AtomicBool::new(false);
        let mut first = request(120, 50, 24);
        first.until = Some(start() + SignedDuration::from_mins(60));
        collect_audit_events(&client, &mut store, &first, &stop, &mut |_| {})
            .await
            .unwrap();
        let after_first = stored_ids(&store).len();
        assert!((59..=61).contains(&after_first), "{after_first}");

        let mut next = request(120, 50, 24);
        next.since = None; // from the checkpoint
        let s = collect_audit_events(&client, &mut store, &next, &stop, &mut |_| {})
            .await
            .unwrap();
        assert!(
            s.since < start() + SignedDuration::from_mins(60),
            "overlaps the last run"
        );
        assert!(s.since > start(), "does not start over: {}", s.since);
        assert_eq!(stored_ids(&store), sim.audit_event_ids());
        sim.shutdown().await;
    });
}

#[test]
fn network_loss_beyond_retries_fails_and_the_rerun_resumes() {
    rt().block_on(async {
        let sim = glir_sim::start(Scenario::synthetic(150, start()))
            .await
            .unwrap();
        let client = client(&sim.url());
        let mut store = Store::open_in_memory().unwrap();
        let stop = AtomicBool::new(false);
        let req = request(150, 10, 24);
        let mut pages = 0;
        let failed = {
            let sim_ref = &sim;
            collect_audit_events(&client, &mut store, &req, &stop, &mut |p| {
                pages = p.pages;
                if p.pages == 4 {
                    sim_ref.inject(Fault {
                        path_contains: "/audit_events".into(),
                        kind: FaultKind::DropConnection,
                        times: 10,
                    });
                }
            })
            .await
        };
        assert!(
            matches!(failed, Err(CollectError::Api { .. })),
            "{failed:?}"
        );
        assert_eq!(pages, 4);
        assert_eq!(stored_ids(&store).len(), 40);
        sim.clear_faults();

        let s = collect_audit_events(&client, &mut store, &req, &stop, &mut |_| {})
            .await
            .unwrap();
        assert!(s.resumed);
        assert_eq!(
            s.duplicates, 0,
            "resumed at the next page, nothing fetched twice"
        );
        assert_eq!(stored_ids(&store), sim.audit_event_ids());
        sim.shutdown().await;
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Stop a collection after a random number of pages, resume it (possibly several times),
    /// and end with exactly the simulator's events.
    #[test]
    fn interrupted_at_any_page_resumes_without_gap_or_duplicate(
        n in 1usize..300,
        per_page in 3u32..40,
        window_hours in 1i64..30,
        stops in proptest::collection::vec(1u64..20, 1..4),
    ) {
        rt().block_on(async {
            let sim = glir_sim::start(Scenario::synthetic(n, start())).await.unwrap();
            let client = client(&sim.url());
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("glir.db");
            let req = request(n, per_page, window_hours);
            let mut fetched_total = 0;
            let mut finished = false;
            for stop_after in stops {
                // Reopen the store each time, as a new process would.
                let mut store = Store::open(&path).unwrap();
                let stop = AtomicBool::new(false);
                let s = collect_audit_events(&client, &mut store, &req, &stop, &mut |p| {
                    if p.pages >= stop_after {
                        stop.store(true, Ordering::SeqCst);
                    }
                })
                .await
                .unwrap();
                fetched_total += s.fetched;
                if !s.interrupted {
                    finished = true;
                    break;
                }
            }
            let mut store = Store::open(&path).unwrap();
            if !finished {
                let stop = AtomicBool::new(false);
                let s = collect_audit_events(&client, &mut store, &req, &stop, &mut |_| {}).await.unwrap();
                prop_assert!(s.resumed && !s.interrupted);
                fetched_total += s.fetched;
            }
            let ids = stored_ids(&store);
            prop_assert_eq!(&ids, &sim.audit_event_ids());
            prop_assert_eq!(ids.len(), n);
            // Window boundaries may fetch a boundary event twice, never more.
            prop_assert!(fetched_total as usize <= n + n / per_page as usize + 60, "fetched {} for {}", fetched_total, n);
            sim.shutdown().await;
            Ok(())
        })?;
    }
}
