//! The receiver over real HTTP on loopback: what it takes, what it refuses, and that what it
//! answered 2xx for is stored and archived once.

use glir_archive::{Archive, ArchiveOptions};
use glir_redact::Secret;
use glir_serve::{Destination, Options, Running, TOKEN_HEADER};
use glir_store::{EventFilter, Store};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

const TOKEN: &str = "stream-token-0123456789";

fn destination() -> Destination {
    Destination {
        name: "instance".into(),
        token: Secret::new(TOKEN),
        source: "gitlab.example.test".into(),
    }
}

fn event(id: &str, minute: u32) -> String {
    format!(
        r#"{{"id":"{id}","author_id":2,"entity_id":2,"entity_type":"User","details":{{"author_name":"Dana","target_type":"PersonalAccessToken","target_details":"t","custom_message":"Created personal access token"}},"ip_address":"203.0.113.66","author_name":"Dana","entity_path":"dana","target_details":"t","created_at":"2026-11-25T02:{minute:02}:00.000Z","target_type":"PersonalAccessToken","target_id":7,"event_type":"personal_access_token_created"}}"#
    )
}

async fn start(dir: &Path, options: Options) -> Running {
    let store = Store::open(&dir.join("glir.db")).unwrap();
    let archive = Archive::open(&dir.join("archive"), ArchiveOptions::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    glir_serve::start(listener, store, archive, &options, None).unwrap()
}

fn stored(dir: &Path) -> u64 {
    Store::open(&dir.join("glir.db"))
        .unwrap()
        .count_events(&EventFilter::default())
        .unwrap()
}

async fn post(
    url: &str,
    token: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        req = req.header(TOKEN_HEADER, token);
    }
    let answer = req.send().await.unwrap();
    let status = answer.status().as_u16();
    let body = answer.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

#[tokio::test]
async fn events_are_taken_whatever_the_content_type_and_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), Options::new(vec![destination()])).await;
    let url = format!("http://{}/v1/streams/instance", running.addr);
    let form = "application/x-www-form-urlencoded";
    let (status, body) = post(&url, Some(TOKEN), form, event("1", 1)).await;
    assert_eq!((status, &body["accepted"]), (200, &1.into()), "{body}");
    // GitLab may stream an event twice.
    let (status, body) = post(&url, Some(TOKEN), "application/json", event("1", 1)).await;
    assert_eq!((status, &body["duplicates"]), (200, &1.into()), "{body}");
    let batch = format!("[{},\n{}]", event("1", 1), event("2", 2));
    let (status, body) = post(&url, Some(TOKEN), "text/plain", batch).await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!({"accepted": 1, "duplicates": 1}));
    let metrics = reqwest::get(format!("http://{}/metrics", running.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "glir_serve_events_accepted_total 2",
        "glir_serve_events_duplicate_total 2",
        "glir_serve_commit_seconds_count",
        "glir_serve_index_seconds_count",
    ] {
        assert!(metrics.contains(name), "{name} not in\n{metrics}");
    }
    running.shutdown().await.unwrap();
    assert_eq!(stored(dir.path()), 2);
    let report = glir_archive::verify(&dir.path().join("archive")).unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.records, 2, "each new event archived once");
}

