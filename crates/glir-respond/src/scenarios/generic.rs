//! The scenarios that share one shape: misconfiguration, exfiltration (and job-token exposure's
//! findings).

use super::{find_user, plan_findings, revoke_user_tokens, scope_collection, scope_collection_for};
use crate::playbook::{Playbook, Run, Subject, new_ips};
use crate::{Action, Error, Finding, findings};
use glir_events::AuditEvent;
use glir_store::EventFilter;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The remaining scenarios share one shape: collect, find what changed in the scope (from the
/// actors' new addresses when the scope is the whole instance), plan actions for what the
/// findings name, and the guide's manual steps.
pub(crate) async fn other(
    run: &mut Run<'_, '_>,
    playbook: Playbook,
    subject: &Subject,
) -> Result<Vec<Finding>, Error> {
    match subject {
        Subject::Project { project, .. } => scope_collection_for(run, project).await?,
        _ => scope_collection(run).await?,
    }
    let mut subject_user = None;
    let events = match subject {
        Subject::Project { project, .. } => run.events(EventFilter {
            entity: Some(project.clone()),
            ..EventFilter::default()
        })?,
        Subject::Group(group) => run.events(EventFilter {
            entity: Some(group.clone()),
            ..EventFilter::default()
        })?,
        Subject::User(username) => {
            let user = find_user(run, username).await?;
            let events = run.events(EventFilter {
                actor: Some(user.id.to_string()),
                ..EventFilter::default()
            })?;
            subject_user = Some(user);
            events
        }
        // Across the instance, only what each actor did from an address new to them.
        Subject::Instance | Subject::Token(_) => from_new_ips(run.events(EventFilter::default())?),
    };
    let mut found = findings(&events);
    let relevant: &[&str] = match playbook {
        Playbook::Misconfiguration => &[
            "visibility_changed",
            "protected_branch_changed",
            "approval_changed",
            "variable_changed",
        ],
        Playbook::Exfiltration => &[
            "repository_downloaded",
            "project_exported",
            "artifact_downloaded",
        ],
        Playbook::JobTokenExposure => &[
            "variable_changed",
            "new_runner",
            "new_deploy_key",
            "protected_branch_changed",
        ],
        _ => &[],
    };
    if !relevant.is_empty() {
        found.retain(|f| relevant.contains(&f.kind.as_str()));
    }
    for f in &found {
        run.timeline.extend(f.event_ids.iter().cloned());
    }
    plan_findings(run, &found, subject_user.as_ref().map_or(0, |u| u.id));
    if playbook == Playbook::Exfiltration
        && let Some(user) = &subject_user
        && !found.is_empty()
    {
        run.plan.push(
            Action::BlockUser { user_id: user.id },
            format!(
                "{} downloaded or exported {} times in the window",
                user.username,
                found.len()
            ),
            format!("{} loses all access until unblocked", user.username),
            Some(json!({"state": user.state})),
            found.iter().flat_map(|f| f.event_ids.clone()).collect(),
        );
        revoke_user_tokens(run, user).await?;
    }
    let manual: &[&str] = match playbook {
        Playbook::JobTokenExposure => &[
            "review the project's recent commits and their authors in the evidence",
            "limit job token access (Settings > CI/CD > Job token permissions)",
        ],
        Playbook::Exfiltration => {
            &["enable auto-ban on excessive project downloads (application setting)"]
        }
        _ => &[],
    };
    for title in manual {
        run.plan.push(
            Action::Manual {
                title: (*title).to_string(),
            },
            format!("the guide's {} steps", playbook.name()),
            "-".into(),
            None,
            Vec::new(),
        );
    }
    Ok(found)
}

/// Events each actor made from an address it had not used before in the window.
pub(super) fn from_new_ips(events: Vec<AuditEvent>) -> Vec<AuditEvent> {
    let mut by_actor: BTreeMap<i64, Vec<AuditEvent>> = BTreeMap::new();
    for e in &events {
        by_actor
            .entry(e.author_id.unwrap_or(0))
            .or_default()
            .push(e.clone());
    }
    let new: BTreeSet<(i64, String)> = by_actor
        .iter()
        .flat_map(|(actor, list)| new_ips(list).into_iter().map(move |ip| (*actor, ip)))
        .collect();
    events
        .into_iter()
        .filter(|e| {
            e.ip_address
                .as_ref()
                .is_some_and(|ip| new.contains(&(e.author_id.unwrap_or(0), ip.clone())))
        })
        .collect()
}
