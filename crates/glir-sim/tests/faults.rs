//! Fault injection through the Rust API and over HTTP, and request counting.

mod common;

use common::{ADMIN, get, header, synthetic};
use glir_sim::{Fault, FaultKind};
use std::time::{Duration, Instant};

fn fault(path: &str, kind: FaultKind, times: u32) -> Fault {
    Fault {
        path_contains: path.to_string(),
        kind,
        times,
    }
}

#[tokio::test]
async fn rate_limited_returns_429_with_gitlab_headers_then_recovers() {
    let sim = synthetic(3).await;
    sim.inject(fault(
        "/audit_events",
        FaultKind::RateLimited {
            retry_after_secs: 7,
        },
        1,
    ));
    let resp = get(&sim, ADMIN, "/audit_events").await;
    assert_eq!(resp.status(), 429);
    assert_eq!(header(&resp, "retry-after"), Some("7"));
    for name in [
        "ratelimit-limit",
        "ratelimit-name",
        "ratelimit-observed",
        "ratelimit-remaining",
        "ratelimit-reset",
    ] {
        assert!(header(&resp, name).is_some(), "missing {name}");
    }
    assert_eq!(header(&resp, "ratelimit-remaining"), Some("0"));
    let reset: i64 = header(&resp, "ratelimit-reset")
        .expect("reset")
        .parse()
        .expect("unix time");
    let now = jiff::Timestamp::now().as_second();
    assert!(
        (now + 5..=now + 9).contains(&reset),
        "reset {reset} vs now {now}"
    );
    assert!(header(&resp, "ratelimit-resettime").is_some_and(|t| t.ends_with(" GMT")));
    assert_eq!(header(&resp, "x-request-id").map(str::len), Some(26));
    assert!(header(&resp, "content-type").is_some_and(|c| c.starts_with("text/plain")));
    assert_eq!(resp.text().await.expect("body").trim_end(), "Retry later");

    assert_eq!(
        get(&sim, ADMIN, "/audit_events").await.status(),
        200,
        "fault used up"
    );
}

#[tokio::test]
async fn server_error_uses_requested_status_and_only_matching_paths() {
    let sim = synthetic(3).await;
    sim.inject(fault("/users", FaultKind::ServerError { status: 503 }, 2));
    assert_eq!(get(&sim, ADMIN, "/version").await.status(), 200);
    let resp = get(&sim, ADMIN, "/users").await;
    assert_eq!(resp.status(), 503);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["message"], "503 Service Unavailable");
    assert_eq!(get(&sim, ADMIN, "/users/1").await.status(), 503);
    assert_eq!(get(&sim, ADMIN, "/users/1").await.status(), 200);
}

#[tokio::test]
async fn faults_match_in_injection_order() {
    let sim = synthetic(1).await;
    sim.inject(fault("", FaultKind::ServerError { status: 500 }, 1));
    sim.inject(fault("", FaultKind::ServerError { status: 502 }, 1));
    assert_eq!(get(&sim, ADMIN, "/version").await.status(), 500);
    assert_eq!(get(&sim, ADMIN, "/version").await.status(), 502);
    sim.inject(fault("", FaultKind::ServerError { status: 500 }, 10));
    sim.clear_faults();
    assert_eq!(get(&sim, ADMIN, "/version").await.status(), 200);
}

