//! Applying a saved plan: each step is executed once, in order, and journaled with GitLab's
//! status and request id. A step GitLab reports as already done is a success with a note (so a
//! second apply changes nothing); a failing step is journaled and the rest still run, because
//! partial containment beats none. The journal's pre-state is what GitLab showed just before
//! the change (over what the plan recorded), which is what `undo` puts back.

use crate::plan::{Plan, Step};
use crate::pre_state::{self, group_path, hook_path, project_path};
use crate::{Action, Error, Owner};
use glir_case::{Case, JournalEntry, JournalRecord, StepKind, Target, TimeKind};
use glir_gitlab::{Applied, Client, Visibility};
use glir_redact::Secret;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    AlreadyDone,
    Failed,
    /// A manual step: listed, not executed.
    Manual,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub n: usize,
    pub action: String,
    pub outcome: Outcome,
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub note: String,
    /// Hash of the journal record of this step.
    pub journal_hash: String,
}

/// What executing one action gave back.
struct Done {
    changed: bool,
    status: u16,
    request_id: Option<String>,
    post_state: Value,
    /// A new credential GitLab issued (rotate, reset, renew): written to a 0600 file.
    secret: Option<Secret>,
}

fn done<T>(applied: Applied<T>, post: impl FnOnce(&T) -> Value) -> Done {
    Done {
        changed: applied.changed,
        status: applied.status,
        request_id: applied.request_id,
        post_state: post(&applied.value),
        secret: None,
    }
}

/// One setting of the object at `path` (application settings, a group, a project), its new
/// value as GitLab answers it the post-state.
async fn set_setting(
    client: &Client,
    path: &str,
    setting: &str,
    value: &Value,
) -> Result<Done, glir_gitlab::Error> {
    Ok(done(
        client.set_setting(path, setting, value.clone()).await?,
        |v| json!({ setting: v[setting] }),
    ))
}

/// Applies every step of `plan`; manual steps are journaled as pending for a person.
pub async fn apply(
    client: &Client,
    case: &mut Case,
    plan: &Plan,
    plan_path: &str,
    operator: &str,
) -> Result<Vec<StepResult>, Error> {
    apply_with_tokens(client, case, plan, plan_path, operator, &[]).await
}

/// Whether applying `plan` needs leaked tokens handed back (admin token API steps).
pub fn needs_tokens(plan: &Plan) -> bool {
    plan.steps
        .iter()
        .any(|s| matches!(s.action, Action::AdminRevokeToken { .. }))
}

