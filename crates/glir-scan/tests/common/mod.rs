//! Token generators for the scan tests: glir-tokens' independent encoder of GitLab's routable
//! format and legacy bodies, plus bodies per family, JWT job tokens, placeholders and third-party
//! samples. Every value is generated, none is a real credential.
#![allow(dead_code)] // each test binary uses a different subset

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[path = "../../../glir-tokens/tests/common/mod.rs"]
mod tokens;

pub use tokens::{Rng, Version, friendly, hex, routable, tamper_last};

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const UPPER32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// An unsigned compact JWT with a fake signature.
pub fn jwt(claims: &serde_json::Value) -> String {
    let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "k1"});
    format!(
        "{}.{}.{}",
        part(&header),
        part(claims),
        URL_SAFE_NO_PAD.encode([7u8; 256])
    )
}

/// A planted token, its expected rule id and whether its structure is sound.
#[derive(Debug, Clone)]
pub struct Planted {
    pub rule: &'static str,
    pub token: String,
    pub valid: bool,
}

fn planted(rule: &'static str, token: String, valid: bool) -> Planted {
    Planted { rule, token, valid }
}

/// Tokens of every GitLab family and layout, plus CRC-tampered copies of the routable ones.
pub fn gitlab_tokens(seed: u64) -> Vec<Planted> {
    let mut rng = Rng::new(seed);
    let mut out = vec![
        planted(
            "gitlab-pat",
            format!("glpat-{}", friendly(&mut rng, 20)),
            true,
        ),
        planted(
            "gitlab-deploy-token",
            format!("gldt-{}", friendly(&mut rng, 20)),
            true,
        ),
        planted(
            "gitlab-runner-token",
            format!("glrt-{}", friendly(&mut rng, 20)),
            true,
        ),
        planted(
            "gitlab-runner-token-registered",
            format!("glrtr-{}", friendly(&mut rng, 20)),
            true,
        ),
        planted(
            "gitlab-runner-registration-token",
            format!("GR1348941{}", rng.pick(ALNUM, 20)),
            true,
        ),
        planted(
            "gitlab-ci-job-token",
            format!("glcbt-64_{}", rng.pick(ALNUM, 20)),
            true,
        ),
        planted(
            "gitlab-pipeline-trigger-token",
            format!("glptt-{}", hex(&mut rng, 20)),
            true,
        ),
        planted(
            "gitlab-feed-token",
            format!("glft-{}", rng.pick(ALNUM, 20)),
            true,
        ),
        planted(
            "gitlab-incoming-mail-token",
            format!("glimt-{}", rng.pick(ALNUM, 25)),
            true,
        ),
        planted(
            "gitlab-oauth-app-secret",
            format!("gloas-{}", hex(&mut rng, 32)),
            true,
        ),
        planted(
            "gitlab-agent-token",
            format!("glagent-{}", friendly(&mut rng, 50)),
            true,
        ),
        planted(
            "gitlab-scim-token",
            format!("glsoat-{}", rng.pick(ALNUM, 20)),
            true,
        ),
        planted(
            "gitlab-feature-flags-client-token",
            format!("glffct-{}", rng.pick(ALNUM, 20)),
            true,
        ),
        planted(
            "gitlab-session-cookie",
            format!("_gitlab_session={}", hex(&mut rng, 16)),
            true,
        ),
    ];
    let jwt_token = jwt(&serde_json::json!({
        "iss": "https://gitlab.example.com",
        "sub": "gid://gitlab/Ci::Build/4242",
        "aud": "gitlab-authz-token",
        "exp": 1_900_000_000u64,
        "iat": 1_800_000_000u64,
        "organization_id": "1",
        "scoped_user_id": "9",
    }));
    out.push(planted(
        "gitlab-ci-job-token",
        format!("glcbt-{jwt_token}"),
        true,
    ));
    let routing = [("o", 1u64), ("u", 123_456)];
    for version in [Version::V0, Version::V1] {
        for (rule, prefix, routing) in [
            ("gitlab-pat", "glpat-", &routing[..]),
            ("gitlab-runner-token", "glrt-t1_", &[("o", 1), ("t", 1)][..]),
            (
                "gitlab-runner-token",
                "glrt-t2_",
                &[("g", 77), ("o", 1), ("t", 2)][..],
            ),
            (
                "gitlab-runner-token",
                "glrt-t3_",
                &[("o", 1), ("p", 99), ("t", 3)][..],
            ),
            (
                "gitlab-runner-token-registered",
                "glrtr-t3_",
                &[("o", 1), ("p", 5), ("t", 3)][..],
            ),
            ("gitlab-workspace-token", "glwt-", &[("o", 1), ("u", 8)][..]),
        ] {
            // v0 tokens never carried a runner type; keep those payloads GitLab could emit.
            if version == Version::V0 && routing.iter().any(|(k, _)| *k == "t") {
                continue;
            }
            let token = routable(prefix, routing, rng.random16(), version);
            out.push(planted(rule, tamper_last(&token), false));
            out.push(planted(rule, token, true));
        }
    }
    out
}

