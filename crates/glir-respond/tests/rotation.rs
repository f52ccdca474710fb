//! Rotation against the simulator: access tokens rotated and hook secrets replaced through
//! GitLab's APIs, each new secret in a 0600 file of the case and the old value refused, applied
//! once however often the plan is; and a group Owner without an administrator's token finding
//! and containing leaked bot and trigger tokens.

mod common;

use common::{Desk, events_of, routable_pat, self_status, sim_state, token_state};
use glir_redact::{Secret, fingerprint};
use glir_respond::{Action, Outcome, Owner, Plan, Playbook, Subject, apply, plan_undo};
use glir_sim::Scenario;
use glir_test_support::client;

const SIM_ADMIN: &str = "glpat-SimAdminToken0000001";
/// ops, Owner of group acme (and so of project acme/app), not an administrator.
const OWNER: &str = "glpat-SimOwnerToken0000001";
const PROJECT_BOT: &str = "glpat-SimProjectBot0000001";
const GROUP_BOT: &str = "glpat-SimGroupBot100000001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotations_write_each_new_secret_to_a_private_file_and_the_old_values_stop_working() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let admin = client(&sim.url(), SIM_ADMIN);
    let mut desk = Desk::new("rotate");
    let mut plan = Plan::new("rotate", "test");
    for action in [
        Action::RotateProjectAccessToken {
            project: "acme/app".into(),
            token_id: 7,
        },
        Action::RotateGroupAccessToken {
            group: "acme".into(),
            token_id: 8,
        },
        Action::ResetHookToken {
            owner: Owner::Instance,
            hook_id: 404,
        },
        Action::ResetHookToken {
            owner: Owner::Group {
                group: "acme".into(),
            },
            hook_id: 401,
        },
    ] {
        plan.push(action, "test".into(), "-".into(), None, Vec::new());
    }
    let path = plan.save(&mut desk.case, "tester").unwrap();
    let first = apply(&admin, &mut desk.case, &plan, &path, "tester")
        .await
        .unwrap();
    for r in &first {
        assert_eq!(r.outcome, Outcome::Applied, "{r:?}");
    }
    let journal = std::fs::read_to_string(desk.case.journal().path()).unwrap();
    for (r, old) in first[..2].iter().zip([PROJECT_BOT, GROUP_BOT]) {
        let (new, mode) = desk.secret(r);
        assert_eq!(mode, 0o600, "{r:?}");
        assert!(new.starts_with("glpat-"), "{r:?}");
        assert_eq!(self_status(&sim.url(), old).await, 401, "{old} still works");
        assert_eq!(self_status(&sim.url(), &new).await, 200, "{r:?}");
        // The journal names the new token by fingerprint, never whole.
        assert!(!journal.contains(&new));
        assert!(journal.contains(&fingerprint(&new)), "{r:?}");
    }
    // Rotation is audited as GitLab does it: the old token deleted, its successor created.
    for event in [
        "project_access_token_deleted",
        "project_access_token_created",
        "group_access_token_deleted",
        "group_access_token_created",
    ] {
        assert_eq!(events_of(&admin, event).await.len(), 1, "{event}");
    }
    let state = sim_state(&sim.url()).await;
    let (system, mode) = desk.secret(&first[2]);
    assert_eq!(mode, 0o600);
    assert_eq!(state["system_hook_tokens"]["404"], fingerprint(&system));
    let (group_hook, _) = desk.secret(&first[3]);
    assert_ne!(system, group_hook);
    assert_eq!(
        state["groups"][0]["hook_tokens"]["401"],
        fingerprint(&group_hook)
    );

    // Applied again, nothing is sent: another rotation would issue yet another secret.
    let again = apply(&admin, &mut desk.case, &plan, &path, "tester")
        .await
        .unwrap();
    for r in &again {
        assert_eq!(r.outcome, Outcome::AlreadyDone, "{r:?}");
    }
    assert_eq!(sim_state(&sim.url()).await, state);
    assert!(!desk.case.dir().join("secrets/step-1.2.secret").exists());

    // Neither an old token nor a hook's old secret can be put back.
    let record = |hash: &str| {
        desk.case
            .journal()
            .records()
            .unwrap()
            .into_iter()
            .find(|r| r.hash == hash)
            .unwrap()
            .seq
    };
    let undo = plan_undo(&desk.case, &record(&first[1].journal_hash).to_string());
    assert!(
        undo.as_ref()
            .is_err_and(|e| e.to_string().contains("old value back")),
        "{undo:?}"
    );
    let undo = plan_undo(&desk.case, &record(&first[2].journal_hash).to_string());
    assert!(
        undo.as_ref()
            .is_err_and(|e| e.to_string().contains("never shows a webhook's secret")),
        "{undo:?}"
    );
    assert!(desk.case.verify().unwrap().ok());
    sim.shutdown().await;
}

