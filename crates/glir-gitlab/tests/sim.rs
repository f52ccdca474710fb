//! The client against glir-sim: every injected fault kind, auth failures, and paging.

use futures::TryStreamExt;
use glir_gitlab::{
    AuditEventJson, AuditScope, Auth, Client, Error, Page, PageRequest, Paging, RetryPolicy, User,
    UserFilter,
};
use glir_redact::Secret;
use glir_sim::scenario::{Token, TokenKind};
use glir_sim::{Fault, FaultKind, Scenario, SimHandle};
use glir_test_support::fast_retries;
use serde::Deserialize;
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn client_with(sim: &SimHandle, token: &str, retry: RetryPolicy) -> Client {
    glir_test_support::impatient_client(&sim.url(), token, retry)
}

const ADMIN: &str = "glpat-SimAdminToken0000001";
const DEV: &str = "glpat-SimDevToken100000001";
/// Added to the synthetic scenario: a token that may only read user profiles.
const READ_USER_ONLY: &str = "glpat-SimReadUserOnly00001";

fn start_time() -> jiff::Timestamp {
    "2025-03-01T00:00:00Z".parse().unwrap()
}

async fn sim(events: usize) -> SimHandle {
    let mut scenario = Scenario::synthetic(events, start_time());
    scenario.tokens.push(Token {
        id: 99,
        token: READ_USER_ONLY.to_string(),
        user: "dev".to_string(),
        name: "read-user-only".to_string(),
        scopes: vec!["read_user".to_string()],
        created_at: None,
        expires_at: None,
        revoked: false,
        last_used_at: None,
        description: None,
        kind: TokenKind::Personal,
        resource: None,
        access_level: None,
        last_used_ips: Vec::new(),
    });
    glir_sim::start(scenario).await.unwrap()
}

fn client(sim: &SimHandle, token: &str) -> Client {
    client_with(sim, token, fast_retries(3))
}

fn fault(path_contains: &str, kind: FaultKind, times: u32) -> Fault {
    Fault {
        path_contains: path_contains.to_string(),
        kind,
        times,
    }
}

/// Just the id of a raw audit event.
#[derive(Deserialize)]
struct Id {
    id: i64,
}

fn ids(pages: &[Page<AuditEventJson>]) -> Vec<i64> {
    pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|raw| serde_json::from_str::<Id>(raw.get()).unwrap().id)
        .collect()
}

