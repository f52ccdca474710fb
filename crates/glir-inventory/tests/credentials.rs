//! The inventory of `Scenario::credentials()`, a credential of every family in every state,
//! against the simulator: each one listed with its family, owner, state and dates, no secret in
//! the document, and a group Owner's view held to an administrator's.

use glir_inventory::{
    Credential, GapStatus, Inventory, Kind, Options, OwnerKind, Scope, Silent, State, collect,
};
use glir_sim::Scenario;
use glir_sim::scenario::TokenKind;
use glir_test_support::{client, fast_retries, impatient_client};
use jiff::Timestamp;
use std::collections::BTreeSet;

const ADMIN: &str = "glpat-SimAdminToken0000001";
const OWNER: &str = "glpat-SimOwnerToken0000001";

fn options(scope: Scope) -> Options {
    Options {
        scope,
        kinds: Vec::new(),
        concurrency: 4,
    }
}

async fn take(url: &str, token: &str, scope: Scope) -> Inventory {
    collect(&client(url, token), &options(scope), &Silent)
        .await
        .unwrap()
}

fn find<'a>(inv: &'a Inventory, kind: Kind, id: &str) -> &'a Credential {
    inv.credentials
        .iter()
        .find(|c| c.kind == kind && c.id == id)
        .unwrap_or_else(|| panic!("no {kind} {id} in {:#?}", inv.credentials))
}

/// Every plaintext secret the scenario holds: tokens of every family, OAuth secrets, CI/CD
/// variable values, job tokens.
fn plaintexts(s: &Scenario) -> Vec<String> {
    let mut all: Vec<String> = s.tokens.iter().map(|t| t.token.clone()).collect();
    all.extend(s.deploy_tokens.iter().map(|t| t.token.clone()));
    all.extend(s.triggers.iter().map(|t| t.token.clone()));
    all.extend(s.runners.iter().map(|r| r.token.clone()));
    all.extend(s.applications.iter().map(|a| a.secret.clone()));
    all.extend(s.jobs.iter().filter_map(|j| j.token.clone()));
    let variables = s
        .instance_variables
        .iter()
        .chain(s.groups.iter().flat_map(|g| &g.variables))
        .chain(s.projects.iter().flat_map(|p| &p.variables));
    all.extend(variables.map(|v| v.value.clone()));
    all
}

/// The value as it would sit inside a JSON string, too (a newline as `\n`).
fn assert_no_plaintext(text: &str, secrets: &[String]) {
    for secret in secrets {
        let escaped = serde_json::to_string(secret).unwrap();
        let escaped = escaped.trim_matches('"');
        assert!(
            !text.contains(secret.as_str()) && !text.contains(escaped),
            "a plaintext of the scenario is in the output: {}…",
            &secret[..secret.len().min(10)]
        );
    }
}

