//! What each glir capability needs from GitLab: one table, read by `answer.rs` and printed by
//! `whoami`. A row is data, not a code path: adding a command or a containment action is a row
//! here (with the GitLab document that says what it needs), and nothing else.

use crate::facts::Tier;
use serde::Serialize;

/// Where a capability acts, and so which of `--group` / `--project` it is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Instance,
    Group,
    /// A group without a parent (audit event streaming destinations live only there).
    TopLevelGroup,
    Project,
}

/// The least role that allows it. `Admin` is the instance administrator, who has every role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Any signed-in user (or none of the responder's: the leaked token itself is used).
    Any,
    Reporter,
    Developer,
    Maintainer,
    Owner,
    Admin,
}

impl Role {
    /// The access level a member needs (doc/api/members.md, "Roles"); `None` for `Any` and
    /// `Admin`, which no membership gives.
    pub fn level(self) -> Option<u32> {
        match self {
            Role::Reporter => Some(20),
            Role::Developer => Some(30),
            Role::Maintainer => Some(40),
            Role::Owner => Some(50),
            Role::Any | Role::Admin => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Any => "any user",
            Role::Reporter => "Reporter",
            Role::Developer => "Developer",
            Role::Maintainer => "Maintainer",
            Role::Owner => "Owner",
            Role::Admin => "an administrator",
        }
    }
}

/// The scope the responder's token needs. lib/api/api.rb accepts `read_api` for GET and HEAD
/// only, so every write needs `api`; an administrator's token also needs `admin_mode` when
/// Admin Mode is on (doc/user/profile/personal_access_tokens.md, "Personal access token scopes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// The responder's token is not what is used (the leaked token itself, or GitLab's stream).
    None,
    ReadApi,
    Api,
}

impl TokenScope {
    /// The scopes that grant it.
    pub fn granted_by(self) -> &'static [&'static str] {
        match self {
            TokenScope::None => &[],
            TokenScope::ReadApi => &["read_api", "api"],
            TokenScope::Api => &["api"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TokenScope::None => "",
            TokenScope::ReadApi => "read_api",
            TokenScope::Api => "api",
        }
    }
}

/// Where GitLab offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offering {
    Any,
    /// Self-managed and Dedicated, not GitLab.com.
    SelfManaged,
}

/// One capability and what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    /// What it does, as a responder says it.
    pub name: &'static str,
    /// The glir command, as typed after `glir`.
    pub command: &'static str,
    /// The containment actions (`glir-respond` `Action` names) this row stands for.
    pub actions: &'static [&'static str],
    pub scope: Scope,
    pub role: Role,
    pub token_scope: TokenScope,
    pub tier: Tier,
    /// The GitLab version it arrived in (generally available, not behind a flag).
    pub since: Option<(u32, u32)>,
    pub offering: Offering,
    /// A feature flag it needs that GitLab ships off and glir cannot see.
    pub flag: Option<&'static str>,
    /// Answered by the audit-event endpoint of its scope as well (it is that endpoint).
    pub audit_endpoint: bool,
    /// What GitLab also accepts instead of the role ("its jobs are public"): the role falling
    /// short is then unknown rather than no.
    pub unless: Option<&'static str>,
    /// Said with every answer.
    pub note: Option<&'static str>,
}

const fn row(
    name: &'static str,
    command: &'static str,
    scope: Scope,
    role: Role,
    token_scope: TokenScope,
) -> Requirement {
    Requirement {
        name,
        command,
        actions: &[],
        scope,
        role,
        token_scope,
        tier: Tier::Free,
        since: None,
        offering: Offering::Any,
        flag: None,
        audit_endpoint: false,
        unless: None,
        note: None,
    }
}

impl Requirement {
    const fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    const fn since(mut self, major: u32, minor: u32) -> Self {
        self.since = Some((major, minor));
        self
    }

    const fn self_managed(mut self) -> Self {
        self.offering = Offering::SelfManaged;
        self
    }

    const fn flag(mut self, flag: &'static str) -> Self {
        self.flag = Some(flag);
        self
    }

    const fn audit_endpoint(mut self) -> Self {
        self.audit_endpoint = true;
        self
    }