fn assert_each_once(mut got: Vec<i64>, expected: &[i64]) {
    let distinct: HashSet<i64> = got.iter().copied().collect();
    assert_eq!(distinct.len(), got.len(), "duplicates in {got:?}");
    got.sort_unstable();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn endpoints_decode_and_carry_request_ids() {
    let sim = sim(3).await;
    let c = client(&sim, ADMIN);

    let version = c.version().await.unwrap();
    assert!(!version.body.version.is_empty());
    assert_eq!(version.status, 200);
    assert!(version.request_id.is_some(), "no X-Request-Id");
    let metadata = c.metadata().await.unwrap();
    assert_eq!(metadata.body.version, version.body.version);

    let me = c.current_user().await.unwrap().body;
    assert_eq!((me.username.as_str(), me.is_admin), ("root", Some(true)));
    let token = c.pat_self().await.unwrap().body;
    assert!(token.scopes.contains(&"sudo".to_string()));
    assert!(token.active && !token.revoked);
    assert_eq!(token.user_id, me.id);

    let dev = c.user(2).await.unwrap().body;
    assert_eq!(dev.username, "dev");
    assert_eq!(dev.two_factor_enabled, Some(false));

    let group = c.group("acme").await.unwrap().body;
    assert_eq!(group.full_path, "acme");
    let project = c.project("acme/app").await.unwrap().body;
    assert_eq!(project.path_with_namespace, "acme/app");
    assert_eq!(project.namespace.full_path, "acme");
    let by_id = c.project(&project.id.to_string()).await.unwrap().body;
    assert_eq!(by_id.id, project.id);

    assert_eq!(
        c.group_member("acme", dev.id)
            .await
            .unwrap()
            .body
            .access_level,
        30
    );
    // Inherited from the group: members/all includes it.
    assert_eq!(
        c.project_member("acme/app", dev.id)
            .await
            .unwrap()
            .body
            .access_level,
        30
    );
    assert!(
        sim.requests("/projects/acme%2Fapp") >= 2,
        "path not encoded"
    );
    assert_eq!(c.stats().failures, 0);
}

#[tokio::test]
async fn rate_limit_retry_after_is_honoured() {
    let sim = sim(3).await;
    sim.inject(fault(
        "/api/v4/user",
        FaultKind::RateLimited {
            retry_after_secs: 1,
        },
        1,
    ));
    let c = client(&sim, ADMIN);
    let started = Instant::now();
    let me = c.current_user().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(me.body.username, "root");
    let stats = c.stats();
    assert_eq!(
        (stats.rate_limited, stats.retries, stats.requests),
        (1, 1, 2)
    );
    assert_eq!(sim.requests("/api/v4/user"), 2);
}

#[tokio::test]
async fn rate_limit_longer_than_allowed_is_an_error() {
    let sim = sim(3).await;
    sim.inject(fault(
        "/api/v4/version",
        FaultKind::RateLimited {
            retry_after_secs: 30,
        },
        1,
    ));
    let retry = RetryPolicy {
        max_rate_limit_wait: Duration::from_secs(2),
        ..fast_retries(3)
    };
    let started = Instant::now();
    let err = client_with(&sim, ADMIN, retry).version().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(err, Error::RateLimited { attempts: 1, .. }),
        "{err}"
    );
    assert!(err.request_id().is_some());
    assert!(
        err.to_string()
            .starts_with("GET /api/v4/version: rate limited"),
        "{err}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let sim = sim(3).await;
    for status in [500, 502, 503, 504] {
        sim.inject(fault(
            "/api/v4/version",
            FaultKind::ServerError { status },
            1,
        ));
    }
    let c = client_with(&sim, ADMIN, fast_retries(5));
    c.version().await.unwrap();
    assert_eq!(sim.requests("/api/v4/version"), 5);
    assert_eq!(c.stats().retries, 4);
    assert_eq!(c.stats().failures, 0);
}

#[tokio::test]
async fn server_error_beyond_max_retries_reports_attempts() {
    let sim = sim(3).await;
    sim.inject(fault(
        "/api/v4/metadata",
        FaultKind::ServerError { status: 500 },
        10,
    ));
    let c = client_with(&sim, ADMIN, fast_retries(2));
    let err = c.metadata().await.unwrap_err();
    match &err {
        Error::Server {
            status, attempts, ..
        } => assert_eq!((*status, *attempts), (500, 3)),
        other => panic!("expected Server, got {other}"),
    }
    assert_eq!(err.status(), Some(500));
    let text = err.to_string();
    assert!(text.starts_with("GET /api/v4/metadata: "), "{text}");
    assert!(text.contains("(500) on all 3 attempts"), "{text}");
    assert_eq!(sim.requests("/api/v4/metadata"), 3);
    assert_eq!((c.stats().retries, c.stats().failures), (2, 1));
}

#[tokio::test]
async fn slow_answer_beyond_the_timeout_is_retried() {
    let sim = sim(3).await;
    sim.inject(fault(
        "/api/v4/version",
        FaultKind::Slow { delay_ms: 2000 },
        1,
    ));
    let c = Client::builder(&sim.url())
        .unwrap()
        .auth(Auth::PrivateToken(Secret::new(ADMIN)))
        .retry(fast_retries(2))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    c.version().await.unwrap();
    assert_eq!(c.stats().retries, 1);
}

#[tokio::test]
async fn always_slow_ends_in_timeout_with_attempts() {
    let sim = sim(3).await;
    sim.inject(fault(
        "/api/v4/version",
        FaultKind::Slow { delay_ms: 2000 },
        10,
    ));
    let c = Client::builder(&sim.url())
        .unwrap()
        .auth(Auth::PrivateToken(Secret::new(ADMIN)))
        .retry(fast_retries(1))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = c.version().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 2, .. }), "{err}");
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn dropped_connections_are_retried_until_success() {
    let sim = sim(3).await;
    sim.inject(fault("/api/v4/user", FaultKind::DropConnection, 2));
    let c = client(&sim, ADMIN);
    assert_eq!(c.current_user().await.unwrap().body.username, "root");
    assert_eq!(c.stats().retries, 2);
}

#[tokio::test]
async fn always_dropped_ends_in_network_error() {
    let sim = sim(3).await;
    sim.inject(fault("/api/v4/user", FaultKind::DropConnection, 10));
    let err = client_with(&sim, ADMIN, fast_retries(2))
        .current_user()
        .await
        .unwrap_err();
    match &err {
        Error::Network { attempts, .. } => assert_eq!(*attempts, 3),
        other => panic!("expected Network, got {other}"),
    }
    assert!(!err.to_string().contains(ADMIN));
}

