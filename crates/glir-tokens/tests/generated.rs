//! Round-trips of routable tokens built by an independent encoder (tests/common).

mod common;

use std::collections::BTreeMap;

use common::{Version, routable, tamper_last};
use glir_tokens::{Family, IdentifyOptions, Layout, identify};
use proptest::prelude::*;

const ROUTABLE_FAMILIES: &[(&str, Family)] = &[
    ("glpat-", Family::PersonalAccessToken),
    ("glrt-", Family::RunnerAuthentication),
    ("glrtr-", Family::RunnerAuthenticationFromRegistration),
    ("glwt-", Family::WorkspaceToken),
];

fn routing_strategy() -> impl Strategy<Value = BTreeMap<&'static str, u64>> {
    (
        any::<u64>(),
        proptest::collection::btree_map(
            prop::sample::select(vec!["c", "g", "p", "u", "t"]),
            any::<u64>(),
            0..5,
        ),
    )
        .prop_map(|(org, mut rest)| {
            rest.insert("o", org);
            rest
        })
}

fn expected(routing: &BTreeMap<&str, u64>) -> BTreeMap<String, u64> {
    routing
        .iter()
        .map(|(k, v)| ((*k).to_string(), *v))
        .collect()
}

fn pairs(routing: &BTreeMap<&'static str, u64>) -> Vec<(&'static str, u64)> {
    routing.iter().map(|(k, v)| (*k, *v)).collect()
}

proptest! {
    #[test]
    fn every_routable_family_round_trips(
        family in 0..ROUTABLE_FAMILIES.len(),
        routing in routing_strategy(),
        random in any::<[u8; 16]>(),
        v1 in any::<bool>(),
        instance in proptest::option::of("[a-z][a-z0-9]{1,10}"),
    ) {
        let (prefix, family) = ROUTABLE_FAMILIES[family];
        let version = if v1 { Version::V1 } else { Version::V0 };
        let full_prefix = match &instance {
            Some(instance) => format!("{instance}-{prefix}"),
            None => prefix.to_string(),
        };
        let token = routable(&full_prefix, &pairs(&routing), random, version);
        let id = identify(&token, &IdentifyOptions::default());
        prop_assert_eq!(id.family, family);
        prop_assert_eq!(id.layout, if v1 { Layout::RoutableV1 } else { Layout::RoutableV0 });
        prop_assert_eq!(&id.prefix, &full_prefix);
        prop_assert!(id.structurally_valid, "{:?}", id.checks);
        prop_assert_eq!(&id.routing, &expected(&routing));
        if let Some(instance) = &instance {
            prop_assert!(id.checks.iter().any(|c| c.contains(instance.as_str())));
        }

        let tampered = identify(&tamper_last(&token), &IdentifyOptions::default());
        prop_assert!(!tampered.structurally_valid);
        prop_assert!(tampered.checks.iter().any(|c| c.starts_with("CRC32 mismatch")));
    }

    #[test]
    fn any_single_change_after_the_prefix_is_caught(
        routing in routing_strategy(),
        random in any::<[u8; 16]>(),
        position in any::<prop::sample::Index>(),
        replacement in prop::sample::select(
            "abcxyzABCXYZ0189-_.".chars().collect::<Vec<_>>()
        ),
    ) {
        let token = routable("glpat-", &pairs(&routing), random, Version::V1);
        let mut chars: Vec<char> = token.chars().collect();
        let at = "glpat-".len() + position.index(chars.len() - "glpat-".len());
        prop_assume!(chars[at] != replacement);
        chars[at] = replacement;
        let changed: String = chars.into_iter().collect();
        prop_assert!(!identify(&changed, &IdentifyOptions::default()).structurally_valid);
    }
}

#[test]
fn configured_instance_prefix_is_named_without_warning() {
    let token = routable("acme-glpat-", &[("o", 1), ("u", 7)], [3; 16], Version::V1);
    let opts = IdentifyOptions {
        instance_prefix: Some("acme".into()),
        ..IdentifyOptions::default()
    };
    let id = identify(&token, &opts);
    assert_eq!(id.prefix, "acme-glpat-");
    assert!(id.structurally_valid);
    assert!(
        id.checks
            .iter()
            .any(|c| c == "instance-wide prefix \"acme\"")
    );

    let other = IdentifyOptions {
        instance_prefix: Some("corp-".into()),
        ..IdentifyOptions::default()
    };
    let id = identify(&token, &other);
    assert_eq!(id.family, Family::PersonalAccessToken);
    assert!(
        id.checks
            .iter()
            .any(|c| c.contains("not the configured \"corp\""))
    );
}

#[test]
fn instance_prefixed_oauth_secret_is_recognised() {
    let secret = format!("instanceprefix-gloas-{}", "ab12".repeat(16));
    let id = identify(&secret, &IdentifyOptions::default());
    assert_eq!(id.family, Family::OauthAppSecret);
    assert_eq!(id.prefix, "instanceprefix-gloas-");
    assert!(id.structurally_valid, "{:?}", id.checks);
}

#[test]
fn custom_pat_prefix_routable_and_unconfigured() {
    let token = routable("mycorp_", &[("o", 1), ("u", 99)], [9; 16], Version::V1);
    let opts = IdentifyOptions {
        custom_pat_prefix: Some("mycorp_".into()),
        ..IdentifyOptions::default()
    };
    let id = identify(&token, &opts);
    assert_eq!(id.family, Family::PersonalAccessToken);
    assert_eq!(id.prefix, "mycorp_");
    assert!(id.structurally_valid, "{:?}", id.checks);
    assert_eq!(id.routing.get("u"), Some(&99));

    // Without the setting the CRC still holds, but the family stays unknown.
    let id = identify(&token, &IdentifyOptions::default());
    assert_eq!(id.family, Family::Unknown);
    assert_eq!(id.prefix, "mycorp_");
    assert!(id.structurally_valid);
    assert!(id.checks.iter().any(|c| c.contains("custom PAT prefix")));
}

#[test]
fn partitioned_routable_runner_tokens_report_type_and_payload() {
    for runner_type in 1..=3u8 {
        let prefix = format!("glrt-t{runner_type}_");
        let routing = [("o", 1), ("p", 12), ("t", u64::from(runner_type))];
        let token = routable(&prefix, &routing, [1; 16], Version::V0);
        let id = identify(&token, &IdentifyOptions::default());
        assert_eq!(id.layout, Layout::RunnerPartition { runner_type });
        assert!(id.structurally_valid, "{:?}", id.checks);
        assert_eq!(id.routing.get("p"), Some(&12));
        assert!(id.checks.iter().any(|c| c == "routable v0 payload"));
    }
    let disagreeing = routable("glrt-t2_", &[("o", 1), ("t", 3)], [1; 16], Version::V1);
    let id = identify(&disagreeing, &IdentifyOptions::default());
    assert!(!id.structurally_valid);
    assert!(id.checks.iter().any(|c| c.contains("disagrees")));
}

#[test]
fn routable_layout_on_a_legacy_only_family_is_flagged() {
    let token = routable("gldt-", &[("o", 1)], [5; 16], Version::V1);
    let id = identify(&token, &IdentifyOptions::default());
    assert_eq!(id.family, Family::DeployToken);
    assert!(
        id.checks
            .iter()
            .any(|c| c.contains("does not issue routable"))
    );
}
