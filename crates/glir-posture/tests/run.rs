//! A whole run against the simulator: resuming, faults, and failures planned, applied through
//! glir-respond and checked again.

use glir_posture::{Journal, Options, Quiet, Selection, Status};
use glir_sim::{Fault, FaultKind, Scenario};
use std::collections::BTreeMap;

const ADMIN: &str = "glpat-SimAdminToken0000001";

fn scenario() -> Scenario {
    Scenario::synthetic(0, "2026-11-01T00:00:00Z".parse().unwrap())
}

fn options() -> Options {
    Options {
        selection: Selection::default(),
        ignore: Vec::new(),
        params: BTreeMap::new(),
        concurrency: 4,
        releases: None,
        now: "2026-12-01T00:00:00Z".parse().unwrap(),
    }
}

#[tokio::test]
async fn a_second_run_with_the_resume_file_asks_gitlab_only_for_what_is_left() {
    let sim = glir_sim::start(scenario()).await.unwrap();
    let checks = glir_posture::load::bundled().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("posture.state");
    let url = glir_test_support::client(&sim.url(), ADMIN)
        .base_url()
        .to_string();
    let first = {
        let client = glir_test_support::client(&sim.url(), ADMIN);
        let mut journal = Journal::open(&path, &url).unwrap();
        glir_posture::run(&client, &checks, &options(), &Quiet, Some(&mut journal))
            .await
            .unwrap()
    };
    assert_eq!(first.resumed, 0);
    let client = glir_test_support::client(&sim.url(), ADMIN);
    let mut journal = Journal::open(&path, &url).unwrap();
    let again = glir_posture::run(&client, &checks, &options(), &Quiet, Some(&mut journal))
        .await
        .unwrap();
    // Every target came from the file: only the facts and the listing were asked for again.
    assert_eq!(again.resumed, first.targets.values().sum::<usize>());
    assert!(
        again.requests.sent < first.requests.sent / 2,
        "{} vs {}",
        again.requests.sent,
        first.requests.sent
    );
    assert_eq!(again.results, first.results);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_failing_source_is_one_error_not_the_end_of_the_run() {
    let sim = glir_sim::start(scenario()).await.unwrap();
    sim.inject(Fault {
        path_contains: "/hooks".into(),
        kind: FaultKind::ServerError { status: 502 },
        times: u32::MAX,
    });
    let client = glir_gitlab::Client::builder(&sim.url())
        .unwrap()
        .auth(glir_gitlab::Auth::PrivateToken(glir_redact::Secret::new(
            ADMIN,
        )))
        .retry(glir_test_support::fast_retries(1))
        .build()
        .unwrap();
    let checks = glir_posture::load::bundled().unwrap();
    let report = glir_posture::run(&client, &checks, &options(), &Quiet, None)
        .await
        .unwrap();
    let hooks: Vec<_> = report
        .results
        .iter()
        // The known-hosts check has no allowlist configured: it skips before any request.
        .filter(|o| o.id.contains("hooks") && o.id != "instance-system-hooks-known-hosts")
        .collect();
    assert!(hooks.len() >= 3, "{hooks:?}");
    for o in hooks {
        assert_eq!(o.status, Status::Error, "{}: {:?}", o.id, o.reason);
        assert!(
            o.reason.as_deref().unwrap().contains("502"),
            "{:?}",
            o.reason
        );
    }
    assert!(report.results.iter().any(|o| o.status == Status::Pass));
    assert!(!report.complete);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_refused_token_ends_the_run_before_any_check() {
    let sim = glir_sim::start(scenario()).await.unwrap();
    let client = glir_test_support::client(&sim.url(), "glpat-NotAKnownToken000000001");
    let checks = glir_posture::load::bundled().unwrap();
    let err = glir_posture::run(&client, &checks, &options(), &Quiet, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("401"), "{err}");
    sim.shutdown().await;
}

/// The synthetic instance with a webhook that skips TLS verification and a secret in an
/// unmasked, unprotected variable, beside its settings' defaults.
fn weak() -> Scenario {
    let mut doc = serde_json::to_value(scenario()).unwrap();
    doc["projects"][0]["hooks"] = serde_json::json!([
        {"id": 801, "url": "https://ci.example.com/hook", "enable_ssl_verification": false}
    ]);
    doc["groups"][0]["hooks"] = serde_json::json!([
        {"id": 802, "url": "https://chat.example.com/hook", "enable_ssl_verification": false}
    ]);
    doc["projects"][0]["variables"] = serde_json::json!([
        {"key": "DEPLOY_API_TOKEN", "value": "a-long-deploy-secret-1234", "protected": false, "masked": false}
    ]);
    Scenario::from_json_str(&doc.to_string()).unwrap()
}

#[tokio::test]
async fn planned_fixes_applied_make_their_checks_pass() {
    let sim = glir_sim::start(weak()).await.unwrap();
    let client = glir_test_support::client(&sim.url(), ADMIN);
    let checks = glir_posture::load::bundled().unwrap();
    let before = glir_posture::run(&client, &checks, &options(), &Quiet, None)
        .await
        .unwrap();
    let fixable: Vec<(String, String)> = before
        .results
        .iter()
        .filter(|o| o.status == Status::Fail && !o.fixes.is_empty())
        .map(|o| (o.id.clone(), o.target.clone()))
        .collect();
    assert!(fixable.len() >= 10, "{fixable:?}");
    for wanted in [
        "project-hooks-verify-tls",
        "group-hooks-verify-tls",
        "project-ci-variables-protected",
    ] {
        assert!(
            fixable.iter().any(|(id, _)| id == wanted),
            "{wanted} not fixable: {fixable:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let cases = glir_case::Cases::new(dir.path());
    let mut case = cases
        .open_new(
            "harden",
            glir_case::NewCase {
                scenario: Some("posture".into()),
                exposed_at: None,
                operator: "test".into(),
                glir_version: "test".into(),
                gitlab_url: Some(sim.url()),
            },
        )
        .unwrap();
    let plan = glir_posture::fixes::plan(&before, &checks, "harden");
    let path = plan.save(&mut case, "test").unwrap();
    let results = glir_respond::apply(&client, &mut case, &plan, &path, "test")
        .await
        .unwrap();
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.outcome == glir_respond::Outcome::Failed)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let after = glir_posture::run(&client, &checks, &options(), &Quiet, None)
        .await
        .unwrap();
    let still: Vec<_> = fixable
        .iter()
        .filter(|(id, target)| {
            after
                .results
                .iter()
                .any(|o| &o.id == id && &o.target == target && o.status != Status::Pass)
        })
        .collect();
    assert!(still.is_empty(), "fixed but still failing: {still:?}");
    // Applying again changes nothing: every step is already done.
    let again = glir_respond::apply(&client, &mut case, &plan, &path, "test")
        .await
        .unwrap();
    assert!(
        again
            .iter()
            .all(|r| r.outcome == glir_respond::Outcome::AlreadyDone)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_ignored_check_is_skipped_where_the_config_says_and_nowhere_else() {
    let sim = glir_sim::start(scenario()).await.unwrap();
    let client = glir_test_support::client(&sim.url(), ADMIN);
    let checks = glir_posture::load::bundled().unwrap();
    let mut options = options();
    options.ignore = vec![
        glir_posture::Ignore::parse("project-pipeline-must-succeed@acme/*"),
        glir_posture::Ignore::parse("instance-admin-mode"),
        glir_posture::Ignore::parse("group-2fa-required@other"),
    ];
    let report = glir_posture::run(&client, &checks, &options, &Quiet, None)
        .await
        .unwrap();
    let status = |id: &str| {
        report
            .results
            .iter()
            .find(|o| o.id == id)
            .map(|o| (o.status, o.reason.clone()))
            .unwrap()
    };
    for id in ["project-pipeline-must-succeed", "instance-admin-mode"] {
        let (s, reason) = status(id);
        assert_eq!(s, Status::Skip, "{id}");
        assert_eq!(reason.as_deref(), Some("ignored by configuration"));
    }
    // An ignore for another target leaves the check running here.
    assert_ne!(
        status("group-2fa-required").1.as_deref(),
        Some("ignored by configuration")
    );
    // An ignore is a choice, not a gap: the run stays complete.
    assert!(report.complete, "{:?}", report.incomplete);
    sim.shutdown().await;
}