/// [`apply`], with the plaintext of tokens that `AdminRevokeToken` steps name by fingerprint.
pub async fn apply_with_tokens(
    client: &Client,
    case: &mut Case,
    plan: &Plan,
    plan_path: &str,
    operator: &str,
    tokens: &[Secret],
) -> Result<Vec<StepResult>, Error> {
    let mut results = Vec::new();
    for step in &plan.steps {
        let (kind, id) = step.action.target();
        let target = Some(Target {
            kind,
            id,
            label: None,
        });
        if let Action::Manual { title } = &step.action {
            let record = case.journal_step(JournalEntry {
                kind: Some(StepKind::Plan),
                action: step.action.name(),
                operator: operator.to_string(),
                note: Some(format!(
                    "manual step {} of {plan_path} left to a person: {title}",
                    step.n
                )),
                ..JournalEntry::default()
            })?;
            results.push(StepResult {
                n: step.n,
                action: step.action.name(),
                outcome: Outcome::Manual,
                status: None,
                request_id: None,
                note: title.clone(),
                journal_hash: record.hash,
            });
            continue;
        }
        let request = request_line(&step.action);
        if let Some(earlier) = done_before(case, step, plan_path)? {
            let why = if matches!(step.action, Action::ResetPassword { .. }) {
                "GitLab cannot show it"
            } else {
                "doing it again would issue yet another secret"
            };
            let note = format!(
                "step {} of {plan_path}: already done (journal #{}); {why}, so nothing was sent",
                step.n, earlier.seq
            );
            let record = case.journal_step(JournalEntry {
                kind: Some(StepKind::Change),
                action: step.action.name(),
                operator: operator.to_string(),
                target: target.clone(),
                request: Some(request),
                pre_state: earlier.entry.post_state.clone(),
                post_state: earlier.entry.post_state.clone(),
                note: Some(note.clone()),
                ..JournalEntry::default()
            })?;
            results.push(StepResult {
                n: step.n,
                action: step.action.name(),
                outcome: Outcome::AlreadyDone,
                status: None,
                request_id: None,
                note,
                journal_hash: record.hash,
            });
            continue;
        }
        let pre_state = pre_state::merge(
            step.pre_state.as_ref(),
            pre_state::read(client, &step.action).await,
        );
        let result = match execute(client, &step.action, tokens).await {
            Ok(mut d) => {
                let mut note = if d.changed {
                    format!("step {} of {plan_path}: {}", step.n, step.effect)
                } else {
                    format!(
                        "step {} of {plan_path}: already done, nothing changed",
                        step.n
                    )
                };
                if let Some(secret) = d.secret.take() {
                    let path = write_secret(case, step, &secret)?;
                    note.push_str(&format!(
                        "; the new secret ({}) is in {} (mode 0600)",
                        secret.fingerprint(),
                        path.display()
                    ));
                }
                let record = case.journal_step(JournalEntry {
                    kind: Some(StepKind::Change),
                    action: step.action.name(),
                    operator: operator.to_string(),
                    target: target.clone(),
                    request: Some(request),
                    status: Some(d.status),
                    request_id: d.request_id.clone(),
                    pre_state: pre_state.clone(),
                    post_state: Some(d.post_state),
                    note: Some(note.clone()),
                })?;
                if revokes_credential(&step.action) {
                    case.record_time(TimeKind::Revoked, Timestamp::now(), operator)?;
                }
                StepResult {
                    n: step.n,
                    action: step.action.name(),
                    outcome: if d.changed {
                        Outcome::Applied
                    } else {
                        Outcome::AlreadyDone
                    },
                    status: Some(d.status),
                    request_id: d.request_id,
                    note,
                    journal_hash: record.hash,
                }
            }
            Err(e) => {
                let note = format!("step {} of {plan_path} failed: {e}", step.n);
                let record = case.journal_step(JournalEntry {
                    kind: Some(StepKind::Change),
                    action: step.action.name(),
                    operator: operator.to_string(),
                    target: target.clone(),
                    request: Some(request),
                    status: e.status(),
                    request_id: e.request_id().map(str::to_string),
                    pre_state,
                    note: Some(note.clone()),
                    ..JournalEntry::default()
                })?;
                StepResult {
                    n: step.n,
                    action: step.action.name(),
                    outcome: Outcome::Failed,
                    status: e.status(),
                    request_id: e.request_id().map(str::to_string),
                    note,
                    journal_hash: record.hash,
                }
            }
        };
        results.push(result);
    }
    let contained = results.iter().all(|r| r.outcome != Outcome::Failed)
        && results
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Applied | Outcome::AlreadyDone));
    if contained {
        case.record_time(TimeKind::Contained, Timestamp::now(), operator)?;
    }
    Ok(results)
}

/// For a step whose effect GitLab does not show (a password) or that issues a new secret each
/// time (a rotation or reset), the record of this same step of this plan already applied:
/// applying the plan again must not change the password or issue another secret.
fn done_before(case: &Case, step: &Step, plan_path: &str) -> Result<Option<JournalRecord>, Error> {
    let once = matches!(
        step.action,
        Action::ResetPassword { .. }
            | Action::RotatePersonalAccessToken { .. }
            | Action::RotateProjectAccessToken { .. }
            | Action::RotateGroupAccessToken { .. }
            | Action::ResetRunnerToken { .. }
            | Action::RenewApplicationSecret { .. }
            | Action::ResetHookToken { .. }
    );
    if !once {
        return Ok(None);
    }
    let prefix = format!("step {} of {plan_path}: ", step.n);
    let name = step.action.name();
    Ok(case.journal().records()?.into_iter().find(|r| {
        r.entry.kind == Some(StepKind::Change)
            && r.entry.action == name
            && r.entry.post_state.is_some()
            && r.entry
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with(&prefix))
    }))
}

