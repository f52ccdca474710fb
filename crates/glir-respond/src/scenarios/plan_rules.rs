//! From findings to actions: what each finding calls for, and when a change counts as weakening.

use crate::playbook::Run;
use crate::{Action, Finding};

/// The access level GitLab's audit events name in words ("Maintainers", "No one", …).
pub(super) fn level_of(words: &str) -> Option<u8> {
    [0u8, 30, 40, 60]
        .into_iter()
        .find(|l| crate::level_name(*l).eq_ignore_ascii_case(words.trim()))
}

/// How few people a level lets in: "No one" is the strictest.
pub(super) fn restrictiveness(level: u8) -> u8 {
    match level {
        0 => 4,
        60 => 3,
        40 => 2,
        _ => 1,
    }
}

/// An action for each finding that names something to remove or revert.
pub(crate) fn plan_findings(run: &mut Run<'_, '_>, found: &[Finding], subject_user: i64) {
    for f in found {
        let why = format!("{} ({})", f.title, f.time);
        let owner_of = || match f.entity_path.as_deref() {
            Some(path) if f.kind != "new_user" => Some(path.to_string()),
            _ => None,
        };
        let action = match (f.kind.as_str(), f.object_id) {
            ("new_personal_access_token", Some(id)) => {
                Some(Action::RevokePersonalAccessToken { token_id: id })
            }
            ("new_project_access_token", Some(id)) => {
                owner_of().map(|project| Action::RevokeProjectAccessToken {
                    project,
                    token_id: id,
                })
            }
            ("new_group_access_token", Some(id)) => {
                owner_of().map(|group| Action::RevokeGroupAccessToken {
                    group,
                    token_id: id,
                })
            }
            ("new_ssh_key", Some(key)) => Some(Action::RemoveSshKey {
                user_id: f.author_id.filter(|a| *a > 0).unwrap_or(subject_user),
                key_id: key,
            }),
            ("new_gpg_key", Some(key)) => Some(Action::RemoveGpgKey {
                user_id: f.author_id.filter(|a| *a > 0).unwrap_or(subject_user),
                key_id: key,
            }),
            ("new_deploy_key", Some(key)) => owner_of().map(|project| Action::RemoveDeployKey {
                project,
                key_id: key,
            }),
            ("new_user" | "admin_granted", Some(user)) if user != subject_user => {
                Some(Action::BlockUser { user_id: user })
            }
            ("protected_branch_changed", _) if f.event_type == "protected_branch_updated" => {
                let weaker = match (
                    f.from.as_deref().and_then(level_of),
                    f.to.as_deref().and_then(level_of),
                ) {
                    (Some(from), Some(to)) if restrictiveness(to) < restrictiveness(from) => {
                        Some(from)
                    }
                    _ => None,
                };
                let change = f.change.as_deref().unwrap_or_default();
                match (owner_of(), f.target.clone(), weaker) {
                    (Some(project), Some(branch), Some(level))
                        if change == "push access levels" =>
                    {
                        Some(Action::SetBranchAccess {
                            project,
                            branch,
                            push_level: Some(level),
                            merge_level: None,
                        })
                    }
                    (Some(project), Some(branch), Some(level))
                        if change == "merge access levels" =>
                    {
                        Some(Action::SetBranchAccess {
                            project,
                            branch,
                            push_level: None,
                            merge_level: Some(level),
                        })
                    }
                    _ => None,
                }
            }
            ("protected_branch_changed", _) if f.event_type == "protected_branch_removed" => {
                match (owner_of(), f.target.clone()) {
                    (Some(project), Some(branch)) => {
                        Some(Action::ProtectBranch { project, branch })
                    }
                    _ => None,
                }
            }
            // Only changes that weaken review are put back; a stricter setting stays.
            ("approval_changed", _) if f.to.as_deref() == Some("false") => {
                let setting = match f.event_type.as_str() {
                    "project_merge_requests_author_approval_updated" => {
                        // GitLab logs "prevent approval from authors": prevent=false means
                        // authors may approve, i.e. merge_requests_author_approval=true.
                        Some(("merge_requests_author_approval", false))
                    }
                    "project_reset_approvals_on_push_updated" => {
                        Some(("reset_approvals_on_push", true))
                    }
                    "project_disable_overriding_approvers_per_merge_request_updated" => {
                        Some(("disable_overriding_approvers_per_merge_request", true))
                    }
                    _ => None,
                };
                match (owner_of(), setting) {
                    (Some(project), Some((setting, value))) => Some(Action::SetApprovalSetting {
                        project,
                        setting: setting.to_string(),
                        value,
                    }),
                    _ => None,
                }
            }
            ("visibility_changed", _)
                if f.to
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("public")) =>
            {
                match (owner_of(), f.from.as_deref()) {
                    (Some(project), Some(from)) => Some(Action::SetProjectVisibility {
                        project,
                        visibility: from.to_ascii_lowercase(),
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        let risk = match &action {
            Some(Action::BlockUser { .. }) => "an account created or promoted by the attacker: nothing legitimate should depend on it".to_string(),
            Some(Action::SetProjectVisibility { .. }) => "people outside the project lose the access the change gave them".to_string(),
            Some(Action::SetApprovalSetting { .. } | Action::ProtectBranch { .. } | Action::SetBranchAccess { .. }) => "merge requests need the review the change had removed".to_string(),
            Some(_) => "created by the attacker: removing it breaks nothing legitimate unless the owner reuses it".to_string(),
            None => String::new(),
        };
        match action {
            Some(action) => run.plan.push(action, why, risk, None, f.event_ids.clone()),
            None if matches!(
                f.kind.as_str(),
                "new_oauth_application"
                    | "new_runner"
                    | "new_webhook"
                    | "sso_changed"
                    | "protected_branch_changed"
                    | "variable_changed"
                    | "two_factor_disabled"
                    | "email_changed"
                    | "new_email"
            ) =>
            {
                run.plan.push(
                    Action::Manual {
                        title: format!("review and undo: {}", f.title),
                    },
                    why,
                    "-".into(),
                    None,
                    f.event_ids.clone(),
                );
            }
            None => {}
        }
    }
}
