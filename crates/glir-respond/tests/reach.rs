//! What a compromised account could reach, against the simulator: read from its memberships
//! (an administrator's `GET /users/:id/memberships`, or anyone's walk with `members/all`), kept
//! as `state/reach.json`, and planned: each credential it could use replaced, each secret-looking
//! variable left to its issuer.

mod common;

use common::Desk;
use glir_respond::{Action, Investigation, Playbook, Subject};
use glir_sim::Scenario;
use glir_test_support::client;
use serde_json::Value;
use std::collections::BTreeSet;

const SIM_ADMIN: &str = "glpat-SimAdminToken0000001";
/// ops, Owner of group acme, not an administrator.
const OWNER: &str = "glpat-SimOwnerToken0000001";

/// The keys of the CI/CD variables `reach.json` lists.
fn variables(reach: &Value) -> BTreeSet<String> {
    reach["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "ci_variable")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

fn issuer_steps(found: &Investigation) -> BTreeSet<String> {
    found
        .plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Manual { title } => title
                .strip_prefix("rotate at its issuer: CI/CD variable ")
                .and_then(|rest| rest.split(' ').next())
                .map(str::to_string),
            _ => None,
        })
        .collect()
}

/// Every unprotected variable of `Scenario::credentials()`'s group acme and project acme/app:
/// what a Developer's pipelines on any branch get.
const UNPROTECTED: [&str; 3] = ["API_SECRET_KEY", "GROUP_WEBHOOK_SECRET", "KUBECONFIG"];
const PROTECTED: [&str; 3] = [
    "DEPLOY_PASSWORD",
    "GROUP_REGISTRY_PASSWORD",
    "HIDDEN_SIGNING_KEY",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_developer_reaches_the_unprotected_variables_of_their_group_and_its_projects() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let admin = client(&sim.url(), SIM_ADMIN);
    let mut desk = Desk::new("reach-dev");
    let found = desk
        .investigate(
            &admin,
            Playbook::AccountCompromise,
            Subject::User("dev".into()),
            "2025-01-01T00:00:00Z",
        )
        .await;
    let reach = desk.evidence("state/reach.json");
    assert_eq!(reach["user"]["username"], "dev");
    let membership = &reach["memberships"][0];
    assert_eq!(
        (&membership["path"], &membership["access_level"]),
        (&Value::from("acme"), &Value::from(30)),
        "{reach:#}"
    );
    assert!(
        membership["source"]
            .as_str()
            .unwrap()
            .contains("/users/2/memberships")
    );
    let expected: BTreeSet<String> = UNPROTECTED.iter().map(|k| k.to_string()).collect();
    assert_eq!(variables(&reach), expected, "{reach:#}");
    // A Developer reads no runner, bot or deploy token: none is listed or replaced.
    assert!(
        reach["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] == "ci_variable"),
        "{reach:#}"
    );
    assert!(
        !found.plan.steps.iter().any(|s| matches!(
            s.action,
            Action::ResetRunnerToken { .. }
                | Action::RotateProjectAccessToken { .. }
                | Action::RevokeProjectAccessToken { .. }
                | Action::RevokeDeployToken { .. }
        )),
        "{:#?}",
        found.plan
    );
    // Each unprotected variable looks like a secret: each is left to its issuer.
    assert_eq!(issuer_steps(&found), expected);
    for key in PROTECTED {
        assert!(!issuer_steps(&found).contains(key));
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owners_reach_is_replaced_runners_bot_and_deploy_tokens_and_their_own_trigger() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let admin = client(&sim.url(), SIM_ADMIN);
    let mut desk = Desk::new("reach-owner");
    let found = desk
        .investigate(
            &admin,
            Playbook::AccountCompromise,
            Subject::User("ops".into()),
            "2025-01-01T00:00:00Z",
        )
        .await;
    let reach = desk.evidence("state/reach.json");
    let every: BTreeSet<String> = UNPROTECTED
        .iter()
        .chain(PROTECTED.iter())
        .map(|k| k.to_string())
        .collect();
    assert_eq!(variables(&reach), every, "{reach:#}");
    let planned: Vec<&Action> = found.plan.steps.iter().map(|s| &s.action).collect();
    for expected in [
        Action::ResetRunnerToken { runner_id: 1 },
        // Never used: revoked rather than rotated.
        Action::RevokeProjectAccessToken {
            project: "acme/app".into(),
            token_id: 7,
        },
        Action::RevokeGroupAccessToken {
            group: "acme".into(),
            token_id: 8,
        },
        Action::RevokeDeployToken {
            owner: glir_respond::Owner::Project {
                project: "acme/app".into(),
            },
            token_id: 1,
        },
        // ops's own trigger; dev's (2) shows ops only its first characters.
        Action::DeleteTrigger {
            project: "acme/app".into(),
            trigger_id: 1,
        },
    ] {
        assert!(
            planned.contains(&&expected),
            "missing {expected:?}: {planned:#?}"
        );
    }
    assert!(
        !planned.iter().any(|a| matches!(
            a,
            Action::DeleteTrigger { trigger_id: 2, .. }
                | Action::RevokeDeployToken { token_id: 2, .. }
        )),
        "dev's trigger and the revoked deploy token stay out: {planned:#?}"
    );
    assert_eq!(issuer_steps(&found), every);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_administrator_the_reach_is_walked_with_members_all() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let owner = client(&sim.url(), OWNER);
    let mut desk = Desk::new("reach-walk");
    let found = desk
        .investigate(
            &owner,
            Playbook::AccountCompromise,
            Subject::User("dev".into()),
            "2025-01-01T00:00:00Z",
        )
        .await;
    let reach = desk.evidence("state/reach.json");
    let sources: BTreeSet<&str> = reach["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.iter().all(|s| s.contains("/members/all/2")),
        "{reach:#}"
    );
    let expected: BTreeSet<String> = UNPROTECTED.iter().map(|k| k.to_string()).collect();
    assert_eq!(variables(&reach), expected, "{reach:#}");
    assert_eq!(issuer_steps(&found), expected);
    // What only an administrator can do is named, not dropped.
    assert!(
        found
            .skipped
            .iter()
            .any(|s| s.check.contains("password and two-factor")),
        "{:?}",
        found.skipped
    );
    sim.shutdown().await;
}
