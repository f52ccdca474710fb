//! The user review against the simulator: an administrator sees every account with sign-ins,
//! 2FA and identities, admins first; anyone else gets GitLab's public view and is told so.

use glir_inventory::{Silent, list_users};
use glir_sim::Scenario;
use glir_sim::scenario::UserState;
use glir_test_support::client;

#[tokio::test]
async fn an_administrator_sees_every_account_admins_first() {
    let scenario = Scenario::credentials();
    let sim = glir_sim::start(scenario.clone()).await.unwrap();
    let report = list_users(
        &client(&sim.url(), "glpat-SimAdminToken0000001"),
        4,
        &Silent,
    )
    .await
    .unwrap();
    assert!(report.complete, "{:?}", report.lacks);
    assert_eq!(report.users.len(), scenario.users.len());
    // Administrators first, then by username.
    let admins = scenario.users.iter().filter(|u| u.is_admin).count();
    assert!(admins > 0);
    assert!(report.users[..admins].iter().all(|u| u.admin == Some(true)));
    let rest: Vec<&str> = report.users[admins..]
        .iter()
        .map(|u| u.username.as_str())
        .collect();
    let mut sorted = rest.clone();
    sorted.sort();
    assert_eq!(rest, sorted);

    for expected in &scenario.users {
        let u = report
            .users
            .iter()
            .find(|u| u.id == expected.id)
            .unwrap_or_else(|| panic!("{} missing", expected.username));
        assert_eq!(u.two_factor, Some(expected.two_factor_enabled), "{u:?}");
        assert_eq!(u.last_sign_in_ip, expected.last_sign_in_ip, "{u:?}");
        assert_eq!(u.current_sign_in_ip, expected.current_sign_in_ip, "{u:?}");
        assert_eq!(u.state.as_deref(), Some(expected.state.as_str()), "{u:?}");
        assert_eq!(u.emails, Some(expected.emails.len()), "{u:?}");
        assert_eq!(u.identities.len(), expected.identities.len(), "{u:?}");
        let bot = u.kind != "human";
        assert_eq!(bot, expected.bot, "{u:?}");
    }
    let project_bot = report
        .users
        .iter()
        .find(|u| u.username == "project_20_bot_sim")
        .unwrap();
    assert_eq!(project_bot.kind, "project_bot");
    let dev = report.users.iter().find(|u| u.username == "dev").unwrap();
    assert_eq!(dev.identities[0].provider, "group_saml");
    sim.shutdown().await;
}

#[tokio::test]
async fn anyone_else_gets_the_public_view_and_is_told_what_it_lacks() {
    let scenario = Scenario::credentials();
    let sim = glir_sim::start(scenario.clone()).await.unwrap();
    let report = list_users(
        &client(&sim.url(), "glpat-SimDevToken100000001"),
        4,
        &Silent,
    )
    .await
    .unwrap();
    assert!(!report.caller.admin);
    assert!(!report.complete);
    assert!(
        report
            .lacks
            .iter()
            .any(|l| l.contains("not an administrator")),
        "{:?}",
        report.lacks
    );
    for u in &report.users {
        assert_eq!(u.admin, None, "{u:?}");
        assert_eq!(u.two_factor, None, "{u:?}");
        assert_eq!(u.last_sign_in_ip, None, "{u:?}");
        assert_eq!(u.emails, None, "{u:?}");
    }
    // Blocked accounts are hidden from non-administrators.
    let blocked: Vec<&str> = scenario
        .users
        .iter()
        .filter(|u| u.state == UserState::Blocked)
        .map(|u| u.username.as_str())
        .collect();
    assert!(!blocked.is_empty());
    assert!(
        report
            .users
            .iter()
            .all(|u| !blocked.contains(&u.username.as_str()))
    );
    // No request for anyone's emails: GitLab shows them to administrators only.
    assert_eq!(sim.requests("/emails"), 0);
    sim.shutdown().await;
}
