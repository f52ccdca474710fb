//! The demo incident end to end: the leaked token's playbook against the simulator, applied,
//! verified, and applied again with no change.

use glir_case::{Cases, NewCase};
use glir_redact::Secret;
use glir_respond::{Action, Outcome, Plan, Playbook, Respond, Subject, apply, investigate};
use glir_sim::Scenario;
use glir_store::Store;
use glir_test_support::client;
use std::path::Path;

const ROOT: &str = "glpat-DemoRootAdmin000000";
const LEAKED: &str = "glpat-DemoLeakedDana0001";
const ATTACKER_TOKEN: &str = "glpat-DemoAttackerBackup01";

fn pack() -> glir_detect::RulePack {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab");
    glir_detect::load_rules(
        &[dir],
        &glir_detect::LoadOptions {
            strict: true,
            ..glir_detect::LoadOptions::default()
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_token_leak_is_contained_and_the_journal_verifies() {
    let sim = glir_sim::start(Scenario::demo()).await.unwrap();
    let root = client(&sim.url(), ROOT);
    let dir = tempfile::tempdir().unwrap();
    let cases = Cases::new(dir.path().join("cases"));
    let mut case = cases
        .open_new(
            "demo-leak",
            NewCase {
                scenario: Some("token-exposure".into()),
                operator: "tester".into(),
                glir_version: "test".into(),
                gitlab_url: Some(sim.url()),
                ..NewCase::default()
            },
        )
        .unwrap();
    let mut store = Store::open(&dir.path().join("glir.db")).unwrap();
    let pack = pack();
    let mut respond = Respond {
        client: &root,
        store: &mut store,
        case: &mut case,
        pack: &pack,
        operator: "tester".into(),
        since: "2026-11-01T00:00:00Z".parse().unwrap(),
        until: jiff::Timestamp::now(),
    };
    let investigation = investigate(
        &mut respond,
        Playbook::TokenExposure,
        Subject::Token(Secret::new(LEAKED)),
    )
    .await
    .unwrap();
    let actions: Vec<&Action> = investigation.plan.steps.iter().map(|s| &s.action).collect();
    for expected in [
        Action::RevokePersonalAccessToken { token_id: 2 },
        Action::RevokePersonalAccessToken { token_id: 4 },
        Action::RemoveSshKey {
            user_id: 2,
            key_id: 42,
        },
        Action::BlockUser { user_id: 6 },
        Action::SetProjectVisibility {
            project: "acme/infra".into(),
            visibility: "private".into(),
        },
        Action::RemoveHook {
            owner: glir_respond::Owner::Project {
                project: "acme/payments".into(),
            },
            hook_id: 72,
        },
    ] {
        assert!(
            actions.contains(&&expected),
            "missing {expected:?} in {actions:#?}"
        );
    }
    assert_eq!(
        investigation.plan.steps[0].action,
        Action::RevokePersonalAccessToken { token_id: 2 }
    );
    assert!(!investigation.alerts.is_empty());
    assert!(
        case.info().times.exposed_at.is_some(),
        "exposure time inferred"
    );
    // The job logs of acme that show the token are found, kept with those lines withheld, and
    // their erasure planned.
    let in_logs: Vec<&str> = investigation
        .findings
        .iter()
        .filter(|f| f.kind == "token_in_job_log")
        .map(|f| f.title.as_str())
        .collect();
    assert_eq!(in_logs.len(), 2, "{in_logs:#?}");
    assert!(
        in_logs.iter().all(|t| t.contains("of acme/app")),
        "{in_logs:#?}"
    );
    // 9002 prints it in clear, 9003 base64 twice; 9001 holds it in an artifact.
    for job in [9002, 9003] {
        let rel = format!("job-logs/acme_app/{job}.log");
        let text = std::fs::read_to_string(case.evidence_path(&rel).unwrap())
            .unwrap_or_else(|e| panic!("{rel}: {e}; {in_logs:#?}"));
        assert!(text.contains("[glir: line withheld, it shows the value of the leaked token]"));
        assert!(!text.contains(LEAKED), "{rel} holds the token");
    }
    assert!(
        investigation.plan.steps.iter().any(|s| matches!(&s.action, Action::Manual { title } if title.starts_with("erase the job logs and artifacts that show the token"))),
        "{:#?}",
        investigation.plan.steps
    );
    assert!(
        investigation
            .findings
            .iter()
            .any(|f| f.kind == "token_in_artifact" && f.object_id == Some(9001)),
        "{:#?}",
        investigation.findings
    );
    // And the CI/CD variable that holds it.
    assert!(
        investigation
            .findings
            .iter()
            .any(|f| f.kind == "token_in_variable"
                && f.title
                    == "CI/CD variable DEPLOY_API_TOKEN of project acme/app holds the token"),
        "{:#?}",
        investigation.findings
    );

    // Apply the saved plan, exactly as saved.
    let (path, plan) = Plan::latest(&case).unwrap().unwrap();
    let results = apply(&root, &mut case, &plan, &path, "tester")
        .await
        .unwrap();
    for r in &results {
        assert!(
            matches!(r.outcome, Outcome::Applied | Outcome::Manual),
            "{r:?}"
        );
    }
    let revoked_at = case
        .info()
        .times
        .revoked_at
        .expect("revocation time recorded");
    assert!(case.info().times.contained_at.is_some());

    // GitLab state: the leaked and the attacker's tokens no longer work, the rogue user is
    // blocked, the project is private again.
    for token in [LEAKED, ATTACKER_TOKEN] {
        let err = client(&sim.url(), token).current_user().await.unwrap_err();
        assert_eq!(err.status(), Some(401), "{token} still works");
    }
    assert_eq!(
        root.user(6).await.unwrap().body.state.as_deref(),
        Some("blocked")
    );
    assert_eq!(
        root.project("acme/infra").await.unwrap().body.visibility,
        "private"
    );
    let keys: Vec<i64> = {
        use futures::TryStreamExt;
        let mut ids = Vec::new();
        let mut pages = std::pin::pin!(root.pages::<glir_gitlab::SshKey>(root.user_ssh_keys("2")));
        while let Some(page) = pages.try_next().await.unwrap() {
            ids.extend(page.items.iter().map(|k| k.id));
        }
        ids
    };
    assert!(!keys.contains(&42), "{keys:?}");
    let hooks = {
        use futures::TryStreamExt;
        let mut ids = Vec::new();
        let mut pages =
            std::pin::pin!(root.pages::<glir_gitlab::Hook>(root.project_hooks("acme/payments")));
        while let Some(page) = pages.try_next().await.unwrap() {
            ids.extend(page.items.iter().map(|h| h.id));
        }
        ids
    };
    assert!(
        !hooks.contains(&72),
        "the attacker's webhook survived: {hooks:?}"
    );

    // A second apply changes nothing and says so.
    let again = apply(&root, &mut case, &plan, &path, "tester")
        .await
        .unwrap();
    for r in &again {
        assert!(
            matches!(r.outcome, Outcome::AlreadyDone | Outcome::Manual),
            "{r:?}"
        );
    }
    assert_eq!(
        case.info().times.revoked_at,
        Some(revoked_at),
        "first revocation time kept"
    );

    let report = case.verify().unwrap();
    assert!(report.ok(), "{:?}", report.problems);

    // No plaintext token anywhere in the case except the 0600 secrets directory (none here).
    for entry in walk(case.dir()) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).to_string();
        for token in [ROOT, LEAKED, ATTACKER_TOKEN] {
            assert!(!text.contains(token), "{} holds {token}", entry.display());
        }
    }
    sim.shutdown().await;
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
