//! Account controls, undo and the case's own changes, against the simulator: each action
//! applied once and journaled with the state before and after, a journaled step put back by its
//! inverse (or refused with GitLab's reason), and a playbook run again after containment that
//! tells glir's own changes from the attacker's.

use glir_case::{Case, Cases, JournalRecord, NewCase, StepKind};
use glir_gitlab::{AuditScope, Client, PatFilter};
use glir_respond::{
    Action, Outcome, Owner, Plan, Playbook, Respond, StepResult, Subject, apply, investigate,
    plan_undo,
};
use glir_sim::{Scenario, SimHandle};
use glir_store::Store;
use glir_test_support::client;
use serde_json::{Value, json};
use std::path::Path;

const SIM_ADMIN: &str = "glpat-SimAdminToken0000001";
const DEMO_ROOT: &str = "glpat-DemoRootAdmin000000";
/// Users of `Scenario::credentials()`: root is an administrator with 2FA, dev has no 2FA and
/// no recent activity, ops has 2FA.
const ROOT: i64 = 1;
const DEV: i64 = 2;
const OPS: i64 = 3;

struct World {
    sim: SimHandle,
    root: Client,
    case: Case,
    _dir: tempfile::TempDir,
}

async fn world(scenario: Scenario, admin: &str) -> World {
    let sim = glir_sim::start(scenario).await.unwrap();
    let root = client(&sim.url(), admin);
    let dir = tempfile::tempdir().unwrap();
    let case = Cases::new(dir.path().join("cases"))
        .open_new(
            "c",
            NewCase {
                operator: "tester".into(),
                glir_version: "test".into(),
                ..NewCase::default()
            },
        )
        .unwrap();
    World {
        sim,
        root,
        case,
        _dir: dir,
    }
}

/// `actions` saved as one plan and applied; the results and the plan's path.
async fn apply_actions(w: &mut World, actions: Vec<Action>) -> (Vec<StepResult>, String, Plan) {
    let mut plan = Plan::new("c", "test");
    for action in actions {
        plan.push(action, "test".into(), "-".into(), None, Vec::new());
    }
    let path = plan.save(&mut w.case, "tester").unwrap();
    let results = apply(&w.root, &mut w.case, &plan, &path, "tester")
        .await
        .unwrap();
    (results, path, plan)
}

fn record(case: &Case, hash: &str) -> JournalRecord {
    case.journal()
        .records()
        .unwrap()
        .into_iter()
        .find(|r| r.hash == hash)
        .unwrap()
}

