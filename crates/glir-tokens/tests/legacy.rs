//! Legacy bodies, runner partitions, job tokens, registration tokens and placeholders.

mod common;

use common::{Rng, friendly, hex, jwt};
use glir_tokens::{Family, IdentifyOptions, Layout, identify};
use serde_json::json;

fn legacy_samples(rng: &mut Rng) -> Vec<(String, Family)> {
    vec![
        (
            format!("glpat-{}", friendly(rng, 20)),
            Family::PersonalAccessToken,
        ),
        (format!("gldt-{}", friendly(rng, 20)), Family::DeployToken),
        (
            format!("glrt-{}", friendly(rng, 20)),
            Family::RunnerAuthentication,
        ),
        (
            format!("glrtr-{}", friendly(rng, 20)),
            Family::RunnerAuthenticationFromRegistration,
        ),
        (
            format!("GR1348941{}", friendly(rng, 20)),
            Family::RunnerRegistration,
        ),
        (format!("glptt-{}", hex(rng, 20)), Family::PipelineTrigger),
        (format!("glft-{}", friendly(rng, 20)), Family::FeedToken),
        (format!("glimt-{}", friendly(rng, 25)), Family::IncomingMail),
        (format!("gloas-{}", hex(rng, 32)), Family::OauthAppSecret),
        (
            format!("glagent-{}", friendly(rng, 50)),
            Family::ClusterAgent,
        ),
        (format!("glsoat-{}", friendly(rng, 20)), Family::ScimToken),
        (
            format!("glffct-{}", friendly(rng, 20)),
            Family::FeatureFlagsClient,
        ),
        (
            format!("_gitlab_session={}", hex(rng, 16)),
            Family::GitlabSession,
        ),
    ]
}

#[test]
fn legacy_tokens_of_every_family() {
    for seed in 0..50 {
        let mut rng = Rng::new(seed);
        for (token, family) in legacy_samples(&mut rng) {
            let id = identify(&token, &IdentifyOptions::default());
            assert_eq!(id.family, family, "seed {seed}");
            assert_eq!(id.layout, Layout::Legacy, "{family:?}");
            assert!(id.structurally_valid, "{family:?}: {:?}", id.checks);
            assert!(!id.checks.iter().any(|c| c.contains("l/I/O/0")));

            let short = identify(&token[..token.len() - 1], &IdentifyOptions::default());
            assert!(!short.structurally_valid, "{family:?} one character short");
        }
    }
}

#[test]
fn hex_families_reject_other_alphabets() {
    let id = identify(
        &format!("glptt-{}", "Zz".repeat(20)),
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::PipelineTrigger);
    assert!(!id.structurally_valid);
}

#[test]
fn characters_devise_never_emits_are_reported() {
    let id = identify("glpat-Ab3dEf5hIj7kMn9pQr0t", &IdentifyOptions::default());
    assert!(id.structurally_valid);
    assert!(
        id.checks
            .iter()
            .any(|c| c.starts_with("contains l/I/O/0, which GitLab's generator never emits"))
    );
}

#[test]
fn runner_partitions_t1_t2_t3() {
    let mut rng = Rng::new(7);
    for runner_type in 1..=3u8 {
        for prefix in ["glrt-", "glrtr-"] {
            let token = format!("{prefix}t{runner_type}_{}", friendly(&mut rng, 20));
            let id = identify(&token, &IdentifyOptions::default());
            assert_eq!(id.layout, Layout::RunnerPartition { runner_type });
            assert_eq!(id.prefix, prefix);
            assert!(id.structurally_valid, "{:?}", id.checks);
        }
    }
    // t4_ is no partition, so the body is just too long for a legacy token.
    let id = identify(
        &format!("glrt-t4_{}", friendly(&mut rng, 20)),
        &IdentifyOptions::default(),
    );
    assert_eq!(id.layout, Layout::Legacy);
    assert!(!id.structurally_valid);
}

