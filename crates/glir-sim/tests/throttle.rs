//! GitLab's authenticated API rate limit: the request after the quota in a window gets 429 with
//! Rack::Attack's headers, per user, and `/-/sim/requests` counts the 429s.

mod common;

use common::{from_json, get, header};
use jiff::Timestamp;

const POSTURE: &str = include_str!("fixtures/posture.json");
const ROOT: &str = "glpat-PostureRoot0000001";
const OWNER: &str = "glpat-PostureOwner000001";
const PERIOD: i64 = 3600;

/// The fixture with a limit of five requests an hour per user.
fn throttled() -> String {
    POSTURE.replace(
        r#""instance_variables""#,
        r#""settings": {
            "throttle_authenticated_api_enabled": true,
            "throttle_authenticated_api_requests_per_period": 5,
            "throttle_authenticated_api_period_in_seconds": 3600
        },
        "instance_variables""#,
    )
}

/// Windows are aligned to the epoch; a test that starts in a window's last seconds waits for
/// the next one so all its requests fall in one window.
async fn start_of_a_window() {
    let into = Timestamp::now().as_second().rem_euclid(PERIOD);
    if into > PERIOD - 10 {
        let wait = u64::try_from(PERIOD - into + 1).unwrap_or(11);
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    }
}

#[tokio::test]
async fn the_request_after_the_quota_is_throttled_with_gitlabs_headers() {
    let sim = from_json(&throttled()).await;
    start_of_a_window().await;
    for i in 1..=5 {
        let resp = get(&sim, ROOT, "/version").await;
        assert_eq!(resp.status(), 200, "request {i}");
        assert_eq!(header(&resp, "ratelimit-name"), None);
    }
    let resp = get(&sim, ROOT, "/version").await;
    assert_eq!(resp.status(), 429);
    assert_eq!(
        header(&resp, "ratelimit-name"),
        Some("throttle_authenticated_api")
    );
    // Five an hour is one a minute once rounded up to GitLab's 60-second window.
    assert_eq!(header(&resp, "ratelimit-limit"), Some("1"));
    assert_eq!(header(&resp, "ratelimit-observed"), Some("6"));
    assert_eq!(header(&resp, "ratelimit-remaining"), Some("0"));
    let now = Timestamp::now().as_second();
    let reset: i64 = header(&resp, "ratelimit-reset")
        .and_then(|v| v.parse().ok())
        .expect("RateLimit-Reset in Unix seconds");
    assert_eq!(reset.rem_euclid(PERIOD), 0, "the window's end");
    assert!(reset > now && reset <= now + PERIOD, "{reset} vs {now}");
    let retry_after: i64 = header(&resp, "retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((reset - now - retry_after).abs() <= 1, "{retry_after}");
    let expected_date = Timestamp::from_second(reset)
        .expect("timestamp")
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    assert_eq!(
        header(&resp, "ratelimit-resettime"),
        Some(expected_date.as_str())
    );
    assert_eq!(resp.text().await.expect("body"), "Retry later\n");

    let again = get(&sim, ROOT, "/projects").await;
    assert_eq!(again.status(), 429);
    assert_eq!(header(&again, "ratelimit-observed"), Some("7"));
    assert_eq!(
        get(&sim, OWNER, "/version").await.status(),
        200,
        "counted per user"
    );
    let bad = get(&sim, "glpat-NotARealToken000001", "/version").await;
    assert_eq!(
        bad.status(),
        401,
        "an unknown token is not an authenticated request"
    );

    assert_eq!(sim.requests_with_status("/version", 429), 1);
    assert_eq!(sim.requests_with_status("", 429), 2);
    assert_eq!(sim.requests("/version"), 8);
    let counted: serde_json::Value = reqwest::get(format!(
        "{}/-/sim/requests?path_contains=&status=429",
        sim.url()
    ))
    .await
    .expect("sim route")
    .json()
    .await
    .expect("json");
    assert_eq!(counted, serde_json::json!({"count": 2}));
}

#[tokio::test]
async fn without_the_setting_nothing_is_throttled() {
    let sim = from_json(POSTURE).await;
    for _ in 0..20 {
        assert_eq!(get(&sim, ROOT, "/version").await.status(), 200);
    }
    assert_eq!(sim.requests_with_status("/version", 200), 20);
}
