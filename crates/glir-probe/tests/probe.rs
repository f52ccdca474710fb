use glir_probe::{Answer, Deployment, Identity, REQUIREMENTS, Targets, probe};
use glir_sim::Scenario;
use glir_test_support::client;

async fn run(scenario: Scenario, token: &str, targets: Targets) -> Identity {
    let sim = glir_sim::start(scenario).await.unwrap();
    let id = probe(&client(&sim.url(), token), &targets).await;
    sim.shutdown().await;
    id
}

fn answer(id: &Identity, name_starts: &str) -> (Answer, String) {
    let c = id
        .capabilities
        .iter()
        .find(|c| c.name.starts_with(name_starts))
        .unwrap_or_else(|| panic!("no capability {name_starts}: {id:?}"));
    (c.answer, c.reason.clone())
}

fn scenario() -> Scenario {
    Scenario::synthetic(5, "2026-11-01T00:00:00Z".parse().unwrap())
}

fn acme() -> Targets {
    Targets {
        group: Some("acme".into()),
        project: Some("acme/app".into()),
    }
}

#[tokio::test]
async fn admin_token_can_read_every_audit_scope() {
    let id = run(scenario(), "glpat-SimAdminToken0000001", acme()).await;
    assert_eq!(id.username.as_deref(), Some("root"));
    assert_eq!(id.is_admin, Some(true));
    assert_eq!(id.deployment, Deployment::SelfManaged);
    assert!(id.version.is_some());
    let token = id.token.as_ref().expect("PAT details");
    assert!(token.scopes.iter().any(|s| s == "api"));
    assert_eq!(answer(&id, "instance audit events").0, Answer::Yes);
    assert_eq!(answer(&id, "group audit events").0, Answer::Yes);
    assert_eq!(answer(&id, "project audit events").0, Answer::Yes);
    assert_eq!(answer(&id, "user details").0, Answer::Yes);
}

#[tokio::test]
async fn developer_sees_only_their_own_events() {
    let id = run(scenario(), "glpat-SimDevToken100000001", acme()).await;
    assert_eq!(id.is_admin, Some(false));
    let (a, reason) = answer(&id, "instance audit events");
    assert_eq!(a, Answer::No);
    assert!(reason.contains("administrator"), "{reason}");
    let (a, reason) = answer(&id, "group audit events (acme)");
    assert_eq!(a, Answer::No);
    assert!(
        reason.contains("Developer") && reason.contains("Owner"),
        "{reason}"
    );
    assert_eq!(answer(&id, "user details").0, Answer::No);
}

#[tokio::test]
async fn unchecked_namespaces_say_how_to_check() {
    let id = run(scenario(), "glpat-SimDevToken100000001", Targets::default()).await;
    let (a, reason) = answer(&id, "group audit events");
    assert_eq!(a, Answer::Unknown);
    assert!(reason.contains("--group"), "{reason}");
    let (a, reason) = answer(&id, "project audit events");
    assert_eq!(a, Answer::Unknown);
    assert!(reason.contains("--project"), "{reason}");
}

#[tokio::test]
async fn a_rejected_token_yields_answers_not_a_crash() {
    let id = run(scenario(), "glpat-NotARealToken00000000", acme()).await;
    assert!(id.username.is_none());
    assert!(id.notes.iter().any(|n| n.contains("401")), "{:?}", id.notes);
    assert_eq!(id.capabilities.len(), REQUIREMENTS.len());
    // Only what needs nothing of the responder's token may still be a yes.
    for c in &id.capabilities {
        assert!(
            c.answer != Answer::Yes || c.needs.token_scope.is_none(),
            "{c:?}"
        );
    }
    let debug = format!("{id:?}");
    assert!(!debug.contains("NotARealToken"), "{debug}");
}

#[tokio::test]
async fn gitlab_com_has_no_instance_audit_events() {
    let mut s = scenario();
    s.instance.gitlab_com = true;
    let id = run(s, "glpat-SimAdminToken0000001", Targets::default()).await;
    // The probe tells GitLab.com apart by host; the sim runs on loopback, so it asks the API,
    // which answers 404 there.
    let (a, reason) = answer(&id, "instance audit events");
    assert_eq!(a, Answer::No);
    assert!(reason.contains("404"), "{reason}");
}
