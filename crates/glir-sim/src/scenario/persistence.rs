//! What an attacker can leave behind and a responder removes or locks down: SSH, GPG and deploy
//! keys, secondary emails, webhooks, protected branches, merge request approval settings and
//! two-factor requirements. None of it holds a secret (webhook secret tokens are never modelled).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// An SSH key of a user (doc/api/user_keys.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshKey {
    /// Numeric id, unique among SSH keys of every user.
    pub id: i64,
    /// Title the user gave it.
    pub title: String,
    /// The public key line, e.g. `ssh-ed25519 AAAA… comment`.
    pub key: String,
    /// Creation time; defaults to the scenario default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Expiry time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// `auth`, `signing` or `auth_and_signing` (the default).
    #[serde(default = "auth_and_signing")]
    pub usage_type: String,
}

fn auth_and_signing() -> String {
    "auth_and_signing".to_string()
}

/// A GPG key of a user (doc/api/user_keys.md, GPG section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpgKey {
    /// Numeric id, unique among GPG keys of every user.
    pub id: i64,
    /// The ASCII-armoured public key.
    pub key: String,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

/// A secondary email address of a user (doc/api/user_email_addresses.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// Numeric id, unique among emails of every user.
    pub id: i64,
    /// The address.
    pub email: String,
    /// Confirmation time; unconfirmed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<Timestamp>,
}

/// A deploy key enabled on a project (doc/api/deploy_keys.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployKey {
    /// Numeric id, unique among deploy keys.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The public key line.
    pub key: String,
    /// Write access to the repository.
    #[serde(default)]
    pub can_push: bool,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

/// A project, group or system webhook (doc/api/project_webhooks.md, doc/api/system_hooks.md).
/// Its secret token is kept so an edit can replace it, and never returned, as GitLab does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hook {
    /// Numeric id, unique among hooks of every kind.
    pub id: i64,
    /// Where events are posted.
    pub url: String,
    /// Name (16.11+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Fires on pushes.
    #[serde(default = "yes")]
    pub push_events: bool,
    /// Fires on merge requests.
    #[serde(default)]
    pub merge_requests_events: bool,
    /// Fires on job events.
    #[serde(default)]
    pub job_events: bool,
    /// TLS verification of the receiver.
    #[serde(default = "yes")]
    pub enable_ssl_verification: bool,
    /// The secret token sent as `X-Gitlab-Token`, when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

fn yes() -> bool {
    true
}

/// A protected branch rule (doc/api/protected_branches.md). Access levels are GitLab's: 0 no
/// one, 30 developers, 40 maintainers, 60 admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedBranch {
    /// Numeric id, unique among protected branches.
    pub id: i64,
    /// Branch name or wildcard.
    pub name: String,
    /// Who may push.
    #[serde(default = "maintainers")]
    pub push_access_level: u8,
    /// Who may merge.
    #[serde(default = "maintainers")]
    pub merge_access_level: u8,
    /// Force pushes allowed.
    #[serde(default)]
    pub allow_force_push: bool,
    /// Merges need an approval from a code owner (Premium, doc/api/protected_branches.md).
    #[serde(default)]
    pub code_owner_approval_required: bool,
}

fn maintainers() -> u8 {
    40
}

/// A GitLab agent for Kubernetes registered in a project (doc/api/cluster_agents.md). Its tokens
/// authenticate the agent to GitLab; the plaintext is shown once at creation, so none is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterAgent {
    /// Numeric id, unique among agents.
    pub id: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Id of the user who registered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<ClusterAgentToken>,
}

/// An agent token (`glagent-`), as the agent tokens API lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterAgentToken {
    /// Numeric id, unique among agent tokens.
    pub id: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Revoked tokens are listed with `status: revoked`.
    #[serde(default)]
    pub revoked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
}

/// A project's merge request approval rule (doc/api/merge_request_approvals.md, "Get project-level
/// rules"): how many approvals a merge request needs from the rule's approvers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    /// Numeric id, unique among the project's rules.
    pub id: i64,
    pub name: String,
    /// Approvals required; 0 makes the rule optional.
    #[serde(default)]
    pub approvals_required: u32,
    /// `regular`, `any_approver`, `code_owner` or `report_approver`.
    #[serde(default = "regular")]
    pub rule_type: String,
}

fn regular() -> String {
    "regular".to_string()
}

/// A project's merge request approval settings (doc/api/merge_request_approvals.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSettings {
    /// Approvals required (deprecated project-level rule).
    #[serde(default)]
    pub approvals_before_merge: u32,
    /// Approvals are reset when new commits are pushed.
    #[serde(default = "yes")]
    pub reset_approvals_on_push: bool,
    /// Approvers cannot be changed per merge request.
    #[serde(default)]
    pub disable_overriding_approvers_per_merge_request: bool,
    /// Authors may approve their own merge requests.
    #[serde(default)]
    pub merge_requests_author_approval: bool,
    /// Committers may not approve.
    #[serde(default)]
    pub merge_requests_disable_committers_approval: bool,
}

impl Default for ApprovalSettings {
    fn default() -> Self {
        ApprovalSettings {
            approvals_before_merge: 0,
            reset_approvals_on_push: true,
            disable_overriding_approvers_per_merge_request: false,
            merge_requests_author_approval: false,
            merge_requests_disable_committers_approval: false,
        }
    }
}

/// GitLab's access level names as the audit log spells them (`ProtectedRefAccess.human_access_levels`).
pub fn access_level_name(level: u8) -> &'static str {
    match level {
        0 => "No one",
        30 => "Developers + Maintainers",
        40 => "Maintainers",
        60 => "Admins",
        _ => "Custom",
    }
}