fn revokes_credential(action: &Action) -> bool {
    matches!(
        action,
        Action::RevokePersonalAccessToken { .. }
            | Action::RotatePersonalAccessToken { .. }
            | Action::RevokeProjectAccessToken { .. }
            | Action::RotateProjectAccessToken { .. }
            | Action::RevokeGroupAccessToken { .. }
            | Action::RotateGroupAccessToken { .. }
            | Action::RevokeDeployToken { .. }
            | Action::DeleteTrigger { .. }
            | Action::RevokeClusterAgentToken { .. }
            | Action::CancelJob { .. }
            | Action::AdminRevokeToken { .. }
            | Action::ResetRunnerToken { .. }
            | Action::RenewApplicationSecret { .. }
            | Action::ResetHookToken { .. }
    )
}

async fn execute(
    client: &Client,
    action: &Action,
    tokens: &[Secret],
) -> Result<Done, glir_gitlab::Error> {
    let unit = |_: &()| json!({"gone": true});
    Ok(match action {
        Action::RevokePersonalAccessToken { token_id } => done(
            client.revoke_personal_access_token(*token_id).await?,
            |_| json!({"revoked": true}),
        ),
        Action::RotatePersonalAccessToken { token_id } => {
            rotated(client.rotate_personal_access_token(*token_id, None).await?)
        }
        Action::RotateProjectAccessToken { project, token_id } => rotated(
            client
                .rotate_project_access_token(project, *token_id, None)
                .await?,
        ),
        Action::RotateGroupAccessToken { group, token_id } => rotated(
            client
                .rotate_group_access_token(group, *token_id, None)
                .await?,
        ),
        Action::RevokeProjectAccessToken { project, token_id } => done(
            client
                .revoke_project_access_token(project, *token_id)
                .await?,
            |_| json!({"revoked": true}),
        ),
        Action::RevokeGroupAccessToken { group, token_id } => done(
            client.revoke_group_access_token(group, *token_id).await?,
            |_| json!({"revoked": true}),
        ),
        Action::RevokeDeployToken { owner, token_id } => match owner {
            Owner::Project { project } => done(
                client
                    .revoke_project_deploy_token(project, *token_id)
                    .await?,
                unit,
            ),
            Owner::Group { group } => done(
                client.revoke_group_deploy_token(group, *token_id).await?,
                unit,
            ),
            Owner::Instance => return Err(unsupported("instance deploy tokens")),
        },
        Action::DeleteTrigger {
            project,
            trigger_id,
        } => done(client.delete_trigger(project, *trigger_id).await?, unit),
        Action::RevokeClusterAgentToken {
            project,
            agent_id,
            token_id,
        } => done(
            client
                .revoke_cluster_agent_token(project, *agent_id, *token_id)
                .await?,
            unit,
        ),
        Action::AdminRevokeToken { fingerprint, .. } => {
            let Some(token) = tokens.iter().find(|t| &t.fingerprint() == fingerprint) else {
                return Err(glir_gitlab::Error::Config(format!(
                    "this step needs the token {fingerprint} itself: pass it on stdin (`glir apply CASE < token.txt`)"
                )));
            };
            done(client.admin_revoke_token(token).await?, unit)
        }
        Action::CancelJob { project, job_id } => done(
            client.cancel_job(project, *job_id).await?,
            |j| json!({"status": j.status}),
        ),
        Action::ResetRunnerToken { runner_id } => {
            let applied = client.reset_runner_token(*runner_id).await?;
            let secret = applied.value.token.clone();
            let mut d = done(applied, |r| json!({"token_expires_at": r.token_expires_at}));
            d.secret = Some(secret);
            d
        }
        Action::RenewApplicationSecret { application_id } => {
            let applied = client.renew_application_secret(*application_id).await?;
            let secret = applied.value.secret.clone();
            let mut d = done(
                applied,
                |r| json!({"application": r.application.application_name}),
            );
            d.secret = Some(secret);
            d
        }
        Action::BlockUser { user_id } => done(client.block_user(*user_id).await?, user_state),
        Action::UnblockUser { user_id } => done(client.unblock_user(*user_id).await?, user_state),
        Action::BanUser { user_id } => done(client.ban_user(*user_id).await?, user_state),
        Action::UnbanUser { user_id } => done(client.unban_user(*user_id).await?, user_state),
        Action::DeactivateUser { user_id } => {
            done(client.deactivate_user(*user_id).await?, user_state)
        }
        Action::ReactivateUser { user_id } => {
            done(client.activate_user(*user_id).await?, user_state)
        }
        Action::ResetPassword { user_id } => done(
            client.reset_password_randomly(*user_id).await?,
            |u| json!({"state": u.state, "password_replaced": true}),
        ),
        Action::DisableTwoFactor { user_id } => {
            done(client.disable_two_factor(*user_id).await?, user_state)
        }
        Action::RemoveSshKey { user_id, key_id } => {
            done(client.delete_user_ssh_key(*user_id, *key_id).await?, unit)
        }
        Action::RemoveGpgKey { user_id, key_id } => {
            done(client.delete_user_gpg_key(*user_id, *key_id).await?, unit)
        }
        Action::RemoveDeployKey { project, key_id } => done(
            client.delete_project_deploy_key(project, *key_id).await?,
            unit,
        ),
        Action::RemoveHook { owner, hook_id } => match owner {
            Owner::Project { project } => {
                done(client.delete_project_hook(project, *hook_id).await?, unit)
            }
            Owner::Group { group } => done(client.delete_group_hook(group, *hook_id).await?, unit),
            Owner::Instance => done(client.delete_system_hook(*hook_id).await?, unit),
        },
        Action::ResetHookToken { owner, hook_id } => {
            let applied = client.reset_hook_token(&hook_path(owner, *hook_id)).await?;
            let secret = applied.value.clone();
            let mut d = done(applied, |_| json!({"token_replaced": true}));
            d.secret = Some(secret);
            d
        }
        Action::RequireTwoFactor { owner } => match owner {
            Owner::Group { group } => done(
                client.set_group_require_2fa(group, true, Some(48)).await?,
                |_| json!({"require_two_factor_authentication": true}),
            ),
            Owner::Instance => done(
                client.set_instance_require_2fa(true).await?,
                |_| json!({"require_two_factor_authentication": true}),
            ),
            Owner::Project { .. } => {
                return Err(unsupported("two-factor enforcement on a project"));
            }
        },
        Action::ProtectVariable {
            owner,
            key,
            environment_scope,
        } => variable(client, owner, key, environment_scope, None, Some(true)).await?,
        Action::MaskVariable {
            owner,
            key,
            environment_scope,
        } => variable(client, owner, key, environment_scope, Some(true), None).await?,
        Action::UnprotectVariable {
            owner,
            key,
            environment_scope,
        } => variable(client, owner, key, environment_scope, None, Some(false)).await?,
        Action::UnmaskVariable {
            owner,
            key,
            environment_scope,
        } => variable(client, owner, key, environment_scope, Some(false), None).await?,
        Action::ProtectBranch { project, branch } => done(
            client.protect_branch(project, branch, 40, 40).await?,
            |b| json!({"protected": b.name}),
        ),
        Action::SetBranchAccess {
            project,
            branch,
            push_level,
            merge_level,
        } => branch_access(client, project, branch, *push_level, *merge_level).await?,
        Action::SetApprovalSetting {
            project,
            setting,
            value,
        } => {
            let mut change = glir_gitlab::ApprovalChange::default();
            match setting.as_str() {
                "merge_requests_author_approval" => {
                    change.merge_requests_author_approval = Some(*value)
                }
                "reset_approvals_on_push" => change.reset_approvals_on_push = Some(*value),
                "disable_overriding_approvers_per_merge_request" => {
                    change.disable_overriding_approvers_per_merge_request = Some(*value)
                }
                other => return Err(unsupported(&format!("approval setting {other}"))),
            }
            done(client.set_project_approvals(project, &change).await?, |a| {
                json!({
                    "merge_requests_author_approval": a.merge_requests_author_approval,
                    "reset_approvals_on_push": a.reset_approvals_on_push,
                    "disable_overriding_approvers_per_merge_request": a.disable_overriding_approvers_per_merge_request,
                })
            })
        }
        Action::SetInstanceSetting { setting, value } => {
            set_setting(client, "/application/settings", setting, value).await?
        }
        Action::SetGroupSetting {
            group,
            setting,
            value,
        } => set_setting(client, &group_path(group), setting, value).await?,
        Action::SetProjectSetting {
            project,
            setting,
            value,
        } => set_setting(client, &project_path(project), setting, value).await?,
        Action::EnableHookSslVerification { owner, hook_id } => done(
            client
                .enable_hook_ssl_verification(&hook_path(owner, *hook_id))
                .await?,
            |v| json!({"enable_ssl_verification": v["enable_ssl_verification"]}),
        ),
        Action::DisableHookSslVerification { owner, hook_id } => done(
            client
                .disable_hook_ssl_verification(&hook_path(owner, *hook_id))
                .await?,
            |v| json!({"enable_ssl_verification": v["enable_ssl_verification"]}),
        ),
        Action::DisablePublicJobs { project } => done(
            client.set_project_public_jobs(project, false).await?,
            |p| json!({"public_jobs": p.public_jobs}),
        ),
        Action::SetProjectVisibility {
            project,
            visibility,
        } => {
            let wanted = match visibility.as_str() {
                "private" => Visibility::Private,
                "internal" => Visibility::Internal,
                "public" => Visibility::Public,
                other => return Err(unsupported(&format!("visibility {other:?}"))),
            };
            done(
                client.set_project_visibility(project, wanted).await?,
                |p| json!({"visibility": p.visibility}),
            )
        }
        Action::Manual { .. } => unreachable!("manual steps are not executed"),
    })
}

