//! Offline catalogue of GitLab tokens: which family and layout a token has, whether it is
//! structurally sound (base36 CRC32 for routable tokens), and what its routing payload or JWT
//! claims reveal. No field ever holds the secret itself, only its redacted form and fingerprint.

mod base36;
mod candidates;
mod family;
mod jwt;
mod routable;
mod shape;
mod show;

use std::collections::BTreeMap;

use serde::Serialize;

pub use candidates::candidates;
pub use family::{Family, PREFIXES};
pub use jwt::JwtClaims;
pub use shape::{has_placeholder_word, is_filler};
pub use show::{fingerprint, redact};

/// Instance settings that change how tokens are prefixed.
#[derive(Debug, Clone, Default)]
pub struct IdentifyOptions {
    /// The instance's `personal_access_token_prefix`, when it is not `glpat-`.
    pub custom_pat_prefix: Option<String>,
    /// The instance-wide `instance_token_prefix` (with or without its trailing `-`).
    pub instance_prefix: Option<String>,
}

/// How a token's body is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Layout {
    /// Prefix followed by a random string.
    Legacy,
    /// Routable without version field: `<b64>.<len><crc>`.
    RoutableV0,
    /// Routable version 1: `<b64>.01.<len><crc>`.
    RoutableV1,
    /// Runner token with a `t1_`/`t2_`/`t3_` partition (1 instance, 2 group, 3 project).
    RunnerPartition {
        /// The digit after `t`.
        runner_type: u8,
    },
    /// Job token stored in the database: `glcbt-<partition hex>_<20>`.
    JobTokenDb {
        /// `ci_builds` partition the job lives in.
        partition_id: u64,
    },
    /// Job token that is an RS256 JWT.
    JobTokenJwt,
    /// Anything else (unknown, placeholder, per-feed token).
    Other,
}

/// Everything `identify` can say about a token offline.
#[derive(Debug, Clone, Serialize)]
pub struct Identification {
    /// Token family.
    pub family: Family,
    /// Body layout.
    pub layout: Layout,
    /// The prefix as it appears in the token, e.g. `glpat-` or `acme-glpat-`.
    pub prefix: String,
    /// Length and alphabet fit the family; for routable tokens the CRC matches too.
    pub structurally_valid: bool,
    /// Findings in plain words.
    pub checks: Vec<String>,
    /// Decoded routing payload or JWT routing claims (`c g o p u t`).
    pub routing: BTreeMap<String, u64>,
    /// JWT claims of a JWT job token, decoded without verification.
    pub jwt: Option<JwtClaims>,
    /// [`redact`] of the token.
    pub redacted: String,
    /// [`fingerprint`] of the token.
    pub fingerprint: String,
}

/// Identify a token offline. Surrounding whitespace (a newline from stdin) is ignored.
pub fn identify(token: &str, opts: &IdentifyOptions) -> Identification {
    let token = token.trim();
    let mut id = Identification {
        family: Family::Unknown,
        layout: Layout::Other,
        prefix: String::new(),
        structurally_valid: false,
        checks: Vec::new(),
        routing: BTreeMap::new(),
        jwt: None,
        redacted: redact(token),
        fingerprint: fingerprint(token),
    };
    let matched = family::match_prefix(
        token,
        opts.custom_pat_prefix.as_deref(),
        opts.instance_prefix.as_deref(),
    );
    let Some(matched) = matched else {
        unprefixed(token, &mut id);
        return id;
    };
    id.family = matched.family;
    id.prefix = token[..matched.len].to_string();
    id.checks.push(matched.family.describe().to_string());
    id.checks.extend(matched.note);
    let body = &token[matched.len..];
    // A routable body (it has `.` separators) proves itself by its CRC instead.
    if shape::is_placeholder(body) || (!body.contains('.') && shape::has_placeholder_word(body)) {
        id.checks.push(format!(
            "placeholder ({}xxxx… or {}<your_token>): a documentation example, not a token",
            id.prefix, id.prefix
        ));
        return id;
    }
    match matched.family {
        Family::CiJobToken => job_token(body, &mut id),
        Family::RunnerAuthentication | Family::RunnerAuthenticationFromRegistration => {
            runner_token(token, body, &mut id);
        }
        Family::FeedToken if per_feed_token(body, &mut id) => {}
        _ => routable_or_legacy(token, body, &id.prefix.clone(), &mut id),
    }
    id
}

/// No known prefix: only a routable token (CRC and all) says anything, e.g. the handbook's
/// prefix-less example or a fully custom PAT prefix nobody configured.
fn unprefixed(token: &str, id: &mut Identification) {
    id.checks.push("no known GitLab token prefix".to_string());
    if !token.contains('.') {
        return;
    }
    if let Ok(parsed) = routable::parse(token) {
        if !parsed.prefix.is_empty() {
            id.checks.push(format!(
                "routable token with unknown prefix {:?}: possibly a custom PAT prefix",
                parsed.prefix
            ));
        }
        id.prefix = parsed.prefix.clone();
        apply_routable(parsed, id);
    }
}