#[tokio::test]
async fn unknown_token_is_rejected_with_plain_words() {
    let sim = sim(3).await;
    let unknown = "glpat-NotKnownToTheSim0001";
    let c = client(&sim, unknown);
    let err = c.current_user().await.unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { token: Some(_), .. }),
        "{err}"
    );
    let text = err.to_string();
    // The message names the token by fingerprint, so a responder knows which one to replace.
    let named = format!(
        "GET /api/v4/user: the token {} was rejected (401): it is invalid, expired or revoked",
        glir_redact::Secret::new(unknown).fingerprint()
    );
    assert!(text.starts_with(&named), "{text}");
    let request_id = err.request_id().expect("request id on 401");
    assert!(text.contains(request_id));
    assert!(!text.contains(unknown) && !format!("{err:?}").contains(unknown));
    assert_eq!(sim.requests("/api/v4/user"), 1, "401 must not be retried");
}

#[tokio::test]
async fn token_without_api_scope_is_told_which_scopes_to_get() {
    let sim = sim(3).await;
    let c = client(&sim, READ_USER_ONLY);
    // read_user is enough for the user API...
    assert_eq!(c.current_user().await.unwrap().body.username, "dev");
    // ...but not for audit events.
    let err = c
        .get_page::<AuditEventJson>(
            &c.audit_events(&AuditScope::Group("acme".into()), None, None, 20),
            None,
        )
        .await
        .unwrap_err();
    match &err {
        Error::InsufficientScope { scopes, .. } => {
            assert!(
                scopes.contains(&"api".to_string()) && scopes.contains(&"read_api".to_string()),
                "{scopes:?}"
            );
        }
        other => panic!("expected InsufficientScope, got {other}"),
    }
    assert_eq!(err.status(), Some(403));
    let text = err.to_string();
    assert!(
        text.starts_with("GET /api/v4/groups/acme/audit_events?"),
        "{text}"
    );
    assert!(
        text.contains("needs a token with scope `api` or `read_api`"),
        "{text}"
    );
}

#[tokio::test]
async fn non_admin_on_instance_audit_events_is_forbidden() {
    let sim = sim(3).await;
    let c = client(&sim, DEV);
    let err = c
        .get_page::<AuditEventJson>(&c.audit_events(&AuditScope::Instance, None, None, 20), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    assert!(
        err.to_string().contains("your role does not allow this"),
        "{err}"
    );
}

#[tokio::test]
async fn missing_group_is_not_found() {
    let sim = sim(3).await;
    let c = client(&sim, ADMIN);
    let err = c.group("no-such-group").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(err.status(), Some(404));
    assert!(err.request_id().is_some());
    let text = err.to_string();
    assert!(
        text.starts_with("GET /api/v4/groups/no-such-group?with_projects=false: not found, or not visible to this token"),
        "{text}"
    );
    assert_eq!(sim.requests("no-such-group"), 1, "404 must not be retried");
}

#[tokio::test]
async fn keyset_paging_returns_every_event_once_newest_first() {
    let sim = sim(250).await;
    let c = client(&sim, ADMIN);
    let req = c.audit_events(&AuditScope::Instance, None, None, 20);
    let pages: Vec<Page<AuditEventJson>> = c.pages(req).try_collect().await.unwrap();
    assert!(pages.len() >= 13, "{} pages", pages.len());
    assert!(pages.iter().all(|p| p.request_id.is_some()));
    assert!(pages.last().unwrap().next.is_none());
    let got = ids(&pages);
    assert!(got.windows(2).all(|w| w[0] > w[1]), "not newest first");
    assert_each_once(got, &sim.audit_event_ids());
    assert!(sim.requests("pagination=keyset") >= 13);
}

#[tokio::test]
async fn offset_paging_returns_every_event_once() {
    let sim = sim(95).await;
    let c = client(&sim, ADMIN);
    let req = PageRequest {
        path: "/audit_events".to_string(),
        query: vec![],
        paging: Paging::Offset { per_page: 20 },
    };
    let pages: Vec<Page<AuditEventJson>> = c.pages(req).try_collect().await.unwrap();
    assert_eq!(pages.len(), 5);
    assert_eq!(pages[0].total, Some(95));
    assert_each_once(ids(&pages), &sim.audit_event_ids());
}

#[tokio::test]
async fn resuming_from_a_cursor_completes_the_list_without_repeats() {
    let sim = sim(120).await;
    let req = client(&sim, ADMIN).audit_events(&AuditScope::Instance, None, None, 25);

    // A first run stops after two pages and keeps the cursor...
    let first = client(&sim, ADMIN);
    let one = first.get_page::<AuditEventJson>(&req, None).await.unwrap();
    let two = first
        .get_page::<AuditEventJson>(&req, one.next.as_deref())
        .await
        .unwrap();
    let cursor = two.next.clone().expect("more pages");
    assert!(
        cursor.starts_with(&sim.url()) && !cursor.contains("private_token"),
        "{cursor}"
    );

    // ...and a new client resumes from it.
    let resumed = client(&sim, ADMIN);
    let mut pages = vec![one, two];
    let mut next = Some(cursor);
    while let Some(cursor) = next {
        let page = resumed
            .get_page::<AuditEventJson>(&req, Some(&cursor))
            .await
            .unwrap();
        next = page.next.clone();
        pages.push(page);
    }
    assert_each_once(ids(&pages), &sim.audit_event_ids());
}

#[tokio::test]
async fn paging_survives_faults_mid_list() {
    let sim = sim(100).await;
    // Only later pages carry a keyset cursor.
    sim.inject(fault("cursor=", FaultKind::ServerError { status: 502 }, 1));
    sim.inject(fault("cursor=", FaultKind::DropConnection, 1));
    sim.inject(fault(
        "cursor=",
        FaultKind::RateLimited {
            retry_after_secs: 0,
        },
        1,
    ));
    let c = client_with(&sim, ADMIN, fast_retries(4));
    let req = c.audit_events(&AuditScope::Instance, None, None, 30);
    let pages: Vec<Page<AuditEventJson>> = c.pages(req).try_collect().await.unwrap();
    assert_each_once(ids(&pages), &sim.audit_event_ids());
    assert_eq!((c.stats().retries, c.stats().rate_limited), (3, 1));
}

#[tokio::test]
async fn stream_ends_after_an_error() {
    let sim = sim(100).await;
    // `?page=2`, not `page=2`, which `per_page=20` of the first page also contains.
    sim.inject(fault(
        "?page=2",
        FaultKind::ServerError { status: 500 },
        100,
    ));
    let c = client_with(&sim, ADMIN, fast_retries(1));
    let req = PageRequest {
        path: "/audit_events".to_string(),
        query: vec![],
        paging: Paging::Offset { per_page: 20 },
    };
    let results: Vec<Result<Page<AuditEventJson>, Error>> =
        futures::StreamExt::collect(c.pages(req)).await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().unwrap().items.len(), 20);
    assert!(matches!(results[1], Err(Error::Server { attempts: 2, .. })));
}

