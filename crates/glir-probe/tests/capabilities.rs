//! The capability map against the simulator: each answer follows from who the token is, its
//! scopes, the tier and the version, as `REQUIREMENTS` says.

use glir_probe::{Answer, Capability, Identity, REQUIREMENTS, Requirement, Role, Scope, Targets};
use glir_sim::Scenario;
use glir_test_support::client;

const ADMIN: &str = "glpat-SimAdminToken0000001";
/// Developer of acme, `read_api` only.
const DEV: &str = "glpat-SimDevToken100000001";
/// Owner of acme, `api`.
const OWNER: &str = "glpat-SimOwnerToken0000001";

fn scenario() -> Scenario {
    Scenario::synthetic(5, "2026-11-01T00:00:00Z".parse().unwrap())
}

fn acme() -> Targets {
    Targets {
        group: Some("acme".into()),
        project: Some("acme/app".into()),
    }
}

/// The identity, and how many requests the probe sent.
async fn run(scenario: Scenario, token: &str, targets: Targets) -> (Identity, u64) {
    let sim = glir_sim::start(scenario).await.unwrap();
    let client = client(&sim.url(), token);
    let id = glir_probe::probe(&client, &targets).await;
    sim.shutdown().await;
    (id, client.stats().requests)
}

/// Each requirement with its answer (the map lists them in the table's order).
fn answered(id: &Identity) -> Vec<(&'static Requirement, &Capability)> {
    assert_eq!(id.capabilities.len(), REQUIREMENTS.len());
    REQUIREMENTS.iter().zip(&id.capabilities).collect()
}

fn containment(r: &Requirement) -> bool {
    !r.actions.is_empty()
}

#[tokio::test]
async fn an_administrator_can_do_everything_on_the_instance_the_tier_and_flags_allow() {
    let (id, _) = run(scenario(), ADMIN, acme()).await;
    let tier = id.tier.as_ref().expect("a tier, at least as a floor");
    let mut yes = 0;
    for (r, c) in answered(&id) {
        if r.scope != Scope::Instance {
            continue;
        }
        let expected = if r.flag.is_some() {
            Answer::Unknown
        } else if tier.tier >= r.tier {
            Answer::Yes
        } else if tier.or_above {
            Answer::Unknown
        } else {
            Answer::No
        };
        assert_eq!(c.answer, expected, "{c:?} (tier {tier:?})");
        match expected {
            Answer::Yes => yes += 1,
            _ if r.flag.is_some() => {
                assert!(c.reason.contains(r.flag.unwrap_or_default()), "{c:?}")
            }
            _ => assert!(c.reason.contains(r.tier.name()), "{c:?}"),
        }
        if expected == Answer::Yes && r.role == Role::Admin {
            assert!(c.reason.contains("administrator"), "{c:?}");
        }
    }
    assert!(yes >= 20, "only {yes} instance capabilities: {id:#?}");
}

#[tokio::test]
async fn a_developer_with_read_api_can_contain_nothing_and_is_told_why() {
    let (id, _) = run(scenario(), DEV, acme()).await;
    for (r, c) in answered(&id).into_iter().filter(|(r, _)| containment(r)) {
        assert_eq!(c.answer, Answer::No, "{c:?}");
        assert!(
            c.reason
                .contains("needs the `api` scope (token has read_api)"),
            "{c:?}"
        );
        let role_reason = match (r.scope, r.role) {
            (Scope::Instance, _) => Some("needs an administrator".to_string()),
            (Scope::Group, Role::Owner) => Some("needs Owner of acme (you are Developer)".into()),
            (Scope::Project, Role::Maintainer) => {
                Some("needs Maintainer of acme/app (you are Developer)".into())
            }
            (Scope::Project, Role::Owner) => {
                Some("needs Owner of acme/app (you are Developer)".into())
            }
            // Developer is enough for the role: the scope alone is missing.
            (Scope::Project, Role::Developer) => None,
            other => panic!("no expectation for {other:?}: {c:?}"),
        };
        match role_reason {
            Some(role) => assert!(c.reason.contains(&role), "{c:?}"),
            None => assert!(!c.reason.contains("needs Developer"), "{c:?}"),
        }
    }
}

