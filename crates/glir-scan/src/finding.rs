//! Findings: what a match becomes once it has a location. Only the redacted secret and its
//! fingerprint are kept; the plaintext stays in [`RawMatch`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::decode::Encoding;
use crate::engine::RawMatch;
use crate::rules::Confidence;

/// Where a finding was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// A file on disk.
    File {
        /// Path as walked.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based byte column.
        column: usize,
    },
    /// A blob in git history, at the commit that introduced it.
    Git {
        /// Commit id.
        commit: String,
        /// Author name.
        author: String,
        /// Author email.
        email: String,
        /// Commit date (RFC 3339).
        date: String,
        /// Path of the blob in that commit.
        path: String,
        /// 1-based line.
        line: usize,
    },
    /// A CI job log.
    JobLog {
        /// Project path or id.
        project: String,
        /// Job id.
        job_id: u64,
        /// Job name.
        job_name: String,
        /// Pipeline id.
        pipeline_id: u64,
        /// Stage.
        stage: String,
        /// Job URL.
        web_url: String,
        /// 1-based line of the (cleaned, same-numbered) log.
        line: usize,
    },
    /// A file inside a job's artifacts archive.
    Artifact {
        /// Project path or id.
        project: String,
        /// Job id.
        job_id: u64,
        /// Path of the entry inside the archive.
        entry: String,
        /// 1-based line.
        line: usize,
    },
}

impl Location {
    /// A path-like name for reports: file path, blob path, job URL or archive entry.
    pub fn path(&self) -> &str {
        match self {
            Location::File { path, .. } | Location::Git { path, .. } => path,
            Location::JobLog { web_url, .. } => web_url,
            Location::Artifact { entry, .. } => entry,
        }
    }

    /// 1-based line.
    pub fn line(&self) -> usize {
        match self {
            Location::File { line, .. }
            | Location::Git { line, .. }
            | Location::JobLog { line, .. }
            | Location::Artifact { line, .. } => *line,
        }
    }

    /// 1-based column, when the source has one.
    pub fn column(&self) -> Option<usize> {
        match self {
            Location::File { column, .. } => Some(*column),
            _ => None,
        }
    }
}

/// A reportable finding. Holds no plaintext secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Hex SHA-256 of rule id and secret (first 32 digits): the same secret under the same rule
    /// has the same id wherever it appears, for deduplication, verification and baselines.
    pub finding_id: String,
    /// Hex SHA-256 of `finding_id` and the location (first 32 digits), for SARIF
    /// `partialFingerprints`; no secret material.
    pub location_fingerprint: String,
    /// Rule id.
    pub rule: String,
    /// Rule name.
    pub rule_name: String,
    /// Provider (`gitlab`, `aws`, …).
    pub provider: String,
    /// GitLab family in snake_case, or null for third-party secrets.
    pub family: Option<String>,
    /// `glir_redact::redact` of the secret.
    pub secret: String,
    /// `glir_redact::fingerprint` of the secret.
    pub fingerprint: String,
    /// Structure checks passed (CRC, length, alphabet, JWT shape, the token ends where a body
    /// of its family ends).
    pub structurally_valid: bool,
    /// How sure this is to be a real secret, from its form: `high` checksummed or structurally
    /// complete, `medium` prefixed without a checksum, `low` found by context only or invalid.
    #[serde(default)]
    pub confidence: Confidence,
    /// Why a string of a secret's shape is not one (a failed CRC, a wrong length or alphabet):
    /// GitLab would reject it, so it is reported only when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
    /// Identification notes in plain words (GitLab tokens).
    #[serde(default)]
    pub checks: Vec<String>,
    /// Decoded routing payload or JWT routing claims (GitLab tokens).
    #[serde(default)]
    pub routing: BTreeMap<String, u64>,
    /// Decoding layer the secret was found under.
    pub encoding: Encoding,
    /// Where it was seen.
    pub location: Location,
    /// Inline marker on the line, if any (callers usually drop these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<String>,
}

/// Length of the hex ids (128 bits).
const ID_HEX: usize = 32;

impl Finding {
    /// The redacted one-line message reports show (SARIF, GitLab's report): rule, redacted
    /// secret, fingerprint, and why it fails its checks when it does.
    pub fn message(&self) -> String {
        let validity = if self.structurally_valid {
            ""
        } else {
            " (fails structure checks: altered, truncated or fake)"
        };
        format!(
            "{} {} ({}){validity}",
            self.rule_name, self.secret, self.fingerprint
        )
    }

    /// Build a finding from a match and where it was seen.
    pub fn new(m: &RawMatch<'_>, location: Location) -> Finding {
        let finding_id = finding_id(m.rule.id, &m.secret);
        let location_fingerprint = location_fingerprint(&finding_id, &location);
        let family = m.rule.family.map(|f| {
            // Family serialises as its snake_case name.
            serde_json::to_value(f)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        });
        let (checks, routing) = m
            .identification
            .as_ref()
            .map(|id| (id.checks.clone(), id.routing.clone()))
            .unwrap_or_default();
        Finding {
            finding_id,
            location_fingerprint,
            rule: m.rule.id.to_string(),
            rule_name: m.rule.name.to_string(),
            provider: m.rule.provider.to_string(),
            family,
            secret: glir_redact::redact(&m.secret),
            fingerprint: glir_redact::fingerprint(&m.secret),
            structurally_valid: m.structurally_valid,
            confidence: m.confidence,
            invalid: (!m.structurally_valid).then(|| invalid_reason(m.rule.name, &checks)),
            checks,
            routing,
            encoding: m.encoding,
            location,
            suppressed_by: m.suppressed_by.map(str::to_string),
        }
    }
}

/// "not a valid <rule>: <what identification said>".
fn invalid_reason(rule: &str, checks: &[String]) -> String {
    match checks {
        [] => format!("not a valid {rule}"),
        checks => format!("not a valid {rule}: {}", checks.join("; ")),
    }
}

/// `sha256(rule id, NUL, secret)`, hex, truncated to 128 bits.
pub fn finding_id(rule: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule.as_bytes());
    hasher.update([0]);
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())[..ID_HEX].to_string()
}

fn location_fingerprint(finding_id: &str, location: &Location) -> String {
    let mut hasher = Sha256::new();
    hasher.update(finding_id.as_bytes());
    hasher.update([0]);
    // Serialising the location gives every variant's fields in a fixed order.
    hasher.update(serde_json::to_vec(location).unwrap_or_default());
    hex::encode(hasher.finalize())[..ID_HEX].to_string()
}