#[tokio::test]
async fn every_family_is_listed_with_its_owner_state_and_dates() {
    let scenario = Scenario::credentials();
    let sim = glir_sim::start(scenario.clone()).await.unwrap();
    let inv = take(&sim.url(), ADMIN, Scope::Instance).await;
    let now = Timestamp::now();
    assert!(inv.caller.admin);
    assert!(inv.complete, "{:#?}", inv.coverage);
    // The agent's tokens, the revoked one too, owned by the agent's project.
    let agents: Vec<_> = inv
        .credentials
        .iter()
        .filter(|c| c.kind == Kind::ClusterAgentToken)
        .collect();
    let expected: Vec<_> = scenario
        .projects
        .iter()
        .flat_map(|p| p.cluster_agents.iter())
        .flat_map(|a| a.tokens.iter())
        .collect();
    assert_eq!(agents.len(), expected.len(), "{agents:#?}");
    assert!(!expected.is_empty());
    for t in expected {
        let c = agents.iter().find(|c| c.id == t.id.to_string()).unwrap();
        let want = if t.revoked {
            State::Revoked
        } else {
            State::Active
        };
        assert_eq!(c.state, want, "{c:?}");
        assert_eq!(c.last_used_at, t.last_used_at, "{c:?}");
    }

    // User tokens: the family from the scenario's kind, the owner its user or resource, the
    // state from revocation and expiry.
    for t in &scenario.tokens {
        let kind = match t.kind {
            TokenKind::Personal => Kind::PersonalAccessToken,
            TokenKind::Impersonation => Kind::ImpersonationToken,
            TokenKind::ProjectAccess => Kind::ProjectAccessToken,
            TokenKind::GroupAccess => Kind::GroupAccessToken,
        };
        let c = find(&inv, kind, &t.id.to_string());
        let expected_owner = match t.kind {
            TokenKind::ProjectAccess | TokenKind::GroupAccess => t.resource.clone().unwrap(),
            _ => t.user.clone(),
        };
        assert_eq!(c.owner.name, expected_owner, "{c:#?}");
        let expired = t
            .expires_at
            .is_some_and(|d| d.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp() <= now);
        let state = if t.revoked {
            State::Revoked
        } else if expired {
            State::Expired
        } else {
            State::Active
        };
        assert_eq!(c.state, state, "{c:#?}");
        assert_eq!(c.scopes, t.scopes, "{c:#?}");
        assert_eq!(c.last_used_at, t.last_used_at, "{c:#?}");
        assert!(c.created_at.is_some(), "{c:#?}");
    }
    let blocked = find(&inv, Kind::PersonalAccessToken, "6");
    assert_eq!(blocked.facts["owner_state"], "blocked", "{blocked:#?}");
    let bot = find(&inv, Kind::ProjectAccessToken, "7");
    assert_eq!(bot.owner.kind, OwnerKind::Project);
    assert_eq!(bot.access.as_deref(), Some("maintainer"));
    assert_eq!(
        find(&inv, Kind::PersonalAccessToken, "2").facts["last_used_ips"][0],
        "203.0.113.50"
    );

    for d in &scenario.deploy_tokens {
        let c = find(&inv, Kind::DeployToken, &d.id.to_string());
        let owner = d.project.clone().or(d.group.clone()).unwrap();
        assert_eq!(c.owner.name, owner, "{c:#?}");
        assert_eq!(c.state, State::of(d.revoked, d.expires_at, now), "{c:#?}");
        assert_eq!(c.expires_at, d.expires_at);
    }
    for t in &scenario.triggers {
        let c = find(&inv, Kind::TriggerToken, &t.id.to_string());
        assert_eq!(c.owner.name, t.project);
        assert_eq!(c.facts["runs_as"], t.owner.as_str());
        assert_eq!(c.last_used_at, t.last_used);
        assert_eq!(c.state, State::of(false, t.expires_at, now), "{c:#?}");
    }
    for r in &scenario.runners {
        let c = find(&inv, Kind::Runner, &r.id.to_string());
        let owner = r.project.clone().unwrap_or_else(|| "instance".into());
        assert_eq!(c.owner.name, owner, "{c:#?}");
        assert_eq!(c.expires_at, r.token_expires_at);
        assert_eq!(c.last_used_at, r.contacted_at);
        assert_eq!(c.state, State::of(false, r.token_expires_at, now), "{c:#?}");
    }
    for a in &scenario.applications {
        let c = find(&inv, Kind::OauthApplication, &a.id.to_string());
        assert_eq!(c.name.as_deref(), Some(a.name.as_str()));
        assert_eq!(c.facts["confidential"], a.confidential);
        assert_eq!(c.facts["callback_hosts"][0], "dashboard.sim.test");
    }
    for u in &scenario.users {
        for k in &u.ssh_keys {
            let c = find(&inv, Kind::SshKey, &k.id.to_string());
            assert_eq!(c.owner.name, u.username);
            assert_eq!(c.name.as_deref(), Some(k.title.as_str()));
        }
        for k in &u.gpg_keys {
            assert_eq!(
                find(&inv, Kind::GpgKey, &k.id.to_string()).owner.name,
                u.username
            );
        }
    }
    let hooks = scenario
        .groups
        .iter()
        .flat_map(|g| g.hooks.iter().map(move |h| (h, g.path.clone())))
        .chain(scenario.projects.iter().flat_map(|p| {
            p.hooks
                .iter()
                .map(move |h| (h, format!("{}/{}", p.namespace, p.path)))
        }))
        .chain(
            scenario
                .system_hooks
                .iter()
                .map(|h| (h, "instance".to_string())),
        );
    for (h, owner) in hooks {
        let c = find(&inv, Kind::Webhook, &h.id.to_string());
        assert_eq!(c.owner.name, owner);
        let host = url::Url::parse(&h.url)
            .unwrap()
            .host_str()
            .unwrap()
            .to_string();
        assert_eq!(c.facts["url_host"], host.as_str());
        assert!(
            !serde_json::to_string(c).unwrap().contains(&h.url),
            "a hook's whole URL is kept: {c:#?}"
        );
    }
    let key = find(&inv, Kind::DeployKey, "501");
    assert_eq!(key.owner.name, "acme/app");
    assert_eq!(key.access.as_deref(), Some("write"));

    let app = &scenario.projects[0];
    for v in &app.variables {
        let c = find(
            &inv,
            Kind::CiVariable,
            &format!("{}@{}", v.key, v.environment_scope),
        );
        assert_eq!(c.owner.name, "acme/app");
        assert_eq!(c.facts["masked"], v.masked);
        assert_eq!(c.facts["protected"], v.protected);
        assert_eq!(c.facts["hidden"], v.hidden);
        if v.hidden {
            assert!(!c.facts.contains_key("value_fingerprint"), "{c:#?}");
        } else {
            assert_eq!(
                c.facts["value_fingerprint"],
                glir_redact::fingerprint(&v.value)
            );
        }
    }

    // Every key is unique: the same credential from two lists is one row.
    let keys: BTreeSet<&str> = inv.credentials.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys.len(), inv.credentials.len());
    sim.shutdown().await;
}