#[tokio::test]
async fn an_owner_contains_in_the_group_but_not_on_the_instance() {
    let (id, _) = run(scenario(), OWNER, acme()).await;
    let mut group_rows = 0;
    for (r, c) in answered(&id).into_iter().filter(|(r, _)| containment(r)) {
        match r.scope {
            Scope::Group | Scope::Project => {
                // Owner of acme is Owner of acme/app too (inherited), and the group's audit
                // events answering shows at least Premium (group webhooks).
                assert_eq!(c.answer, Answer::Yes, "{c:?}");
                assert!(c.reason.contains("Owner of acme"), "{c:?}");
                group_rows += 1;
            }
            Scope::Instance => {
                assert_eq!(c.answer, Answer::No, "{c:?}");
                assert_eq!(c.reason, "needs an administrator", "{c:?}");
            }
            Scope::TopLevelGroup => unreachable!("no containment row streams"),
        }
    }
    assert!(group_rows >= 10, "{id:#?}");
    // Evidence too: Owner reads everyone's group events, not the instance's.
    let by_name = |name: &str| {
        id.capabilities
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name}: {id:#?}"))
    };
    assert_eq!(by_name("group audit events (acme)").answer, Answer::Yes);
    assert_eq!(by_name("instance audit events").answer, Answer::No);
}

#[tokio::test]
async fn an_instance_older_than_a_feature_is_told_the_version_it_needs() {
    let mut old = scenario();
    old.instance.version = "15.4.0-ee".into();
    let (id, _) = run(old, ADMIN, acme()).await;
    let by_name = |name: &str| {
        id.capabilities
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name}: {id:#?}"))
    };
    let instance = by_name("instance audit events");
    assert_eq!(instance.answer, Answer::No, "{instance:?}");
    assert_eq!(
        instance.reason, "needs GitLab 15.11+ (instance runs 15.4)",
        "{instance:?}"
    );
    let rotate = by_name("rotate a personal access token");
    assert_eq!(rotate.answer, Answer::No);
    assert!(rotate.reason.contains("needs GitLab 16.0+"), "{rotate:?}");
    // What 15.4 already had is not refused; but 15.4 cannot show a token its scopes, so
    // whatever needs a scope stays unknown, and the note says why.
    for name in [
        "group audit events (acme)",
        "revoke a personal access token",
    ] {
        let c = by_name(name);
        assert_eq!(c.answer, Answer::Unknown, "{c:?}");
        assert!(
            c.reason.contains("did not show the token's scopes"),
            "{c:?}"
        );
    }
    assert!(
        id.notes.iter().any(|n| n.contains("before 15.5")),
        "{:?}",
        id.notes
    );
}

#[tokio::test]
async fn a_network_fault_makes_every_answer_unknown() {
    // A port nothing listens on: the first request is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client = client(&url, ADMIN);
    let id = glir_probe::probe(&client, &acme()).await;
    assert_eq!(id.capabilities.len(), REQUIREMENTS.len());
    for c in &id.capabilities {
        assert_eq!(c.answer, Answer::Unknown, "{c:?}");
        assert!(c.reason.starts_with("GitLab did not answer"), "{c:?}");
    }
    assert!(
        id.notes.iter().any(|n| n.starts_with("version:")),
        "{:?}",
        id.notes
    );
    // Nothing else was asked after the first refusal.
    assert_eq!(client.stats().requests, 1);
}

#[tokio::test]
async fn each_fact_is_asked_once() {
    // version, user, token, license, and the three audit-event endpoints.
    let (_, admin) = run(scenario(), ADMIN, acme()).await;
    assert_eq!(admin, 7);
    // version, user, token, two memberships, two audit-event endpoints: no license.
    let (_, dev) = run(scenario(), DEV, acme()).await;
    assert_eq!(dev, 7);
}
