//! Client behaviour that needs exact control of the server's answers: headers sent, redirects,
//! foreign links, rate-limit headers, pacing, odd bodies. The simulator covers the rest.

mod support;

use glir_gitlab::{Auth, Client, Error, PageRequest, Paging, RetryPolicy, User};
use glir_redact::Secret;
use std::time::{Duration, Instant};
use support::{Reply, Scripted};

const TOKEN: &str = "glpat-TransportTest000001";
const USER: &str = r#"{"id":1,"username":"root","name":"Administrator","state":"active","locked":false,"avatar_url":null,"web_url":"http://h/root","created_at":"2025-01-01T00:00:00Z","bot":false,"is_admin":true}"#;

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(5),
        deadline: Duration::from_secs(60),
    }
}

fn client(origin: &str, auth: Auth) -> Client {
    Client::builder(origin)
        .unwrap()
        .auth(auth)
        .retry(fast_retries())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn private(token: &str) -> Auth {
    Auth::PrivateToken(Secret::new(token))
}

#[tokio::test]
async fn each_auth_kind_sends_its_header_and_never_puts_the_token_in_the_url() {
    let server = Scripted::start(|_, _| Reply::json(200, USER)).await;
    for auth in [
        private(TOKEN),
        Auth::Bearer(Secret::new(TOKEN)),
        Auth::JobToken(Secret::new(TOKEN)),
    ] {
        client(&server.origin, auth).current_user().await.unwrap();
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].header("private-token"), Some(TOKEN));
    assert_eq!(
        seen[1].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(seen[2].header("job-token"), Some(TOKEN));
    for request in &seen {
        assert_eq!(request.target, "/api/v4/user");
        assert!(request.header("user-agent").unwrap().starts_with("glir/"));
        assert_eq!(request.header("accept"), Some("application/json"));
    }
}

#[tokio::test]
async fn redirect_on_the_instance_is_followed() {
    // doc/api/rest/troubleshooting.md: moved projects answer 301 with the new location.
    let server = Scripted::start(|seen, _| {
        if seen.target.starts_with("/api/v4/projects/old%2Fapp") {
            Reply::json(301, "").header("location", "{origin}/api/v4/projects/42")
        } else {
            Reply::json(
                200,
                r#"{"id":42,"name":"app","path":"app","path_with_namespace":"acme/app","visibility":"private","namespace":{"id":3,"name":"acme","path":"acme","kind":"group","full_path":"acme"},"web_url":"http://h/acme/app"}"#,
            )
        }
    })
    .await;
    let project = client(&server.origin, private(TOKEN))
        .project("old/app")
        .await
        .unwrap();
    assert_eq!(project.body.id, 42);
    assert_eq!(server.seen()[1].header("private-token"), Some(TOKEN));
}

#[tokio::test]
async fn redirect_to_another_host_is_refused_and_the_token_stays_home() {
    let elsewhere = Scripted::start(|_, _| Reply::json(200, USER)).await;
    let target = format!("{}/api/v4/user", elsewhere.origin);
    let server =
        Scripted::start(move |_, _| Reply::json(302, "").header("location", &target)).await;
    let err = client(&server.origin, private(TOKEN))
        .current_user()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ForeignHost { .. }), "{err}");
    assert!(err.to_string().contains(&elsewhere.origin), "{err}");
    assert!(elsewhere.seen().is_empty(), "the other host was contacted");
}

#[tokio::test]
async fn next_link_to_another_host_ends_paging_with_an_error() {
    let server = Scripted::start(|_, _| {
        Reply::json(200, "[]").header(
            "link",
            r#"<https://evil.example/api/v4/users?page=2>; rel="next""#,
        )
    })
    .await;
    let req = PageRequest {
        path: "/users".into(),
        query: vec![],
        paging: Paging::Offset { per_page: 20 },
    };
    let err = client(&server.origin, private(TOKEN))
        .get_page::<User>(&req, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ForeignHost { .. }), "{err}");
}

#[tokio::test]
async fn rate_limit_reset_header_is_honoured_when_retry_after_is_absent() {
    let server = Scripted::start(|_, index| {
        if index == 0 {
            let reset = jiff::Timestamp::now().as_second() + 2;
            Reply::json(429, "Retry later")
                .header("ratelimit-reset", &reset.to_string())
                .header("ratelimit-name", "throttle_authenticated_api")
        } else {
            Reply::json(200, USER)
        }
    })
    .await;
    let c = client(&server.origin, private(TOKEN));
    let started = Instant::now();
    c.current_user().await.unwrap();
    // The reset is a whole second 1–2 s ahead of now.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(c.stats().rate_limited, 1);
    assert_eq!(c.stats().retries, 1);
}