/// Documentation placeholders no rule may report.
pub fn placeholders() -> Vec<&'static str> {
    vec![
        "glpat-xxxxxxxxxxxxxxxxxxxx",
        "glpat-<your_token>",
        "glpat-XXXXXXXXXXX-XXXXXXXX",
        "glrt-${RUNNER_TOKEN}",
        "glptt-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "gldt-****************************",
        "AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ]
}

/// Format-valid, obviously generated third-party secrets with their rule ids.
pub fn third_party(seed: u64) -> Vec<Planted> {
    let mut rng = Rng::new(seed);
    vec![
        planted(
            "aws-access-key-id",
            format!("AKIA{}", rng.pick(UPPER32, 16)),
            true,
        ),
        planted(
            "aws-access-key-id",
            format!("ASIA{}", rng.pick(UPPER32, 16)),
            true,
        ),
        planted("github-token", format!("ghp_{}", rng.pick(ALNUM, 36)), true),
        planted("github-token", format!("ghs_{}", rng.pick(ALNUM, 36)), true),
        planted(
            "github-fine-grained-pat",
            format!("github_pat_{}_{}", rng.pick(ALNUM, 22), rng.pick(ALNUM, 59)),
            true,
        ),
        planted(
            "slack-token",
            format!(
                "xoxb-{}-{}-{}",
                rng.pick(b"0123456789", 12),
                rng.pick(b"0123456789", 13),
                rng.pick(ALNUM, 24)
            ),
            true,
        ),
        planted(
            "slack-webhook-url",
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                rng.pick(UPPER32, 8),
                rng.pick(UPPER32, 8),
                rng.pick(ALNUM, 24)
            ),
            true,
        ),
        planted(
            "stripe-secret-key",
            format!("sk_live_{}", rng.pick(ALNUM, 24)),
            true,
        ),
        planted(
            "stripe-secret-key",
            format!("rk_live_{}", rng.pick(ALNUM, 24)),
            true,
        ),
    ]
}

/// An AWS secret access key body (40 base64-ish characters).
pub fn aws_secret(seed: u64) -> String {
    Rng::new(seed).pick(B64, 40)
}

/// A PEM private key block with a random body (not a real key).
pub fn pem_private_key(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let lines: Vec<String> = (0..8).map(|_| rng.pick(B64, 64)).collect();
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
        lines.join("\n")
    )
}

/// The findings the default rules make of `text`, as one file's plain scan gives them.
pub fn findings(text: &str) -> Vec<glir_scan::Finding> {
    use glir_scan::{Finding, Location, RuleOptions, RuleSet, Scanner};
    let scanner = Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap();
    let mut out = Vec::new();
    scanner.scan(text.as_bytes(), &mut |m| {
        let location = Location::File {
            path: "t".into(),
            line: m.line,
            column: m.column,
        };
        out.push(Finding::new(&m, location));
    });
    out
}

/// A routable personal access token with a valid CRC.
pub fn routable_pat(seed: u64) -> String {
    gitlab_tokens(seed)
        .into_iter()
        .find(|p| p.valid && p.rule == "gitlab-pat" && p.token.contains('.'))
        .expect("a routable PAT")
        .token
}

/// The findings of one file named `name` holding `content`, scanned as `glir scan DIR` does.
pub fn scan_one_file(name: &str, content: &[u8]) -> Vec<glir_scan::Finding> {
    use glir_scan::{PathOptions, RuleOptions, RuleSet, Scanner, scan_paths};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), content).unwrap();
    let scanner = Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap();
    let mut found = Vec::new();
    scan_paths(
        &scanner,
        &[dir.path().to_path_buf()],
        &PathOptions::default(),
        &mut |f, _| found.push(f),
    )
    .unwrap();
    found
}
