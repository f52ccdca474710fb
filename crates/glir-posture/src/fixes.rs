//! Failures into plan steps: each failing check with a `fix` becomes the containment actions
//! the playbooks use, so `glir apply` applies them only on confirmation and journals each.

use crate::check::{FixAction, Scope};
use crate::load::Check;
use crate::outcome::{Outcome, Report, Status};
use crate::targets::Target;
use glir_respond::{Action, Owner, Plan};
use serde_json::Value;

/// The actions that would make a failing outcome pass.
pub fn actions(check: &Check, target: &Target, outcome: &Outcome) -> Vec<Action> {
    let Some(fix) = &check.spec.fix else {
        return Vec::new();
    };
    if outcome.status != Status::Fail {
        return Vec::new();
    }
    let owner = match target.scope {
        Scope::Instance => Owner::Instance,
        Scope::Group => Owner::Group {
            group: target.label.clone(),
        },
        Scope::Project => Owner::Project {
            project: target.label.clone(),
        },
    };
    let each_value = |make: &dyn Fn(String, Value) -> Action| -> Vec<Action> {
        fix.values
            .iter()
            .map(|(k, v)| make(k.clone(), v.clone()))
            .collect()
    };
    let variable = |f: &crate::outcome::Failure| -> Option<(String, String)> {
        let key = f.reference.get("key")?.as_str()?.to_string();
        let scope = f
            .reference
            .get("environment_scope")
            .and_then(Value::as_str)
            .unwrap_or("*")
            .to_string();
        Some((key, scope))
    };
    let project = target.label.clone();
    match fix.action {
        FixAction::SetInstanceSetting => {
            each_value(&|setting, value| Action::SetInstanceSetting { setting, value })
        }
        FixAction::SetGroupSetting => each_value(&|setting, value| Action::SetGroupSetting {
            group: target.label.clone(),
            setting,
            value,
        }),
        FixAction::SetProjectSetting => each_value(&|setting, value| Action::SetProjectSetting {
            project: project.clone(),
            setting,
            value,
        }),
        FixAction::SetApprovalSetting => fix
            .values
            .iter()
            .filter_map(|(k, v)| {
                Some(Action::SetApprovalSetting {
                    project: project.clone(),
                    setting: k.clone(),
                    value: v.as_bool()?,
                })
            })
            .collect(),
        FixAction::RequireTwoFactor => vec![Action::RequireTwoFactor { owner }],
        FixAction::DisablePublicJobs => vec![Action::DisablePublicJobs { project }],
        FixAction::ProtectDefaultBranch => target.object["default_branch"]
            .as_str()
            .map(|branch| Action::ProtectBranch {
                project,
                branch: branch.to_string(),
            })
            .into_iter()
            .collect(),
        FixAction::MaskVariable
        | FixAction::ProtectVariable
        | FixAction::MaskAndProtectVariable => {
            let mut out = Vec::new();
            for (key, environment_scope) in outcome.failures.iter().filter_map(variable) {
                if fix.action != FixAction::ProtectVariable {
                    out.push(Action::MaskVariable {
                        owner: owner.clone(),
                        key: key.clone(),
                        environment_scope: environment_scope.clone(),
                    });
                }
                if fix.action != FixAction::MaskVariable {
                    out.push(Action::ProtectVariable {
                        owner: owner.clone(),
                        key,
                        environment_scope,
                    });
                }
            }
            out
        }
        FixAction::EnableHookSsl => outcome
            .failures
            .iter()
            .filter_map(|f| f.reference.get("id")?.as_i64())
            .map(|hook_id| Action::EnableHookSslVerification {
                owner: owner.clone(),
                hook_id,
            })
            .collect(),
    }
}

/// The plan of every fix in the report, in the report's order (instance, groups, projects).
pub fn plan(report: &Report, checks: &[Check], case: &str) -> Plan {
    let mut plan = Plan::new(case, "posture");
    for outcome in &report.results {
        let risk = checks
            .iter()
            .find(|c| c.spec.id == outcome.id)
            .and_then(|c| c.spec.fix.as_ref())
            .and_then(|f| f.risk.clone())
            .unwrap_or_else(|| {
                "changes a setting other people rely on; review before applying".to_string()
            });
        for action in &outcome.fixes {
            plan.push(
                action.clone(),
                format!(
                    "posture check {} failed on {}: {}{}",
                    outcome.id,
                    outcome.target,
                    outcome.title,
                    outcome
                        .reason
                        .as_deref()
                        .map_or(String::new(), |r| format!(" ({r})"))
                ),
                risk.clone(),
                None,
                Vec::new(),
            );
        }
    }
    plan
}
