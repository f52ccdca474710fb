//! Containment actions: what a playbook can plan. Each names its target by id, says in plain
//! words what it will do, and is applied by `apply.rs`.

use serde::{Deserialize, Serialize};

/// Where a hook or variable lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Owner {
    Project { project: String },
    Group { group: String },
    Instance,
}

impl Owner {
    pub fn label(&self) -> String {
        match self {
            Owner::Project { project } => format!("project {project}"),
            Owner::Group { group } => format!("group {group}"),
            Owner::Instance => "the instance".to_string(),
        }
    }
}

/// One change to GitLab. Serialized into the plan file, so a plan can be reviewed, kept as
/// evidence and applied later exactly as reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    RevokePersonalAccessToken {
        token_id: i64,
    },
    RotatePersonalAccessToken {
        token_id: i64,
    },
    RevokeProjectAccessToken {
        project: String,
        token_id: i64,
    },
    /// `POST /projects/:id/access_tokens/:token_id/rotate`: the old value stops working, the
    /// successor keeps the bot, name, scopes and role.
    RotateProjectAccessToken {
        project: String,
        token_id: i64,
    },
    RevokeGroupAccessToken {
        group: String,
        token_id: i64,
    },
    /// `POST /groups/:id/access_tokens/:token_id/rotate`.
    RotateGroupAccessToken {
        group: String,
        token_id: i64,
    },
    RevokeDeployToken {
        owner: Owner,
        token_id: i64,
    },
    DeleteTrigger {
        project: String,
        trigger_id: i64,
    },
    /// A token of a GitLab agent for Kubernetes revoked (no rotate API exists: the agent gets a
    /// new token registered by hand in its cluster).
    RevokeClusterAgentToken {
        project: String,
        agent_id: i64,
        token_id: i64,
    },
    CancelJob {
        project: String,
        job_id: i64,
    },
    /// `DELETE /admin/token`: revokes or resets a token of any family GitLab's admin token API
    /// knows. The plan names the token by fingerprint only; `apply` needs the token itself again
    /// (on stdin) and checks it against the fingerprint.
    AdminRevokeToken {
        fingerprint: String,
        family: String,
    },
    ResetRunnerToken {
        runner_id: i64,
    },
    RenewApplicationSecret {
        application_id: i64,
    },
    BlockUser {
        user_id: i64,
    },
    UnblockUser {
        user_id: i64,
    },
    BanUser {
        user_id: i64,
    },
    UnbanUser {
        user_id: i64,
    },
    DeactivateUser {
        user_id: i64,
    },
    /// `POST /users/:id/activate`: a deactivated user active again.
    ReactivateUser {
        user_id: i64,
    },
    /// The password replaced by a random one no one is shown: the old one stops working and the
    /// user sets a new one through "forgot password".
    ResetPassword {
        user_id: i64,
    },
    /// The user's two-factor authentication removed (an attacker's enrolled device goes with it);
    /// GitLab cannot do this for administrators.
    DisableTwoFactor {
        user_id: i64,
    },
    RemoveSshKey {
        user_id: i64,
        key_id: i64,
    },
    RemoveGpgKey {
        user_id: i64,
        key_id: i64,
    },
    RemoveDeployKey {
        project: String,
        key_id: i64,
    },
    RemoveHook {
        owner: Owner,
        hook_id: i64,
    },
    /// A webhook's secret token replaced by a new random one (GitLab never shows the old one).
    ResetHookToken {
        owner: Owner,
        hook_id: i64,
    },
    RequireTwoFactor {
        owner: Owner,
    },
    ProtectVariable {
        owner: Owner,
        key: String,
        environment_scope: String,
    },
    MaskVariable {
        owner: Owner,
        key: String,
        environment_scope: String,
    },
    /// Undoes [`Action::ProtectVariable`].
    UnprotectVariable {
        owner: Owner,
        key: String,
        environment_scope: String,
    },
    /// Undoes [`Action::MaskVariable`].
    UnmaskVariable {
        owner: Owner,
        key: String,
        environment_scope: String,
    },
    /// Re-protect a branch whose protection was removed (Maintainers push and merge).
    ProtectBranch {
        project: String,
        branch: String,
    },
    /// Put who may push or merge to a protected branch back (GitLab access levels: 0 no one,
    /// 30 developers, 40 maintainers, 60 admins); `None` keeps the current level.
    SetBranchAccess {
        project: String,
        branch: String,
        push_level: Option<u8>,
        merge_level: Option<u8>,
    },
    /// Put one merge request approval setting back (`merge_requests_author_approval`,
    /// `reset_approvals_on_push`, `disable_overriding_approvers_per_merge_request`).
    SetApprovalSetting {
        project: String,
        setting: String,
        value: bool,
    },
    DisablePublicJobs {
        project: String,
    },
    SetProjectVisibility {
        project: String,
        visibility: String,
    },
    /// One application setting (`PUT /application/settings`), from a posture check's fix.
    SetInstanceSetting {
        setting: String,
        value: serde_json::Value,
    },
    /// One group setting (`PUT /groups/:id`).
    SetGroupSetting {
        group: String,
        setting: String,
        value: serde_json::Value,
    },
    /// One project setting (`PUT /projects/:id`).
    SetProjectSetting {
        project: String,
        setting: String,
        value: serde_json::Value,
    },
    /// A webhook verifies its receiver's TLS certificate again.
    EnableHookSslVerification {
        owner: Owner,
        hook_id: i64,
    },
    /// Undoes [`Action::EnableHookSslVerification`].
    DisableHookSslVerification {
        owner: Owner,
        hook_id: i64,
    },
    /// Something GitLab's API cannot do for the responder (rotate an upstream secret, update
    /// GitLab): listed in the plan so the report shows it, applied by a person.
    Manual {
        title: String,
    },
}

