//! Every verdict, produced by the probe matrix against the simulator's credential fixture.

use glir_gitlab::Client;
use glir_redact::Secret;
use glir_sim::{Fault, FaultKind, Scenario, SimHandle};
use glir_tokens::{IdentifyOptions, identify};
use glir_verify::{Connection, Verdict, Verifier};
use std::time::Duration;

fn admin_client(sim: &SimHandle) -> Client {
    glir_test_support::client(&sim.url(), ADMIN)
}

const ADMIN: &str = "glpat-SimAdminToken0000001";

async fn sim() -> SimHandle {
    glir_sim::start(Scenario::credentials()).await.unwrap()
}

fn connection(sim: &SimHandle) -> Connection {
    Connection {
        url: sim.url(),
        ca_bundle: None,
        proxy: None,
        user_agent: "glir-test".into(),
        min_interval: Duration::ZERO,
    }
}

async fn verdict(v: &mut Verifier, token: &str) -> glir_verify::Verification {
    let id = identify(token, &IdentifyOptions::default());
    v.verify(&Secret::new(token), &id).await
}

#[tokio::test]
async fn without_an_administrator_each_family_uses_its_own_probe() {
    let sim = sim().await;
    let mut v = Verifier::new(connection(&sim), None).unwrap();
    let cases = [
        ("glpat-SimDevToken100000001", Verdict::Valid),
        ("glpat-SimExpiredToken00001", Verdict::Expired),
        ("glpat-SimRevokedToken00001", Verdict::RevokedOrInvalid),
        ("glpat-SimBlockedUser000001", Verdict::Blocked),
        ("glpat-SimProjectBot0000001", Verdict::Valid),
        ("glcbt-64_SimRunningJobToken01", Verdict::Valid),
        ("glcbt-64_SimFinishedJobTokn01", Verdict::RevokedOrInvalid),
        ("gldt-SimDeployActive00001", Verdict::NotVerifiable),
        ("glrt-SimRunnerActive00001", Verdict::NotVerifiable),
        (
            "glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13",
            Verdict::NotVerifiable,
        ),
    ];
    for (token, expected) in cases {
        let got = verdict(&mut v, token).await;
        assert_eq!(got.verdict, expected, "{token}: {got:?}");
        let text = serde_json::to_string(&got).unwrap();
        assert!(
            !text.contains(token),
            "verification leaks the token: {text}"
        );
    }
    // The valid PAT's reason names its owner and scopes; the blocked one says blocked.
    let valid = verdict(&mut v, "glpat-SimDevToken100000001").await;
    assert!(valid.cached, "second look must come from the cache");
    assert!(valid.reason.contains("scopes"), "{}", valid.reason);
}

#[tokio::test]
async fn with_an_administrator_tokens_are_looked_up_never_presented() {
    let sim = sim().await;
    let mut v = Verifier::new(connection(&sim), Some(admin_client(&sim))).unwrap();
    let cases = [
        ("glpat-SimDevToken100000001", Verdict::Valid),
        ("glpat-SimRevokedToken00001", Verdict::RevokedOrInvalid),
        ("gldt-SimDeployActive00001", Verdict::Valid),
        ("gldt-SimDeployRevoked0001", Verdict::RevokedOrInvalid),
        ("gldt-SimDeployExpired0001", Verdict::Expired),
        (
            "glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13",
            Verdict::Valid,
        ),
        (
            "glptt-69ebad93a6c292505d045e0ba19290f7548b4dd8",
            Verdict::Expired,
        ),
        ("glrt-SimRunnerActive00001", Verdict::Valid),
        ("glpat-NoSuchTokenAnywhere1", Verdict::RevokedOrInvalid),
    ];
    let all_before = sim.requests("");
    let lookups_before = sim.requests("/admin/token");
    for (token, expected) in cases {
        let got = verdict(&mut v, token).await;
        assert_eq!(got.verdict, expected, "{token}: {got:?}");
        assert!(got.probe.contains("/admin/token"), "{got:?}");
    }
    let all = sim.requests("") - all_before;
    let lookups = sim.requests("/admin/token") - lookups_before;
    assert_eq!(
        all, lookups,
        "a leaked token was presented to another endpoint"
    );
    assert_eq!(v.requests(), cases.len() as u64);
}

#[tokio::test]
async fn offline_verdicts_make_no_request() {
    let sim = sim().await;
    let mut v = Verifier::new(connection(&sim), None).unwrap();
    // A routable PAT with a wrong CRC: GitLab never issued it.
    let tampered = "glpat-bzox79Of-KE9FD2LjoXXF4CvyxA.0r03gxo7t";
    let got = verdict(&mut v, tampered).await;
    assert_eq!(got.verdict, Verdict::RevokedOrInvalid, "{got:?}");
    let got = verdict(&mut v, "glwt-SimWorkspaceToken00001").await;
    assert_eq!(got.verdict, Verdict::NotVerifiable, "{got:?}");
    assert_eq!(v.requests(), 0);
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_unknown_not_invalid() {
    let sim = sim().await;
    let mut v = Verifier::new(connection(&sim), None).unwrap();
    sim.inject(Fault {
        path_contains: "personal_access_tokens/self".into(),
        kind: FaultKind::ServerError { status: 503 },
        times: 10,
    });
    let got = verdict(&mut v, "glpat-SimDevToken100000001").await;
    assert_eq!(got.verdict, Verdict::Unknown, "{got:?}");
    sim.clear_faults();
    sim.inject(Fault {
        path_contains: "/job".into(),
        kind: FaultKind::RateLimited {
            retry_after_secs: 60,
        },
        times: 10,
    });
    let got = verdict(&mut v, "glcbt-64_SimRunningJobToken01").await;
    assert_eq!(got.verdict, Verdict::Unknown, "{got:?}");
}

#[tokio::test]
async fn before_15_5_a_narrow_live_token_is_valid_restricted_never_invalid() {
    let mut scenario = Scenario::credentials();
    scenario.instance.version = "15.4.2-ee".into();
    let sim = glir_sim::start(scenario).await.unwrap();
    let mut v = Verifier::new(connection(&sim), None).unwrap();
    let narrow = verdict(&mut v, "glpat-SimRepoOnlyToken0001").await;
    assert_eq!(narrow.verdict, Verdict::ValidRestricted, "{narrow:?}");
    assert_eq!(narrow.status, Some(403));
    assert!(narrow.probe.contains("GET /api/v4/user"), "{narrow:?}");
    let broad = verdict(&mut v, "glpat-SimDevToken100000001").await;
    assert_eq!(broad.verdict, Verdict::Valid, "{broad:?}");
    let revoked = verdict(&mut v, "glpat-SimRevokedToken00001").await;
    assert_eq!(revoked.verdict, Verdict::RevokedOrInvalid, "{revoked:?}");
}
