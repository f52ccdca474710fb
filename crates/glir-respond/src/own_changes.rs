//! The case's own changes among the audit events: a playbook run again after `apply` meets the
//! events glir's containment wrote (the block, the revocations, the 2FA enforcement). They are
//! listed as the case's own and kept out of findings and alerts, so containment never reads as
//! the attacker's persistence or as a suspicious administrator.
//!
//! An event is a step's when GitLab's correlation id (which GitLab also answers as the
//! `X-Request-Id` the journal keeps) is the step's request id. Events without one (REST audit
//! events carry none; log lines do) are a step's when their author is one of the case's
//! responders, their type is one the step's action writes, they name the step's object, and
//! they are within a minute of the step's journal time.

use crate::applied_steps::{AppliedStep, applied_steps};
use crate::error::Error;
use crate::{Action, Owner};
use glir_case::Case;
use glir_events::AuditEvent;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

/// How far an event's time may be from its step's journal time.
const WINDOW: SignedDuration = SignedDuration::from_secs(60);

/// One audit event caused by one of the case's applied steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnChange {
    pub event_id: String,
    pub event_type: String,
    pub time: Timestamp,
    pub case: String,
    /// Journal sequence number and hash of the step.
    pub step: u64,
    pub step_hash: String,
    pub action: String,
    /// `request id`, or `author, type, object and time`.
    pub linked_by: String,
}

impl OwnChange {
    /// How a run's summary lists it.
    pub fn line(&self) -> String {
        format!(
            "glir's own containment (case {}, step {}): {} {} at {} (linked by {})",
            self.case, self.step, self.action, self.event_type, self.time, self.linked_by
        )
    }
}

/// The case's applied steps and who applied them, ready to sort events.
pub(crate) struct OwnSteps {
    case: String,
    steps: Vec<AppliedStep>,
    responders: BTreeSet<i64>,
}

impl OwnSteps {
    /// The case's changes; `caller` is the GitLab user running the playbook now, added to the
    /// responders each `acquisition` record of the journal names.
    pub(crate) fn load(case: &Case, caller: Option<i64>) -> Result<OwnSteps, Error> {
        let mut responders: BTreeSet<i64> = case
            .journal()
            .records()?
            .iter()
            .filter(|r| r.entry.action == "acquisition")
            .filter_map(|r| r.entry.post_state.as_ref()?["caller"]["id"].as_i64())
            .collect();
        responders.extend(caller);
        let steps = applied_steps(case)?
            .into_iter()
            .filter(|s| s.changed)
            .collect();
        Ok(OwnSteps {
            case: case.info().name.clone(),
            steps,
            responders,
        })
    }

    /// The events among `events` that the case's own steps caused.
    pub(crate) fn find(&self, events: &[AuditEvent]) -> Vec<OwnChange> {
        if self.steps.is_empty() {
            return Vec::new();
        }
        events.iter().filter_map(|e| self.step_of(e)).collect()
    }

    fn step_of(&self, event: &AuditEvent) -> Option<OwnChange> {
        let correlation = correlation_id(event);
        self.steps.iter().find_map(|step| {
            let linked_by = match (&correlation, step.record.entry.request_id.as_deref()) {
                (Some(event_id), Some(request_id)) => {
                    (event_id == request_id).then_some("request id")?
                }
                _ => self
                    .matches_without_request_id(step, event)
                    .then_some("author, type, object and time")?,
            };
            Some(OwnChange {
                event_id: event.event_id.clone(),
                event_type: event.event_type.clone().unwrap_or_default(),
                time: event.created_at,
                case: self.case.clone(),
                step: step.record.seq,
                step_hash: step.record.hash.clone(),
                action: step.action.name(),
                linked_by: linked_by.to_string(),
            })
        })
    }

    fn matches_without_request_id(&self, step: &AppliedStep, event: &AuditEvent) -> bool {
        let by_responder = event
            .author_id
            .is_some_and(|id| self.responders.contains(&id));
        let near = (event.created_at.duration_since(step.record.time)).abs() <= WINDOW;
        by_responder
            && near
            && signature(&step.action, step.record.entry.post_state.as_ref())
                .is_some_and(|s| s.matches(event))
    }
}

