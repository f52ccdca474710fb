//! `glcbt-` + RS256 JWT job tokens (gitlab-api.md §2.4; `lib/ci/job_token/jwt.rb`), decoded
//! without verifying the signature: offline we only want to know which job and project it names.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::base36;

/// `Ci::Build` GlobalIDs in `sub`.
const BUILD_GID: &str = "gid://gitlab/Ci::Build/";
/// `aud` GitLab sets on job tokens.
const AUDIENCE: &str = "gitlab-authz-token";
/// Routing claims, base36 like the routable payload.
const ROUTING_CLAIMS: &[&str] = &["c", "g", "o", "p", "u"];

/// Claims of a JWT job token, decoded WITHOUT signature verification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JwtClaims {
    /// Header `alg` (GitLab signs with RS256).
    pub alg: Option<String>,
    /// Header `kid`, the signing key's id.
    pub kid: Option<String>,
    /// Issuer: the GitLab host.
    pub iss: Option<String>,
    /// Subject: the build's GlobalID.
    pub sub: Option<String>,
    /// Audience(s).
    pub aud: Vec<String>,
    /// Expiry, Unix seconds.
    pub exp: Option<i64>,
    /// Issued at, Unix seconds.
    pub iat: Option<i64>,
    /// Claim format `version` (0.1.0).
    pub version: Option<String>,
    /// Job id from `sub`.
    pub job_id: Option<u64>,
    /// Project id from the `p` routing claim.
    pub project_id: Option<u64>,
    /// `scoped_user_id`, when the job runs on behalf of another user.
    pub scoped_user_id: Option<u64>,
}

/// A decoded job token: claims, routing claims and plain-words findings.
pub(crate) struct Decoded {
    pub claims: JwtClaims,
    pub routing: BTreeMap<String, u64>,
    pub checks: Vec<String>,
    pub well_formed: bool,
}

/// Whether `body` looks like a compact JWT (`eyJ….eyJ….sig`).
pub(crate) fn looks_like_jwt(body: &str) -> bool {
    body.starts_with("eyJ") && body.split('.').count() == 3
}

/// Decode header and payload of a compact JWT; `None` when either is not a JSON object.
pub(crate) fn decode(body: &str) -> Option<Decoded> {
    let mut parts = body.split('.');
    let header = json_object(parts.next()?)?;
    let payload = json_object(parts.next()?)?;
    let signature = parts.next()?;
    let signature_ok = !signature.is_empty() && URL_SAFE_NO_PAD.decode(signature).is_ok();

    let text = |map: &Map<String, Value>, key: &str| {
        map.get(key).and_then(Value::as_str).map(str::to_string)
    };
    let sub = text(&payload, "sub");
    let mut routing = BTreeMap::new();
    let mut checks = vec!["JWT decoded without verifying its signature".to_string()];
    for key in ROUTING_CLAIMS {
        match payload.get(*key).and_then(Value::as_str).map(base36::parse) {
            Some(Some(value)) => {
                routing.insert((*key).to_string(), value);
            }
            Some(None) => checks.push(format!("routing claim {key:?} is not base36")),
            None => {}
        }
    }
    let claims = JwtClaims {
        alg: text(&header, "alg"),
        kid: text(&header, "kid"),
        iss: text(&payload, "iss"),
        job_id: sub
            .as_deref()
            .and_then(|s| s.strip_prefix(BUILD_GID))
            .and_then(|id| id.parse().ok()),
        sub,
        aud: match payload.get("aud") {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        },
        exp: payload.get("exp").and_then(Value::as_i64),
        iat: payload.get("iat").and_then(Value::as_i64),
        version: text(&payload, "version"),
        project_id: routing.get("p").copied(),
        scoped_user_id: payload.get("scoped_user_id").and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }),
    };
    findings(&claims, signature_ok, &mut checks);
    let well_formed = signature_ok && claims.job_id.is_some();
    Some(Decoded {
        claims,
        routing,
        checks,
        well_formed,
    })
}

fn json_object(segment: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn findings(claims: &JwtClaims, signature_ok: bool, checks: &mut Vec<String>) {
    if !signature_ok {
        checks.push("the signature segment is empty or not base64url".to_string());
    }
    if claims.alg.as_deref() != Some("RS256") {
        checks.push("header alg is not RS256, which GitLab uses for job tokens".to_string());
    }
    match claims.job_id {
        Some(job) => checks.push(format!("names CI job {job}")),
        None => checks.push(format!("sub is not a {BUILD_GID}<id> job id")),
    }
    if !claims.aud.iter().any(|a| a == AUDIENCE) {
        checks.push(format!("aud does not include {AUDIENCE:?}"));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    match claims.exp {
        Some(exp) if exp <= now => {
            checks.push("expired (exp has passed): GitLab no longer accepts it".to_string());
        }
        Some(_) => checks.push("not yet expired: cancel the job to end it early".to_string()),
        None => checks.push("no exp claim".to_string()),
    }
}
