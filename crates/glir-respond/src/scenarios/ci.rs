//! CI/CD: secrets leaked through variables and job logs, and exposed job tokens.

use super::{other, scope_collection_for};
use crate::evidence::snapshot;
use crate::playbook::{Playbook, Run, Subject};
use crate::{Action, Error, Finding, Owner};
use serde_json::json;
use std::collections::BTreeSet;

/// Secrets leaked through CI/CD variables: which values are in which job logs, and the flags
/// that let them leak (unmasked, unprotected, public pipelines).
pub(crate) async fn ci_secret_exposure(
    run: &mut Run<'_, '_>,
    subject: &Subject,
) -> Result<Vec<Finding>, Error> {
    let Subject::Project { project, .. } = subject else {
        return Err(Error::Input(
            "ci-secret-exposure needs --project PATH".into(),
        ));
    };
    scope_collection_for(run, project).await?;
    let scanner = glir_scan::Scanner::new(
        glir_scan::RuleSet::builtin(&glir_scan::RuleOptions::default())
            .map_err(|e| Error::Input(e.to_string()))?,
    )
    .map_err(|e| Error::Input(e.to_string()))?;
    let audit =
        match crate::audit_variables(run.r.client, &scanner, project, Some(run.r.since)).await {
            Ok(audit) => audit,
            Err(e) if matches!(e.status(), Some(401 | 403)) => {
                run.skip(
                    "CI/CD variables and job logs",
                    format!("needs Maintainer of {project}: {e}"),
                );
                return Ok(Vec::new());
            }
            Err(e) => return Err(e.into()),
        };
    for warning in &audit.warnings {
        run.skip("group CI/CD variables", warning.clone());
    }
    snapshot(
        run.r.case,
        "ci-variables",
        "GET /api/v4/projects/:id/variables (values replaced by fingerprints)",
        &audit.variables,
        &run.r.operator,
    )?;
    run.summary.push(format!(
        "{} CI/CD variables read, values searched in {} job logs",
        audit.variables.len(),
        audit.jobs_searched
    ));
    // The logs that show values are evidence, and the plan ends by erasing them: keep them
    // first, with the lines that show a value withheld.
    let mut kept = Vec::new();
    for log in &audit.leaking_logs {
        kept.push(log.keep(
            run.r.case,
            &audit.project,
            "CI/CD variable values",
            &run.r.operator,
        )?);
    }
    let mut found = Vec::new();
    for v in &audit.variables {
        let owner = if v.owner_is_group {
            Owner::Group {
                group: v.owner_path.clone(),
            }
        } else {
            Owner::Project {
                project: v.owner_path.clone(),
            }
        };
        if !v.leaked_in_jobs.is_empty() {
            let encodings: Vec<&str> = v.encodings.iter().map(String::as_str).collect();
            found.push(Finding {
                kind: "leaked_variable".into(),
                event_type: String::new(),
                severity: "high".into(),
                title: format!(
                    "value of {} ({}) appears in job logs {:?} ({})",
                    v.key,
                    v.defined_in,
                    v.leaked_in_jobs,
                    encodings.join(", ")
                ),
                time: v.first_seen.unwrap_or(run.r.since),
                actor: None,
                author_id: None,
                ip: None,
                object_id: None,
                target: Some(v.key.clone()),
                change: None,
                entity_path: Some(v.owner_path.clone()),
                from: None,
                to: None,
                event_ids: Vec::new(),
            });
            run.plan.push(
                Action::Manual {
                    title: format!(
                        "rotate the secret in {} at its issuer, then update the variable",
                        v.key
                    ),
                },
                format!("its value is in job logs {:?}", v.leaked_in_jobs),
                "whatever uses the old value fails once it is rotated".into(),
                None,
                Vec::new(),
            );
        }
        if !v.looks_secret || v.hidden {
            continue;
        }
        let state = Some(
            json!({"masked": v.masked, "protected": v.protected, "fingerprint": v.fingerprint}),
        );
        if !v.masked && v.maskable {
            run.plan.push(
                Action::MaskVariable {
                    owner: owner.clone(),
                    key: v.key.clone(),
                    environment_scope: v.environment_scope.clone(),
                },
                format!(
                    "{} holds a secret-looking value shown in clear in job logs",
                    v.key
                ),
                "none for jobs; people reading logs no longer see the value".into(),
                state.clone(),
                Vec::new(),
            );
        } else if !v.masked {
            run.plan.push(
                Action::Manual { title: format!("{}: GitLab cannot mask its value; move it to a file variable or an external secret store", v.key) },
                format!("{} holds a secret-looking value shown in clear in job logs", v.key),
                "-".into(),
                None,
                Vec::new(),
            );
        }
        if !v.protected {
            run.plan.push(
                Action::ProtectVariable {
                    owner,
                    key: v.key.clone(),
                    environment_scope: v.environment_scope.clone(),
                },
                format!("{} is given to pipelines of every branch", v.key),
                "pipelines on unprotected branches lose the variable: deployments from them fail"
                    .into(),
                state,
                Vec::new(),
            );
        }
    }
    if audit.public_jobs == Some(true) {
        run.plan.push(
            Action::DisablePublicJobs {
                project: audit.project.clone(),
            },
            "job logs are visible to non-members".into(),
            "non-members can no longer read pipelines and job logs".into(),
            Some(json!({"public_jobs": true})),
            Vec::new(),
        );
    }
    let why = if kept.is_empty() {
        "the guide's CI/CD secret steps".to_string()
    } else {
        format!(
            "the guide's CI/CD secret steps; the logs are kept in the case first ({}), with the lines that show values withheld",
            kept.join(", ")
        )
    };
    run.plan.push(
        Action::Manual { title: "erase the job logs and artifacts that show secrets (POST /projects/:id/jobs/:job_id/erase)".into() },
        why,
        "the logs are gone for everyone".into(),
        None,
        Vec::new(),
    );
    Ok(found)
}