#[tokio::test]
async fn wait_beyond_the_rate_limit_budget_fails_at_once() {
    let server = Scripted::start(|_, _| {
        Reply::json(429, "Retry later")
            .header("retry-after", "60")
            .header("x-request-id", "01HRATELIMITED")
    })
    .await;
    let started = Instant::now();
    let err = client(&server.origin, private(TOKEN))
        .current_user()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    match &err {
        Error::RateLimited {
            attempts, waited, ..
        } => {
            assert_eq!((*attempts, *waited), (1, Duration::ZERO));
        }
        other => panic!("expected RateLimited, got {other}"),
    }
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.request_id(), Some("01HRATELIMITED"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn min_interval_spaces_requests() {
    let server = Scripted::start(|_, _| Reply::json(200, USER)).await;
    let c = Client::builder(&server.origin)
        .unwrap()
        .min_interval(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    for _ in 0..4 {
        c.current_user().await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn html_instead_of_json_is_a_decode_error_with_a_hint() {
    let server = Scripted::start(|_, _| {
        Reply::json(200, "<!DOCTYPE html><html>Sign in</html>").header("x-request-id", "01HHTML")
    })
    .await;
    let err = client(&server.origin, private(TOKEN))
        .current_user()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    let text = err.to_string();
    assert!(text.starts_with("GET /api/v4/user: "), "{text}");
    assert!(
        text.contains("HTML page") && text.contains("01HHTML"),
        "{text}"
    );
}

#[tokio::test]
async fn wrong_shape_names_the_serde_error() {
    let server = Scripted::start(|_, _| Reply::json(200, r#"{"id":"one"}"#)).await;
    let err = client(&server.origin, private(TOKEN))
        .current_user()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
}

#[tokio::test]
async fn missing_token_401_says_none_was_given() {
    let server =
        Scripted::start(|_, _| Reply::json(401, r#"{"message":"401 Unauthorized"}"#)).await;
    let err = client(&server.origin, Auth::None)
        .current_user()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /api/v4/user: GitLab requires a token here (401) and none was given"
    );
}

#[tokio::test]
async fn expired_token_detail_from_gitlab_is_kept() {
    let server = Scripted::start(|_, _| {
        Reply::json(
            401,
            r#"{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}"#,
        )
    })
    .await;
    let err = client(&server.origin, private(TOKEN))
        .current_user()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("was rejected (401)"), "{text}");
    assert!(text.contains(&Secret::new(TOKEN).fingerprint()), "{text}");
    assert!(text.contains("Token is expired"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn unretried_statuses_keep_gitlab_field_errors() {
    let server =
        Scripted::start(|_, _| Reply::json(400, r#"{"message":{"created_after":["is invalid"]}}"#))
            .await;
    let c = client(&server.origin, private(TOKEN));
    let err = c.current_user().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /api/v4/user: GitLab answered 400: created_after: is invalid"
    );
    assert_eq!(server.seen().len(), 1, "4xx must not be retried");
    assert_eq!(c.stats().failures, 1);
}

#[tokio::test]
async fn service_unavailable_with_retry_after_is_retried() {
    let server = Scripted::start(|_, index| {
        if index == 0 {
            Reply::json(503, r#"{"message":"503 Service Unavailable"}"#).header("retry-after", "0")
        } else {
            Reply::json(200, USER)
        }
    })
    .await;
    let c = client(&server.origin, private(TOKEN));
    assert_eq!(c.current_user().await.unwrap().body.username, "root");
    assert_eq!(c.stats().retries, 1);
}

#[tokio::test]
async fn explicit_proxy_carries_the_requests() {
    // An HTTP proxy gets the absolute URL in the request line.
    let proxy = Scripted::start(|_, _| Reply::json(200, USER)).await;
    let c = Client::builder("http://gitlab.invalid")
        .unwrap()
        .auth(private(TOKEN))
        .proxy(proxy.origin.clone())
        .build()
        .unwrap();
    assert_eq!(c.current_user().await.unwrap().body.username, "root");
    let seen = proxy.seen();
    assert_eq!(seen[0].target, "http://gitlab.invalid/api/v4/user");
}

#[tokio::test]
async fn a_refused_connection_fails_at_once_without_retries() {
    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let c = client(&format!("http://{closed}"), private(TOKEN));
    let err = c.current_user().await.unwrap_err();
    match &err {
        Error::Network { attempts, .. } => assert_eq!(*attempts, 1),
        other => panic!("expected Network, got {other}"),
    }
    let text = err.to_string();
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert_eq!(
        (c.stats().requests, c.stats().retries, c.stats().failures),
        (1, 0, 1)
    );
}

#[tokio::test]
async fn an_unknown_host_fails_at_once_without_retries() {
    let c = client("http://glir-no-such-host.invalid", private(TOKEN));
    let err = c.current_user().await.unwrap_err();
    match &err {
        Error::Network { attempts, .. } => assert_eq!(*attempts, 1, "{err}"),
        other => panic!("expected Network, got {other}"),
    }
}

#[tokio::test]
async fn a_host_that_accepts_and_never_answers_ends_at_the_deadline() {
    // Accepts every connection and holds it open without a byte of answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let c = Client::builder(&format!("http://{addr}"))
        .unwrap()
        .auth(private(TOKEN))
        .retry(RetryPolicy {
            max_retries: 100,
            deadline: Duration::from_millis(900),
            ..fast_retries()
        })
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.current_user().await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    // Three 300 ms attempts fit in the deadline; a fourth would end past it.
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert!(c.stats().requests >= 2, "{:?}", c.stats().requests);
}
