//! Answers worked out from facts given by hand: the cases the simulator does not stage
//! (GitLab.com, a known tier below the one needed, a subgroup, public jobs).

use glir_probe::facts::{AuditReach, Caller, Membership, TierSeen, Version};
use glir_probe::{
    Answer, Deployment, Facts, Known, REQUIREMENTS, Requirement, Tier, TokenInfo, answer,
};

fn row(name: &str) -> &'static Requirement {
    REQUIREMENTS
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no requirement {name}"))
}

/// An Owner of `acme` (Developer of `acme/app`) with an `api` token on a Premium 17.9 instance.
fn facts() -> Facts {
    Facts {
        url: "https://gitlab.example.test/".into(),
        unreachable: None,
        deployment: Deployment::SelfManaged,
        version: Known::Known(Version::parse("17.9.2-ee").unwrap()),
        enterprise: Known::Known(true),
        caller: Known::Known(Caller {
            id: 7,
            username: "ops".into(),
            is_admin: false,
        }),
        token: Known::Known(TokenInfo {
            name: "ops".into(),
            scopes: vec!["api".into()],
            expires_at: None,
            active: true,
        }),
        tier: Known::Known(TierSeen {
            tier: Tier::Premium,
            floor_only: None,
            of: "instance".into(),
        }),
        group: Some(Membership {
            path: "acme".into(),
            level: Known::Known(Some(50)),
        }),
        project: Some(Membership {
            path: "acme/app".into(),
            level: Known::Known(Some(30)),
        }),
        audit: AuditReach::default(),
    }
}

#[test]
fn a_known_tier_below_the_one_needed_is_a_no_that_names_both() {
    let c = answer(&facts(), row("audit event stream of a group"));
    assert_eq!(c.answer, Answer::No, "{c:?}");
    assert!(
        c.reason.starts_with("needs Ultimate (instance is Premium)"),
        "{c:?}"
    );
    assert!(c.reason.contains("streaming destination"), "{c:?}");

    let mut ultimate = facts();
    ultimate.tier = Known::Known(TierSeen {
        tier: Tier::Ultimate,
        floor_only: None,
        of: "instance".into(),
    });
    assert_eq!(
        answer(&ultimate, row("audit event stream of a group")).answer,
        Answer::Yes
    );
}

#[test]
fn a_tier_known_only_as_a_floor_leaves_higher_tiers_unknown() {
    let mut f = facts();
    f.tier = Known::Known(TierSeen {
        tier: Tier::Premium,
        floor_only: Some("the audit events API answered".into()),
        of: "instance".into(),
    });
    let c = answer(&f, row("audit event stream of a group"));
    assert_eq!(c.answer, Answer::Unknown, "{c:?}");
    assert!(c.reason.contains("Premium or above"), "{c:?}");
    assert_eq!(
        answer(&f, row("delete a group webhook, or make it verify TLS")).answer,
        Answer::Yes
    );
}

#[test]
fn gitlab_com_offers_no_instance_features() {
    let mut f = facts();
    f.deployment = Deployment::GitlabCom;
    f.caller = Known::Known(Caller {
        id: 1,
        username: "root".into(),
        is_admin: true,
    });
    let c = answer(&f, row("instance audit events"));
    assert_eq!(c.answer, Answer::No);
    assert!(c.reason.contains("not offered on GitLab.com"), "{c:?}");
    // Group features are the group's.
    assert_eq!(answer(&f, row("group audit events")).answer, Answer::Yes);
}

#[test]
fn streams_live_on_top_level_groups_only() {
    let mut f = facts();
    f.tier = Known::Known(TierSeen {
        tier: Tier::Ultimate,
        floor_only: None,
        of: "acme".into(),
    });
    f.group = Some(Membership {
        path: "acme/platform".into(),
        level: Known::Known(Some(50)),
    });
    let c = answer(&f, row("audit event stream of a group"));
    assert_eq!(c.answer, Answer::No);
    assert!(
        c.reason
            .contains("needs a top-level group (acme/platform is a subgroup)"),
        "{c:?}"
    );
}

#[test]
fn public_jobs_make_a_short_role_unknown_not_no() {
    let mut f = facts();
    f.project = Some(Membership {
        path: "acme/app".into(),
        level: Known::Known(None),
    });
    let logs = answer(&f, row("CI job logs"));
    assert_eq!(logs.answer, Answer::Unknown, "{logs:?}");
    assert!(
        logs.reason.contains("unless its jobs are public"),
        "{logs:?}"
    );
    // Without such an exception the same shortfall is a no.
    let vars = answer(&f, row("project CI/CD variables"));
    assert_eq!(vars.answer, Answer::No, "{vars:?}");
    assert!(vars.reason.contains("you are not a member"), "{vars:?}");
}

#[test]
fn every_missing_thing_is_named_and_a_flag_is_never_a_yes() {
    let mut f = facts();
    f.token = Known::Known(TokenInfo {
        name: "ro".into(),
        scopes: vec!["read_api".into()],
        expires_at: None,
        active: true,
    });
    let c = answer(&f, row("set a project's visibility"));
    assert_eq!(c.answer, Answer::No);
    assert_eq!(
        c.reason,
        "needs Owner of acme/app (you are Developer); needs the `api` scope (token has read_api)"
    );
    f.caller = Known::Known(Caller {
        id: 1,
        username: "root".into(),
        is_admin: true,
    });
    f.token = facts().token;
    let c = answer(&f, row("revoke any token through the admin token API"));
    assert_eq!(c.answer, Answer::Unknown, "{c:?}");
    assert!(c.reason.contains("api_admin_token_revoke"), "{c:?}");
}

#[test]
fn the_json_names_what_each_capability_needs() {
    let c = answer(&facts(), row("rotate a personal access token"));
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["command"], "apply");
    assert_eq!(v["scope"], "instance");
    assert_eq!(v["answer"], "no");
    assert_eq!(v["needs"]["role"], "admin");
    assert_eq!(v["needs"]["token_scope"], "api");
    assert_eq!(v["needs"]["admin_mode_scope"], true);
    assert_eq!(v["needs"]["since"], "16.0");
    assert_eq!(v["actions"][0], "rotate_personal_access_token");
}