/// Exposed CI_JOB_TOKEN: end the job (its token dies with it) and review who changed what in
/// the project recently, since the token could read the repository and push to registries.
pub(crate) async fn job_token_exposure(
    run: &mut Run<'_, '_>,
    subject: &Subject,
) -> Result<Vec<Finding>, Error> {
    let Subject::Project { project, job } = subject else {
        return Err(Error::Input(
            "job-token-exposure needs --project PATH (and --job ID)".into(),
        ));
    };
    let client = run.r.client;
    if let Some(job_id) = job {
        match client.job(project, *job_id).await {
            Ok(answer) => {
                let job = answer.body;
                snapshot(
                    run.r.case,
                    &format!("job-{job_id}"),
                    "GET /api/v4/projects/:id/jobs/:job_id",
                    &job,
                    &run.r.operator,
                )?;
                run.summary.push(format!(
                    "job {} ({}) of {project} is {}: its token {}",
                    job.id,
                    job.name,
                    job.status,
                    if job.status == "running" {
                        "is live until the job ends"
                    } else {
                        "no longer works"
                    }
                ));
                run.plan.push(
                    Action::CancelJob {
                        project: project.clone(),
                        job_id: job.id,
                    },
                    "the guide: a job token lives as long as its job".into(),
                    format!(
                        "job {} ({}) stops; its pipeline shows it canceled",
                        job.id, job.name
                    ),
                    Some(json!({"status": job.status})),
                    Vec::new(),
                );
            }
            Err(e) => {
                let access = e.is_access_denied();
                run.failed(format!("job {job_id}"), e, access);
            }
        }
    }
    let mut found = recent_commits(run, project).await?;
    found.extend(other(run, Playbook::JobTokenExposure, subject).await?);
    Ok(found)
}

/// The project's commits in the window with the files each changed, saved as evidence; changes
/// to CI configuration and scripts become findings.
pub(super) async fn recent_commits(
    run: &mut Run<'_, '_>,
    project: &str,
) -> Result<Vec<Finding>, Error> {
    /// Commits whose changed files are read, newest first.
    const MAX_COMMITS: usize = 200;
    let client = run.r.client;
    let commits: Vec<glir_gitlab::Commit> = match client
        .all(client.project_commits(project, Some(run.r.since), Some(run.r.until)))
        .await
    {
        Ok(commits) => commits,
        Err(e) if matches!(e.status(), Some(403 | 404)) => {
            run.skip("recent commits", e.to_string());
            return Ok(Vec::new());
        }
        Err(e) => return Err(e.into()),
    };
    let mut history = Vec::new();
    let mut found = Vec::new();
    let mut authors = BTreeSet::new();
    for commit in commits.iter().take(MAX_COMMITS) {
        let files: Vec<String> = client
            .commit_files(project, &commit.id)
            .await?
            .body
            .into_iter()
            .map(|f| f.new_path)
            .collect();
        authors.insert(commit.author_email.clone());
        let ci_change: Vec<&String> = files
            .iter()
            .filter(|f| {
                f.ends_with(".gitlab-ci.yml")
                    || f.starts_with("scripts/")
                    || f.starts_with(".gitlab/")
            })
            .collect();
        if !ci_change.is_empty() {
            found.push(Finding {
                kind: "pipeline_changed".into(),
                event_type: String::new(),
                severity: "medium".into(),
                title: glir_redact::scrub(&format!(
                    "commit {} \"{}\" by {} <{}> changed {}",
                    &commit.id[..commit.id.len().min(12)],
                    commit.title,
                    commit.author_name,
                    commit.author_email,
                    ci_change
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .into_owned(),
                time: commit.authored_date,
                actor: Some(commit.author_name.clone()),
                author_id: None,
                ip: None,
                object_id: None,
                target: Some(commit.id.clone()),
                change: None,
                entity_path: Some(project.to_string()),
                from: None,
                to: None,
                event_ids: Vec::new(),
            });
        }
        history.push(json!({
            "id": commit.id,
            "title": commit.title,
            "author_name": commit.author_name,
            "author_email": commit.author_email,
            "authored_date": commit.authored_date,
            "files": files,
        }));
    }
    snapshot(
        run.r.case,
        &format!("commits-{}", project.replace('/', "_")),
        "GET /api/v4/projects/:id/repository/commits and /commits/:sha/diff",
        &history,
        &run.r.operator,
    )?;
    run.summary.push(format!(
        "{} commits by {} authors in the window (files per commit saved as evidence)",
        history.len(),
        authors.len()
    ));
    for f in &found {
        run.plan.push(
            Action::Manual {
                title: format!("review: {}", f.title),
            },
            "a pipeline change while a job token was exposed".into(),
            "-".into(),
            None,
            Vec::new(),
        );
    }
    Ok(found)
}
