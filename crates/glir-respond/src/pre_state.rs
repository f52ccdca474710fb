//! The state an action is about to change, read from GitLab just before it is applied, so the
//! journal holds what was there (and `undo` what to put back) even when the plan was made
//! without it (a posture fix) or long before.

use crate::{Action, Owner};
use glir_gitlab::{Client, Variable, encode_segment};
use serde_json::{Map, Value, json};

/// What GitLab shows now of the object `action` changes; `None` when glir does not read it for
/// this action or GitLab does not answer (the step itself then reports why).
pub(crate) async fn read(client: &Client, action: &Action) -> Option<Value> {
    match action {
        Action::BlockUser { user_id }
        | Action::UnblockUser { user_id }
        | Action::BanUser { user_id }
        | Action::UnbanUser { user_id }
        | Action::DeactivateUser { user_id }
        | Action::ReactivateUser { user_id }
        | Action::ResetPassword { user_id }
        | Action::DisableTwoFactor { user_id } => {
            let user = client.user(*user_id).await.ok()?.body;
            Some(json!({"state": user.state, "two_factor_enabled": user.two_factor_enabled}))
        }
        Action::SetInstanceSetting { setting, .. } => {
            fields(client, "/application/settings", &[setting]).await
        }
        Action::SetGroupSetting { group, setting, .. } => {
            fields(client, &group_path(group), &[setting]).await
        }
        Action::SetProjectSetting {
            project, setting, ..
        } => fields(client, &project_path(project), &[setting]).await,
        Action::SetProjectVisibility { project, .. } => {
            fields(client, &project_path(project), &["visibility"]).await
        }
        Action::DisablePublicJobs { project } => {
            fields(client, &project_path(project), &["public_jobs"]).await
        }
        Action::RequireTwoFactor {
            owner: Owner::Instance,
        } => {
            let keys = [
                "require_two_factor_authentication",
                "two_factor_grace_period",
            ];
            fields(client, "/application/settings", &keys).await
        }
        Action::RequireTwoFactor {
            owner: Owner::Group { group },
        } => {
            let keys = [
                "require_two_factor_authentication",
                "two_factor_grace_period",
            ];
            fields(client, &group_path(group), &keys).await
        }
        Action::SetApprovalSetting {
            project, setting, ..
        } => {
            fields(
                client,
                &format!("{}/approvals", project_path(project)),
                &[setting],
            )
            .await
        }
        Action::MaskVariable {
            owner,
            key,
            environment_scope,
        }
        | Action::ProtectVariable {
            owner,
            key,
            environment_scope,
        }
        | Action::UnmaskVariable {
            owner,
            key,
            environment_scope,
        }
        | Action::UnprotectVariable {
            owner,
            key,
            environment_scope,
        } => variable_flags(client, owner, key, environment_scope).await,
        Action::EnableHookSslVerification { owner, hook_id }
        | Action::DisableHookSslVerification { owner, hook_id } => {
            fields(
                client,
                &hook_path(owner, *hook_id),
                &["enable_ssl_verification"],
            )
            .await
        }
        _ => None,
    }
}

/// A step's pre-state for the journal: what the plan recorded, with what GitLab shows now over it.
pub(crate) fn merge(planned: Option<&Value>, now: Option<Value>) -> Option<Value> {
    match (planned, now) {
        (Some(Value::Object(planned)), Some(Value::Object(now))) => {
            let mut merged = planned.clone();
            merged.extend(now);
            Some(Value::Object(merged))
        }
        (_, Some(now)) => Some(now),
        (planned, None) => planned.cloned(),
    }
}

async fn fields(client: &Client, path: &str, keys: &[&str]) -> Option<Value> {
    let object: Value = client.get(path, &[]).await.ok()?.body;
    let picked: Map<String, Value> = keys
        .iter()
        .map(|k| {
            (
                (*k).to_string(),
                object.get(*k).cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    Some(Value::Object(picked))
}

async fn variable_flags(client: &Client, owner: &Owner, key: &str, scope: &str) -> Option<Value> {
    let list = match owner {
        Owner::Project { project } => client.project_variables(project),
        Owner::Group { group } => client.group_variables(group),
        Owner::Instance => return None,
    };
    let variables: Vec<Variable> = client.all(list).await.ok()?;
    let v = variables
        .iter()
        .find(|v| v.key == key && v.environment_scope.as_deref().unwrap_or("*") == scope)?;
    Some(json!({"masked": v.masked, "protected": v.protected}))
}

pub(crate) fn project_path(project: &str) -> String {
    format!("/projects/{}", encode_segment(project))
}

pub(crate) fn group_path(group: &str) -> String {
    format!("/groups/{}", encode_segment(group))
}

/// The API path of one webhook of `owner` (system hooks are `/hooks/:id`).
pub(crate) fn hook_path(owner: &Owner, hook_id: i64) -> String {
    match owner {
        Owner::Project { project } => format!("{}/hooks/{hook_id}", project_path(project)),
        Owner::Group { group } => format!("{}/hooks/{hook_id}", group_path(group)),
        Owner::Instance => format!("/hooks/{hook_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::merge;
    use serde_json::json;

    #[test]
    fn what_gitlab_shows_now_wins_over_the_plan() {
        let planned = json!({"state": "active", "fingerprint": "sha256:ab"});
        let merged = merge(Some(&planned), Some(json!({"state": "blocked"}))).unwrap();
        assert_eq!(
            merged,
            json!({"state": "blocked", "fingerprint": "sha256:ab"})
        );
        assert_eq!(merge(Some(&planned), None), Some(planned.clone()));
        assert_eq!(merge(None, None), None);
    }
}