#[test]
fn job_token_database_form() {
    let mut rng = Rng::new(11);
    let id = identify(
        &format!("glcbt-64_{}", friendly(&mut rng, 20)),
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::CiJobToken);
    assert_eq!(id.layout, Layout::JobTokenDb { partition_id: 100 });
    assert!(id.structurally_valid, "{:?}", id.checks);

    let bad = identify(
        &format!("glcbt-xyz_{}", friendly(&mut rng, 20)),
        &IdentifyOptions::default(),
    );
    assert!(!bad.structurally_valid);
}

#[test]
fn job_token_jwt_claims_are_decoded() {
    let header = json!({"alg": "RS256", "kid": "key-1", "typ": "JWT"});
    let claims = json!({
        "iss": "gitlab.example.com",
        "sub": "gid://gitlab/Ci::Build/123456",
        "aud": "gitlab-authz-token",
        "exp": 4_102_444_800_i64,
        "iat": 4_102_441_000_i64,
        "version": "0.1.0",
        "o": "1", "p": "2s", "u": "a",
        "scoped_user_id": 77,
    });
    let id = identify(
        &format!("glcbt-{}", jwt(&header, &claims)),
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::CiJobToken);
    assert_eq!(id.layout, Layout::JobTokenJwt);
    assert!(id.structurally_valid, "{:?}", id.checks);
    let decoded = id.jwt.expect("claims");
    assert_eq!(decoded.iss.as_deref(), Some("gitlab.example.com"));
    assert_eq!(decoded.job_id, Some(123_456));
    assert_eq!(decoded.project_id, Some(100)); // base36 "2s"
    assert_eq!(decoded.aud, vec!["gitlab-authz-token".to_string()]);
    assert_eq!(decoded.exp, Some(4_102_444_800));
    assert_eq!(decoded.alg.as_deref(), Some("RS256"));
    assert_eq!(decoded.scoped_user_id, Some(77));
    assert_eq!(id.routing.get("u"), Some(&10));
    assert!(id.checks.iter().any(|c| c.starts_with("not yet expired")));

    let expired =
        json!({"sub": "gid://gitlab/Ci::Build/9", "aud": ["gitlab-authz-token"], "exp": 1_000});
    let id = identify(
        &format!("acme-glcbt-{}", jwt(&header, &expired)),
        &IdentifyOptions::default(),
    );
    assert_eq!(id.prefix, "acme-glcbt-");
    assert_eq!(id.jwt.and_then(|c| c.job_id), Some(9));
    assert!(id.checks.iter().any(|c| c.starts_with("expired")));
}

#[test]
fn jwt_without_a_job_subject_is_not_well_formed() {
    let header = json!({"alg": "none"});
    let claims = json!({"sub": "user-1"});
    let id = identify(
        &format!("glcbt-{}", jwt(&header, &claims)),
        &IdentifyOptions::default(),
    );
    assert_eq!(id.layout, Layout::JobTokenJwt);
    assert!(!id.structurally_valid);
    assert!(id.checks.iter().any(|c| c.contains("not RS256")));
}

#[test]
fn documentation_placeholders_are_not_tokens() {
    for placeholder in [
        "glpat-xxxxxxxxxxxxxxxxxxxx",
        "glpat-<your_token>",
        "glpat-XXXXXXXXXXX-XXXXXXXX",
        "GR1348941XXXXXXXXXXXXXXXXXXXX",
        "glrt-${RUNNER_TOKEN}",
    ] {
        let id = identify(placeholder, &IdentifyOptions::default());
        assert!(!id.structurally_valid, "{placeholder}");
        assert!(
            id.checks.iter().any(|c| c.starts_with("placeholder")),
            "{placeholder}: {:?}",
            id.checks
        );
    }
}

#[test]
fn per_feed_token_names_the_user() {
    let mut rng = Rng::new(3);
    let id = identify(
        &format!("glft-{}-42", hex(&mut rng, 32)),
        &IdentifyOptions::default(),
    );
    assert_eq!(id.family, Family::FeedToken);
    assert!(id.structurally_valid);
    assert!(id.checks.iter().any(|c| c == "per-feed token of user 42"));
}

#[test]
fn unknown_strings_are_unknown() {
    let id = identify("hunter2-not-a-token", &IdentifyOptions::default());
    assert_eq!(id.family, Family::Unknown);
    assert!(!id.structurally_valid);
}