impl Action {
    /// `(kind, id)` of the object acted on, for the journal.
    pub fn target(&self) -> (String, String) {
        let (kind, id) = match self {
            Action::RevokePersonalAccessToken { token_id }
            | Action::RotatePersonalAccessToken { token_id } => {
                ("personal_access_token", token_id.to_string())
            }
            Action::RevokeProjectAccessToken { project, token_id }
            | Action::RotateProjectAccessToken { project, token_id } => {
                ("project_access_token", format!("{project}/{token_id}"))
            }
            Action::RevokeGroupAccessToken { group, token_id }
            | Action::RotateGroupAccessToken { group, token_id } => {
                ("group_access_token", format!("{group}/{token_id}"))
            }
            Action::RevokeDeployToken { owner, token_id } => {
                ("deploy_token", format!("{}/{token_id}", owner.label()))
            }
            Action::DeleteTrigger {
                project,
                trigger_id,
            } => ("pipeline_trigger", format!("{project}/{trigger_id}")),
            Action::RevokeClusterAgentToken {
                project,
                agent_id,
                token_id,
            } => (
                "cluster_agent_token",
                format!("{project}/{agent_id}/{token_id}"),
            ),
            Action::CancelJob { project, job_id } => ("ci_job", format!("{project}/{job_id}")),
            Action::AdminRevokeToken { fingerprint, .. } => ("token", fingerprint.clone()),
            Action::ResetRunnerToken { runner_id } => ("runner", runner_id.to_string()),
            Action::RenewApplicationSecret { application_id } => {
                ("oauth_application", application_id.to_string())
            }
            Action::BlockUser { user_id }
            | Action::UnblockUser { user_id }
            | Action::BanUser { user_id }
            | Action::UnbanUser { user_id }
            | Action::DeactivateUser { user_id }
            | Action::ReactivateUser { user_id }
            | Action::ResetPassword { user_id }
            | Action::DisableTwoFactor { user_id } => ("user", user_id.to_string()),
            Action::RemoveSshKey { user_id, key_id } => ("ssh_key", format!("{user_id}/{key_id}")),
            Action::RemoveGpgKey { user_id, key_id } => ("gpg_key", format!("{user_id}/{key_id}")),
            Action::RemoveDeployKey { project, key_id } => {
                ("deploy_key", format!("{project}/{key_id}"))
            }
            Action::RemoveHook { owner, hook_id } | Action::ResetHookToken { owner, hook_id } => {
                ("hook", format!("{}/{hook_id}", owner.label()))
            }
            Action::RequireTwoFactor { owner } => ("two_factor_setting", owner.label()),
            Action::ProtectVariable {
                owner,
                key,
                environment_scope,
            }
            | Action::MaskVariable {
                owner,
                key,
                environment_scope,
            }
            | Action::UnprotectVariable {
                owner,
                key,
                environment_scope,
            }
            | Action::UnmaskVariable {
                owner,
                key,
                environment_scope,
            } => (
                "ci_variable",
                format!("{}/{key}@{environment_scope}", owner.label()),
            ),
            Action::ProtectBranch { project, branch } => {
                ("protected_branch", format!("{project}/{branch}"))
            }
            Action::SetApprovalSetting {
                project, setting, ..
            } => ("approval_setting", format!("{project}/{setting}")),
            Action::SetBranchAccess {
                project, branch, ..
            } => ("protected_branch", format!("{project}/{branch}")),
            Action::DisablePublicJobs { project } => ("project_setting", project.clone()),
            Action::SetProjectVisibility { project, .. } => ("project_setting", project.clone()),
            Action::SetInstanceSetting { setting, .. } => ("application_setting", setting.clone()),
            Action::SetGroupSetting { group, setting, .. } => {
                ("group_setting", format!("{group}/{setting}"))
            }
            Action::SetProjectSetting {
                project, setting, ..
            } => ("project_setting", format!("{project}/{setting}")),
            Action::EnableHookSslVerification { owner, hook_id }
            | Action::DisableHookSslVerification { owner, hook_id } => {
                ("hook", format!("{}/{hook_id}", owner.label()))
            }
            Action::Manual { .. } => ("manual", String::new()),
        };
        (kind.to_string(), id)
    }

