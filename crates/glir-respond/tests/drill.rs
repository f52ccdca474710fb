//! The drill: the demo incident (an administrator's leaked token used to add an SSH key, a
//! token, an administrator and a webhook, and to make a project public) contained by
//! `instance-compromise` and by `account-compromise`, each applied to the simulator. What is
//! left to a person is only what no GitLab API does; the attacker's webhook and the compromised
//! account's own token are gone, as the simulator itself shows; the journal verifies.

mod common;

use common::{Desk, self_status, sim_state, token_state};
use glir_respond::{Action, Investigation, Outcome, Playbook, StepResult, Subject, apply};
use glir_sim::Scenario;
use glir_test_support::client;
use serde_json::Value;

/// The responder: root, an administrator of the demo instance.
const ROOT: &str = "glpat-DemoRootAdmin000000";
/// dana's token that leaked, and the one the attacker made with it.
const LEAKED: i64 = 2;
const ATTACKERS: i64 = 4;
/// The webhook the attacker added to acme/payments, which only the current state shows.
const ATTACKERS_HOOK: i64 = 72;

/// The work a person does because no API can: each manual step must be one of these.
const MANUAL_KINDS: [(&str, &str); 3] = [
    ("update GitLab", "upgrade"),
    ("on the GitLab server", "host triage"),
    ("rotate at its issuer", "a secret another system issued"),
];

struct Drill {
    sim: glir_sim::SimHandle,
    desk: Desk,
    found: Investigation,
    applied: Vec<StepResult>,
}

async fn drill(playbook: Playbook, subject: Subject) -> Drill {
    let sim = glir_sim::start(Scenario::demo()).await.unwrap();
    let root = client(&sim.url(), ROOT);
    let mut desk = Desk::new(playbook.name());
    let found = desk
        .investigate(&root, playbook, subject, "2026-11-01T00:00:00Z")
        .await;
    let applied = apply(
        &root,
        &mut desk.case,
        &found.plan,
        &found.plan_path,
        "tester",
    )
    .await
    .unwrap();
    Drill {
        sim,
        desk,
        found,
        applied,
    }
}

/// Every step GitLab's API could do was done, and the rest is only what no API does.
fn nothing_left_an_api_could_do(d: &Drill) {
    for step in &d.found.plan.steps {
        if let Action::Manual { title } = &step.action {
            assert!(
                MANUAL_KINDS
                    .iter()
                    .any(|(start, _)| title.starts_with(start)),
                "manual step {} is work an API could do: {title}",
                step.n
            );
        }
    }
    for r in &d.applied {
        assert!(
            matches!(r.outcome, Outcome::Applied | Outcome::Manual),
            "{r:?}"
        );
    }
    assert!(d.desk.case.verify().unwrap().ok());
}

