//! Undo: the inverse of an applied journal step, planned as ordinary actions (saved, shown,
//! confirmed, applied and journaled like any plan). Each planned step's effect ends with
//! `undoes: <hash>`, so its plan and change records name the step they put back. Where GitLab
//! cannot put something back (a revoked token, a deleted key), the undo is refused with why.

use crate::applied_steps::{AppliedStep, applied_steps};
use crate::error::Error;
use crate::{Action, Owner, Plan};
use glir_case::{Case, JournalRecord};
use serde::Serialize;
use serde_json::Value;

/// What `plan_undo` proposes: the plan (not yet saved) and the step it puts back.
#[derive(Debug, Clone, Serialize)]
pub struct Undo {
    pub plan: Plan,
    /// Journal sequence number of the step undone.
    pub undoes_seq: u64,
    /// Its record's hash.
    pub undoes_hash: String,
    pub undone: Action,
}

/// Marks a step as the undo of the record with this hash.
const UNDOES: &str = "undoes: ";

/// Plans the undo of the applied step `step` of `case`: its journal sequence number (`12` or
/// `#12`) or a prefix of its record's hash, as `glir case show` prints them.
pub fn plan_undo(case: &Case, step: &str) -> Result<Undo, Error> {
    let records = case.journal().records()?;
    let record = find(&records, step)?;
    let steps = applied_steps(case)?;
    let Some(applied) = steps.iter().find(|s| s.record.hash == record.hash) else {
        // A plan record and the change applying it share action and target: point at the change.
        let change = steps.iter().find(|s| {
            s.record.seq > record.seq
                && s.record.entry.action == record.entry.action
                && s.record.entry.target == record.entry.target
        });
        let hint = change.map_or(String::new(), |c| {
            format!("; the change applying it is #{}", c.record.seq)
        });
        return Err(Error::Input(format!(
            "journal #{} ({}) is not a change glir applied to GitLab: nothing to undo{hint}",
            record.seq, record.entry.action
        )));
    };
    if !applied.changed {
        return Err(Error::Input(format!(
            "journal #{} changed nothing (GitLab was already in that state): nothing to undo",
            record.seq
        )));
    }
    let marker = format!("{UNDOES}{}", record.hash);
    if let Some(later) = steps.iter().find(|s| {
        s.changed
            && s.record
                .entry
                .note
                .as_deref()
                .is_some_and(|n| n.contains(&marker))
    }) {
        return Err(Error::Input(format!(
            "journal #{} was already undone by #{}",
            record.seq, later.record.seq
        )));
    }
    let pre = applied
        .record
        .entry
        .pre_state
        .clone()
        .unwrap_or(Value::Null);
    let inverse = inverse(&applied.action, &pre).map_err(|reason| {
        Error::Input(format!(
            "journal #{} ({}) cannot be undone: {reason}",
            record.seq, record.entry.action
        ))
    })?;
    let mut plan = Plan::new(&case.info().name, "undo");
    for action in inverse {
        let risk = risk_of(&action);
        plan.push(
            action,
            why(applied),
            risk.to_string(),
            applied.record.entry.post_state.clone(),
            Vec::new(),
        );
    }
    for s in &mut plan.steps {
        s.effect = format!("{}; {marker}", s.effect);
    }
    Ok(Undo {
        plan,
        undoes_seq: record.seq,
        undoes_hash: record.hash.clone(),
        undone: applied.action.clone(),
    })
}

/// The record `step` names: a sequence number, or a hash prefix of at least 6 hex digits.
fn find<'a>(records: &'a [JournalRecord], step: &str) -> Result<&'a JournalRecord, Error> {
    let wanted = step.trim().trim_start_matches('#').to_ascii_lowercase();
    let unknown = || {
        Error::Input(format!(
            "no journal record {step}: give its number (#12) or the start of its hash, as `glir case show` prints them"
        ))
    };
    if let Ok(seq) = wanted.parse::<u64>()
        && let Some(r) = records.iter().find(|r| r.seq == seq)
    {
        return Ok(r);
    }
    if wanted.len() < 6 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown());
    }
    let mut matching = records.iter().filter(|r| r.hash.starts_with(&wanted));
    match (matching.next(), matching.next()) {
        (Some(r), None) => Ok(r),
        (Some(_), Some(_)) => Err(Error::Input(format!(
            "{step} starts more than one journal record's hash: give more of it"
        ))),
        (None, _) => Err(unknown()),
    }
}

fn why(applied: &AppliedStep) -> String {
    let target = applied
        .record
        .entry
        .target
        .as_ref()
        .map(|t| format!(" on {} {}", t.kind, t.id))
        .unwrap_or_default();
    format!(
        "undo of journal #{} ({}{target}, applied {})",
        applied.record.seq, applied.record.entry.action, applied.record.time
    )
}

