//! What the attacker left behind, read from audit events: new credentials, keys, users, hooks,
//! runners, OAuth apps, SSO and settings changes. Each finding keeps the ids of its events and,
//! where the event names it, the object to act on.

use glir_events::AuditEvent;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One thing worth a responder's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable kind, e.g. `new_personal_access_token`.
    pub kind: String,
    /// The audit event type behind it (empty when the finding comes from current state).
    #[serde(default)]
    pub event_type: String,
    pub severity: String,
    pub title: String,
    pub time: Timestamp,
    pub actor: Option<String>,
    pub author_id: Option<i64>,
    pub ip: Option<String>,
    /// The object created or changed, by id, when the event names it.
    pub object_id: Option<i64>,
    /// What changed (`change`), e.g. `push access levels`.
    #[serde(default)]
    pub change: Option<String>,
    /// The object's name as the event gives it (`target_details`), e.g. a branch.
    #[serde(default)]
    pub target: Option<String>,
    /// Where it lives (project or group path) when that matters for acting on it.
    pub entity_path: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub event_ids: Vec<String>,
}

/// Event types that create or widen access, with the finding they become. Names from GitLab's
/// audit event catalogue (doc/user/compliance/audit_event_types.md).
const PERSISTENCE: &[(&str, &str, &str, &str)] = &[
    (
        "personal_access_token_created",
        "new_personal_access_token",
        "high",
        "personal access token created",
    ),
    (
        "project_access_token_created",
        "new_project_access_token",
        "high",
        "project access token created",
    ),
    (
        "group_access_token_created",
        "new_group_access_token",
        "high",
        "group access token created",
    ),
    (
        "deploy_token_created",
        "new_deploy_token",
        "high",
        "deploy token created",
    ),
    (
        "group_deploy_token_created",
        "new_deploy_token",
        "high",
        "group deploy token created",
    ),
    (
        "cluster_agent_token_created",
        "new_cluster_agent_token",
        "high",
        "cluster agent token created",
    ),
    ("add_ssh_key", "new_ssh_key", "high", "SSH key added"),
    ("add_gpg_key", "new_gpg_key", "medium", "GPG key added"),
    (
        "deploy_key_added",
        "new_deploy_key",
        "high",
        "deploy key added",
    ),
    ("user_created", "new_user", "high", "user created"),
    (
        "user_admin_status_updated",
        "admin_granted",
        "critical",
        "administrator status changed",
    ),
    (
        "user_impersonation",
        "impersonation",
        "high",
        "user impersonated",
    ),
    ("webhook_created", "new_webhook", "high", "webhook created"),
    ("ci_runner_created", "new_runner", "high", "runner created"),
    (
        "ci_runner_registered",
        "new_runner",
        "high",
        "runner registered",
    ),
    (
        "oauth_application_created",
        "new_oauth_application",
        "high",
        "OAuth application created",
    ),
    (
        "user_authorized_oauth_application",
        "oauth_authorized",
        "medium",
        "OAuth application authorized",
    ),
    (
        "group_saml_provider_update",
        "sso_changed",
        "high",
        "SAML provider changed",
    ),
    (
        "saml_group_links_created",
        "sso_changed",
        "medium",
        "SAML group link created",
    ),
    (
        "user_disable_two_factor",
        "two_factor_disabled",
        "high",
        "two-factor authentication disabled",
    ),
    (
        "email_created",
        "new_email",
        "medium",
        "email address added",
    ),
    (
        "user_email_address_updated",
        "email_changed",
        "high",
        "email address changed",
    ),
    (
        "ci_variable_created",
        "variable_changed",
        "medium",
        "CI/CD variable created",
    ),
    (
        "ci_variable_updated",
        "variable_changed",
        "medium",
        "CI/CD variable changed",
    ),
    (
        "ci_group_variable_created",
        "variable_changed",
        "medium",
        "group CI/CD variable created",
    ),
    (
        "ci_group_variable_updated",
        "variable_changed",
        "medium",
        "group CI/CD variable changed",
    ),
    (
        "project_visibility_level_updated",
        "visibility_changed",
        "high",
        "project visibility changed",
    ),
    (
        "group_visibility_level_updated",
        "visibility_changed",
        "high",
        "group visibility changed",
    ),
    (
        "protected_branch_updated",
        "protected_branch_changed",
        "medium",
        "protected branch changed",
    ),
    (
        "protected_branch_removed",
        "protected_branch_changed",
        "high",
        "protected branch removed",
    ),
    (
        "project_merge_requests_author_approval_updated",
        "approval_changed",
        "high",
        "authors' approval of their own merge requests changed",
    ),
    (
        "project_reset_approvals_on_push_updated",
        "approval_changed",
        "high",
        "reset of approvals on push changed",
    ),
    (
        "project_disable_overriding_approvers_per_merge_request_updated",
        "approval_changed",
        "medium",
        "overriding approvers per merge request changed",
    ),
    (
        "repository_download_operation",
        "repository_downloaded",
        "medium",
        "repository downloaded",
    ),
    (
        "project_export_created",
        "project_exported",
        "high",
        "project export created",
    ),
    (
        "project_export_file_download_started",
        "project_exported",
        "high",
        "project export downloaded",
    ),
    (
        "job_artifact_downloaded",
        "artifact_downloaded",
        "low",
        "job artifacts downloaded",
    ),
];

