//! Evidence read from GitLab's current state: webhooks created during the incident, the
//! touched projects' settings, the actor's pipeline logs.

use crate::evidence::snapshot;
use crate::playbook::Run;
use crate::{Action, Error, Finding, Owner};
use glir_events::AuditEvent;
use serde_json::json;
use std::collections::BTreeSet;

/// The paths of the projects the suspicious events were on.
fn touched_projects(suspicious: &[AuditEvent]) -> BTreeSet<String> {
    suspicious
        .iter()
        .filter(|e| e.entity_type.as_deref() == Some("Project"))
        .filter_map(|e| e.entity_path.clone())
        .collect()
}

/// Webhooks created since `since` on the projects the suspicious events touched (and system
/// hooks, for an administrator). A hook can exist with no audit event in the window (created
/// through a path that is not audited, or before audit streaming was set up), so the current
/// state is read, not only the events.
pub(super) async fn hooks_since(
    run: &mut Run<'_, '_>,
    suspicious: &[AuditEvent],
    since: jiff::Timestamp,
) -> Result<Vec<Finding>, Error> {
    let client = run.r.client;
    let projects = touched_projects(suspicious);
    let mut owners: Vec<(Owner, glir_gitlab::PageRequest)> = projects
        .iter()
        .map(|p| {
            (
                Owner::Project { project: p.clone() },
                client.project_hooks(p),
            )
        })
        .collect();
    if run.admin() {
        owners.push((Owner::Instance, client.system_hooks()));
    }
    let mut found = Vec::new();
    for (owner, req) in owners {
        let hooks: Vec<glir_gitlab::Hook> = match client.all(req).await {
            Ok(hooks) => hooks,
            Err(e) if matches!(e.status(), Some(403 | 404)) => {
                run.skip(format!("webhooks of {}", owner.label()), e.to_string());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for hook in hooks
            .into_iter()
            .filter(|h| h.created_at.is_some_and(|t| t >= since))
        {
            let url = hook.url.split(['?', '#']).next().unwrap_or_default();
            let finding = Finding {
                kind: "new_webhook".into(),
                event_type: String::new(),
                severity: "high".into(),
                title: glir_redact::scrub(&format!(
                    "webhook {} to {url} on {} created during the incident",
                    hook.id,
                    owner.label()
                ))
                .into_owned(),
                time: hook.created_at.unwrap_or(since),
                actor: None,
                author_id: None,
                ip: None,
                object_id: Some(hook.id),
                target: Some(url.to_string()),
                change: None,
                entity_path: None,
                from: None,
                to: None,
                event_ids: Vec::new(),
            };
            run.plan.push(
                Action::RemoveHook { owner: owner.clone(), hook_id: hook.id },
                finding.title.clone(),
                "whatever receives this hook stops getting events; a hook added by the attacker is how data leaves".into(),
                Some(json!({"url": url, "created_at": hook.created_at})),
                Vec::new(),
            );
            found.push(finding);
        }
    }
    Ok(found)
}

/// For every project the suspicious events touched: its settings and approval rules as they are
/// now, and the logs of the actor's pipelines there in the window (token-shaped text redacted
/// before it is written).
pub(super) async fn touched_projects_evidence(
    run: &mut Run<'_, '_>,
    suspicious: &[AuditEvent],
    actor: Option<&str>,
) -> Result<(), Error> {
    let client = run.r.client;
    let projects = touched_projects(suspicious);
    for project in projects {
        let file = project.replace('/', "_");
        match client.project(&project).await {
            Ok(answer) => {
                snapshot(
                    run.r.case,
                    &format!("project-{file}"),
                    "GET /api/v4/projects/:id",
                    &answer.body,
                    &run.r.operator,
                )?;
            }
            Err(e) => {
                let access = e.is_access_denied();
                run.failed(format!("settings of {project}"), e, access);
                continue;
            }
        }
        if let Ok(approvals) = client.project_approval_settings(&project).await {
            snapshot(
                run.r.case,
                &format!("project-{file}-approvals"),
                "GET /api/v4/projects/:id/approvals",
                &json!({
                    "merge_requests_author_approval": approvals.body.merge_requests_author_approval,
                    "reset_approvals_on_push": approvals.body.reset_approvals_on_push,
                    "disable_overriding_approvers_per_merge_request": approvals.body.disable_overriding_approvers_per_merge_request,
                }),
                &run.r.operator,
            )?;
        }
        let Some(actor) = actor else { continue };
        let req = glir_collect::JobLogRequest {
            target: project.clone(),
            since: Some(run.r.since),
            artifacts: false,
            max_artifact_bytes: 0,
            concurrency: 4,
            shard: None,
        };
        let mut logs: Vec<(i64, Vec<u8>)> = Vec::new();
        let fetched = glir_collect::fetch_job_logs(client, &req, &mut |log| {
            let by_actor = log.job.user.as_ref().is_some_and(|u| u.username == actor);
            if let (true, Ok(trace)) = (by_actor, log.trace) {
                logs.push((log.job.id, trace));
            }
        })
        .await;
        if let Err(e) = fetched {
            let access = e.is_access_denied();
            run.failed(format!("job logs of {project}"), e, access);
            continue;
        }
        for (job, trace) in logs {
            let text = String::from_utf8_lossy(&trace);
            run.r.case.add_evidence(
                &format!("jobs/{file}/{job}.log"),
                glir_redact::scrub(&text).as_bytes(),
                &format!("GET /api/v4/projects/{project}/jobs/{job}/trace"),
                &run.r.operator,
            )?;
        }
    }
    Ok(())
}
