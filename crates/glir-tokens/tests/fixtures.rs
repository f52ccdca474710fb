//! The synthetic fixtures of gitlab-api.md §2.3 and published example tokens (secrets.md §1).

use glir_tokens::{Family, IdentifyOptions, Layout, identify};

fn routing(pairs: &[(&str, u64)]) -> std::collections::BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

#[test]
fn v1_pat_decodes_org_and_user() {
    let id = identify(
        "glpat-paWlpaWlpaWlpaWlpaWlpW86MQp1OjE2CA.01.0y17pox0b",
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::PersonalAccessToken);
    assert_eq!(id.layout, Layout::RoutableV1);
    assert_eq!(id.prefix, "glpat-");
    assert!(id.structurally_valid, "{:?}", id.checks);
    assert!(id.checks.iter().any(|c| c == "CRC32 matches"));
    // base36 "16" = 42
    assert_eq!(id.routing, routing(&[("o", 1), ("u", 42)]));
}

#[test]
fn v0_pat_decodes_org_and_user() {
    let id = identify(
        "glpat-bzoxCnU6MTalpaWlpaWlpaWlpaWlpaWlEA.0y0vdz7og",
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::PersonalAccessToken);
    assert_eq!(id.layout, Layout::RoutableV0);
    assert!(id.structurally_valid, "{:?}", id.checks);
    assert_eq!(id.routing, routing(&[("o", 1), ("u", 42)]));
}

#[test]
fn v1_runner_decodes_org_project_type_user() {
    let id = identify(
        "glrt-paWlpaWlpaWlpaWlpaWlpW86MQpwOjcKdDozCnU6NQ8.01.170bjapf2",
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::RunnerAuthentication);
    assert_eq!(id.layout, Layout::RoutableV1);
    assert!(id.structurally_valid, "{:?}", id.checks);
    assert_eq!(
        id.routing,
        routing(&[("o", 1), ("p", 7), ("t", 3), ("u", 5)])
    );
}

#[test]
fn handbook_v0_without_prefix_decodes_org() {
    let id = identify(
        "bzoxd_Rb5_cHeWe1JH56wr2FCBA.0r1pum4t4",
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::Unknown);
    assert_eq!(id.layout, Layout::RoutableV0);
    assert_eq!(id.prefix, "");
    assert!(id.structurally_valid, "{:?}", id.checks);
    assert_eq!(id.routing, routing(&[("o", 1)]));
}

#[test]
fn crc_tampered_pat_is_invalid_but_still_decoded() {
    let id = identify(
        "glpat-paWlpaWlpaWlpaWlpaWlpW86MQp1OjE2CA.01.0y17pox0c",
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::PersonalAccessToken);
    assert_eq!(id.layout, Layout::RoutableV1);
    assert!(!id.structurally_valid);
    assert!(
        id.checks
            .iter()
            .any(|c| c == "CRC32 mismatch: the token was altered or mistyped")
    );
    assert_eq!(id.routing, routing(&[("o", 1), ("u", 42)]));
}

#[test]
fn published_examples_pass_or_fail_the_crc_as_tested_in_secrets_md() {
    let opts = IdentifyOptions::default();
    let kingfisher = identify("glpat-vSY1cyL948aAB440qB6L4zlu9OzsUmEV.01.0w0sfevch", &opts);
    let gitleaks = identify("glpat-bzox79Of-KE9FD2LjoXXF4CvyxA.0r03gxo7s", &opts);
    let trufflehog = identify(
        "glpat-3fZ1p5y4XWcCvMGVlfakeW86MQp1Oml3Ymg0Cw.01.1203afake",
        &opts,
    );
    assert!(kingfisher.structurally_valid, "{:?}", kingfisher.checks);
    assert!(gitleaks.structurally_valid, "{:?}", gitleaks.checks);
    assert!(!trufflehog.structurally_valid);
    // Kingfisher's example has a correct CRC over a payload GitLab's generator never made.
    assert!(kingfisher.routing.is_empty());
    assert!(kingfisher.checks.iter().any(|c| c.contains("length byte")));
    assert_eq!(gitleaks.routing, routing(&[("o", 1)]));
    // o:1, u:iwbh4 (base36)
    assert_eq!(
        trufflehog.routing,
        routing(&[("o", 1), ("u", u64::from_str_radix("iwbh4", 36).unwrap())])
    );
}