/// The correlation id GitLab logs with every line of a request (`correlation_id`, or
/// `meta.correlation_id` in the request context), wherever the record's layout puts it.
fn correlation_id(event: &AuditEvent) -> Option<String> {
    let in_details = ["correlation_id", "meta.correlation_id"]
        .iter()
        .find_map(|k| event.details.get(*k))
        .or_else(|| event.details.get("meta")?.get("correlation_id"));
    let found = match in_details {
        Some(v) => v.clone(),
        None => {
            let raw: Value = serde_json::from_str(&event.raw).ok()?;
            raw.get("correlation_id")
                .or_else(|| raw.get("meta.correlation_id"))
                .or_else(|| raw.get("meta")?.get("correlation_id"))?
                .clone()
        }
    };
    found.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// What the audit event of an action looks like: its types, the object it names, and where it
/// is recorded.
struct Signature {
    types: Vec<String>,
    /// The event names one of these (target id or details, entity id, or a number in its message).
    objects: Vec<String>,
    /// The event's entity (its path or id), when the action names one.
    entity: Option<String>,
    /// The setting the event's `change` names, for setting changes.
    change: Option<String>,
}

impl Signature {
    fn new(types: &[&str], objects: Vec<String>) -> Signature {
        Signature {
            types: types.iter().map(|t| (*t).to_string()).collect(),
            objects,
            entity: None,
            change: None,
        }
    }

    fn setting(types: Vec<String>, entity: Option<String>, change: &str) -> Signature {
        Signature {
            types,
            objects: Vec::new(),
            entity,
            change: Some(change.to_string()),
        }
    }

    fn matches(&self, e: &AuditEvent) -> bool {
        let typed = e
            .event_type
            .as_deref()
            .is_some_and(|t| self.types.iter().any(|w| w == t));
        let object = self.objects.is_empty() || self.objects.iter().any(|o| names(e, o));
        let entity = self.entity.as_deref().is_none_or(|want| {
            e.entity_path.as_deref() == Some(want)
                || e.entity_id.is_some_and(|id| id.to_string() == want)
        });
        let change = self
            .change
            .as_deref()
            .is_none_or(|want| e.change.as_deref() == Some(want));
        typed && object && entity && change
    }
}

/// The event names `object` as its target, its entity, or a number in its message.
fn names(e: &AuditEvent, object: &str) -> bool {
    e.target_id.as_deref() == Some(object)
        || e.target_details.as_deref() == Some(object)
        || e.entity_id.is_some_and(|id| id.to_string() == object)
        || e.custom_message.as_deref().is_some_and(|m| {
            m.split(|c: char| !c.is_ascii_digit())
                .any(|number| number == object)
        })
}

/// The audit events GitLab writes for `action` (doc/user/compliance/audit_event_types.md; the
/// simulator writes the same). `None` for actions GitLab does not audit (a cancelled job,
/// public jobs, a webhook's TLS verification).
fn signature(action: &Action, post_state: Option<&Value>) -> Option<Signature> {
    let id = |n: &i64| vec![n.to_string()];
    let user = |types: &[&str], user_id: &i64| Signature::new(types, id(user_id));
    Some(match action {
        Action::RevokePersonalAccessToken { token_id } => {
            Signature::new(&["personal_access_token_revoked"], id(token_id))
        }
        // Rotation revokes the old token and creates its successor in one request.
        Action::RotatePersonalAccessToken { token_id } => {
            let mut objects = id(token_id);
            if let Some(new) = post_state.and_then(|p| p["new_token_id"].as_i64()) {
                objects.push(new.to_string());
            }
            Signature::new(
                &[
                    "personal_access_token_revoked",
                    "personal_access_token_created",
                ],
                objects,
            )
        }
        Action::RevokeProjectAccessToken { token_id, .. } => {
            Signature::new(&["project_access_token_deleted"], id(token_id))
        }
        Action::RevokeGroupAccessToken { token_id, .. } => {
            Signature::new(&["group_access_token_deleted"], id(token_id))
        }
        // As for personal access tokens: the old one deleted, its successor created.
        Action::RotateProjectAccessToken { token_id, .. }
        | Action::RotateGroupAccessToken { token_id, .. } => {
            let label = if matches!(action, Action::RotateProjectAccessToken { .. }) {
                "project"
            } else {
                "group"
            };
            let mut objects = id(token_id);
            if let Some(new) = post_state.and_then(|p| p["new_token_id"].as_i64()) {
                objects.push(new.to_string());
            }
            Signature {
                types: vec![
                    format!("{label}_access_token_deleted"),
                    format!("{label}_access_token_created"),
                ],
                objects,
                entity: None,
                change: None,
            }
        }
        Action::RevokeDeployToken { token_id, .. } => Signature::new(
            &[
                "deploy_token_revoked",
                "deploy_token_destroyed",
                "group_deploy_token_revoked",
                "group_deploy_token_destroyed",
            ],
            id(token_id),
        ),
        // The plan names the token by fingerprint only: the family's event, by type and time.
        Action::AdminRevokeToken { .. } => Signature::new(
            &[
                "personal_access_token_revoked",
                "project_access_token_deleted",
                "group_access_token_deleted",
                "deploy_token_revoked",
                "group_deploy_token_revoked",
                "ci_runner_token_reset",
            ],
            Vec::new(),
        ),
        Action::ResetRunnerToken { runner_id } => {
            Signature::new(&["ci_runner_token_reset"], id(runner_id))
        }
        // ban_user stands for all four moderation verbs in older catalogues.
        Action::BlockUser { user_id } => user(&["user_blocked", "ban_user"], user_id),
        Action::UnblockUser { user_id } => user(&["unblock_user", "ban_user"], user_id),
        Action::BanUser { user_id } => user(&["ban_user"], user_id),
        Action::UnbanUser { user_id } => user(&["unban_user", "ban_user"], user_id),
        Action::DeactivateUser { user_id } => user(&["user_deactivate"], user_id),
        Action::ReactivateUser { user_id } => user(&["user_activate"], user_id),
        Action::ResetPassword { user_id } => user(&["user_password_updated"], user_id),
        Action::DisableTwoFactor { user_id } => user(&["user_disable_two_factor"], user_id),
        Action::RemoveSshKey { key_id, .. } => Signature::new(&["remove_ssh_key"], id(key_id)),
        Action::RemoveGpgKey { key_id, .. } => Signature::new(&["remove_gpg_key"], id(key_id)),
        Action::RemoveDeployKey { key_id, .. } => {
            Signature::new(&["deploy_key_removed"], id(key_id))
        }
        Action::RemoveHook { hook_id, .. } => Signature::new(&["webhook_destroyed"], id(hook_id)),
        Action::RequireTwoFactor {
            owner: Owner::Instance,
        } => Signature::setting(
            vec!["application_setting_updated".into()],
            None,
            "require_two_factor_authentication",
        ),
        Action::RequireTwoFactor {
            owner: Owner::Group { group },
        } => Signature {
            types: vec![
                "group_require_two_factor_authentication_updated".into(),
                "group_two_factor_grace_period_updated".into(),
            ],
            objects: Vec::new(),
            entity: Some(group.clone()),
            change: None,
        },
        Action::ProtectVariable { owner, key, .. }
        | Action::MaskVariable { owner, key, .. }
        | Action::UnprotectVariable { owner, key, .. }
        | Action::UnmaskVariable { owner, key, .. } => {
            let (types, entity) = match owner {
                Owner::Project { project } => (["ci_variable_updated"], project),
                Owner::Group { group } => (["ci_group_variable_updated"], group),
                Owner::Instance => return None,
            };
            Signature {
                entity: Some(entity.clone()),
                ..Signature::new(&types, vec![key.clone()])
            }
        }
        Action::ProtectBranch { project, branch } => Signature {
            entity: Some(project.clone()),
            ..Signature::new(&["protected_branch_created"], vec![branch.clone()])
        },
        Action::SetBranchAccess {
            project, branch, ..
        } => Signature {
            entity: Some(project.clone()),
            ..Signature::new(
                &["protected_branch_removed", "protected_branch_created"],
                vec![branch.clone()],
            )
        },
        Action::SetApprovalSetting {
            project, setting, ..
        } => Signature::setting(
            vec![format!("project_{setting}_updated")],
            Some(project.clone()),
            setting,
        ),
        Action::SetProjectVisibility { project, .. } => Signature::setting(
            vec!["project_visibility_level_updated".into()],
            Some(project.clone()),
            "visibility",
        ),
        Action::SetInstanceSetting { setting, .. } => {
            Signature::setting(vec!["application_setting_updated".into()], None, setting)
        }
        // GitLab's changes auditors name the event after the column (`group_<setting>_updated`).
        Action::SetGroupSetting { group, setting, .. } => Signature::setting(
            vec![format!("group_{setting}_updated")],
            Some(group.clone()),
            setting,
        ),
        Action::SetProjectSetting {
            project, setting, ..
        } => Signature::setting(
            vec![format!("project_{setting}_updated")],
            Some(project.clone()),
            setting,
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(json: Value) -> AuditEvent {
        glir_events::parse_event(&json.to_string(), None, "test").unwrap()
    }

    #[test]
    fn a_block_event_is_named_by_its_user_and_type() {
        let block = signature(&Action::BlockUser { user_id: 2 }, None).unwrap();
        let blocked = event(json!({
            "id": 9, "event_type": "user_blocked", "author_id": 1, "entity_id": 2,
            "entity_type": "User", "target_id": 2, "target_type": "User",
            "created_at": "2026-11-28T10:00:00Z", "details": {"custom_message": "Blocked user"}
        }));
        assert!(block.matches(&blocked));
        let other_user = signature(&Action::BlockUser { user_id: 6 }, None).unwrap();
        assert!(!other_user.matches(&blocked));
        let revoked = signature(&Action::RevokePersonalAccessToken { token_id: 4 }, None).unwrap();
        assert!(!revoked.matches(&blocked));
        assert!(revoked.matches(&event(json!({
            "id": 10, "event_type": "personal_access_token_revoked", "author_id": 1,
            "entity_id": 2, "entity_type": "User", "target_id": 2,
            "created_at": "2026-11-28T10:00:00Z",
            "details": {"custom_message": "Revoked personal access token with id 4"}
        }))));
        assert!(!revoked.matches(&event(json!({
            "id": 11, "event_type": "personal_access_token_revoked", "author_id": 1,
            "entity_id": 2, "entity_type": "User", "target_id": 2,
            "created_at": "2026-11-28T10:00:00Z",
            "details": {"custom_message": "Revoked personal access token with id 14"}
        }))));
    }

    fn blocked_step(request_id: Option<&str>) -> OwnSteps {
        let record: glir_case::JournalRecord = serde_json::from_value(json!({
            "seq": 7, "time": "2026-11-28T10:00:30Z", "prev": "0",
            "kind": "change", "action": "block_user", "operator": "tester",
            "request_id": request_id, "post_state": {"state": "blocked"}
        }))
        .unwrap();
        OwnSteps {
            case: "c".into(),
            steps: vec![AppliedStep {
                record,
                action: Action::BlockUser { user_id: 2 },
                changed: true,
            }],
            responders: BTreeSet::from([1]),
        }
    }

    fn block_event(author: i64, correlation: Option<&str>) -> AuditEvent {
        let mut details = json!({"custom_message": "Blocked user"});
        if let Some(id) = correlation {
            details["correlation_id"] = json!(id);
        }
        event(json!({
            "id": "9", "event_type": "user_blocked", "author_id": author, "entity_id": 2,
            "entity_type": "User", "target_id": 2, "created_at": "2026-11-28T10:00:00Z",
            "details": details
        }))
    }

    #[test]
    fn the_request_id_decides_when_the_event_has_one() {
        let own = blocked_step(Some("REQ-1"));
        let same_request = block_event(99, Some("REQ-1"));
        assert_eq!(own.find(&[same_request])[0].linked_by, "request id");
        // Same author, type, user and minute, but another request: someone else's block.
        assert!(own.find(&[block_event(1, Some("REQ-2"))]).is_empty());
        let without = own.find(&[block_event(1, None)]);
        assert_eq!(without[0].linked_by, "author, type, object and time");
        assert_eq!(without[0].step, 7);
        // Not a responder of the case.
        assert!(own.find(&[block_event(5, None)]).is_empty());
        assert_eq!(
            blocked_step(None)
                .find(&[block_event(1, Some("REQ-9"))])
                .len(),
            1
        );
    }

    #[test]
    fn a_correlation_id_is_read_wherever_the_layout_puts_it() {
        let stream = event(json!({
            "id": "1", "event_type": "user_blocked", "author_id": 1, "entity_id": 2,
            "entity_type": "User", "created_at": "2026-11-28T10:00:00Z",
            "details": {"correlation_id": "01HQ"}
        }));
        assert_eq!(correlation_id(&stream).as_deref(), Some("01HQ"));
        let rest = event(json!({
            "id": 2, "event_type": "user_blocked", "author_id": 1, "entity_id": 2,
            "entity_type": "User", "created_at": "2026-11-28T10:00:00Z", "details": {}
        }));
        assert_eq!(correlation_id(&rest), None);
    }
}
