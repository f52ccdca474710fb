//! What an attacker leaves behind and a responder reviews or removes: SSH, GPG and deploy keys,
//! emails, webhooks, protected branches, approval settings and instance settings
//! (doc/api/user_keys.md, doc/api/user_email_addresses.md, doc/api/deploy_keys.md,
//! doc/api/project_webhooks.md, doc/api/protected_branches.md,
//! doc/api/merge_request_approvals.md, doc/api/settings.md).

use super::boolean::null_as_false;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// An SSH key of a user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SshKey {
    /// Key id.
    pub id: i64,
    /// Title its owner gave it.
    pub title: String,
    /// The public key line.
    pub key: String,
    /// When it was added.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Expiry.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// Last use (15.x+).
    #[serde(default)]
    pub last_used_at: Option<Timestamp>,
    /// `auth`, `signing` or `auth_and_signing` (15.7+).
    #[serde(default)]
    pub usage_type: Option<String>,
}

/// A GPG key of a user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GpgKey {
    /// Key id.
    pub id: i64,
    /// ASCII-armoured public key.
    pub key: String,
    /// When it was added.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

/// A secondary email address of a user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Email {
    /// Email id.
    pub id: i64,
    /// The address.
    pub email: String,
    /// Confirmation time; `None` while unconfirmed.
    #[serde(default)]
    pub confirmed_at: Option<Timestamp>,
}

/// A deploy key enabled on a project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeployKey {
    /// Key id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The public key line.
    pub key: String,
    /// Write access to the repository.
    #[serde(default, deserialize_with = "null_as_false")]
    pub can_push: bool,
    /// When it was added.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

/// A project, group or system webhook. GitLab never returns its secret token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Hook {
    /// Hook id.
    pub id: i64,
    /// Receiver URL (may carry credentials in its query; scrub before display).
    pub url: String,
    /// Name (16.11+).
    #[serde(default)]
    pub name: Option<String>,
    /// When it was added.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Project of a project hook.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// Group of a group hook.
    #[serde(default)]
    pub group_id: Option<i64>,
    /// Fires on pushes.
    #[serde(default, deserialize_with = "null_as_false")]
    pub push_events: bool,
    /// Fires on merge requests.
    #[serde(default, deserialize_with = "null_as_false")]
    pub merge_requests_events: bool,
    /// Fires on job events.
    #[serde(default, deserialize_with = "null_as_false")]
    pub job_events: bool,
    /// Verifies the receiver's TLS certificate.
    #[serde(default, deserialize_with = "null_as_false")]
    pub enable_ssl_verification: bool,
}

/// One access level of a protected branch rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BranchAccess {
    /// 0 no one, 30 developers, 40 maintainers, 60 admins.
    pub access_level: u8,
    /// GitLab's wording, e.g. `Maintainers`.
    #[serde(default)]
    pub access_level_description: Option<String>,
    /// A user granted access individually (Premium).
    #[serde(default)]
    pub user_id: Option<i64>,
    /// A group granted access (Premium).
    #[serde(default)]
    pub group_id: Option<i64>,
}

/// A protected branch rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProtectedBranch {
    /// Rule id.
    pub id: i64,
    /// Branch name or wildcard.
    pub name: String,
    /// Who may push.
    #[serde(default)]
    pub push_access_levels: Vec<BranchAccess>,
    /// Who may merge.
    #[serde(default)]
    pub merge_access_levels: Vec<BranchAccess>,
    /// Force pushes allowed.
    #[serde(default, deserialize_with = "null_as_false")]
    pub allow_force_push: bool,
}

/// A project's merge request approval settings (`GET /projects/:id/approvals`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApprovalSettings {
    /// Approvals required by the (deprecated) project-level rule.
    #[serde(default)]
    pub approvals_before_merge: Option<u32>,
    /// New commits reset approvals.
    #[serde(default, deserialize_with = "null_as_false")]
    pub reset_approvals_on_push: bool,
    /// Approvers cannot be changed per merge request.
    #[serde(default, deserialize_with = "null_as_false")]
    pub disable_overriding_approvers_per_merge_request: bool,
    /// Authors may approve their own merge requests.
    #[serde(default, deserialize_with = "null_as_false")]
    pub merge_requests_author_approval: bool,
    /// Committers may not approve.
    #[serde(default, deserialize_with = "null_as_false")]
    pub merge_requests_disable_committers_approval: bool,
}

/// The instance settings a responder checks first, plus GitLab's whole answer in `raw`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationSettings {
    /// Every user must enrol in 2FA.
    pub require_two_factor_authentication: Option<bool>,
    /// Hours to enrol once 2FA is required.
    pub two_factor_grace_period: Option<u32>,
    /// Anyone may sign up.
    pub signup_enabled: Option<bool>,
    /// Admin mode (re-authentication for admin actions).
    pub admin_mode: Option<bool>,
    /// Personal access tokens must expire.
    pub require_personal_access_token_expiry: Option<bool>,
    /// Runner registration tokens still work.
    pub allow_runner_registration_token: Option<bool>,
    /// GitLab's JSON as received.
    pub raw: Value,
}

impl ApplicationSettings {
    /// Reads the typed subset; missing or mistyped fields are `None`.
    pub fn from_json(raw: Value) -> ApplicationSettings {
        let flag = |k: &str| raw.get(k).and_then(Value::as_bool);
        ApplicationSettings {
            require_two_factor_authentication: flag("require_two_factor_authentication"),
            two_factor_grace_period: raw
                .get("two_factor_grace_period")
                .and_then(Value::as_u64)
                .and_then(|h| u32::try_from(h).ok()),
            signup_enabled: flag("signup_enabled"),
            admin_mode: flag("admin_mode"),
            require_personal_access_token_expiry: flag("require_personal_access_token_expiry"),
            allow_runner_registration_token: flag("allow_runner_registration_token"),
            raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protected_branch_from_gitlab_doc_shape() {
        let b: ProtectedBranch = serde_json::from_value(json!({
            "id": 1, "name": "main",
            "push_access_levels": [{"id": 1, "access_level": 40, "access_level_description": "Maintainers"}],
            "merge_access_levels": [{"id": 1, "access_level": 40, "access_level_description": "Maintainers"}],
            "allow_force_push": false, "code_owner_approval_required": false
        }))
        .unwrap();
        assert_eq!(b.push_access_levels[0].access_level, 40);
        assert!(!b.allow_force_push);
    }

    #[test]
    fn settings_keep_raw_and_read_the_subset() {
        let s = ApplicationSettings::from_json(
            json!({"require_two_factor_authentication": true, "two_factor_grace_period": 8, "signup_enabled": "odd"}),
        );
        assert_eq!(s.require_two_factor_authentication, Some(true));
        assert_eq!(s.two_factor_grace_period, Some(8));
        assert_eq!(
            s.signup_enabled, None,
            "a mistyped field is unknown, not false"
        );
        assert_eq!(s.raw["signup_enabled"], "odd");
    }
}