/// A rotated access token: its successor's id and expiry journaled, its value for the 0600 file.
fn rotated(applied: Applied<glir_gitlab::RotatedToken>) -> Done {
    let secret = applied.value.secret.clone();
    let mut d = done(
        applied,
        |r| json!({"new_token_id": r.token.id, "expires_at": r.token.expires_at}),
    );
    d.secret = Some(secret);
    d
}

/// CE's API cannot change a protected branch's levels in place (PATCH changes them only on
/// Premium, doc/api/protected_branches.md), so the rule is removed and created again with the
/// wanted levels; GitLab audits both.
async fn branch_access(
    client: &Client,
    project: &str,
    branch: &str,
    push: Option<u8>,
    merge: Option<u8>,
) -> Result<Done, glir_gitlab::Error> {
    use futures::TryStreamExt;
    let mut current = None;
    let mut pages = std::pin::pin!(
        client.pages::<glir_gitlab::ProtectedBranch>(client.project_protected_branches(project))
    );
    while let Some(page) = pages.try_next().await? {
        if let Some(b) = page.items.into_iter().find(|b| b.name == branch) {
            current = Some(b);
        }
    }
    let level = |list: &[glir_gitlab::BranchAccess]| list.first().map_or(40, |a| a.access_level);
    let (now_push, now_merge) = current.as_ref().map_or((40, 40), |b| {
        (level(&b.push_access_levels), level(&b.merge_access_levels))
    });
    let wanted = (push.unwrap_or(now_push), merge.unwrap_or(now_merge));
    let post = json!({"push_access_level": wanted.0, "merge_access_level": wanted.1});
    if current.is_some() && (now_push, now_merge) == wanted {
        return Ok(Done {
            changed: false,
            status: 200,
            request_id: None,
            post_state: post,
            secret: None,
        });
    }
    if current.is_some() {
        client.unprotect_branch(project, branch).await?;
    }
    let applied = client
        .protect_branch(project, branch, wanted.0, wanted.1)
        .await?;
    Ok(done(applied, |_| post))
}

