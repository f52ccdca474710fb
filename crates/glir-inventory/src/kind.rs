//! The credential families an inventory lists, and the ones it does not read yet.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A family of credential, as GitLab's API lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A user's own token (`glpat-`).
    PersonalAccessToken,
    /// A token an administrator made to act as a user.
    ImpersonationToken,
    /// A project access token: a bot user's token, with a role in one project.
    ProjectAccessToken,
    /// A group access token: a bot user's token, with a role in one group.
    GroupAccessToken,
    /// A deploy token of a project or group (`gldt-`): repository and registry access.
    DeployToken,
    /// An SSH key that may pull (or push) one or more projects.
    DeployKey,
    /// A user's SSH key.
    SshKey,
    /// A user's GPG key (signs commits; not an access credential, but an attacker's
    /// persistence all the same).
    GpgKey,
    /// A runner and its authentication token (`glrt-`).
    Runner,
    /// A pipeline trigger token (`glptt-`).
    TriggerToken,
    /// An OAuth application and its secret (`gloas-`).
    OauthApplication,
    /// A project, group or system webhook: where GitLab sends events, with or without a secret
    /// token.
    Webhook,
    /// A CI/CD variable of the instance, a group or a project (its value fingerprinted, never
    /// kept).
    CiVariable,
    /// A token of a GitLab agent for Kubernetes (`glagent-`): the agent's way into GitLab.
    ClusterAgentToken,
}

impl Kind {
    /// Every family, in the order an inventory lists them.
    pub const ALL: [Kind; 14] = [
        Kind::PersonalAccessToken,
        Kind::ImpersonationToken,
        Kind::ProjectAccessToken,
        Kind::GroupAccessToken,
        Kind::DeployToken,
        Kind::DeployKey,
        Kind::SshKey,
        Kind::GpgKey,
        Kind::Runner,
        Kind::TriggerToken,
        Kind::OauthApplication,
        Kind::Webhook,
        Kind::CiVariable,
        Kind::ClusterAgentToken,
    ];

    /// The name used in output, keys and `--kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PersonalAccessToken => "personal_access_token",
            Kind::ImpersonationToken => "impersonation_token",
            Kind::ProjectAccessToken => "project_access_token",
            Kind::GroupAccessToken => "group_access_token",
            Kind::DeployToken => "deploy_token",
            Kind::DeployKey => "deploy_key",
            Kind::SshKey => "ssh_key",
            Kind::GpgKey => "gpg_key",
            Kind::Runner => "runner",
            Kind::TriggerToken => "trigger_token",
            Kind::OauthApplication => "oauth_application",
            Kind::Webhook => "webhook",
            Kind::CiVariable => "ci_variable",
            Kind::ClusterAgentToken => "cluster_agent_token",
        }
    }

    /// The family named `name`, as [`Kind::as_str`] writes it.
    pub fn named(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name_and_serializes_as_it() {
        for kind in Kind::ALL {
            assert_eq!(Kind::named(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(Kind::named("agent_token"), None);
    }
}