/// `Scenario::credentials()` (the synthetic cast, whose ops is Owner of acme, with a token of
/// every family) where the group bot's token is routable, as GitLab 17.x issues them, and was
/// used.
fn routable_scenario() -> (Scenario, String) {
    let mut s = Scenario::credentials();
    let leaked = routable_pat(6, 1);
    let bot = s.tokens.iter_mut().find(|t| t.id == 8).unwrap();
    bot.token = leaked.clone();
    bot.last_used_at = Some("2026-11-20T10:00:00Z".parse().unwrap());
    (s, leaked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_owner_contains_leaked_bot_and_trigger_tokens_without_an_administrator() {
    let (scenario, leaked) = routable_scenario();
    let routing = glir_tokens::identify(&leaked, &glir_tokens::IdentifyOptions::default());
    assert_eq!(routing.routing.get("u"), Some(&6), "{routing:?}");
    let sim = glir_sim::start(scenario).await.unwrap();
    let owner = client(&sim.url(), OWNER);
    let mut desk = Desk::new("no-admin");

    // The group bot's routable token: its payload names the bot, the bot its group.
    let found = desk
        .investigate(
            &owner,
            Playbook::TokenExposure,
            Subject::Token(Secret::new(leaked.clone())),
            "2025-01-01T00:00:00Z",
        )
        .await;
    let rotate = Action::RotateGroupAccessToken {
        group: "acme".into(),
        token_id: 8,
    };
    assert_eq!(found.plan.steps[0].action, rotate, "{:#?}", found.plan);
    assert!(
        found
            .summary
            .iter()
            .any(|l| l.contains("the token itself was not sent")),
        "{:#?}",
        found.summary
    );
    // Identifying it did not use it.
    assert!(token_state(&sim_state(&sim.url()).await, 8)["revoked"] == false);
    let applied = apply(
        &owner,
        &mut desk.case,
        &found.plan,
        &found.plan_path,
        "tester",
    )
    .await
    .unwrap();
    assert_eq!(applied[0].outcome, Outcome::Applied, "{applied:?}");
    let (new, mode) = desk.secret(&applied[0]);
    assert_eq!(mode, 0o600);
    assert_eq!(self_status(&sim.url(), &leaked).await, 401);
    assert_eq!(self_status(&sim.url(), &new).await, 200);

    // The project bot's legacy token: asked about itself, found in acme/app's list; never
    // used, so revoked rather than rotated.
    let found = desk
        .investigate(
            &owner,
            Playbook::TokenExposure,
            Subject::Token(Secret::new(PROJECT_BOT)),
            "2025-01-01T00:00:00Z",
        )
        .await;
    let revoke = Action::RevokeProjectAccessToken {
        project: "acme/app".into(),
        token_id: 7,
    };
    assert_eq!(found.plan.steps[0].action, revoke, "{:#?}", found.plan);
    let applied = apply(
        &owner,
        &mut desk.case,
        &found.plan,
        &found.plan_path,
        "tester",
    )
    .await
    .unwrap();
    assert_eq!(applied[0].outcome, Outcome::Applied, "{applied:?}");
    assert_eq!(self_status(&sim.url(), PROJECT_BOT).await, 401);

    // dev's trigger: ops sees only its start, which no other trigger shares.
    let dev_trigger = "glptt-69ebad93a6c292505d045e0ba19290f7548b4dd8";
    let found = desk
        .investigate(
            &owner,
            Playbook::TokenExposure,
            Subject::Token(Secret::new(dev_trigger)),
            "2025-01-01T00:00:00Z",
        )
        .await;
    let delete = Action::DeleteTrigger {
        project: "acme/app".into(),
        trigger_id: 2,
    };
    assert_eq!(found.plan.steps[0].action, delete, "{:#?}", found.plan);
    apply(
        &owner,
        &mut desk.case,
        &found.plan,
        &found.plan_path,
        "tester",
    )
    .await
    .unwrap();
    let triggers = &sim_state(&sim.url()).await["triggers"];
    assert!(
        triggers.as_array().unwrap().iter().all(|t| t["id"] != 2),
        "{triggers}"
    );

    // A deploy token shows nothing of itself to anyone after creation: the candidates are
    // kept, and telling them apart is left to an administrator's token.
    let found = desk
        .investigate(
            &owner,
            Playbook::TokenExposure,
            Subject::Token(Secret::new("gldt-SimDeployActive00001")),
            "2025-01-01T00:00:00Z",
        )
        .await;
    assert!(
        found
            .plan
            .steps
            .iter()
            .all(|s| !matches!(s.action, Action::RevokeDeployToken { .. })),
        "{:#?}",
        found.plan
    );
    assert!(
        found
            .skipped
            .iter()
            .any(|s| s.check == "telling which deploy token leaked"),
        "{:?}",
        found.skipped
    );
    let candidates = desk.evidence("state/deploy-token-candidates.json");
    assert_eq!(candidates.as_array().unwrap().len(), 1, "{candidates}");
    assert!(desk.case.verify().unwrap().ok());
    sim.shutdown().await;
}