/// Events of `event_type` in the simulator's instance audit log.
async fn events_of(root: &Client, event_type: &str) -> Vec<Value> {
    let events: Vec<Value> = root
        .all(root.audit_events(&AuditScope::Instance, None, None, 100))
        .await
        .unwrap();
    events
        .into_iter()
        .filter(|e| e["event_name"] == event_type || e["event_type"] == event_type)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_2fa_off_and_reactivation_are_journaled_once_with_their_states() {
    let mut w = world(Scenario::credentials(), SIM_ADMIN).await;
    let (deactivated, _, _) =
        apply_actions(&mut w, vec![Action::DeactivateUser { user_id: DEV }]).await;
    assert_eq!(deactivated[0].outcome, Outcome::Applied, "{deactivated:?}");
    let actions = vec![
        Action::ResetPassword { user_id: DEV },
        Action::DisableTwoFactor { user_id: OPS },
        Action::DisableTwoFactor { user_id: ROOT },
        Action::ReactivateUser { user_id: DEV },
    ];
    let (first, path, plan) = apply_actions(&mut w, actions).await;
    for r in [&first[0], &first[1], &first[3]] {
        assert_eq!(r.outcome, Outcome::Applied, "{r:?}");
    }
    // GitLab refuses to remove an administrator's 2FA through the API.
    assert_eq!(first[2].outcome, Outcome::Failed, "{:?}", first[2]);
    assert_eq!(first[2].status, Some(403));

    let reset = record(&w.case, &first[0].journal_hash);
    assert_eq!(reset.entry.kind, Some(StepKind::Change));
    assert_eq!(
        reset.entry.pre_state,
        Some(json!({"state": "deactivated", "two_factor_enabled": false}))
    );
    assert_eq!(
        reset.entry.post_state,
        Some(json!({"state": "deactivated", "password_replaced": true}))
    );
    assert!(
        reset
            .entry
            .note
            .as_deref()
            .unwrap()
            .contains("forgot password"),
        "{reset:?}"
    );
    assert_eq!(
        reset.entry.request.as_deref(),
        Some("PUT /users/2 (password)")
    );
    let two_factor = record(&w.case, &first[1].journal_hash);
    assert_eq!(
        two_factor.entry.pre_state.as_ref().unwrap()["two_factor_enabled"],
        true
    );
    assert_eq!(
        two_factor.entry.post_state.as_ref().unwrap()["two_factor_enabled"],
        false
    );
    let reactivated = record(&w.case, &first[3].journal_hash);
    assert_eq!(
        reactivated.entry.pre_state.as_ref().unwrap()["state"],
        "deactivated"
    );
    assert_eq!(
        reactivated.entry.post_state.as_ref().unwrap()["state"],
        "active"
    );
    assert_eq!(
        w.root.user(OPS).await.unwrap().body.two_factor_enabled,
        Some(false)
    );
    assert_eq!(
        w.root.user(DEV).await.unwrap().body.state.as_deref(),
        Some("active")
    );
    assert_eq!(events_of(&w.root, "user_password_updated").await.len(), 1);
    assert_eq!(events_of(&w.root, "user_disable_two_factor").await.len(), 1);
    assert_eq!(events_of(&w.root, "user_activate").await.len(), 1);

    // The same plan again: everything is already as wanted; the password is not replaced twice.
    let again = apply(&w.root, &mut w.case, &plan, &path, "tester")
        .await
        .unwrap();
    for r in [&again[0], &again[1], &again[3]] {
        assert_eq!(r.outcome, Outcome::AlreadyDone, "{r:?}");
    }
    assert_eq!(events_of(&w.root, "user_password_updated").await.len(), 1);
    assert_eq!(events_of(&w.root, "user_disable_two_factor").await.len(), 1);
    // No password ever reaches the case.
    let journal = std::fs::read_to_string(w.case.journal().path()).unwrap();
    assert!(!journal.contains("\"password\":"), "{journal}");
    assert!(w.case.verify().unwrap().ok());
    w.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_puts_back_a_block_a_deactivation_a_setting_and_a_mask() {
    let mut scenario = Scenario::credentials();
    let variable: glir_sim::scenario::Variable = serde_json::from_value(json!({
        "key": "NPM_TOKEN", "value": "SimNpmPublishToken0001"
    }))
    .unwrap();
    scenario.projects[0].variables.push(variable);
    let mut w = world(scenario, SIM_ADMIN).await;
    let app = Owner::Project {
        project: "acme/app".into(),
    };
    let setting = "only_allow_merge_if_pipeline_succeeds";
    let (applied, _, _) = apply_actions(
        &mut w,
        vec![
            Action::BlockUser { user_id: OPS },
            Action::DeactivateUser { user_id: DEV },
            Action::SetProjectSetting {
                project: "acme/app".into(),
                setting: setting.into(),
                value: json!(true),
            },
            Action::MaskVariable {
                owner: app.clone(),
                key: "NPM_TOKEN".into(),
                environment_scope: "*".into(),
            },
        ],
    )
    .await;
    for r in &applied {
        assert_eq!(r.outcome, Outcome::Applied, "{r:?}");
    }
    let expected = [
        Action::UnblockUser { user_id: OPS },
        Action::ReactivateUser { user_id: DEV },
        Action::SetProjectSetting {
            project: "acme/app".into(),
            setting: setting.into(),
            value: json!(false),
        },
        Action::UnmaskVariable {
            owner: app,
            key: "NPM_TOKEN".into(),
            environment_scope: "*".into(),
        },
    ];
    for (n, (step, inverse)) in applied.iter().zip(expected).enumerate() {
        let done = record(&w.case, &step.journal_hash);
        // By number for some, by hash prefix for the others, as `glir case show` prints both.
        let named = if n % 2 == 0 {
            format!("#{}", done.seq)
        } else {
            done.hash[..12].to_string()
        };
        let undo = plan_undo(&w.case, &named).unwrap();
        assert_eq!(undo.undoes_seq, done.seq);
        assert_eq!(undo.plan.steps.len(), 1);
        assert_eq!(undo.plan.steps[0].action, inverse);
        let path = undo.plan.save(&mut w.case, "tester").unwrap();
        let results = apply(&w.root, &mut w.case, &undo.plan, &path, "tester")
            .await
            .unwrap();
        assert_eq!(results[0].outcome, Outcome::Applied, "{:?}", results[0]);
        let undone = record(&w.case, &results[0].journal_hash);
        assert!(
            undone
                .entry
                .note
                .as_deref()
                .unwrap()
                .ends_with(&format!("undoes: {}", done.hash)),
            "{undone:?}"
        );
        let again = plan_undo(&w.case, &named).unwrap_err().to_string();
        assert!(again.contains("already undone"), "{again}");
    }
    assert_eq!(
        w.root.user(OPS).await.unwrap().body.state.as_deref(),
        Some("active")
    );
    assert_eq!(
        w.root.user(DEV).await.unwrap().body.state.as_deref(),
        Some("active")
    );
    let project: Value = w.root.get("/projects/acme%2Fapp", &[]).await.unwrap().body;
    assert_eq!(project[setting], false, "{project}");
    let variables: Vec<glir_gitlab::Variable> = w
        .root
        .all(w.root.project_variables("acme/app"))
        .await
        .unwrap();
    let npm = variables.iter().find(|v| v.key == "NPM_TOKEN").unwrap();
    assert!(!npm.masked);
    assert!(w.case.verify().unwrap().ok());
    w.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_is_refused_with_the_reason_where_gitlab_cannot_put_things_back() {
    let mut w = world(Scenario::credentials(), SIM_ADMIN).await;
    let tokens: Vec<glir_gitlab::PersonalAccessToken> = w
        .root
        .all(w.root.personal_access_tokens(&PatFilter {
            user_id: Some(DEV),
            state: Some("active".into()),
            ..PatFilter::default()
        }))
        .await
        .unwrap();
    let token = tokens.first().expect("dev has an active token");
    let (applied, _, _) = apply_actions(
        &mut w,
        vec![
            Action::RevokePersonalAccessToken { token_id: token.id },
            Action::UnblockUser { user_id: OPS },
        ],
    )
    .await;
    assert_eq!(applied[0].outcome, Outcome::Applied, "{:?}", applied[0]);
    assert_eq!(applied[1].outcome, Outcome::AlreadyDone, "{:?}", applied[1]);
    let revoked = record(&w.case, &applied[0].journal_hash);
    let refused = plan_undo(&w.case, &revoked.seq.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("GitLab cannot restore a revoked token; create a new one"),
        "{refused}"
    );
    let unchanged = record(&w.case, &applied[1].journal_hash);
    let refused = plan_undo(&w.case, &unchanged.seq.to_string())
        .unwrap_err()
        .to_string();
    assert!(refused.contains("changed nothing"), "{refused}");
    // The case's opening is no change to GitLab.
    let refused = plan_undo(&w.case, "#1").unwrap_err().to_string();
    assert!(refused.contains("not a change"), "{refused}");
    // A step's plan record points at the record of its change.
    let planned = w
        .case
        .journal()
        .records()
        .unwrap()
        .into_iter()
        .find(|r| {
            r.entry.kind == Some(StepKind::Plan) && r.entry.action == "revoke_personal_access_token"
        })
        .unwrap();
    let refused = plan_undo(&w.case, &planned.hash[..8])
        .unwrap_err()
        .to_string();
    assert!(
        refused.ends_with(&format!("the change applying it is #{}", revoked.seq)),
        "{refused}"
    );
    let refused = plan_undo(&w.case, "#999").unwrap_err().to_string();
    assert!(refused.contains("no journal record"), "{refused}");
    w.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_lists_the_cases_own_containment_apart_from_the_attackers_doing() {
    let mut w = world(Scenario::demo(), DEMO_ROOT).await;
    let mut store = Store::open(&w._dir.path().join("glir.db")).unwrap();
    let pack = glir_detect::load_rules(
        &[Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab")],
        &glir_detect::LoadOptions {
            strict: true,
            ..glir_detect::LoadOptions::default()
        },
    )
    .unwrap();
    let since: jiff::Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    let mut respond = Respond {
        client: &w.root,
        store: &mut store,
        case: &mut w.case,
        pack: &pack,
        operator: "tester".into(),
        since,
        until: jiff::Timestamp::now(),
    };
    let first = investigate(
        &mut respond,
        Playbook::AccountCompromise,
        Subject::User("dana".into()),
    )
    .await
    .unwrap();
    assert!(first.own_changes.is_empty(), "{:?}", first.own_changes);
    let (path, plan) = Plan::latest(&w.case).unwrap().unwrap();
    let applied = apply(&w.root, &mut w.case, &plan, &path, "tester")
        .await
        .unwrap();
    assert!(
        applied.iter().all(|r| r.outcome != Outcome::Failed),
        "{applied:?}"
    );

    let mut respond = Respond {
        client: &w.root,
        store: &mut store,
        case: &mut w.case,
        pack: &pack,
        operator: "tester".into(),
        since,
        until: jiff::Timestamp::now(),
    };
    let second = investigate(
        &mut respond,
        Playbook::AccountCompromise,
        Subject::User("dana".into()),
    )
    .await
    .unwrap();
    let own: Vec<(&str, &str)> = second
        .own_changes
        .iter()
        .map(|o| (o.event_type.as_str(), o.action.as_str()))
        .collect();
    for expected in [
        ("user_blocked", "block_user"),
        (
            "personal_access_token_revoked",
            "revoke_personal_access_token",
        ),
        ("application_setting_updated", "require_two_factor"),
        ("remove_ssh_key", "remove_ssh_key"),
    ] {
        assert!(own.contains(&expected), "{expected:?} not in {own:?}");
    }
    // Both blocks (dana and the account the attacker made) are the case's own.
    assert_eq!(
        own.iter().filter(|(t, _)| *t == "user_blocked").count(),
        2,
        "{own:?}"
    );
    let own_ids: Vec<&str> = second
        .own_changes
        .iter()
        .map(|o| o.event_id.as_str())
        .collect();
    for alert in &second.alerts {
        assert!(
            alert
                .event_ids
                .iter()
                .any(|id| !own_ids.contains(&id.as_str())),
            "an alert raised by glir's own containment: {} {:?}",
            alert.title,
            alert.event_ids
        );
    }
    for finding in &second.findings {
        assert!(
            finding
                .event_ids
                .iter()
                .all(|id| !own_ids.contains(&id.as_str())),
            "{finding:?}"
        );
    }
    // Nothing the case did is planned against as if the attacker had done it.
    let before: Vec<&Action> = first.plan.steps.iter().map(|s| &s.action).collect();
    for step in &second.plan.steps {
        assert!(
            before.contains(&&step.action) || matches!(step.action, Action::Manual { .. }),
            "new step after containment: {step:?}"
        );
    }
    assert!(
        second
            .summary
            .iter()
            .any(|l| l.starts_with("glir's own containment (case c, step ")),
        "{:#?}",
        second.summary
    );
    let saved = glir_respond::latest_investigation(&w.case)
        .unwrap()
        .unwrap();
    assert_eq!(saved.own_changes, second.own_changes);
    w.sim.shutdown().await;
}