async fn variable(
    client: &Client,
    owner: &Owner,
    key: &str,
    env: &str,
    masked: Option<bool>,
    protected: Option<bool>,
) -> Result<Done, glir_gitlab::Error> {
    let flags = |v: &glir_gitlab::Variable| json!({"masked": v.masked, "protected": v.protected});
    match owner {
        Owner::Project { project } => Ok(done(
            client
                .update_project_variable(project, key, Some(env), masked, protected)
                .await?,
            flags,
        )),
        Owner::Group { group } => Ok(done(
            client
                .update_group_variable(group, key, Some(env), masked, protected)
                .await?,
            flags,
        )),
        Owner::Instance => Err(unsupported("instance CI/CD variables")),
    }
}

fn user_state(u: &glir_gitlab::User) -> Value {
    json!({"state": u.state, "two_factor_enabled": u.two_factor_enabled})
}

fn unsupported(what: &str) -> glir_gitlab::Error {
    glir_gitlab::Error::Config(format!("glir cannot change {what} yet"))
}

/// Method and path, for the journal (never a body).
fn request_line(action: &Action) -> String {
    match action {
        Action::RevokePersonalAccessToken { token_id } => {
            format!("DELETE /personal_access_tokens/{token_id}")
        }
        Action::RotatePersonalAccessToken { token_id } => {
            format!("POST /personal_access_tokens/{token_id}/rotate")
        }
        Action::RevokeProjectAccessToken { project, token_id } => {
            format!("DELETE /projects/{project}/access_tokens/{token_id}")
        }
        Action::RevokeGroupAccessToken { group, token_id } => {
            format!("DELETE /groups/{group}/access_tokens/{token_id}")
        }
        Action::RotateProjectAccessToken { project, token_id } => {
            format!("POST /projects/{project}/access_tokens/{token_id}/rotate")
        }
        Action::RotateGroupAccessToken { group, token_id } => {
            format!("POST /groups/{group}/access_tokens/{token_id}/rotate")
        }
        Action::ResetHookToken {
            owner: Owner::Instance,
            hook_id,
        } => format!("PUT /hooks/{hook_id} (token)"),
        Action::ResetHookToken { owner, hook_id } => {
            format!("PUT {}/hooks/{hook_id} (token)", owner_path(owner))
        }
        Action::RevokeDeployToken { owner, token_id } => {
            format!("DELETE {}/deploy_tokens/{token_id}", owner_path(owner))
        }
        Action::DeleteTrigger {
            project,
            trigger_id,
        } => format!("DELETE /projects/{project}/triggers/{trigger_id}"),
        Action::RevokeClusterAgentToken {
            project,
            agent_id,
            token_id,
        } => format!("DELETE /projects/{project}/cluster_agents/{agent_id}/tokens/{token_id}"),
        Action::CancelJob { project, job_id } => {
            format!("POST /projects/{project}/jobs/{job_id}/cancel")
        }
        Action::AdminRevokeToken { .. } => "DELETE /admin/token".to_string(),
        Action::ResetRunnerToken { runner_id } => {
            format!("POST /runners/{runner_id}/reset_authentication_token")
        }
        Action::RenewApplicationSecret { application_id } => {
            format!("POST /applications/{application_id}/renew-secret")
        }
        Action::BlockUser { user_id } => format!("POST /users/{user_id}/block"),
        Action::UnblockUser { user_id } => format!("POST /users/{user_id}/unblock"),
        Action::BanUser { user_id } => format!("POST /users/{user_id}/ban"),
        Action::UnbanUser { user_id } => format!("POST /users/{user_id}/unban"),
        Action::DeactivateUser { user_id } => format!("POST /users/{user_id}/deactivate"),
        Action::ReactivateUser { user_id } => format!("POST /users/{user_id}/activate"),
        Action::ResetPassword { user_id } => format!("PUT /users/{user_id} (password)"),
        Action::DisableTwoFactor { user_id } => {
            format!("PATCH /users/{user_id}/disable_two_factor")
        }
        Action::RemoveSshKey { user_id, key_id } => {
            format!("DELETE /users/{user_id}/keys/{key_id}")
        }
        Action::RemoveGpgKey { user_id, key_id } => {
            format!("DELETE /users/{user_id}/gpg_keys/{key_id}")
        }
        Action::RemoveDeployKey { project, key_id } => {
            format!("DELETE /projects/{project}/deploy_keys/{key_id}")
        }
        Action::RemoveHook {
            owner: Owner::Instance,
            hook_id,
        } => format!("DELETE /hooks/{hook_id}"),
        Action::RemoveHook { owner, hook_id } => {
            format!("DELETE {}/hooks/{hook_id}", owner_path(owner))
        }
        Action::RequireTwoFactor {
            owner: Owner::Instance,
        } => "PUT /application/settings".to_string(),
        Action::RequireTwoFactor { owner } => format!("PUT {}", owner_path(owner)),
        Action::ProtectVariable { owner, key, .. }
        | Action::MaskVariable { owner, key, .. }
        | Action::UnprotectVariable { owner, key, .. }
        | Action::UnmaskVariable { owner, key, .. } => {
            format!("PUT {}/variables/{key}", owner_path(owner))
        }
        Action::ProtectBranch { project, .. } => {
            format!("POST /projects/{project}/protected_branches")
        }
        Action::SetApprovalSetting { project, .. } => format!("POST /projects/{project}/approvals"),
        Action::SetBranchAccess {
            project, branch, ..
        } => format!("DELETE then POST /projects/{project}/protected_branches ({branch})"),
        Action::DisablePublicJobs { project } | Action::SetProjectVisibility { project, .. } => {
            format!("PUT /projects/{project}")
        }
        Action::SetInstanceSetting { .. } => "PUT /application/settings".to_string(),
        Action::SetGroupSetting { group, .. } => format!("PUT /groups/{group}"),
        Action::SetProjectSetting { project, .. } => format!("PUT /projects/{project}"),
        Action::EnableHookSslVerification {
            owner: Owner::Instance,
            hook_id,
        }
        | Action::DisableHookSslVerification {
            owner: Owner::Instance,
            hook_id,
        } => format!("PUT /hooks/{hook_id}"),
        Action::EnableHookSslVerification { owner, hook_id }
        | Action::DisableHookSslVerification { owner, hook_id } => {
            format!("PUT {}/hooks/{hook_id}", owner_path(owner))
        }
        Action::Manual { .. } => String::new(),
    }
}

fn owner_path(owner: &Owner) -> String {
    match owner {
        Owner::Project { project } => format!("/projects/{project}"),
        Owner::Group { group } => format!("/groups/{group}"),
        Owner::Instance => String::new(),
    }
}

/// `<case>/secrets/step-N.secret`, created new with mode 0600: the only place a rotated secret
/// is ever written.
fn write_secret(case: &Case, step: &Step, secret: &Secret) -> Result<PathBuf, Error> {
    let dir = case.dir().join("secrets");
    let io = |path: &PathBuf| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut path = dir.join(format!("step-{}.secret", step.n));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("step-{}.{n}.secret", step.n));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io(&path))?;
    file.write_all(secret.expose().as_bytes())
        .map_err(io(&path))?;
    file.write_all(b"\n").map_err(io(&path))?;
    Ok(path)
}