    const fn unless(mut self, alternative: &'static str) -> Self {
        self.unless = Some(alternative);
        self
    }

    const fn note(mut self, note: &'static str) -> Self {
        self.note = Some(note);
        self
    }

    const fn acts(mut self, actions: &'static [&'static str]) -> Self {
        self.actions = actions;
        self
    }
}

use Role::{Admin, Any, Developer, Maintainer, Owner, Reporter};
use Scope::{Group, Instance, Project, TopLevelGroup};
use TokenScope::{Api, ReadApi};

const APPLY: &str = "apply";
const HOOK: &[&str] = &[
    "remove_hook",
    "reset_hook_token",
    "enable_hook_ssl_verification",
    "disable_hook_ssl_verification",
];

/// Every capability `whoami` answers, in the order it prints them.
pub const REQUIREMENTS: &[Requirement] = &[
    // --- Evidence -------------------------------------------------------------------------
    // doc/api/audit_events.md: admin, Premium, Self-Managed and Dedicated only; keyset paging
    // (what glir-collect asks for) since 15.11.
    row(
        "instance audit events",
        "collect audit-events --instance",
        Instance,
        Admin,
        ReadApi,
    )
    .tier(Tier::Premium)
    .since(15, 11)
    .self_managed()
    .audit_endpoint(),
    // doc/api/audit_events.md: Owners see every user's events, Developers and Maintainers only
    // their own; keyset paging since 15.2.
    row(
        "group audit events",
        "collect audit-events --group GROUP",
        Group,
        Owner,
        ReadApi,
    )
    .tier(Tier::Premium)
    .since(15, 2)
    .audit_endpoint(),
    // doc/api/audit_events.md: Maintainers and above see every user's events; keyset since 15.10.
    row(
        "project audit events",
        "collect audit-events --project PROJECT",
        Project,
        Maintainer,
        ReadApi,
    )
    .tier(Tier::Premium)
    .since(15, 10)
    .audit_endpoint(),
    // doc/api/users.md: emails, sign-in IPs and identities are in the administrator's view only.
    row(
        "user details (emails, sign-in IPs)",
        "respond account-compromise --user USER",
        Instance,
        Admin,
        ReadApi,
    ),
    // doc/api/users.md: every user with sign-ins, 2FA and identities is the administrator's view.
    row(
        "every user, admins first",
        "users",
        Instance,
        Admin,
        ReadApi,
    ),
    // doc/api/personal_access_tokens.md, deploy_keys.md, runners.md: the instance-wide lists
    // are for administrators.
    row(
        "credential inventory of the instance",
        "inventory",
        Instance,
        Admin,
        ReadApi,
    ),
    // doc/api/group_access_tokens.md, group-level deploy tokens and variables: Owner.
    row(
        "credential inventory of a group",
        "inventory --group GROUP",
        Group,
        Owner,
        ReadApi,
    ),
    // --- Secrets in CI --------------------------------------------------------------------
    // app/policies/ci/build_policy.rb: reading a log is `read_build` (Reporter, or anyone who
    // sees the project when its pipelines are public).
    row(
        "CI job logs",
        "scan --gitlab-jobs PROJECT",
        Project,
        Reporter,
        ReadApi,
    )
    .unless("unless its jobs are public"),
    // app/policies/ci/build_policy.rb: `read_job_artifacts` needs Developer unless the
    // artifacts are public.
    row(
        "CI job artifacts",
        "scan --gitlab-jobs PROJECT --artifacts",
        Project,
        Developer,
        ReadApi,
    )
    .unless("unless its artifacts are public"),
    // doc/ci/variables/_index.md, "For a project": Maintainer (doc/api/project_level_variables.md).
    row(
        "project CI/CD variables",
        "scan --gitlab-variables PROJECT",
        Project,
        Maintainer,
        ReadApi,
    ),
    // doc/ci/variables/_index.md, "For a group": Owner (app/policies/group_policy.rb
    // `admin_cicd_variables`).
    row(
        "group CI/CD variables",
        "scan --gitlab-variables PROJECT",
        Group,
        Owner,
        ReadApi,
    ),
    // doc/api/instance_level_ci_variables.md: administrators only.
    row(
        "instance CI/CD variables",
        "scan --gitlab-variables PROJECT",
        Instance,
        Admin,
        ReadApi,
    ),
    // --- Leaked tokens ----------------------------------------------------------------------
    // doc/api/admin/token.md: administrators, Self-Managed; POST /admin/token generally
    // available in 17.8 (17.5–17.7 behind `admin_agnostic_token_finder`).
    row(
        "any token, without using it (POST /admin/token)",
        "token inspect",
        Instance,
        Admin,
        Api,
    )
    .since(17, 8)
    .self_managed(),
    // doc/api/personal_access_tokens.md, "Self-inform": the token describes itself (15.5);
    // GitLab then records its use.
    row(
        "a personal access token, by presenting it",
        "token inspect --use-token",
        Instance,
        Any,
        TokenScope::None,
    )
    .since(15, 5)
    .note("the leaked token's last-used time and IP change"),
    // doc/api/deploy_tokens.md and doc/api/pipeline_triggers.md: a project's lists need
    // Maintainer.
    row(
        "a project's deploy tokens and pipeline triggers",
        "token inspect --project PROJECT",
        Project,
        Maintainer,
        ReadApi,
    ),
    // app/policies/group_policy.rb: `read_deploy_token` is Maintainer.
    row(
        "a group's deploy tokens",
        "token inspect --group GROUP",
        Group,
        Maintainer,
        ReadApi,
    ),
    // The same admin token API (doc/api/admin/token.md), for every token a scan finds.
    row(
        "found tokens, without using them",
        "scan --verify",
        Instance,
        Admin,
        Api,
    )
    .since(17, 8)
    .self_managed(),
    // doc/api/personal_access_tokens.md "Self-inform" (15.5) and doc/api/jobs.md `GET /job`.
    row(
        "found personal access and job tokens, by presenting them",
        "scan --verify",
        Instance,
        Any,
        TokenScope::None,
    )
    .since(15, 5)
    .note("each token's last-used time and IP change"),
    // --- Containment (glir apply, or respond --apply) ----------------------------------------
    // doc/api/personal_access_tokens.md: administrators revoke anyone's tokens.
    row(
        "revoke a personal access token",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .acts(&["revoke_personal_access_token"]),
    // doc/api/personal_access_tokens.md: rotate, 16.0.
    row(
        "rotate a personal access token",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .since(16, 0)
    .acts(&["rotate_personal_access_token"]),
    // doc/user/project/settings/project_access_tokens.md: Maintainer or Owner.
    row(
        "revoke a project access token",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .acts(&["revoke_project_access_token"]),
    // doc/api/project_access_tokens.md: rotate, 16.0, Maintainer or Owner.
    row(
        "rotate a project access token",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .since(16, 0)
    .acts(&["rotate_project_access_token"]),
    // doc/user/group/settings/group_access_tokens.md: Owner.
    row("revoke a group access token", APPLY, Group, Owner, Api)
        .acts(&["revoke_group_access_token"]),
    // doc/api/group_access_tokens.md: rotate, 16.0, Owner.
    row("rotate a group access token", APPLY, Group, Owner, Api)
        .since(16, 0)
        .acts(&["rotate_group_access_token"]),
    // doc/api/deploy_tokens.md: project deploy tokens, Maintainer.
    row(
        "revoke a project deploy token",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .acts(&["revoke_deploy_token"]),
    // doc/api/deploy_tokens.md: only Owners delete group deploy tokens.
    row("revoke a group deploy token", APPLY, Group, Owner, Api).acts(&["revoke_deploy_token"]),
    // doc/api/pipeline_triggers.md: Maintainer.
    row("delete a pipeline trigger", APPLY, Project, Maintainer, Api).acts(&["delete_trigger"]),
    // doc/api/cluster_agents.md, "Revoke an agent token": Maintainer.
    row("revoke an agent token", APPLY, Project, Maintainer, Api)
        .since(15, 0)
        .acts(&["revoke_cluster_agent_token"]),
    // app/policies/ci/build_policy.rb `cancel_build` (doc/api/jobs.md, "Cancel a job"):
    // Developer.
    row("cancel a job", APPLY, Project, Developer, Api).acts(&["cancel_job"]),
    // doc/api/admin/token.md: DELETE /admin/token, 17.7, behind `api_admin_token_revoke`.
    row(
        "revoke any token through the admin token API",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .since(17, 7)
    .self_managed()
    .flag("api_admin_token_revoke")
    .acts(&["admin_revoke_token"]),
    // doc/api/runners.md: reset by runner id — admin for instance runners, Owner for group
    // runners, Maintainer for project runners.
    row(
        "reset an instance runner's token",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .acts(&["reset_runner_token"]),
    row("reset a group runner's token", APPLY, Group, Owner, Api).acts(&["reset_runner_token"]),
    row(
        "reset a project runner's token",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .acts(&["reset_runner_token"]),
    // doc/api/applications.md: administrators; renew-secret 16.11.
    row(
        "renew an OAuth application secret",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .since(16, 11)
    .acts(&["renew_application_secret"]),
    // doc/api/user_moderation.md: administrators only.
    row("block or unblock a user", APPLY, Instance, Admin, Api)
        .acts(&["block_user", "unblock_user"]),
    row("ban or unban a user", APPLY, Instance, Admin, Api).acts(&["ban_user", "unban_user"]),
    row("deactivate a user", APPLY, Instance, Admin, Api)
        .acts(&["deactivate_user", "reactivate_user"]),
    // doc/api/users.md "Modify a user" (a new password) and "Disable two-factor
    // authentication" (15.2): administrators only.
    row("replace a user's password", APPLY, Instance, Admin, Api).acts(&["reset_password"]),
    row(
        "turn off a user's two-factor authentication",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .since(15, 2)
    .acts(&["disable_two_factor"]),
    // doc/api/user_keys.md: deleting another user's SSH or GPG key is for administrators.
    row("delete a user's SSH key", APPLY, Instance, Admin, Api).acts(&["remove_ssh_key"]),
    row("delete a user's GPG key", APPLY, Instance, Admin, Api).acts(&["remove_gpg_key"]),
    // doc/api/deploy_keys.md: Maintainer.
    row("delete a deploy key", APPLY, Project, Maintainer, Api).acts(&["remove_deploy_key"]),
    // Deleting a hook, or editing it to verify TLS again or to give it a new secret token.
    // doc/api/project_webhooks.md: Maintainer.
    row(
        "delete a project webhook, or make it verify TLS",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .acts(HOOK),
    // doc/api/group_webhooks.md: Owner (or administrator), Premium.
    row(
        "delete a group webhook, or make it verify TLS",
        APPLY,
        Group,
        Owner,
        Api,
    )
    .tier(Tier::Premium)
    .acts(HOOK),
    // doc/api/system_hooks.md: administrators.
    row(
        "delete a system hook, or make it verify TLS",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .acts(HOOK),
    // doc/api/settings.md: application settings are for administrators.
    row(
        "require two-factor authentication on the instance",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .acts(&["require_two_factor"]),
    // doc/api/groups.md, "Update group attributes": Owner (`admin_group`).
    row(
        "require two-factor authentication in a group",
        APPLY,
        Group,
        Owner,
        Api,
    )
    .acts(&["require_two_factor"]),
    // doc/ci/variables/_index.md: project variables Maintainer, group variables Owner,
    // instance variables administrators (doc/api/instance_level_ci_variables.md).
    row(
        "protect or mask a project CI/CD variable",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .acts(&[
        "protect_variable",
        "mask_variable",
        "unprotect_variable",
        "unmask_variable",
    ]),
    row(
        "protect or mask a group CI/CD variable",
        APPLY,
        Group,
        Owner,
        Api,
    )
    .acts(&[
        "protect_variable",
        "mask_variable",
        "unprotect_variable",
        "unmask_variable",
    ]),
    row(
        "protect or mask an instance CI/CD variable",
        APPLY,
        Instance,
        Admin,
        Api,
    )
    .acts(&[
        "protect_variable",
        "mask_variable",
        "unprotect_variable",
        "unmask_variable",
    ]),
    // doc/api/protected_branches.md: Maintainer.
    row(
        "protect a branch, set who may push and merge",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .acts(&["protect_branch", "set_branch_access"]),
    // doc/api/merge_request_approvals.md: changing the configuration is Premium (13.9), and
    // ee/lib/api/project_approvals.rb authorizes `admin_project` (Maintainer).
    row(
        "set a merge request approval setting",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .tier(Tier::Premium)
    .acts(&["set_approval_setting"]),
    // doc/api/projects.md, "Edit a project": project settings are `admin_project` (Maintainer).
    row(
        "make a project's jobs visible to members only",
        APPLY,
        Project,
        Maintainer,
        Api,
    )
    .acts(&["disable_public_jobs"]),
    // app/policies/project_policy.rb: `change_visibility_level` comes with `owner_access`.
    row("set a project's visibility", APPLY, Project, Owner, Api).acts(&["set_project_visibility"]),
    // A posture check's fix, one setting at a time. doc/api/settings.md: administrators.
    row("change an instance setting", APPLY, Instance, Admin, Api).acts(&["set_instance_setting"]),
    // doc/api/groups.md, "Update group attributes": Owner (`admin_group`).
    row("change a group setting", APPLY, Group, Owner, Api).acts(&["set_group_setting"]),
    // doc/api/projects.md, "Edit a project": `admin_project` (Maintainer); visibility, path and
    // namespace need Owner (app/policies/project_policy.rb).
    row("change a project setting", APPLY, Project, Maintainer, Api)
        .note("visibility, path and namespace need Owner")
        .acts(&["set_project_setting"]),
    // --- Posture ----------------------------------------------------------------------------
    // doc/api/settings.md: GET /application/settings, administrators.
    row(
        "instance settings checks",
        "posture --scope instance",
        Instance,
        Admin,
        ReadApi,
    ),
    // doc/api/groups.md: a group's security settings are shown to its Owners.
    row(
        "group settings checks",
        "posture --group GROUP",
        Group,
        Owner,
        ReadApi,
    ),
    // doc/api/projects.md: CI/CD settings are shown to those who administer the project.
    row(
        "project CI/CD settings checks",
        "posture --project PROJECT",
        Project,
        Maintainer,
        ReadApi,
    ),
    row(
        "project settings checks",
        "posture --project PROJECT",
        Project,
        Reporter,
        ReadApi,
    ),
    // --- Live stream ----------------------------------------------------------------------------
    // doc/user/compliance/audit_event_streaming.md: destinations on top-level groups, Owner,
    // Ultimate.
    row(
        "audit event stream of a group",
        "serve",
        TopLevelGroup,
        Owner,
        TokenScope::None,
    )
    .tier(Tier::Ultimate)
    .note(STREAM),
    // doc/administration/compliance/audit_event_streaming.md: instance destinations,
    // administrators, Ultimate, Self-Managed; generally available in 16.4.
    row(
        "audit event stream of the instance",
        "serve",
        Instance,
        Admin,
        TokenScope::None,
    )
    .tier(Tier::Ultimate)
    .since(16, 4)
    .self_managed()
    .note(STREAM),
];

const STREAM: &str = "glir serve needs no GitLab permission; it needs an audit event streaming destination: Owner of a top-level group (Ultimate) or admin";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_capability_is_named_once_per_command() {
        let mut seen = std::collections::HashSet::new();
        for r in REQUIREMENTS {
            assert!(
                seen.insert((r.name, r.command)),
                "{} / {} twice",
                r.name,
                r.command
            );
        }
    }

    #[test]
    fn writes_need_the_api_scope_and_instance_rows_an_administrator() {
        for r in REQUIREMENTS {
            if r.command == APPLY {
                assert_eq!(r.token_scope, Api, "{}", r.name);
                assert!(!r.actions.is_empty(), "{}", r.name);
            }
            if r.scope == Instance && r.role != Any {
                assert_eq!(r.role, Admin, "{}", r.name);
            }
            if r.scope != Instance {
                assert!(r.role.level().is_some(), "{} needs a role there", r.name);
            }
        }
    }
}