#[tokio::test]
async fn bad_requests_are_refused_with_their_status_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::new(vec![destination()]);
    options.body_limit = 4096;
    let running = start(dir.path(), options).await;
    let base = format!("http://{}", running.addr);
    let url = format!("{base}/v1/streams/instance");
    let json = "application/json";
    let cases: Vec<(&str, u16, Option<&str>, String, String)> = vec![
        ("no token", 401, None, url.clone(), event("1", 1)),
        (
            "wrong token",
            401,
            Some("stream-token-0123456780"),
            url.clone(),
            event("1", 1),
        ),
        (
            "unknown destination",
            404,
            Some(TOKEN),
            format!("{base}/v1/streams/other"),
            event("1", 1),
        ),
        (
            "malformed JSON",
            400,
            Some(TOKEN),
            url.clone(),
            "{\"id\":".into(),
        ),
        (
            "form data",
            400,
            Some(TOKEN),
            url.clone(),
            "id=1&event_type=x".into(),
        ),
        (
            "not an event",
            400,
            Some(TOKEN),
            url.clone(),
            format!("[{}, 7]", event("1", 1)),
        ),
        (
            "no time",
            400,
            Some(TOKEN),
            url.clone(),
            r#"{"id":"9","event_type":"x"}"#.into(),
        ),
        (
            "oversize",
            413,
            Some(TOKEN),
            url.clone(),
            format!("[{}]", vec![event("1", 1); 20].join(",")),
        ),
    ];
    for (what, want, token, url, body) in cases {
        let (status, answer) = post(&url, token, json, body).await;
        assert_eq!(status, want, "{what}: {answer}");
        assert!(answer["error"].is_string(), "{what}: says why: {answer}");
    }
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"glir_serve_requests_rejected_total{reason="token"} 2"#,
        r#"glir_serve_requests_rejected_total{reason="unknown_destination"} 1"#,
        r#"glir_serve_requests_rejected_total{reason="malformed"} 4"#,
        r#"glir_serve_requests_rejected_total{reason="too_large"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} not in\n{metrics}");
    }
    running.shutdown().await.unwrap();
    assert_eq!(stored(dir.path()), 0);
    let report = glir_archive::verify(&dir.path().join("archive")).unwrap();
    assert_eq!(report.records, 0);
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let dir = tempfile::tempdir().unwrap();
    let running = start(dir.path(), Options::new(vec![destination()])).await;
    for path in ["healthz", "readyz"] {
        let answer = reqwest::get(format!("http://{}/{path}", running.addr))
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200, "{path}");
    }
    running.shutdown().await.unwrap();
}

/// A client that sends part of its headers, or part of its body, and stops: the receiver drops
/// it after the timeout and answers everyone else meanwhile.
#[tokio::test]
async fn a_stalled_client_cannot_hold_the_receiver() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::new(vec![destination()]);
    options.header_timeout = Duration::from_millis(500);
    options.read_timeout = Duration::from_millis(500);
    let running = start(dir.path(), options).await;
    let addr = running.addr;
    let stalled = tokio::task::spawn_blocking(move || {
        let mut headers = std::net::TcpStream::connect(addr).unwrap();
        headers
            .write_all(b"POST /v1/streams/instance HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let mut body = std::net::TcpStream::connect(addr).unwrap();
        let head = format!(
            "POST /v1/streams/instance HTTP/1.1\r\nHost: x\r\n{TOKEN_HEADER}: {TOKEN}\r\nContent-Length: 100\r\n\r\n{{\"id\":"
        );
        body.write_all(head.as_bytes()).unwrap();
        let started = Instant::now();
        let mut answers = Vec::new();
        for mut stream in [headers, body] {
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut got = String::new();
            let _ = stream.read_to_string(&mut got);
            answers.push(got);
        }
        (started.elapsed(), answers)
    });
    let url = format!("http://{addr}/v1/streams/instance");
    let (status, _) = post(&url, Some(TOKEN), "application/json", event("5", 5)).await;
    assert_eq!(status, 200, "answered while two clients stall");
    let (waited, answers) = stalled.await.unwrap();
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert!(
        answers[1].starts_with("HTTP/1.1 408"),
        "a stalled body gets 408: {:?}",
        answers[1]
    );
    running.shutdown().await.unwrap();
    assert_eq!(stored(dir.path()), 1);
}

#[tokio::test]
async fn check_config_names_every_problem() {
    let mut options = Options::new(vec![
        Destination {
            name: "a b".into(),
            token: Secret::new("short"),
            source: "s".into(),
        },
        destination(),
        destination(),
    ]);
    options.tls = Some(glir_serve::TlsFiles {
        cert: "/nonexistent/cert.pem".into(),
        key: "/nonexistent/key.pem".into(),
    });
    let problems = options.problems();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems.iter().any(|p| p.contains("\"a b\"")));
    assert!(problems.iter().any(|p| p.contains("shorter than 16")));
    assert!(problems.iter().any(|p| p.contains("named twice")));
    assert!(problems.iter().any(|p| p.contains("/nonexistent/cert.pem")));
    assert!(
        Options::new(Vec::new())
            .problems()
            .iter()
            .any(|p| p.starts_with("no destination"))
    );
}

