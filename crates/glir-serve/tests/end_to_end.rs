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

/// A receiver under `dir` running `pack` and delivering to `sinks`.
async fn receiver(
    dir: &Path,
    pack: glir_detect::RulePack,
    sinks: Vec<SinkSpec>,
) -> glir_serve::Running {
    let store = Store::open(&dir.join("glir.db")).unwrap();
    let archive = Archive::open(&dir.join("archive"), ArchiveOptions::default()).unwrap();
    let live = LiveOptions {
        pack,
        sinks,
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
    let running = receiver(
        dir.path(),
        pack(),
        vec![SinkSpec::Webhook(hook_url.to_string())],
    )
    .await;
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
        let detected = sum(&metrics, "glir_serve_events_detected_total ");
        let accepted = sum(&metrics, "glir_serve_events_accepted_total ");
        if detected == accepted && through > 0 && hook.got.lock().unwrap().len() as u64 == through {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.shutdown().await.unwrap();
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

/// One rule, so the test says exactly which alerts to expect.
fn one_rule() -> glir_detect::RulePack {
    let rule = r#"
title: Personal access token created
id: 3f0c1d6e-1111-4a6b-9c2d-000000000001
status: test
level: high
logsource:
  product: gitlab
  service: audit
detection:
  selection:
    event_type: personal_access_token_created
  condition: selection
"#;
    glir_detect::load_rule_texts(
        &[(std::path::PathBuf::from("rules/pat.yml"), rule)],
        &LoadOptions::default(),
    )
    .unwrap()
}

fn pat_event(id: u32, author: &str) -> String {
    format!(
        r#"{{"id":"{id}","author_id":{id},"entity_id":{id},"entity_type":"User","details":{{"custom_message":"Created personal access token"}},"ip_address":"203.0.113.9","author_name":"{author}","entity_path":"{author}","target_details":"t","created_at":"2026-12-07T03:00:{:02}.000Z","target_type":"PersonalAccessToken","target_id":{id},"event_type":"personal_access_token_created"}}"#,
        id % 60
    )
}

/// Syslog over UDP and TCP, Slack and a file each get the alert, in their own form; a second
/// alert of the same rule about the same actor within the suppression window is stored but not
/// delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sink_gets_the_alert_in_its_own_form_and_suppression_holds_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (slack_url, slack) = start_hook(0).await;
    let file = dir.path().join("alerts.jsonl");
    let sinks = vec![
        SinkSpec::SyslogUdp(udp.local_addr().unwrap()),
        SinkSpec::SyslogTcp(tcp.local_addr().unwrap()),
        SinkSpec::Slack(slack_url),
        SinkSpec::File(file.clone()),
    ];
    let running = receiver(dir.path(), one_rule(), sinks).await;
    let url = format!("http://{}/v1/streams/instance", running.addr);
    // mallory twice within the hour, then trent once.
    for (id, author) in [(1, "mallory"), (2, "mallory"), (3, "trent")] {
        let answer = reqwest::Client::new()
            .post(&url)
            .header(glir_serve::TOKEN_HEADER, TOKEN)
            .body(pat_event(id, author))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
    }
    let mut datagrams = Vec::new();
    for _ in 0..2 {
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), udp.recv(&mut buf))
            .await
            .expect("a syslog datagram")
            .unwrap();
        datagrams.push(String::from_utf8(buf[..n].to_vec()).unwrap());
    }
    let mut framed = Vec::new();
    for _ in 0..2 {
        let (mut conn, _) = tokio::time::timeout(Duration::from_secs(10), tcp.accept())
            .await
            .expect("a syslog connection")
            .unwrap();
        let mut text = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut conn, &mut text)
            .await
            .unwrap();
        framed.push(text);
    }
    for _ in 0..200 {
        if slack.got.lock().unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.shutdown().await.unwrap();
    for (i, d) in datagrams.iter().enumerate() {
        assert!(d.starts_with("<83>1 "), "authpriv.err: {d}");
        assert!(
            d.contains("[glir@32473 rule_id=\"3f0c1d6e-1111-4a6b-9c2d-000000000001\""),
            "{d}"
        );
        assert!(
            d.contains(["actor=\"mallory\"", "actor=\"trent\""][i]),
            "{d}"
        );
    }
    for f in &framed {
        let (len, message) = f.split_once(' ').unwrap();
        assert_eq!(
            len.parse::<usize>().unwrap(),
            message.len(),
            "octet counting: {f}"
        );
        assert!(message.starts_with("<83>1 "), "{f}");
    }
    let texts: Vec<String> = slack
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(
        texts[0].starts_with("[HIGH] Personal access token created — mallory at "),
        "{texts:?}"
    );
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    let stored = Store::open(&dir.path().join("glir.db"))
        .unwrap()
        .query_alerts(&AlertFilter::default())
        .unwrap();
    assert_eq!(stored.len(), 3, "the suppressed alert is still stored");
}