#[tokio::test]
async fn no_plaintext_of_the_scenario_is_in_the_inventory() {
    let scenario = Scenario::credentials();
    let sim = glir_sim::start(scenario.clone()).await.unwrap();
    let secrets = plaintexts(&scenario);
    assert!(secrets.len() > 25, "{}", secrets.len());
    for token in [ADMIN, OWNER] {
        for scope in [Scope::Instance, Scope::Group("acme".into())] {
            let inv = take(&sim.url(), token, scope).await;
            assert!(!inv.credentials.is_empty());
            let text = serde_json::to_string(&inv).unwrap();
            assert_no_plaintext(&text, &secrets);
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_group_owner_sees_the_groups_credentials_whole_and_the_instances_not() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let admin = take(&sim.url(), ADMIN, Scope::Instance).await;

    let mine = take(&sim.url(), OWNER, Scope::Group("acme".into())).await;
    assert!(!mine.caller.admin);
    assert!(mine.complete, "{:#?}", mine.coverage);
    // What the Owner lists of acme is what the administrator lists there, key for key.
    let in_acme = |c: &&Credential| {
        matches!(c.owner.kind, OwnerKind::Group | OwnerKind::Project)
            && (c.owner.name == "acme" || c.owner.name.starts_with("acme/"))
    };
    let theirs: BTreeSet<&str> = admin
        .credentials
        .iter()
        .filter(in_acme)
        .map(|c| c.key.as_str())
        .collect();
    let owners: BTreeSet<&str> = mine.credentials.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(owners, theirs);
    assert!(owners.len() > 10, "{owners:?}");
    for family in [Kind::GroupAccessToken, Kind::TriggerToken, Kind::CiVariable] {
        let cov = mine.coverage.iter().find(|c| c.kind == family).unwrap();
        assert!(cov.is_complete() && cov.scopes > 0, "{cov:#?}");
    }
    // Instance-wide families are not in a group's scope at all.
    assert!(
        !mine
            .coverage
            .iter()
            .any(|c| c.kind == Kind::OauthApplication)
    );

    let everywhere = take(&sim.url(), OWNER, Scope::Instance).await;
    assert!(!everywhere.complete);
    for family in [
        Kind::OauthApplication,
        Kind::Runner,
        Kind::Webhook,
        Kind::CiVariable,
    ] {
        let cov = everywhere
            .coverage
            .iter()
            .find(|c| c.kind == family)
            .unwrap();
        let gap = cov
            .gaps
            .iter()
            .find(|g| g.scope == "instance")
            .unwrap_or_else(|| panic!("{cov:#?}"));
        assert_eq!(gap.status, GapStatus::Skipped);
        assert!(gap.reason.contains("administrator"), "{gap:?}");
    }
    let pats = everywhere
        .coverage
        .iter()
        .find(|c| c.kind == Kind::PersonalAccessToken)
        .unwrap();
    assert_eq!(pats.gaps[0].status, GapStatus::Partial);
    assert!(pats.gaps[0].reason.contains("ops's own"), "{pats:#?}");
    let tokens: Vec<&str> = everywhere
        .credentials
        .iter()
        .filter(|c| c.kind == Kind::PersonalAccessToken)
        .map(|c| c.owner.name.as_str())
        .collect();
    assert_eq!(tokens, ["ops"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_place_gitlab_refuses_or_fails_is_a_named_gap_and_the_rest_is_listed() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    // A Developer of acme: every list of the group and project is refused.
    let dev = take(
        &sim.url(),
        "glpat-SimDevToken100000001",
        Scope::Group("acme".into()),
    )
    .await;
    assert!(!dev.complete);
    let hooks = dev
        .coverage
        .iter()
        .find(|c| c.kind == Kind::Webhook)
        .unwrap();
    assert_eq!(hooks.complete, 0);
    assert!(
        hooks
            .gaps
            .iter()
            .all(|g| g.status == GapStatus::Skipped && g.reason.contains("403")),
        "{hooks:#?}"
    );

    sim.inject(glir_sim::Fault {
        path_contains: "/projects/20/hooks".into(),
        kind: glir_sim::FaultKind::ServerError { status: 502 },
        times: 10,
    });
    let client = impatient_client(&sim.url(), ADMIN, fast_retries(1));
    let inv = collect(&client, &options(Scope::Group("acme".into())), &Silent)
        .await
        .unwrap();
    assert!(!inv.complete);
    let hooks = inv
        .coverage
        .iter()
        .find(|c| c.kind == Kind::Webhook)
        .unwrap();
    assert_eq!(hooks.gaps.len(), 1, "{hooks:#?}");
    assert_eq!(hooks.gaps[0].status, GapStatus::Failed);
    assert_eq!(hooks.gaps[0].scope, "project acme/app");
    assert!(hooks.gaps[0].reason.contains("502"), "{hooks:#?}");
    // The group's hook and every other family are still there.
    find(&inv, Kind::Webhook, "401");
    find(&inv, Kind::TriggerToken, "1");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_rejected_token_ends_the_run() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let client = client(&sim.url(), "glpat-SimRevokedToken00001");
    let err = collect(&client, &options(Scope::Instance), &Silent)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
    sim.shutdown().await;
}

#[tokio::test]
async fn only_the_families_asked_for_are_listed() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let client = client(&sim.url(), ADMIN);
    let opts = Options {
        kinds: vec![Kind::Webhook, Kind::DeployKey],
        ..options(Scope::Instance)
    };
    let inv = collect(&client, &opts, &Silent).await.unwrap();
    let families: BTreeSet<Kind> = inv.credentials.iter().map(|c| c.kind).collect();
    assert_eq!(families, BTreeSet::from([Kind::Webhook, Kind::DeployKey]));
    let covered: BTreeSet<Kind> = inv.coverage.iter().map(|c| c.kind).collect();
    assert_eq!(covered, families);
    // Nothing was asked of the token, variable or key lists.
    assert_eq!(sim.requests("/personal_access_tokens"), 0);
    assert_eq!(sim.requests("/variables"), 0);
    assert_eq!(sim.requests("/keys"), 0);
    sim.shutdown().await;
}
