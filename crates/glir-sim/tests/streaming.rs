//! Audit event streaming: what a receiver gets from the simulator, compared with what GitLab
//! sends (doc/user/compliance/audit_event_streaming.md, doc/user/compliance/audit_event_schema.md).

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use common::{get_json, synthetic};
use glir_sim::{Scenario, SimHandle, StreamReport, StreamTarget};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "verify-me-0123456789abcd";
const FORM: &str = "application/x-www-form-urlencoded";
const TYPE_HEADER: &str = "x-gitlab-audit-event-type";
const TOKEN_HEADER: &str = "x-gitlab-event-streaming-token";

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
struct Received {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON whatever the content type")
    }
}

#[derive(Clone)]
struct Inbox {
    status: StatusCode,
    log: Arc<Mutex<Vec<Received>>>,
}

/// A loopback HTTP destination that records every request and answers `status`.
struct Receiver {
    url: String,
    log: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(status: StatusCode) -> Receiver {
        let log = Arc::new(Mutex::new(Vec::new()));
        let inbox = Inbox {
            status,
            log: Arc::clone(&log),
        };
        let app = Router::new().fallback(record).with_state(inbox);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("receiver address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/audit/ingest"),
            log,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.log.lock().expect("receiver log").clone()
    }

    /// Every streamed event, in arrival order, arrays flattened.
    fn events(&self) -> Vec<Value> {
        self.received()
            .iter()
            .flat_map(|r| match r.json() {
                Value::Array(items) => items,
                one => vec![one],
            })
            .collect()
    }

