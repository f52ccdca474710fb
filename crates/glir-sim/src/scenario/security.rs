//! What a project's pipelines scan and where it deploys, as a posture check reads it: the
//! security scanners of the latest default-branch pipeline (GraphQL `Project.securityScanners`),
//! scan execution policies of projects and groups (GraphQL `scanExecutionPolicies`, Ultimate),
//! the repository's branches (doc/api/branches.md) and protected environments
//! (doc/api/protected_environments.md, Premium).

use super::Scenario;
use super::validate::invalid;
use crate::error::SimError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// GraphQL's `SecurityScannerType` values
/// (gitlab-org/gitlab:ee/app/graphql/types/security_scanner_type_enum.rb).
pub(crate) const SCANNER_TYPES: &[&str] = &[
    "API_FUZZING",
    "CLUSTER_IMAGE_SCANNING",
    "CONTAINER_SCANNING",
    "COVERAGE_FUZZING",
    "DAST",
    "DEPENDENCY_SCANNING",
    "SAST",
    "SAST_ADVANCED",
    "SAST_IAC",
    "SECRET_DETECTION",
];

/// Scans a scan execution policy can run (`Security::ScanExecutionPolicy::SCAN_TYPES`,
/// doc/user/application_security/policies/scan_execution_policies.md, "`scan` action type").
pub(crate) const POLICY_SCANS: &[&str] = &[
    "sast",
    "sast_iac",
    "dast",
    "secret_detection",
    "container_scanning",
    "dependency_scanning",
    "cluster_image_scanning",
];

/// A scan execution policy of a project's or group's security policy project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanExecutionPolicy {
    /// The policy's name, unique within its project or group.
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Whether it is enforced; GitLab's default for a new policy is true.
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// When it runs the scans.
    #[serde(default)]
    pub rule: PolicyRule,
    /// The scans it runs (see [`POLICY_SCANS`]).
    pub scans: Vec<String>,
}

fn enabled() -> bool {
    true
}

/// A scan execution policy's rule type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyRule {
    /// In every pipeline of every branch, merge request pipelines included.
    #[default]
    Pipeline,
    /// On a daily schedule, outside any pipeline a push or merge request starts.
    Schedule,
}

/// A branch of a project's repository besides the default branch, which is always served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// The branch name, unique in the project.
    pub name: String,
    /// When its head commit was committed.
    pub committed_date: Timestamp,
    /// Merged into the default branch.
    #[serde(default)]
    pub merged: bool,
}

/// A protected environment of a project: who may deploy to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedEnvironment {
    /// The environment's name, unique among the project's protected environments.
    pub name: String,
    /// Who may deploy: 30 Developers, 40 Maintainers (the default), 60 administrators.
    #[serde(default = "maintainers")]
    pub deploy_access_level: u8,
    /// Approvals a deployment needs.
    #[serde(default)]
    pub required_approval_count: u32,
}

fn maintainers() -> u8 {
    40
}

/// Deploy access levels a protected environment accepts (doc/api/protected_environments.md,
/// "Valid access levels").
pub(crate) const DEPLOY_LEVELS: &[u8] = &[30, 40, 60];

/// Checks the records above: known scanner and scan names, unique names, valid access levels.
pub(super) fn check(s: &Scenario) -> Result<(), SimError> {
    for (i, g) in s.groups.iter().enumerate() {
        policies(&format!("groups[{i}]"), &g.scan_execution_policies)?;
    }
    for (i, p) in s.projects.iter().enumerate() {
        let at = format!("projects[{i}]");
        let mut seen = HashSet::new();
        for (j, scanner) in p.security_scanners.iter().enumerate() {
            let here = format!("{at}.security_scanners[{j}]");
            if !SCANNER_TYPES.contains(&scanner.as_str()) {
                return Err(invalid(
                    here,
                    format!("`{scanner}` is not one of {}", SCANNER_TYPES.join(", ")),
                ));
            }
            if !seen.insert(scanner) {
                return Err(invalid(here, format!("`{scanner}` is listed twice")));
            }
        }
        policies(&at, &p.scan_execution_policies)?;
        let default_branch = p.default_branch.as_deref().unwrap_or("main");
        let mut names = HashSet::new();
        for (j, b) in p.branches.iter().enumerate() {
            let here = format!("{at}.branches[{j}].name");
            if b.name.is_empty() || b.name == default_branch {
                return Err(invalid(
                    here,
                    "must name a branch other than the default branch (served anyway)",
                ));
            }
            if !names.insert(&b.name) {
                return Err(invalid(
                    here,
                    format!("branch `{}` is listed twice", b.name),
                ));
            }
        }
        let mut environments = HashSet::new();
        for (j, e) in p.protected_environments.iter().enumerate() {
            let here = format!("{at}.protected_environments[{j}]");
            if !environments.insert(&e.name) {
                return Err(invalid(
                    format!("{here}.name"),
                    format!("environment `{}` is protected twice", e.name),
                ));
            }
            if !DEPLOY_LEVELS.contains(&e.deploy_access_level) {
                return Err(invalid(
                    format!("{here}.deploy_access_level"),
                    format!("{} is not one of 30, 40, 60", e.deploy_access_level),
                ));
            }
        }
    }
    Ok(())
}

fn policies(at: &str, list: &[ScanExecutionPolicy]) -> Result<(), SimError> {
    let mut names = HashSet::new();
    for (j, policy) in list.iter().enumerate() {
        let here = format!("{at}.scan_execution_policies[{j}]");
        if policy.name.is_empty() || !names.insert(&policy.name) {
            return Err(invalid(
                format!("{here}.name"),
                "must be a name no other policy here has",
            ));
        }
        if policy.scans.is_empty() {
            return Err(invalid(
                format!("{here}.scans"),
                "a policy runs at least one scan",
            ));
        }
        for (k, scan) in policy.scans.iter().enumerate() {
            if !POLICY_SCANS.contains(&scan.as_str()) {
                return Err(invalid(
                    format!("{here}.scans[{k}]"),
                    format!("`{scan}` is not one of {}", POLICY_SCANS.join(", ")),
                ));
            }
        }
    }
    Ok(())
}