/// The attacker's webhook is gone and dana's tokens, the leaked one and the attacker's, are
/// revoked, as the simulator holds them.
fn contained(state: &Value) {
    let payments = state["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "acme/payments")
        .unwrap();
    let hooks = payments["hooks"].as_array().unwrap();
    assert!(!hooks.contains(&Value::from(ATTACKERS_HOOK)), "{payments}");
    for id in [LEAKED, ATTACKERS] {
        assert_eq!(token_state(state, id)["revoked"], true, "token {id}");
    }
    let svc_backup = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "svc-backup")
        .unwrap();
    assert_eq!(svc_backup["state"], "blocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_compromise_rotates_everything_and_leaves_only_what_no_api_does() {
    let d = drill(Playbook::InstanceCompromise, Subject::Instance).await;
    nothing_left_an_api_could_do(&d);
    let before = sim_state(&d.sim.url()).await;
    contained(&before);

    let steps = &d.found.plan.steps;
    // Batches in order; what the attacker left and the automation credentials first.
    let batches: Vec<u32> = steps.iter().filter_map(|s| s.batch).collect();
    assert!(batches.windows(2).all(|w| w[0] <= w[1]), "{batches:?}");
    assert_eq!(batches.first(), Some(&1));
    let step_of = |action: &Action| {
        steps
            .iter()
            .find(|s| &s.action == action)
            .unwrap_or_else(|| panic!("{action:?} not planned: {steps:#?}"))
    };
    let runner = step_of(&Action::ResetRunnerToken { runner_id: 91 });
    assert_eq!(runner.batch, Some(1));
    assert!(runner.risk.contains("every project"), "{}", runner.risk);
    let alice = step_of(&Action::RotatePersonalAccessToken { token_id: 3 });
    assert_eq!(alice.batch, Some(3));
    assert!(
        alice.risk.contains("last used 2026-11-26"),
        "{}",
        alice.risk
    );
    // Every batched step's risk names its batch.
    for s in steps.iter().filter(|s| s.batch.is_some()) {
        let batch = s.batch.unwrap_or_default();
        assert!(s.risk.starts_with(&format!("batch {batch}, ")), "{s:?}");
    }
    // The responder's own token goes last, so every step before it still runs.
    let own = steps.iter().rposition(|s| s.batch.is_some()).unwrap();
    assert_eq!(
        steps[own].action,
        Action::RotatePersonalAccessToken { token_id: 1 }
    );
    let update = steps
        .iter()
        .find_map(|s| match &s.action {
            Action::Manual { title } if title.starts_with("update GitLab") => Some(title),
            _ => None,
        })
        .unwrap();
    assert!(
        update.contains("17.9.2-ee") && update.contains("upgrade to"),
        "{update}"
    );
    assert!(update.contains("CVE-"), "{update}");
    let issuer: Vec<&str> = steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Manual { title } if title.starts_with("rotate at its issuer") => {
                Some(title.as_str())
            }
            _ => None,
        })
        .collect();
    assert!(
        issuer.iter().any(|t| t.contains("STRIPE_API_KEY")),
        "{issuer:#?}"
    );
    // An ARN names a role; it is not a secret.
    assert!(
        !issuer.iter().any(|t| t.contains("AWS_DEPLOY_ROLE")),
        "{issuer:#?}"
    );

    // Each rotated secret is in the case, the old ones refused.
    let result = |action: &Action| {
        let n = step_of(action).n;
        d.applied.iter().find(|r| r.n == n).unwrap()
    };
    let (new_root, mode) = d
        .desk
        .secret(result(&Action::RotatePersonalAccessToken { token_id: 1 }));
    assert_eq!(mode, 0o600);
    assert_eq!(self_status(&d.sim.url(), ROOT).await, 401);
    assert_eq!(self_status(&d.sim.url(), &new_root).await, 200);
    let (runner_token, _) = d
        .desk
        .secret(result(&Action::ResetRunnerToken { runner_id: 91 }));
    let runner_state = before["runners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == 91)
        .unwrap();
    assert_eq!(
        runner_state["token_fingerprint"],
        glir_redact::fingerprint(&runner_token)
    );
    let (siem, _) = d.desk.secret(result(&Action::ResetHookToken {
        owner: glir_respond::Owner::Instance,
        hook_id: 74,
    }));
    assert_eq!(
        before["system_hook_tokens"]["74"],
        glir_redact::fingerprint(&siem)
    );
    // The inventory it rotated from is evidence, without a secret.
    let inventory = d.desk.evidence("state/inventory.json");
    assert!(inventory["credentials"].as_array().unwrap().len() > 10);
    let text = inventory.to_string();
    for secret in ["DemoStripeKeyNotReal2026", "glrt-DemoSharedRunner00001"] {
        assert!(!text.contains(secret));
    }
    d.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_compromise_contains_the_account_and_what_it_could_reach() {
    let d = drill(Playbook::AccountCompromise, Subject::User("dana".into())).await;
    nothing_left_an_api_could_do(&d);
    let state = sim_state(&d.sim.url()).await;
    contained(&state);
    let dana = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "dana")
        .unwrap();
    assert_eq!(dana["state"], "blocked");
    let planned: Vec<&Action> = d.found.plan.steps.iter().map(|s| &s.action).collect();
    for expected in [
        Action::ResetPassword { user_id: 2 },
        // The infra runner of acme, which dana owns.
        Action::ResetRunnerToken { runner_id: 92 },
    ] {
        assert!(
            planned.contains(&&expected),
            "missing {expected:?}: {planned:#?}"
        );
    }
    let reach = d.desk.evidence("state/reach.json");
    assert_eq!(reach["memberships"][0]["path"], "acme", "{reach:#}");
    // The block is put back with `glir undo` when the investigation is done.
    let block = d.applied.iter().find(|r| r.action == "block_user").unwrap();
    let seq = d
        .desk
        .case
        .journal()
        .records()
        .unwrap()
        .into_iter()
        .find(|r| r.hash == block.journal_hash)
        .unwrap()
        .seq;
    let undo = glir_respond::plan_undo(&d.desk.case, &seq.to_string()).unwrap();
    assert_eq!(
        undo.plan.steps[0].action,
        Action::UnblockUser { user_id: 2 }
    );
    d.sim.shutdown().await;
}
