//! Token families other than personal access tokens: deploy tokens, pipeline triggers, runners
//! and OAuth applications. Each holds its plaintext so the simulator can recognise it; `Debug`
//! shows it redacted.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of user token a [`super::Token`] is (they share one table in GitLab).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A user's own personal access token.
    #[default]
    Personal,
    /// Created by an admin to act as the user.
    Impersonation,
    /// A project access token; its user is the project's bot.
    ProjectAccess,
    /// A group access token; its user is the group's bot.
    GroupAccess,
}

/// A deploy token of a project or a group (`gldt-`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployToken {
    /// Numeric id, positive and unique among deploy tokens.
    pub id: i64,
    /// The plaintext.
    pub token: String,
    /// Its name.
    pub name: String,
    /// Login name; defaults to `gitlab+deploy-token-{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Full path of the project it belongs to (exactly one of `project` and `group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Full path of the group it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `read_repository`, `read_registry`, `write_registry`, `read_package_registry`, …
    pub scopes: Vec<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Expiry time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// Revoked.
    #[serde(default)]
    pub revoked: bool,
}

/// A pipeline trigger token of a project (`glptt-`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Numeric id, positive and unique among triggers.
    pub id: i64,
    /// The plaintext.
    pub token: String,
    /// Full path of its project.
    pub project: String,
    /// Username of its owner: pipelines run as this user.
    pub owner: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Last pipeline it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Timestamp>,
    /// Expiry time (17.x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// Which runners a runner serves, as GitLab spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunnerType {
    /// Every project of the instance.
    InstanceType,
    /// A group's projects.
    GroupType,
    /// One project.
    ProjectType,
}

impl RunnerType {
    /// The string GitLab serves.
    pub fn as_str(self) -> &'static str {
        match self {
            RunnerType::InstanceType => "instance_type",
            RunnerType::GroupType => "group_type",
            RunnerType::ProjectType => "project_type",
        }
    }
}

/// Which jobs a runner takes (doc/api/runners.md `access_level`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunnerAccessLevel {
    /// Jobs of any branch or tag.
    #[default]
    NotProtected,
    /// Only jobs of protected branches and tags.
    RefProtected,
}

impl RunnerAccessLevel {
    /// The string GitLab serves.
    pub fn as_str(self) -> &'static str {
        match self {
            RunnerAccessLevel::NotProtected => "not_protected",
            RunnerAccessLevel::RefProtected => "ref_protected",
        }
    }
}

/// A runner and its authentication token (`glrt-`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runner {
    /// Numeric id, positive and unique among runners.
    pub id: i64,
    /// The authentication token.
    pub token: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Instance, group or project runner.
    pub runner_type: RunnerType,
    /// Full path of its group (group runners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Full path of its project (project runners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Paused.
    #[serde(default)]
    pub paused: bool,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Locked to its current projects (project runners only).
    #[serde(default)]
    pub locked: bool,
    /// Takes jobs that have no tags; GitLab's default is `true`.
    #[serde(default = "yes")]
    pub run_untagged: bool,
    /// Whether it runs jobs of unprotected refs.
    #[serde(default)]
    pub access_level: RunnerAccessLevel,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Last contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacted_at: Option<Timestamp>,
    /// When the token stops working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<Timestamp>,
}

/// An OAuth application and its secret (`gloas-`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// Numeric id, positive and unique among applications.
    pub id: i64,
    /// The OAuth client id.
    pub application_id: String,
    /// The client secret.
    pub secret: String,
    /// Display name.
    pub name: String,
    /// Redirect URI.
    pub callback_url: String,
    /// Confidential client.
    #[serde(default = "yes")]
    pub confidential: bool,
    /// Scopes it may request, e.g. `api`. GitLab's list API does not serve them
    /// (doc/api/applications.md); they are here for drills that reason about OAuth grants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

fn yes() -> bool {
    true
}

/// `Debug` for credential records: every field but the plaintext, which is redacted.
macro_rules! redacted_debug {
    ($ty:ty, $secret:ident, $($field:ident),*) => {
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &self.$field))*
                    .field(stringify!($secret), &glir_redact::redact(&self.$secret))
                    .finish_non_exhaustive()
            }
        }
    };
}

redacted_debug!(
    DeployToken,
    token,
    id,
    name,
    project,
    group,
    scopes,
    expires_at,
    revoked
);
redacted_debug!(Trigger, token, id, project, owner, expires_at);
redacted_debug!(
    Runner,
    token,
    id,
    runner_type,
    group,
    project,
    token_expires_at
);
redacted_debug!(Application, secret, id, application_id, name);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_plaintext() {
        let t: Trigger = serde_json::from_str(
            r#"{"id":1,"token":"glptt-ef9ec9bce33fba6cad76e035c9b78d37b9e2ffa7","project":"acme/app","owner":"dev"}"#,
        )
        .expect("trigger");
        let shown = format!("{t:?}");
        assert!(!shown.contains("SimTriggerSecret"), "{shown}");
        assert!(shown.contains("acme/app"), "{shown}");
    }
}
