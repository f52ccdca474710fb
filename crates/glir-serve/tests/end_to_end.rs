//! The whole path: the simulator streams its audit events as GitLab does, the receiver stores,
//! archives and detects, and the alerts reach a webhook, also one that was down for a while.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use glir_archive::{Archive, ArchiveOptions};
use glir_detect::{LoadOptions, load_rules};
use glir_redact::Secret;
use glir_serve::deliver::SinkSpec;
use glir_serve::{Destination, LiveOptions, Options};
use glir_sim::{Scenario, StreamTarget};
use glir_store::{AlertFilter, EventFilter, Store};
use jiff::SignedDuration;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "stream-token-0123456789";

/// A webhook that records what it is sent, answering 503 to the first `refuse` requests.
#[derive(Default)]
struct Hook {
    refuse: AtomicUsize,
    calls: AtomicUsize,
    got: Mutex<Vec<serde_json::Value>>,
}

async fn hook(State(hook): State<Arc<Hook>>, body: String) -> StatusCode {
    let call = hook.calls.fetch_add(1, Ordering::SeqCst);
    if call < hook.refuse.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    hook.got
        .lock()
        .unwrap()
        .push(serde_json::from_str(&body).unwrap());
    StatusCode::OK
}

async fn start_hook(refuse: usize) -> (String, Arc<Hook>) {
    let state = Arc::new(Hook::default());
    state.refuse.store(refuse, Ordering::SeqCst);
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

fn pack() -> glir_detect::RulePack {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab");
    load_rules(&[rules], &LoadOptions::default()).unwrap()
}

async fn receiver(dir: &Path, hook_url: &str) -> glir_serve::Running {
    let store = Store::open(&dir.join("glir.db")).unwrap();
    let archive = Archive::open(&dir.join("archive"), ArchiveOptions::default()).unwrap();
    let live = LiveOptions {
        pack: pack(),
        sinks: vec![SinkSpec::Webhook(hook_url.to_string())],
        queue_dir: dir.join("queue"),
        suppress: SignedDuration::from_hours(1),
        replay: SignedDuration::from_hours(24),
        sink_retry: Duration::from_millis(20),
    };
    let options = Options::new(vec![Destination {
        name: "instance".into(),
        token: Secret::new(TOKEN),
        source: "gitlab.example.test".into(),
    }]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let live_store = Store::open(&dir.join("glir.db")).unwrap();
    glir_serve::start(listener, store, archive, &options, Some((live_store, live))).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_stream_becomes_stored_archived_events_and_alerts_at_a_webhook() {
    let dir = tempfile::tempdir().unwrap();
    // The webhook is down for its first three calls: those alerts wait in the queue.
    let (hook_url, hook) = start_hook(3).await;
    let running = receiver(dir.path(), &hook_url).await;
    let sim = glir_sim::start(Scenario::demo()).await.unwrap();
    let mut target = StreamTarget::new(
        format!("http://{}/v1/streams/instance", running.addr),
        TOKEN,
    );
    // GitLab may send an event twice.
    target.duplicate_every = Some(4);
    let report = sim.stream_to(&target).await;
    assert!(report.failures.is_empty(), "{report}");
    assert!(report.duplicates_sent > 0);
    let distinct = report.events_sent;
    let stored = Store::open(&dir.path().join("glir.db"))
        .unwrap()
        .count_events(&EventFilter::default())
        .unwrap();
    assert_eq!(
        stored as usize, distinct,
        "each event once, duplicates dropped"
    );

    let alerts = Store::open(&dir.path().join("glir.db"))
        .unwrap()
        .query_alerts(&AlertFilter::default())
        .unwrap();
    let sum = |metrics: &str, prefix: &str| -> u64 {
        metrics
            .lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    };
    // Until the webhook, down for its first calls, has taken every alert let through.
    let mut metrics = String::new();
    for _ in 0..300 {
        metrics = reqwest::get(format!("http://{}/metrics", running.addr))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let through = sum(&metrics, "glir_serve_alerts_total{")
            - sum(&metrics, "glir_serve_alerts_suppressed_total ");
        if through > 0 && hook.got.lock().unwrap().len() as u64 == through {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.shutdown().await.unwrap();
    assert!(
        metrics.contains("glir_serve_sink_backlog{sink=\"webhook-"),
        "{metrics}"
    );
    let raised = sum(&metrics, "glir_serve_alerts_total{");
    let suppressed = sum(&metrics, "glir_serve_alerts_suppressed_total ");
    assert_eq!(raised as usize, alerts.len(), "{metrics}");
    assert!(!alerts.is_empty(), "the demo's attack raises alerts");
    let got = hook.got.lock().unwrap().clone();
    assert!(
        got.iter()
            .any(|a| a["level"] == "high" || a["level"] == "critical"),
        "a high alert reached the webhook: {got:#?}"
    );
    for alert in &got {
        assert_eq!(alert["source"], "glir serve");
        assert!(
            alerts.iter().any(|a| a.rule_id == alert["rule_id"]),
            "{alert}"
        );
    }
    // Nothing was dropped while the webhook refused: it took every alert the suppression let
    // through, and nothing is left queued.
    assert_eq!(got.len() as u64, raised - suppressed, "{metrics}");
    assert_eq!(
        hook.calls.load(Ordering::SeqCst),
        got.len() + 3,
        "the three refusals were retried"
    );
    let left = std::fs::read_dir(dir.path().join("queue"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .filter(|f| {
            f.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "json")
        })
        .count();
    assert_eq!(left, 0, "alerts left in the queue");
    let report = glir_archive::verify(&dir.path().join("archive")).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.records as usize, distinct);
}