    async fn wait_for_events(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let events = self.events();
            if events.len() >= n || Instant::now() > deadline {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn record(
    State(inbox): State<Inbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    inbox.log.lock().expect("receiver log").push(Received {
        method,
        path: uri.path().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    inbox.status
}

fn target(receiver: &Receiver) -> StreamTarget {
    StreamTarget::new(receiver.url.clone(), TOKEN)
}

fn string_ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().expect("id is a JSON string").to_string())
        .collect()
}

fn expected_ids(sim: &SimHandle) -> Vec<String> {
    sim.audit_event_ids()
        .iter()
        .map(|id| id.to_string())
        .collect()
}

fn clean(report: &StreamReport, requests: usize, events: usize) {
    assert_eq!(report.requests, requests, "{report}");
    assert_eq!(report.events_sent, events, "{report}");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(
        report.statuses,
        BTreeMap::from([(200, requests)]),
        "{report}"
    );
}

#[tokio::test]
async fn single_mode_posts_one_event_per_request_with_gitlabs_headers() {
    let sim = synthetic(30).await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let report = sim.stream_to(&target(&receiver)).await;
    clean(&report, 30, 30);
    assert_eq!(report.duplicates_sent, 0);

    let received = receiver.received();
    assert_eq!(received.len(), 30);
    for r in &received {
        assert_eq!(r.method, Method::POST);
        assert_eq!(r.path, "/audit/ingest");
        assert_eq!(r.header(TOKEN_HEADER), Some(TOKEN));
        assert_eq!(r.header("content-type"), Some(FORM));
        let body = r.json();
        assert!(body.is_object(), "single mode sends one object: {body}");
        let event_type = body["event_type"].as_str().expect("event_type");
        assert_eq!(r.header(TYPE_HEADER), Some(event_type));
    }
    // Every event, once, oldest first.
    assert_eq!(string_ids(&receiver.events()), expected_ids(&sim));
}

#[tokio::test]
async fn the_body_is_the_streaming_schema_built_from_the_rest_entity_data() {
    let sim = glir_sim::start(Scenario::demo()).await.expect("sim starts");
    let receiver = Receiver::start(StatusCode::OK).await;
    let report = sim.stream_to(&target(&receiver)).await;
    let ids = sim.audit_event_ids();
    clean(&report, ids.len(), ids.len());

    let (status, rest) = get_json(
        &sim,
        "glpat-DemoRootAdmin000000",
        "/audit_events?per_page=100",
    )
    .await;
    assert_eq!(status, 200);
    let rest: HashMap<String, Value> = rest
        .as_array()
        .expect("REST array")
        .iter()
        .map(|e| (e["id"].to_string(), e.clone()))
        .collect();

    let events = receiver.events();
    assert_eq!(events.len(), ids.len());
    let keys = [
        "id",
        "author_id",
        "entity_id",
        "entity_type",
        "details",
        "ip_address",
        "author_name",
        "entity_path",
        "target_details",
        "created_at",
        "target_type",
        "target_id",
        "event_type",
    ];
    for streamed in &events {
        // GitLab's column order, as in the schema example; the raw text keeps it.
        let object = streamed.as_object().expect("object");
        let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut want = keys.to_vec();
        want.sort_unstable();
        assert_eq!(names, want, "{streamed}");

        let id = streamed["id"].as_str().expect("id is a string");
        let entity = &rest[id];
        for same in ["author_id", "entity_id", "entity_type", "created_at"] {
            assert_eq!(streamed[same], entity[same], "{same} of {id}");
        }
        assert_eq!(streamed["event_type"], entity["event_name"], "{id}");
        let details = &streamed["details"];
        for lifted in [
            "ip_address",
            "author_name",
            "entity_path",
            "target_details",
            "target_type",
            "target_id",
        ] {
            assert_eq!(streamed[lifted], details[lifted], "{lifted} of {id}");
        }
        // Milliseconds and Z, as `as_json` renders a timestamp.
        let created = streamed["created_at"].as_str().expect("created_at");
        assert!(
            created.len() == 24 && created.ends_with('Z') && created.as_bytes()[19] == b'.',
            "{created}"
        );
    }
    // The top-level key order, with `details` (which repeats some keys) cut out of the text.
    let raw = receiver.received().remove(0).body;
    let details = serde_json::to_string(&events[0]["details"]).expect("details");
    let first = raw.replacen(&details, "{}", 1);
    let order: Vec<usize> = keys
        .iter()
        .map(|k| first.find(&format!("\"{k}\":")).expect("key present"))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{first}");
}

#[tokio::test]
async fn batch_mode_sends_arrays_of_at_most_n_without_the_event_type_header() {
    let sim = synthetic(30).await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let report = sim
        .stream_to(&StreamTarget {
            batch_size: Some(7),
            ..target(&receiver)
        })
        .await;
    clean(&report, 5, 30);

    let received = receiver.received();
    let sizes: Vec<usize> = received
        .iter()
        .map(|r| r.json().as_array().expect("batch is an array").len())
        .collect();
    assert_eq!(sizes, [7, 7, 7, 7, 2]);
    for r in &received {
        assert_eq!(r.header(TYPE_HEADER), None);
        assert_eq!(r.header(TOKEN_HEADER), Some(TOKEN));
        assert_eq!(r.header("content-type"), Some(FORM));
        for event in r.json().as_array().expect("array") {
            assert!(event["event_type"].is_string(), "{event}");
        }
    }
    assert_eq!(string_ids(&receiver.events()), expected_ids(&sim));
}

#[tokio::test]
async fn content_type_override_and_custom_headers_are_sent() {
    let sim = synthetic(3).await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let report = sim
        .stream_to(&StreamTarget {
            content_type: Some("application/json".into()),
            headers: vec![
                ("Authorization".into(), "Splunk 1234-abcd".into()),
                ("X-Siem-Index".into(), "gitlab_audit".into()),
            ],
            ..target(&receiver)
        })
        .await;
    clean(&report, 3, 3);
    for r in receiver.received() {
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("authorization"), Some("Splunk 1234-abcd"));
        assert_eq!(r.header("x-siem-index"), Some("gitlab_audit"));
        assert_eq!(r.header(TOKEN_HEADER), Some(TOKEN));
    }

    // A custom Content-Type header is how GitLab users override it, and it wins.
    let receiver = Receiver::start(StatusCode::OK).await;
    sim.stream_to(&StreamTarget {
        content_type: Some("text/plain".into()),
        headers: vec![("Content-Type".into(), "application/json".into())],
        ..target(&receiver)
    })
    .await;
    for r in receiver.received() {
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn duplicate_every_resends_every_nth_event_with_an_identical_body() {
    let sim = synthetic(30).await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let report = sim
        .stream_to(&StreamTarget {
            duplicate_every: Some(4),
            ..target(&receiver)
        })
        .await;
    clean(&report, 37, 30);
    assert_eq!(report.duplicates_sent, 7);

    let mut bodies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in receiver.received() {
        let id = r.json()["id"].as_str().expect("string id").to_string();
        bodies.entry(id).or_default().push(r.body.clone());
    }
    assert_eq!(bodies.len(), 30);
    let repeated: Vec<i64> = bodies
        .iter()
        .filter(|(_, copies)| copies.len() == 2)
        .map(|(id, _)| id.parse().expect("numeric id string"))
        .collect::<std::collections::BTreeSet<i64>>()
        .into_iter()
        .collect();
    assert_eq!(repeated, [4, 8, 12, 16, 20, 24, 28]);
    for copies in bodies.values() {
        assert!(copies.len() <= 2);
        assert!(copies.iter().all(|c| c == &copies[0]), "identical repeats");
    }

    // In batch mode the repeats travel in the batches too.
    let receiver = Receiver::start(StatusCode::OK).await;
    let report = sim
        .stream_to(&StreamTarget {
            batch_size: Some(10),
            duplicate_every: Some(5),
            ..target(&receiver)
        })
        .await;
    clean(&report, 4, 30);
    assert_eq!(report.duplicates_sent, 6);
    assert_eq!(receiver.events().len(), 36);
}

#[tokio::test]
async fn a_failing_receiver_is_reported_and_never_retried() {
    let sim = synthetic(3).await;
    let receiver = Receiver::start(StatusCode::INTERNAL_SERVER_ERROR).await;
    let report = sim.stream_to(&target(&receiver)).await;
    assert_eq!(report.requests, 3);
    assert_eq!(report.events_sent, 3);
    assert_eq!(report.failures.len(), 3, "{:?}", report.failures);
    assert!(report.failures[0].contains("500"), "{:?}", report.failures);
    assert_eq!(report.statuses, BTreeMap::from([(500, 3)]));
    assert_eq!(receiver.received().len(), 3, "one attempt per event");

    // Nobody listening: a transport error per request, still no retry, no status.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/x?hec_token=secret-q",
        closed.local_addr().expect("addr")
    );
    drop(closed);
    let report = sim.stream_to(&StreamTarget::new(url, TOKEN)).await;
    assert_eq!(report.requests, 3);
    assert_eq!(report.failures.len(), 3);
    assert!(report.statuses.is_empty());
    let text = format!("{report} {:?}", report.failures);
    assert!(
        !text.contains("secret-q") && !text.contains(TOKEN),
        "{text}"
    );
}

#[tokio::test]
async fn an_unusable_destination_sends_nothing() {
    let sim = synthetic(3).await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let report = sim
        .stream_to(&StreamTarget {
            headers: (0..21).map(|i| (format!("X-H{i}"), "v".into())).collect(),
            ..target(&receiver)
        })
        .await;
    assert_eq!(report.requests, 0);
    assert_eq!(report.failures.len(), 1);
    assert!(report.failures[0].contains("at most 20"), "{report}");
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn a_scenario_streaming_section_streams_at_startup_and_each_new_event() {
    let receiver = Receiver::start(StatusCode::OK).await;
    let batched = Receiver::start(StatusCode::OK).await;
    let mut scenario = Scenario::demo();
    scenario.streaming = vec![
        target(&receiver),
        StreamTarget {
            batch_size: Some(50),
            ..target(&batched)
        },
    ];
    let seeded = scenario.audit_events.len();
    let sim = glir_sim::start(scenario).await.expect("sim starts");

    let events = receiver.wait_for_events(seeded).await;
    assert_eq!(string_ids(&events), expected_ids(&sim));
    assert_eq!(batched.wait_for_events(seeded).await.len(), seeded);
    assert_eq!(batched.received().len(), seeded.div_ceil(50));

    // Revoking the attacker's token writes an audit event, which reaches both destinations.
    let resp = reqwest::Client::new()
        .delete(format!("{}/api/v4/personal_access_tokens/4", sim.url()))
        .header("PRIVATE-TOKEN", "glpat-DemoRootAdmin000000")
        .send()
        .await
        .expect("revoke");
    assert_eq!(resp.status(), 204);
    let newest = sim.audit_event_ids().last().copied().expect("an event");

    let events = receiver.wait_for_events(seeded + 1).await;
    assert_eq!(events.len(), seeded + 1, "only the new event is sent");
    let last = receiver.received().pop().expect("a request");
    assert_eq!(last.json()["id"], Value::String(newest.to_string()));
    assert_eq!(
        last.header(TYPE_HEADER),
        Some("personal_access_token_revoked")
    );
    assert_eq!(last.json()["event_type"], "personal_access_token_revoked");
    assert_eq!(last.json()["author_name"], "Administrator");

    let events = batched.wait_for_events(seeded + 1).await;
    assert_eq!(events.len(), seeded + 1);
    let last = batched.received().pop().expect("a request");
    assert_eq!(last.json().as_array().map(Vec::len), Some(1));
    sim.shutdown().await;
}

#[tokio::test]
async fn stream_live_reports_each_run() {
    let sim = synthetic(5).await;
    let receiver = Receiver::start(StatusCode::OK).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = sim.stream_live(target(&receiver), move |report| {
        let _ = tx.send(report.clone());
    });
    let first = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("first run")
        .expect("report");
    clean(&first, 5, 5);
    task.abort();
}

#[test]
fn the_scenario_format_declares_destinations() {
    let json = r#"{
      "users": [{"id": 1, "username": "root", "is_admin": true}],
      "streaming": [
        {"url": "https://siem.example.test/gitlab", "token": "abc123",
         "batch_size": 25, "content_type": "application/json", "duplicate_every": 10,
         "headers": [{"key": "X-Index", "value": "audit"},
                     {"key": "X-Off", "value": "no", "active": false}]}
      ]
    }"#;
    let scenario = Scenario::from_json_str(json).expect("valid scenario");
    let target = &scenario.streaming[0];
    assert_eq!(target.url, "https://siem.example.test/gitlab");
    assert_eq!(target.token, "abc123");
    assert_eq!(target.batch_size, Some(25));
    assert_eq!(target.content_type.as_deref(), Some("application/json"));
    assert_eq!(target.duplicate_every, Some(10));
    assert_eq!(
        target.headers,
        [("X-Index".to_string(), "audit".to_string())]
    );
    assert!(!format!("{scenario:?}").contains("abc123"));

    let bad = json.replace("\"batch_size\": 25", "\"batch_size\": 0");
    let err = Scenario::from_json_str(&bad).expect_err("batch_size 0");
    assert_eq!(err.field(), Some("streaming[0].batch_size"), "{err}");
    let bad = json.replace("https://siem", "ftp://siem");
    let err = Scenario::from_json_str(&bad).expect_err("ftp");
    assert_eq!(err.field(), Some("streaming[0].url"), "{err}");
    let bad = json.replace("\"key\": \"X-Index\"", "\"name\": \"X-Index\"");
    let err = Scenario::from_json_str(&bad).expect_err("unknown header field");
    assert!(
        err.field()
            .is_some_and(|f| f.starts_with("streaming[0].headers[0]")),
        "{err}"
    );
}

#[tokio::test]
async fn the_binary_streams_the_demo_and_never_prints_the_token() {
    let receiver = Receiver::start(StatusCode::OK).await;
    let token_file =
        std::env::temp_dir().join(format!("glir-sim-stream-token-{}", std::process::id()));
    std::fs::write(&token_file, format!("  {TOKEN}\n")).expect("write token file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_glir-sim"))
        .args(["--demo", "--listen", "127.0.0.1:0", "--stream-to"])
        .arg(&receiver.url)
        .arg("--stream-token-file")
        .arg(&token_file)
        .args(["--stream-batch", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn glir-sim");
    let mut output = String::new();
    let mut output_lines = Vec::new();
    for pipe in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        output_lines.push(rx);
    }
    let seeded = Scenario::demo().audit_events.len();
    let events = receiver.wait_for_events(seeded).await;
    // Give the summary line a moment to be written after the last response.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && !output.contains("glir-sim: streamed to") {
        for rx in &output_lines {
            while let Ok(line) = rx.try_recv() {
                output.push_str(&line);
                output.push('\n');
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&token_file);

    assert_eq!(events.len(), seeded, "{output}");
    let received = receiver.received();
    assert_eq!(received.len(), seeded.div_ceil(10));
    assert!(
        received
            .iter()
            .all(|r| r.header(TOKEN_HEADER) == Some(TOKEN)),
        "the token is trimmed"
    );
    let summary = format!(
        "{} requests, {seeded} events, 0 duplicates, 0 failures",
        seeded.div_ceil(10)
    );
    assert!(output.contains(&summary), "{output}");
    assert!(!output.contains(TOKEN), "{output}");
}
