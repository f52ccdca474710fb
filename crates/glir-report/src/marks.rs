//! Why an event deserves a responder's eye in a timeline. These are reading aids, not
//! detections: the Sigma rule pack decides what is an alert.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mark", rename_all = "snake_case")]
pub enum Mark {
    /// The actor acts from an IP it had not used in the baseline's window before (14 days).
    NewIp { ip: String },
    /// The event type is one the incident-response guide tells responders to review.
    Notable { reason: &'static str },
}

impl Mark {
    pub fn label(&self) -> String {
        match self {
            Mark::NewIp { ip } => format!("new IP {ip}"),
            Mark::Notable { reason } => (*reason).to_string(),
        }
    }
}

/// The guide's "review audit events for …" list (new users, tokens, SSH keys, pipelines, code,
/// settings and CI variable changes), by event type name from GitLab's catalogue
/// (doc/user/compliance/audit_event_types.md).
pub fn notable_reason(event_type: &str) -> Option<&'static str> {
    let reason = match event_type {
        "personal_access_token_created"
        | "project_access_token_created"
        | "group_access_token_created"
        | "deploy_token_created"
        | "group_deploy_token_created"
        | "cluster_agent_token_created"
        | "ci_runner_token_reset" => "new token",
        "add_ssh_key" | "add_gpg_key" | "deploy_key_added" | "create_ssh_certificate" => "new key",
        "user_created" | "user_provisioned_by_scim" => "new user",
        "user_admin_status_updated" | "user_auditor_status_updated" | "user_enable_admin_mode" => {
            "privilege change"
        }
        "user_impersonation" => "impersonation",
        "user_disable_two_factor"
        | "group_require_two_factor_authentication_updated"
        | "group_two_factor_grace_period_updated" => "2FA weakened",
        "project_visibility_level_updated" | "group_visibility_level_updated" => {
            "visibility change"
        }
        "webhook_created" => "new webhook",
        "repository_download_operation"
        | "project_export_created"
        | "project_export_file_download_started" => "data export",
        "ci_variable_created"
        | "ci_variable_updated"
        | "ci_group_variable_created"
        | "ci_group_variable_updated"
        | "ci_instance_variable_created"
        | "ci_instance_variable_updated" => "CI variable change",
        "oauth_application_created" | "user_authorized_oauth_application" => "OAuth app",
        "ci_runner_created" | "ci_runner_registered" => "new runner",
        "protected_branch_removed" | "protected_branch_updated" => "branch protection change",
        "user_email_address_updated" | "email_created" => "email change",
        "project_destroyed"
        | "group_destroyed"
        | "project_deletion_marked"
        | "group_deletion_marked" => "deletion",
        _ => return None,
    };
    Some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persistence_types_are_notable_and_routine_ones_are_not() {
        assert_eq!(notable_reason("add_ssh_key"), Some("new key"));
        assert_eq!(
            notable_reason("personal_access_token_created"),
            Some("new token")
        );
        assert_eq!(notable_reason("user_created"), Some("new user"));
        assert_eq!(notable_reason("authenticated_with_password"), None);
        assert_eq!(notable_reason("member_updated"), None);
    }
}