#[tokio::test]
async fn slow_delays_the_response_and_trips_client_timeouts() {
    let sim = synthetic(1).await;
    sim.inject(fault("/version", FaultKind::Slow { delay_ms: 400 }, 1));
    let started = Instant::now();
    assert_eq!(get(&sim, ADMIN, "/version").await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(400));

    sim.inject(fault("/version", FaultKind::Slow { delay_ms: 1_000 }, 1));
    let err = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .expect("client")
        .get(format!("{}/api/v4/version", sim.url()))
        .header("PRIVATE-TOKEN", ADMIN)
        .send()
        .await
        .expect_err("client times out");
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test]
async fn drop_connection_is_a_transport_error_not_a_status() {
    let sim = synthetic(1).await;
    let client = reqwest::Client::new();
    // Warm a keep-alive connection first, so the drop happens on a reused one.
    let warm = client
        .get(format!("{}/api/v4/version", sim.url()))
        .header("PRIVATE-TOKEN", ADMIN)
        .send()
        .await;
    assert_eq!(warm.expect("warm-up").status(), 200);
    sim.inject(fault("/version", FaultKind::DropConnection, 1));
    let err = client
        .get(format!("{}/api/v4/version", sim.url()))
        .header("PRIVATE-TOKEN", ADMIN)
        .send()
        .await
        .expect_err("no HTTP response arrives");
    assert!(err.status().is_none(), "{err}");
    assert!(!err.is_timeout(), "{err}");
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    // The server keeps serving new connections.
    assert_eq!(
        client
            .get(format!("{}/api/v4/version", sim.url()))
            .header("PRIVATE-TOKEN", ADMIN)
            .send()
            .await
            .expect("ok")
            .status(),
        200
    );
    assert_eq!(sim.requests("/version"), 3, "faulted request counted");
}

#[tokio::test]
async fn faults_and_counts_over_http() {
    let sim = synthetic(2).await;
    let client = reqwest::Client::new();
    // The Rust type's JSON form…
    let nested = serde_json::to_value(fault(
        "/metadata",
        FaultKind::ServerError { status: 500 },
        1,
    ))
    .expect("json");
    let resp = client
        .post(format!("{}/-/sim/faults", sim.url()))
        .json(&nested)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 201);
    // …and the flat form handier with curl.
    let flat = serde_json::json!({"path_contains": "/metadata", "kind": "rate_limited", "retry_after_secs": 1, "times": 1});
    let resp = client
        .post(format!("{}/-/sim/faults", sim.url()))
        .json(&flat)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 201);
    assert_eq!(get(&sim, ADMIN, "/metadata").await.status(), 500);
    assert_eq!(get(&sim, ADMIN, "/metadata").await.status(), 429);
    assert_eq!(get(&sim, ADMIN, "/metadata").await.status(), 200);

    let bad = client
        .post(format!("{}/-/sim/faults", sim.url()))
        .body("{\"kind\":1}")
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), 400);

    let resp = client
        .post(format!("{}/-/sim/faults", sim.url()))
        .json(&flat)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 201);
    let resp = client
        .delete(format!("{}/-/sim/faults", sim.url()))
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status(), 204);
    assert_eq!(get(&sim, ADMIN, "/metadata").await.status(), 200);

    let count: serde_json::Value = client
        .get(format!(
            "{}/-/sim/requests?path_contains=/metadata",
            sim.url()
        ))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(count["count"], 4);
    assert_eq!(
        sim.requests("/metadata"),
        4,
        "control routes are not counted"
    );
    assert_eq!(sim.requests("/-/sim"), 0);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sim = synthetic(1).await;
    let url = format!("{}/api/v4/version", sim.url());
    sim.shutdown().await;
    let err = reqwest::Client::new()
        .get(url)
        .header("PRIVATE-TOKEN", ADMIN)
        .send()
        .await
        .expect_err("server gone");
    assert!(err.is_connect(), "{err:?}");
}

#[tokio::test]
async fn dropped_connection_sends_no_bytes_at_all() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = synthetic(1).await;
    sim.inject(fault("/version", FaultKind::DropConnection, 1));
    let mut stream = tokio::net::TcpStream::connect(sim.addr())
        .await
        .expect("connect");
    let request = format!(
        "GET /api/v4/version HTTP/1.1\r\nHost: {}\r\nPRIVATE-TOKEN: {ADMIN}\r\n\r\n",
        sim.addr()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut received = Vec::new();
    // Either a clean EOF or a reset is fine; any byte (an HTTP status line) is not.
    let _eof_or_reset =
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
            .await
            .expect("closed promptly");
    assert!(
        received.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&received)
    );
}