    /// The snake_case name, as in the plan file and the journal.
    pub fn name(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v["action"].as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// What applying it does, in plain words.
    pub fn effect(&self) -> String {
        match self {
            Action::RevokePersonalAccessToken { token_id } => {
                format!("revoke personal access token {token_id}: it stops working at once")
            }
            Action::RotatePersonalAccessToken { token_id } => format!(
                "rotate personal access token {token_id}: the old value stops working, the new one is written to a 0600 file in the case"
            ),
            Action::RevokeProjectAccessToken { project, token_id } => {
                format!("revoke access token {token_id} of project {project}")
            }
            Action::RotateProjectAccessToken { project, token_id } => format!(
                "rotate access token {token_id} of project {project}: the old value stops working, the new one is written to a 0600 file in the case"
            ),
            Action::RevokeGroupAccessToken { group, token_id } => {
                format!("revoke access token {token_id} of group {group}")
            }
            Action::RotateGroupAccessToken { group, token_id } => format!(
                "rotate access token {token_id} of group {group}: the old value stops working, the new one is written to a 0600 file in the case"
            ),
            // doc/api/deploy_tokens.md has list, create and delete, no rotate.
            Action::RevokeDeployToken { owner, token_id } => format!(
                "revoke deploy token {token_id} of {} (GitLab cannot rotate deploy tokens: create a new one for whatever used it)",
                owner.label()
            ),
            // doc/api/pipeline_triggers.md has create, edit (description) and delete, no rotate.
            Action::DeleteTrigger {
                project,
                trigger_id,
            } => format!(
                "delete pipeline trigger {trigger_id} of project {project} (GitLab cannot rotate a trigger token: create a new one for whatever used it)"
            ),
            Action::RevokeClusterAgentToken {
                project,
                agent_id,
                token_id,
            } => format!(
                "revoke token {token_id} of agent {agent_id} in project {project}: the agent stops reaching GitLab until its cluster is given a new token"
            ),
            Action::AdminRevokeToken {
                fingerprint,
                family,
            } => format!(
                "revoke the leaked {family} ({fingerprint}) through the admin token API; apply reads the token from stdin"
            ),
            Action::CancelJob { project, job_id } => format!(
                "cancel job {job_id} of project {project}: its CI job token stops working with it"
            ),
            Action::ResetRunnerToken { runner_id } => format!(
                "reset runner {runner_id}'s authentication token: the runner stops until re-configured with the new one"
            ),
            Action::RenewApplicationSecret { application_id } => {
                format!("renew the secret of OAuth application {application_id}")
            }
            Action::BlockUser { user_id } => format!(
                "block user {user_id}: no sign-in, no API or Git access; their tokens stop working while blocked"
            ),
            Action::UnblockUser { user_id } => format!("unblock user {user_id}"),
            Action::BanUser { user_id } => {
                format!("ban user {user_id}: blocked and their content hidden")
            }
            Action::UnbanUser { user_id } => format!("unban user {user_id}"),
            Action::DeactivateUser { user_id } => format!(
                "deactivate user {user_id}: no sign-in, API or Git access until reactivated (GitLab refuses users active in the last 90 days)"
            ),
            Action::ReactivateUser { user_id } => {
                format!("reactivate user {user_id}: a deactivated account works again")
            }
            Action::ResetPassword { user_id } => format!(
                "replace user {user_id}'s password with a random one that no one is ever shown (glir makes it, sends it once and forgets it): the old password stops working, and the user sets a new one through \"forgot password\"; GitLab emails them that an administrator changed it"
            ),
            Action::DisableTwoFactor { user_id } => format!(
                "turn off two-factor authentication of user {user_id}: every enrolled device (an attacker's too) is removed and the user enrols again"
            ),
            Action::RemoveSshKey { user_id, key_id } => {
                format!("remove SSH key {key_id} of user {user_id}")
            }
            Action::RemoveGpgKey { user_id, key_id } => {
                format!("remove GPG key {key_id} of user {user_id}")
            }
            Action::RemoveDeployKey { project, key_id } => {
                format!("remove deploy key {key_id} from project {project}")
            }
            Action::RemoveHook { owner, hook_id } => {
                format!("delete webhook {hook_id} of {}", owner.label())
            }
            Action::ResetHookToken { owner, hook_id } => format!(
                "give webhook {hook_id} of {} a new random secret token (written to a 0600 file in the case): its receiver must check the new one",
                owner.label()
            ),
            Action::RequireTwoFactor { owner } => {
                format!("require two-factor authentication for {}", owner.label())
            }
            Action::ProtectVariable { owner, key, .. } => {
                format!(
                    "protect CI/CD variable {key} of {}: only protected branches and tags get it",
                    owner.label()
                )
            }
            Action::MaskVariable { owner, key, .. } => {
                format!("mask CI/CD variable {key} of {} in job logs", owner.label())
            }
            Action::UnprotectVariable { owner, key, .. } => format!(
                "unprotect CI/CD variable {key} of {}: pipelines of every branch get it again",
                owner.label()
            ),
            Action::UnmaskVariable { owner, key, .. } => format!(
                "unmask CI/CD variable {key} of {}: job logs show its value again",
                owner.label()
            ),
            Action::ProtectBranch { project, branch } => format!(
                "protect branch {branch} of project {project} again (Maintainers push and merge)"
            ),
            Action::SetApprovalSetting {
                project,
                setting,
                value,
            } => format!("set {setting} of project {project} back to {value}"),
            Action::SetBranchAccess {
                project,
                branch,
                push_level,
                merge_level,
            } => format!(
                "set who may push/merge to {branch} of project {project} back to {}/{} (the branch is unprotected and protected again)",
                push_level.map_or("unchanged".to_string(), |l| level_name(l).to_string()),
                merge_level.map_or("unchanged".to_string(), |l| level_name(l).to_string())
            ),
            Action::DisablePublicJobs { project } => {
                format!("make pipelines and job logs of project {project} visible to members only")
            }
            Action::SetProjectVisibility {
                project,
                visibility,
            } => format!("set project {project}'s visibility back to {visibility}"),
            Action::SetInstanceSetting { setting, value } => {
                format!("set the instance setting {setting} to {value}")
            }
            Action::SetGroupSetting {
                group,
                setting,
                value,
            } => format!("set {setting} of group {group} to {value}"),
            Action::SetProjectSetting {
                project,
                setting,
                value,
            } => format!("set {setting} of project {project} to {value}"),
            Action::EnableHookSslVerification { owner, hook_id } => format!(
                "make webhook {hook_id} of {} verify its receiver's TLS certificate",
                owner.label()
            ),
            Action::DisableHookSslVerification { owner, hook_id } => format!(
                "let webhook {hook_id} of {} skip verifying its receiver's TLS certificate again",
                owner.label()
            ),
            Action::Manual { title } => format!("by hand: {title}"),
        }
    }
}

/// GitLab's names for protected-branch access levels.
pub fn level_name(level: u8) -> &'static str {
    match level {
        0 => "No one",
        30 => "Developers + Maintainers",
        40 => "Maintainers",
        60 => "Admins",
        _ => "custom",
    }
}