/// The actions that put back what `action` changed, given the state the journal recorded
/// before it; or why GitLab cannot.
fn inverse(action: &Action, pre: &Value) -> Result<Vec<Action>, String> {
    let was = |key: &str| -> Result<Value, String> {
        pre.get(key).cloned().ok_or_else(|| {
            format!("the journal does not record {key} as it was before, so glir does not know what to put back")
        })
    };
    let user_was_active = |user_id: i64, undoing: &str| -> Result<(), String> {
        match pre.get("state").and_then(Value::as_str) {
            None | Some("active") => Ok(()),
            Some(state) => Err(format!(
                "user {user_id} was {state} before; {undoing} would make them active, not {state}: change it by hand"
            )),
        }
    };
    let one = |a: Action| Ok(vec![a]);
    match action {
        Action::BlockUser { user_id } => {
            user_was_active(*user_id, "unblocking")?;
            one(Action::UnblockUser { user_id: *user_id })
        }
        Action::BanUser { user_id } => one(Action::UnbanUser { user_id: *user_id }),
        Action::DeactivateUser { user_id } => one(Action::ReactivateUser { user_id: *user_id }),
        Action::UnblockUser { user_id } => one(Action::BlockUser { user_id: *user_id }),
        Action::UnbanUser { user_id } => one(Action::BanUser { user_id: *user_id }),
        Action::ReactivateUser { user_id } => one(Action::DeactivateUser { user_id: *user_id }),
        Action::SetInstanceSetting { setting, .. } => one(Action::SetInstanceSetting {
            setting: setting.clone(),
            value: was(setting)?,
        }),
        Action::SetGroupSetting { group, setting, .. } => one(Action::SetGroupSetting {
            group: group.clone(),
            setting: setting.clone(),
            value: was(setting)?,
        }),
        Action::SetProjectSetting {
            project, setting, ..
        } => one(Action::SetProjectSetting {
            project: project.clone(),
            setting: setting.clone(),
            value: was(setting)?,
        }),
        Action::SetProjectVisibility { project, .. } => match was("visibility")? {
            Value::String(visibility) => one(Action::SetProjectVisibility {
                project: project.clone(),
                visibility,
            }),
            other => Err(format!("the recorded visibility {other} is not a level")),
        },
        Action::DisablePublicJobs { project } => one(Action::SetProjectSetting {
            project: project.clone(),
            setting: "public_jobs".into(),
            value: was("public_jobs")?,
        }),
        Action::RequireTwoFactor { owner } => {
            let require = "require_two_factor_authentication";
            let grace = "two_factor_grace_period";
            match owner {
                Owner::Instance => one(Action::SetInstanceSetting {
                    setting: require.into(),
                    value: was(require)?,
                }),
                // The group's enforcement also set a grace period: both go back.
                Owner::Group { group } => {
                    let mut actions = vec![Action::SetGroupSetting {
                        group: group.clone(),
                        setting: require.into(),
                        value: was(require)?,
                    }];
                    if let Some(hours) = pre.get(grace).filter(|v| !v.is_null()) {
                        actions.push(Action::SetGroupSetting {
                            group: group.clone(),
                            setting: grace.into(),
                            value: hours.clone(),
                        });
                    }
                    Ok(actions)
                }
                Owner::Project { .. } => Err("GitLab has no two-factor setting on projects".into()),
            }
        }
        Action::SetApprovalSetting {
            project,
            setting,
            value,
        } => one(Action::SetApprovalSetting {
            project: project.clone(),
            setting: setting.clone(),
            value: pre.get(setting).and_then(Value::as_bool).unwrap_or(!value),
        }),
        Action::MaskVariable {
            owner,
            key,
            environment_scope,
        } => one(Action::UnmaskVariable {
            owner: owner.clone(),
            key: key.clone(),
            environment_scope: environment_scope.clone(),
        }),
        Action::UnmaskVariable {
            owner,
            key,
            environment_scope,
        } => one(Action::MaskVariable {
            owner: owner.clone(),
            key: key.clone(),
            environment_scope: environment_scope.clone(),
        }),
        Action::ProtectVariable {
            owner,
            key,
            environment_scope,
        } => one(Action::UnprotectVariable {
            owner: owner.clone(),
            key: key.clone(),
            environment_scope: environment_scope.clone(),
        }),
        Action::UnprotectVariable {
            owner,
            key,
            environment_scope,
        } => one(Action::ProtectVariable {
            owner: owner.clone(),
            key: key.clone(),
            environment_scope: environment_scope.clone(),
        }),
        Action::EnableHookSslVerification { owner, hook_id } => {
            one(Action::DisableHookSslVerification {
                owner: owner.clone(),
                hook_id: *hook_id,
            })
        }
        Action::DisableHookSslVerification { owner, hook_id } => {
            one(Action::EnableHookSslVerification {
                owner: owner.clone(),
                hook_id: *hook_id,
            })
        }
        other => Err(cannot_undo(other).to_string()),
    }
}