fn routable_or_legacy(token: &str, body: &str, expected_prefix: &str, id: &mut Identification) {
    if body.contains('.') {
        id.layout = Layout::Other;
        match routable::parse(token) {
            Ok(parsed) => {
                if !id.family.issues_routable() {
                    id.checks
                        .push("GitLab does not issue routable tokens for this family".to_string());
                }
                let prefix_agrees = parsed.prefix == expected_prefix;
                if !prefix_agrees {
                    id.checks.push(
                        "the length field does not end where the prefix does: altered or mistyped"
                            .to_string(),
                    );
                }
                let crc_ok = apply_routable(parsed, id);
                id.structurally_valid = crc_ok && prefix_agrees;
            }
            Err(error) => id.checks.push(error.to_string()),
        }
        return;
    }
    id.layout = Layout::Legacy;
    match shape::legacy_shape(id.family) {
        Some(expected) => id.structurally_valid = shape::check(body, expected, &mut id.checks),
        None => id
            .checks
            .push("this family only has a routable layout".to_string()),
    }
}

/// Record a parsed routable token; returns whether the CRC matched.
fn apply_routable(parsed: routable::Routable, id: &mut Identification) -> bool {
    id.layout = match parsed.version {
        routable::Version::V0 => Layout::RoutableV0,
        routable::Version::V1 => Layout::RoutableV1,
    };
    id.checks.push(if parsed.crc_matches {
        "CRC32 matches".to_string()
    } else {
        "CRC32 mismatch: the token was altered or mistyped".to_string()
    });
    id.checks.extend(parsed.notes);
    id.routing = parsed.routing;
    id.structurally_valid = parsed.crc_matches;
    parsed.crc_matches
}

/// `glrt-`/`glrtr-`: routable, `t1_`–`t3_` partitioned (`LEGACY_RUNNER_PARTITION_PREFIXES` in
/// `lib/authn/tokens/runner_authentication_token.rb`) or plain legacy.
fn runner_token(token: &str, body: &str, id: &mut Identification) {
    let partition = body
        .strip_prefix('t')
        .and_then(|rest| rest.as_bytes().first().copied().zip(rest.get(1..)))
        .filter(|(digit, rest)| matches!(digit, b'1'..=b'3') && rest.starts_with('_'));
    let Some((digit, _)) = partition else {
        let prefix = id.prefix.clone();
        routable_or_legacy(token, body, &prefix, id);
        return;
    };
    let runner_type = digit - b'0';
    let expected = format!("{}t{runner_type}_", id.prefix);
    routable_or_legacy(token, &body[3..], &expected, id);
    let routable = matches!(id.layout, Layout::RoutableV0 | Layout::RoutableV1);
    if routable {
        let version = if id.layout == Layout::RoutableV1 {
            "v1"
        } else {
            "v0"
        };
        id.checks.push(format!("routable {version} payload"));
    }
    id.checks.push(
        match runner_type {
            1 => "instance runner (t1_)",
            2 => "group runner (t2_)",
            _ => "project runner (t3_)",
        }
        .to_string(),
    );
    if let Some(t) = id.routing.get("t")
        && *t != u64::from(runner_type)
    {
        id.checks
            .push("routing runner type disagrees with the t<n>_ partition".to_string());
        id.structurally_valid = false;
    }
    id.layout = Layout::RunnerPartition { runner_type };
}

/// `glcbt-<partition_id hex>_<20>` (`Ci::Build#prefix_and_partition_for_token`) or a JWT.
fn job_token(body: &str, id: &mut Identification) {
    if jwt::looks_like_jwt(body) {
        id.layout = Layout::JobTokenJwt;
        match jwt::decode(body) {
            Some(decoded) => {
                id.checks.extend(decoded.checks);
                id.routing = decoded.routing;
                id.jwt = Some(decoded.claims);
                id.structurally_valid = decoded.well_formed;
            }
            None => id
                .checks
                .push("JWT header or payload is not base64url JSON".to_string()),
        }
        return;
    }
    let Some((partition, random)) = body.split_once('_') else {
        id.layout = Layout::Legacy;
        id.checks.push(
            "no <partition>_ part: expected glcbt-<hex>_<20 characters> or a JWT".to_string(),
        );
        return;
    };
    let partition_id = (1..=5)
        .contains(&partition.len())
        .then(|| u64::from_str_radix(partition, 16).ok())
        .flatten()
        .filter(|_| partition.bytes().all(|b| b.is_ascii_hexdigit()));
    match partition_id {
        Some(partition_id) => {
            id.layout = Layout::JobTokenDb { partition_id };
            id.checks
                .push(format!("job in ci_builds partition {partition_id}"));
            if let Some(expected) = shape::legacy_shape(Family::CiJobToken) {
                id.structurally_valid = shape::check(random, expected, &mut id.checks);
            }
        }
        None => id
            .checks
            .push("partition id is not 1–5 hex digits".to_string()),
    }
}

/// Shorter than any HMAC hex digest, so a 20-character legacy body never passes as per-feed.
const MIN_FEED_DIGEST: usize = 32;

/// Per-feed tokens `glft-<hex digest>-<user id>` (`secret_detection_patterns.js`); false when
/// `body` is not one, so the plain 20-character form gets checked instead.
fn per_feed_token(body: &str, id: &mut Identification) -> bool {
    let Some((digest, user)) = body.rsplit_once('-') else {
        return false;
    };
    let hex = digest.len() >= MIN_FEED_DIGEST && digest.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(user_id) = user.parse::<u64>().ok().filter(|_| hex) else {
        return false;
    };
    id.layout = Layout::Other;
    id.structurally_valid = true;
    id.checks.push(format!("per-feed token of user {user_id}"));
    true
}
