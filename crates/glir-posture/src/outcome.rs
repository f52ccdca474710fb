//! What a run answers: one outcome per check and target, and the report around them.

use crate::check::{Scope, Severity};
use crate::facts::Facts;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pass,
    Fail,
    Skip,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
            Status::Error => "ERROR",
        }
    }
}

/// One item of a list that fails (a variable, a hook, a token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields a fix needs to name the object (`id`, `key`, `environment_scope`), never a
    /// secret.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub reference: Value,
}

/// One check on one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    pub scope: Scope,
    /// `instance`, a group's full path or a project's path with namespace.
    pub target: String,
    /// Why it is SKIP or ERROR, or what failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The failing items of a list check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
    /// How many items the check looked at (a list check), for "3 of 40 variables".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examined: Option<usize>,
    /// A SKIP because this token may not see what the check reads: another token could
    /// answer, so the run is not complete.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_access: bool,
    /// What `--plan-fixes` would do about a FAIL.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<glir_respond::Action>,
}

/// A check's description, listed once per report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub scope: Scope,
    pub threat: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub cis: Vec<String>,
    pub legitify: Vec<String>,
    pub attack: Vec<String>,
    pub fixable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
    /// Failures by severity.
    pub failed_by_severity: BTreeMap<String, usize>,
}

/// Requests the run made, from the client's counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Requests {
    pub sent: u64,
    pub retried: u64,
    pub rate_limited: u64,
    /// The client's spacing between requests, to stay under GitLab's rate limit.
    pub min_interval_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub facts: Facts,
    pub started_at: String,
    pub finished_at: String,
    pub targets: BTreeMap<String, usize>,
    /// Targets whose outcomes came from the resume file, not from this run.
    pub resumed: usize,
    pub counts: Counts,
    pub requests: Requests,
    /// Every outcome is a PASS, FAIL or a SKIP for a reason that holds for any token (tier,
    /// version, offering, not applicable); otherwise what the token could not see is listed.
    pub complete: bool,
    pub incomplete: Vec<String>,
    pub checks: Vec<CheckInfo>,
    pub results: Vec<Outcome>,
}

impl Report {
    pub fn count(outcomes: &[Outcome]) -> Counts {
        let mut counts = Counts::default();
        for o in outcomes {
            match o.status {
                Status::Pass => counts.pass += 1,
                Status::Skip => counts.skip += 1,
                Status::Error => counts.error += 1,
                Status::Fail => {
                    counts.fail += 1;
                    *counts
                        .failed_by_severity
                        .entry(o.severity.as_str().to_string())
                        .or_default() += 1;
                }
            }
        }
        counts
    }

    /// The most severe failure at or above `floor`.
    pub fn worst_failure(&self, floor: Severity) -> Option<Severity> {
        self.results
            .iter()
            .filter(|o| o.status == Status::Fail && o.severity >= floor)
            .map(|o| o.severity)
            .max()
    }
}