/// Why GitLab cannot put back what these actions did, and what to do instead.
fn cannot_undo(action: &Action) -> &'static str {
    match action {
        Action::RevokePersonalAccessToken { .. }
        | Action::RevokeProjectAccessToken { .. }
        | Action::RevokeGroupAccessToken { .. }
        | Action::RevokeDeployToken { .. }
        | Action::AdminRevokeToken { .. } => {
            "GitLab cannot restore a revoked token; create a new one"
        }
        Action::RotatePersonalAccessToken { .. }
        | Action::RotateProjectAccessToken { .. }
        | Action::RotateGroupAccessToken { .. } => {
            "GitLab cannot bring a rotated token's old value back; the new one is in the case's secrets/ directory"
        }
        Action::ResetHookToken { .. } => {
            "GitLab never shows a webhook's secret token, so the old one is not known; the new one is in the case's secrets/ directory"
        }
        Action::ResetRunnerToken { .. } => {
            "GitLab cannot bring a runner's old token back; register the runner with the new one"
        }
        Action::RenewApplicationSecret { .. } => {
            "GitLab cannot bring an OAuth application's old secret back; give its clients the new one"
        }
        Action::DeleteTrigger { .. } => {
            "GitLab cannot restore a deleted pipeline trigger; create a new one"
        }
        Action::RevokeClusterAgentToken { .. } => {
            "GitLab cannot restore a revoked agent token; create a new one for the agent"
        }
        Action::CancelJob { .. } => "a cancelled job cannot be resumed; retry it to run it again",
        Action::RemoveSshKey { .. }
        | Action::RemoveGpgKey { .. }
        | Action::RemoveDeployKey { .. } => {
            "GitLab cannot restore a deleted key; its owner adds it again (the case's evidence has it)"
        }
        Action::RemoveHook { .. } => {
            "GitLab cannot restore a deleted webhook; create it again (the case's evidence has its settings)"
        }
        Action::ResetPassword { .. } => {
            "GitLab cannot restore a password; the user sets a new one through \"forgot password\""
        }
        Action::DisableTwoFactor { .. } => {
            "GitLab cannot turn a user's two-factor authentication back on; the user enrols again"
        }
        Action::ProtectBranch { .. } | Action::SetBranchAccess { .. } => {
            "glir does not put branch protection back; change it under Settings > Repository > Protected branches (the journal's pre-state shows how it was)"
        }
        _ => "glir knows no inverse for this action",
    }
}

fn risk_of(action: &Action) -> &'static str {
    match action {
        Action::UnblockUser { .. } | Action::UnbanUser { .. } | Action::ReactivateUser { .. } => {
            "the account works again: sign-in, API, Git and its remaining tokens"
        }
        Action::BlockUser { .. } | Action::BanUser { .. } | Action::DeactivateUser { .. } => {
            "the account loses its access again"
        }
        Action::UnmaskVariable { .. } => "job logs show the variable's value again",
        Action::UnprotectVariable { .. } => {
            "pipelines of every branch, unprotected ones too, get the variable again"
        }
        Action::DisableHookSslVerification { .. } => {
            "the webhook no longer checks who receives its events"
        }
        _ => {
            "the setting goes back to what it was before the step, weaker if the step had hardened it"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_inverse_puts_back_the_recorded_state() {
        let block = Action::BlockUser { user_id: 2 };
        assert_eq!(
            inverse(&block, &json!({"state": "active"})),
            Ok(vec![Action::UnblockUser { user_id: 2 }])
        );
        assert!(
            inverse(&block, &json!({"state": "deactivated"}))
                .unwrap_err()
                .contains("deactivated")
        );
        let setting = Action::SetProjectSetting {
            project: "acme/app".into(),
            setting: "only_allow_merge_if_pipeline_succeeds".into(),
            value: json!(true),
        };
        assert_eq!(
            inverse(
                &setting,
                &json!({"only_allow_merge_if_pipeline_succeeds": false})
            ),
            Ok(vec![Action::SetProjectSetting {
                project: "acme/app".into(),
                setting: "only_allow_merge_if_pipeline_succeeds".into(),
                value: json!(false),
            }])
        );
        assert!(inverse(&setting, &Value::Null).is_err());
        let group = Action::RequireTwoFactor {
            owner: Owner::Group {
                group: "acme".into(),
            },
        };
        let back = inverse(
            &group,
            &json!({"require_two_factor_authentication": false, "two_factor_grace_period": 72}),
        )
        .unwrap();
        assert_eq!(back.len(), 2, "{back:?}");
    }

    #[test]
    fn what_gitlab_cannot_restore_is_refused_with_the_reason() {
        let reason = inverse(
            &Action::RevokePersonalAccessToken { token_id: 4 },
            &json!({"active": true}),
        )
        .unwrap_err();
        assert_eq!(
            reason,
            "GitLab cannot restore a revoked token; create a new one"
        );
        assert!(
            inverse(&Action::ResetPassword { user_id: 2 }, &Value::Null)
                .unwrap_err()
                .contains("forgot password")
        );
    }
}