/// A kill between the archive's sync and the store's commit leaves events the store lacks; the
/// next start puts them back, and the store's identity keeps what it had from counting twice.
#[tokio::test]
async fn a_start_puts_back_archived_events_the_store_lacks() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut archive =
            Archive::open(&dir.path().join("archive"), ArchiveOptions::default()).unwrap();
        let lines: Vec<String> = ["31", "32"]
            .iter()
            .enumerate()
            .map(|(i, id)| {
                format!(
                    r#"{{"received_at":"2026-11-25T02:00:00Z","destination":"instance","event_type":null,"event":{}}}"#,
                    event(id, i as u32)
                )
            })
            .collect();
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        archive.append(&lines).unwrap();
        archive.sync().unwrap();
    }
    // The store already had one of them.
    let mut store = Store::open(&dir.path().join("glir.db")).unwrap();
    let had = glir_events::parse_event(
        &event("31", 0),
        Some(glir_events::Layout::Stream),
        "gitlab.example.test",
    )
    .unwrap();
    store.insert_events(&[had]).unwrap();
    drop(store);
    let running = start(dir.path(), Options::new(vec![destination()])).await;
    assert_eq!(running.reindexed, 1);
    running.shutdown().await.unwrap();
    let events = Store::open(&dir.path().join("glir.db"))
        .unwrap()
        .query_events(&EventFilter::default())
        .unwrap();
    let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["31", "32"]);
    assert!(events.iter().all(|e| e.source == "gitlab.example.test"));
}

/// With a certificate and key, the receiver speaks TLS itself: a client that trusts the CA is
/// answered; plain HTTP to the TLS port is not taken.
#[tokio::test]
async fn with_a_certificate_it_speaks_tls() {
    let dir = tempfile::tempdir().unwrap();
    let files = glir_test_support::CertificateFiles::write(dir.path(), &["127.0.0.1"]);
    let mut options = Options::new(vec![destination()]);
    options.tls = Some(glir_serve::TlsFiles {
        cert: files.cert.clone(),
        key: files.key.clone(),
    });
    let running = start(dir.path(), options).await;
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(files.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let answer = client
        .post(format!("https://{}/v1/streams/instance", running.addr))
        .header(TOKEN_HEADER, TOKEN)
        .body(event("1", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let plain = reqwest::Client::new()
        .post(format!("http://{}/v1/streams/instance", running.addr))
        .header(TOKEN_HEADER, TOKEN)
        .body(event("2", 2))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP to the TLS port: {plain:?}");
    running.shutdown().await.unwrap();
    assert_eq!(stored(dir.path()), 1);
}

/// A quiet instance's events still reach a sealed segment, which `glir archive mirror` copies:
/// the receiver seals the open segment once it reaches its age, with no event to wake it.
#[tokio::test]
async fn a_quiet_receiver_seals_a_segment_that_reached_its_age() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("glir.db")).unwrap();
    let archive = Archive::open(
        &dir.path().join("archive"),
        ArchiveOptions {
            segment_max_age: Some(Duration::from_millis(200)),
            ..ArchiveOptions::default()
        },
    )
    .unwrap();
    let mut options = Options::new(vec![destination()]);
    options.seal_check = Duration::from_millis(50);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = glir_serve::start(listener, store, archive, &options, None).unwrap();
    let url = format!("http://{}/v1/streams/instance", running.addr);
    let (status, _) = post(&url, Some(TOKEN), "application/json", event("1", 1)).await;
    assert_eq!(status, 200);
    let mut sealed = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        sealed = glir_archive::verify(&dir.path().join("archive"))
            .unwrap()
            .segments;
        if sealed == 1 {
            break;
        }
    }
    assert_eq!(
        sealed, 1,
        "sealed while the receiver runs, with no new event"
    );
    running.shutdown().await.unwrap();
}