#[tokio::test]
async fn group_and_project_scopes_page_their_own_events() {
    let sim = sim(60).await;
    let c = client(&sim, ADMIN);
    for scope in [
        AuditScope::Group("acme".into()),
        AuditScope::Project("acme/app".into()),
    ] {
        let pages: Vec<Page<serde_json::Value>> = c
            .pages(c.audit_events(&scope, None, None, 7))
            .try_collect()
            .await
            .unwrap();
        let events: Vec<&serde_json::Value> = pages.iter().flat_map(|p| &p.items).collect();
        assert!(!events.is_empty(), "{scope}: no events");
        let wanted = match scope {
            AuditScope::Group(_) => "Group",
            _ => "Project",
        };
        assert!(
            events.iter().all(|e| e["entity_type"] == wanted),
            "{scope}: foreign entity types"
        );
    }
}

#[tokio::test]
async fn audit_window_limits_events() {
    let sim = sim(50).await;
    let c = client(&sim, ADMIN);
    let all: Vec<Page<serde_json::Value>> = c
        .pages(c.audit_events(&AuditScope::Instance, None, None, 100))
        .try_collect()
        .await
        .unwrap();
    let times: Vec<jiff::Timestamp> = all
        .iter()
        .flat_map(|p| &p.items)
        .map(|e| e["created_at"].as_str().unwrap().parse().unwrap())
        .collect();
    let (newest, oldest) = (times[0], *times.last().unwrap());
    assert!(newest > oldest, "synthetic events share one timestamp");
    let middle = oldest + jiff::SignedDuration::from_secs((newest - oldest).get_seconds() / 2);
    let windowed: Vec<Page<serde_json::Value>> = c
        .pages(c.audit_events(&AuditScope::Instance, Some(middle), None, 100))
        .try_collect()
        .await
        .unwrap();
    let count = windowed.iter().map(|p| p.items.len()).sum::<usize>();
    let expected = times.iter().filter(|t| **t >= middle).count();
    assert_eq!(count, expected);
    assert!(count > 0 && count < times.len());
}

#[tokio::test]
async fn users_list_is_keyset_paged() {
    let sim = sim(3).await;
    let c = client(&sim, ADMIN);
    let req = c.users(&UserFilter {
        per_page: Some(2),
        ..UserFilter::default()
    });
    let pages: Vec<Page<User>> = c.pages(req).try_collect().await.unwrap();
    let names: Vec<String> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|u| u.username.clone())
        .collect();
    assert!(
        names.starts_with(&["root".to_string(), "dev".to_string(), "ops".to_string()]),
        "{names:?}"
    );
    assert!(pages.len() >= 2);
}