/// Findings among `events`, oldest first.
pub fn findings(events: &[AuditEvent]) -> Vec<Finding> {
    let mut out: Vec<Finding> = events.iter().filter_map(finding).collect();
    out.sort_by_key(|f| f.time);
    out
}

fn finding(e: &AuditEvent) -> Option<Finding> {
    let event_type = e.event_type.as_deref()?;
    let &(_, kind, severity, what) = PERSISTENCE.iter().find(|(t, ..)| *t == event_type)?;
    let object = e
        .target_details
        .as_deref()
        .or(e.entity_path.as_deref())
        .unwrap_or("");
    let change = match (&e.from, &e.to) {
        (Some(from), Some(to)) => format!(" ({from} → {to})"),
        _ => String::new(),
    };
    let title = format!(
        "{what}: {object}{change} by {} from {}",
        e.author_name.as_deref().unwrap_or("?"),
        e.ip_address.as_deref().unwrap_or("?")
    );
    Some(Finding {
        kind: kind.to_string(),
        event_type: event_type.to_string(),
        severity: severity.to_string(),
        title: glir_redact::scrub(&title).into_owned(),
        time: e.created_at,
        actor: e.author_name.clone(),
        author_id: e.author_id,
        ip: e.ip_address.clone(),
        object_id: object_id(e, kind),
        target: e.target_details.clone(),
        change: e.change.clone(),
        entity_path: e.entity_path.clone(),
        from: e.from.clone(),
        to: e.to.clone(),
        event_ids: vec![e.event_id.clone()],
    })
}

/// The id of what was created. GitLab records a new PAT with the *user* as target and the
/// token id only in the message ("Created personal access token with id 4";
/// app/services/personal_access_tokens/create_service.rb), so that case reads the message.
fn object_id(e: &AuditEvent, kind: &str) -> Option<i64> {
    if kind == "new_personal_access_token" {
        let message = e.custom_message.as_deref()?;
        let tail = message.rsplit("with id ").next()?;
        let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
        return digits.parse().ok();
    }
    e.target_id.as_deref()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: serde_json::Value) -> AuditEvent {
        glir_events::parse_event(&json.to_string(), None, "test").unwrap()
    }

    #[test]
    fn a_new_pat_takes_its_id_from_the_message_and_keys_from_the_target() {
        let events = vec![
            event(serde_json::json!({
                "id": "2", "event_type": "add_ssh_key", "author_id": 2, "author_name": "Dana",
                "entity_id": 2, "entity_type": "User", "entity_path": "dana", "target_id": 42,
                "target_type": "Key", "target_details": "laptop", "ip_address": "203.0.113.66",
                "created_at": "2026-11-25T02:13:07Z", "details": {"custom_message": "Added SSH key"}
            })),
            event(serde_json::json!({
                "id": "1", "event_type": "personal_access_token_created", "author_id": 2,
                "author_name": "Dana", "entity_id": 2, "entity_type": "User", "entity_path": "dana",
                "target_id": 2, "target_type": "User", "target_details": "Dana",
                "ip_address": "203.0.113.66", "created_at": "2026-11-25T02:19:44Z",
                "details": {"custom_message": "Created personal access token with id 4"}
            })),
            event(serde_json::json!({
                "id": "3", "event_type": "authenticated_with_password", "author_id": 2,
                "entity_id": 2, "entity_type": "User", "created_at": "2026-11-25T02:00:00Z"
            })),
        ];
        let found = findings(&events);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].kind.as_str(), found[0].object_id),
            ("new_ssh_key", Some(42))
        );
        assert_eq!(
            (found[1].kind.as_str(), found[1].object_id),
            ("new_personal_access_token", Some(4))
        );
        assert!(
            found[1].title.contains("from 203.0.113.66"),
            "{}",
            found[1].title
        );
    }
}
