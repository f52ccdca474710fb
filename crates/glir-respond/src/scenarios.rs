//! Each scenario of GitLab's incident-response guide: which evidence to read and which actions
//! to plan. The guide's steps that no API can do are planned as manual steps so the report
//! lists them.

use crate::evidence::snapshot;
use crate::playbook::{Playbook, Run, Subject, new_ips};
use crate::{Action, Error, Finding, Owner, findings};
use futures::TryStreamExt;
use glir_events::AuditEvent;
use glir_gitlab::{AuditScope, PatFilter, PersonalAccessToken, TokenDetails, User, UserFilter};
use glir_store::EventFilter;
use glir_tokens::{IdentifyOptions, identify};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Exposed credential: identify the token and its owner, revoke it, and undo what was done
/// with it from the attacker's addresses.
pub(crate) async fn token_exposure(
    run: &mut Run<'_, '_>,
    subject: &Subject,
) -> Result<Vec<Finding>, Error> {
    let Subject::Token(token) = subject else {
        return Err(Error::Input(
            "token-exposure needs the leaked token (on stdin)".into(),
        ));
    };
    let id = identify(token.expose(), &IdentifyOptions::default());
    run.summary.push(format!(
        "leaked token {} ({}): {}",
        id.redacted,
        id.fingerprint,
        id.family.describe()
    ));
    if !run.admin() {
        run.skip(
            "token lookup (POST /admin/token)",
            "the responder's token is not an administrator's; look the token up with `glir token inspect`",
        );
        return Ok(Vec::new());
    }
    let client = run.r.client;
    let lookup = match client.admin_token_lookup(token).await {
        Ok(answer) => answer.body,
        Err(e) if e.status() == Some(404) => {
            run.summary.push("GitLab does not know the token: already revoked and deleted, or from another instance".into());
            return Ok(Vec::new());
        }
        Err(e) => return Err(e.into()),
    };
    snapshot(
        run.r.case,
        "leaked-token",
        "POST /api/v4/admin/token",
        &lookup.raw,
        &run.r.operator,
    )?;
    let TokenDetails::PersonalAccessToken(pat) = &lookup.details else {
        plan_other_family(run, &id, &lookup);
        return Ok(Vec::new());
    };
    let owner = client.user(pat.user_id).await.ok().map(|u| u.body);
    if let Some(owner) = &owner {
        run.summary.push(format!(
            "token {} \"{}\" belongs to {} (id {}{}), scopes {}",
            pat.id,
            pat.name,
            owner.username,
            owner.id,
            if owner.is_admin == Some(true) {
                ", administrator"
            } else {
                ""
            },
            pat.scopes.join(",")
        ));
        snapshot(
            run.r.case,
            &format!("user-{}", owner.id),
            "GET /api/v4/users/:id",
            owner,
            &run.r.operator,
        )?;
    }
    scope_collection(run).await?;
    let owner_events = run.events(EventFilter {
        actor: Some(pat.user_id.to_string()),
        ..EventFilter::default()
    })?;
    let attacker_ips = new_ips(&owner_events);
    if !attacker_ips.is_empty() {
        run.summary.push(format!(
            "the owner's account acted from new IPs: {}",
            attacker_ips.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let suspicious: Vec<_> = owner_events
        .into_iter()
        .filter(|e| {
            e.ip_address
                .as_ref()
                .is_some_and(|ip| attacker_ips.contains(ip))
        })
        .collect();
    run.timeline
        .extend(suspicious.iter().map(|e| e.event_id.clone()));
    if run.r.case.info().times.exposed_at.is_none()
        && let Some(first) = suspicious.first()
    {
        run.r.case.record_time(
            glir_case::TimeKind::Exposed,
            first.created_at,
            &run.r.operator,
        )?;
        run.summary.push(format!(
            "exposure time inferred from the first action from a new IP: {}",
            first.created_at
        ));
    }
    run.plan.push(
        Action::RevokePersonalAccessToken { token_id: pat.id },
        "the guide: revoke the exposed token".into(),
        token_risk(pat),
        Some(json!({"active": pat.active, "revoked": pat.revoked, "scopes": pat.scopes, "last_used_at": pat.last_used_at})),
        Vec::new(),
    );
    let mut found = findings(&suspicious);
    plan_findings(run, &found, pat.user_id);
    if let Some(first) = suspicious.first() {
        let hooks = hooks_since(run, &suspicious, first.created_at).await?;
        found.extend(hooks);
    }
    let owner_name = owner.as_ref().map(|o| o.username.clone());
    touched_projects_evidence(run, &suspicious, owner_name.as_deref()).await?;
    if pat.scopes.iter().any(|s| s == "api" || s == "read_api") {
        run.plan.push(
            Action::Manual {
                title: format!(
                    "rotate the CI/CD variables the token could read ({})",
                    if owner.as_ref().is_some_and(|o| o.is_admin == Some(true)) {
                        "its owner is an administrator: every project's"
                    } else {
                        "those of every project its owner maintains"
                    }
                ),
            },
            "the guide: assume every secret the token could read is exposed".into(),
            "deployments using those secrets need the new values".into(),
            None,
            Vec::new(),
        );
    }
    Ok(found)
}

/// Compromised account: block first, then remove what the attacker added, revoke the user's
/// tokens, enforce 2FA, and the manual steps (password reset, unblock when done).
pub(crate) async fn account_compromise(
    run: &mut Run<'_, '_>,
    subject: &Subject,
) -> Result<Vec<Finding>, Error> {
    let Subject::User(username) = subject else {
        return Err(Error::Input(
            "account-compromise needs --user USERNAME".into(),
        ));
    };
    let user = find_user(run, username).await?;
    snapshot(
        run.r.case,
        &format!("user-{}", user.id),
        "GET /api/v4/users/:id",
        &user,
        &run.r.operator,
    )?;
    run.summary.push(format!(
        "account {} (id {}), state {}, 2FA {}",
        user.username,
        user.id,
        user.state.as_deref().unwrap_or("?"),
        match user.two_factor_enabled {
            Some(true) => "on",
            Some(false) => "off",
            None => "unknown",
        }
    ));
    account_evidence(run, &user).await?;
    scope_collection(run).await?;
    let events = run.events(EventFilter {
        actor: Some(user.id.to_string()),
        ..EventFilter::default()
    })?;
    let ips = new_ips(&events);
    run.plan.push(
        Action::BlockUser { user_id: user.id },
        "the guide: block the compromised account first".into(),
        format!(
            "{} cannot sign in, push or use the API until unblocked",
            user.username
        ),
        Some(json!({"state": user.state})),
        Vec::new(),
    );
    let suspicious: Vec<_> = events
        .into_iter()
        .filter(|e| ips.is_empty() || e.ip_address.as_ref().is_some_and(|ip| ips.contains(ip)))
        .collect();
    run.timeline
        .extend(suspicious.iter().map(|e| e.event_id.clone()));
    let mut found = findings(&suspicious);
    plan_findings(run, &found, user.id);
    if let Some(first) = suspicious.first() {
        let hooks = hooks_since(run, &suspicious, first.created_at).await?;
        found.extend(hooks);
    }
    touched_projects_evidence(run, &suspicious, Some(&user.username)).await?;
    revoke_user_tokens(run, &user).await?;
    if run.admin() {
        run.plan.push(
            Action::RequireTwoFactor {
                owner: Owner::Instance,
            },
            "the guide: enforce two-factor authentication".into(),
            "users without 2FA must set it up at next sign-in (grace period 48 h)".into(),
            None,
            Vec::new(),
        );
    }
    for title in [
        format!(
            "reset {}'s password and have them re-enrol 2FA",
            user.username
        ),
        "rotate protected CI/CD variables and runner tokens the account could see".to_string(),
        format!(
            "review {}'s emails, identities (SAML), OAuth authorizations and webhooks in the evidence",
            user.username
        ),
        format!(
            "unblock {} when the investigation is done (glir plans it as a separate action)",
            user.username
        ),
    ] {
        run.plan.push(
            Action::Manual { title },
            "the guide's account-compromise steps".into(),
            "-".into(),
            None,
            Vec::new(),
        );
    }
    Ok(found)
}

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
        match glir_collect::audit_variables(run.r.client, &scanner, project, Some(run.r.since))
            .await
        {
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
    run.plan.push(
        Action::Manual { title: "erase the job logs and artifacts that show secrets (POST /projects/:id/jobs/:job_id/erase)".into() },
        "the guide's CI/CD secret steps".into(),
        "the logs are gone for everyone".into(),
        None,
        Vec::new(),
    );
    Ok(found)
}

/// A leaked token that is not an access token: the family's own containment where the admin
/// lookup names the object (runner, OAuth application, job), else the admin token API, which
/// revokes or resets every family it knows (doc/api/admin/token.md).
fn plan_other_family(
    run: &mut Run<'_, '_>,
    id: &glir_tokens::Identification,
    lookup: &glir_gitlab::TokenLookup,
) {
    let why = "the guide: revoke or rotate the exposed credential".to_string();
    let state = Some(lookup.raw.clone());
    let family_action = match &lookup.details {
        TokenDetails::Runner(r) => Some((
            Action::ResetRunnerToken { runner_id: r.id },
            format!(
                "runner {} stops picking up jobs until re-registered with the new token",
                r.id
            ),
        )),
        TokenDetails::Application(app) => Some((
            Action::RenewApplicationSecret {
                application_id: app.id,
            },
            format!(
                "sign-in through OAuth application \"{}\" fails until it has the new secret",
                app.application_name
            ),
        )),
        TokenDetails::Job(job) => {
            job.web_url
                .as_deref()
                .and_then(project_of_job_url)
                .map(|project| {
                    (
                        Action::CancelJob {
                            project,
                            job_id: job.id,
                        },
                        format!("job {} ({}) stops", job.id, job.name),
                    )
                })
        }
        _ => None,
    };
    match family_action {
        Some((action, risk)) => run.plan.push(action, why, risk, state, Vec::new()),
        None => run.plan.push(
            Action::AdminRevokeToken {
                fingerprint: id.fingerprint.clone(),
                family: id.family.describe().to_string(),
            },
            why,
            "whatever uses this token stops working".into(),
            state,
            Vec::new(),
        ),
    }
}

/// The access level GitLab's audit events name in words ("Maintainers", "No one", …).
fn level_of(words: &str) -> Option<u8> {
    [0u8, 30, 40, 60]
        .into_iter()
        .find(|l| crate::level_name(*l).eq_ignore_ascii_case(words.trim()))
}

/// How few people a level lets in: "No one" is the strictest.
fn restrictiveness(level: u8) -> u8 {
    match level {
        0 => 4,
        60 => 3,
        40 => 2,
        _ => 1,
    }
}

/// `https://host/acme/app/-/jobs/205` → `acme/app`.
fn project_of_job_url(url: &str) -> Option<String> {
    let path = url.split("://").nth(1)?.split_once('/')?.1;
    let project = path.split("/-/jobs/").next()?;
    (!project.is_empty() && project != path).then(|| project.to_string())
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
            Err(e) => run.skip(format!("job {job_id}"), e.to_string()),
        }
    }
    let mut found = recent_commits(run, project).await?;
    found.extend(other(run, Playbook::JobTokenExposure, subject).await?);
    Ok(found)
}

/// The project's commits in the window with the files each changed, saved as evidence; changes
/// to CI configuration and scripts become findings.
async fn recent_commits(run: &mut Run<'_, '_>, project: &str) -> Result<Vec<Finding>, Error> {
    /// Commits whose changed files are read, newest first.
    const MAX_COMMITS: usize = 200;
    let client = run.r.client;
    let commits: Vec<glir_gitlab::Commit> = match collect_pages(
        client,
        client.project_commits(project, Some(run.r.since), Some(run.r.until)),
    )
    .await
    {
        Ok(commits) => commits,
        Err(Error::Gitlab(e)) if matches!(e.status(), Some(403 | 404)) => {
            run.skip("recent commits", e.to_string());
            return Ok(Vec::new());
        }
        Err(e) => return Err(e),
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

/// Instance events for an administrator, else the project's own.
async fn scope_collection_for(run: &mut Run<'_, '_>, project: &str) -> Result<(), Error> {
    if run.admin() {
        run.collect(AuditScope::Instance).await
    } else {
        run.collect(AuditScope::Project(project.to_string())).await
    }
}

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
    if playbook == Playbook::InstanceCompromise && run.admin() {
        run.plan.push(
            Action::RequireTwoFactor {
                owner: Owner::Instance,
            },
            "the guide: enforce two-factor authentication".into(),
            "users without 2FA must set it up at next sign-in (grace period 48 h)".into(),
            None,
            Vec::new(),
        );
    }
    let manual: &[&str] = match playbook {
        Playbook::JobTokenExposure => &[
            "review the project's recent commits and their authors in the evidence",
            "limit job token access (Settings > CI/CD > Job token permissions)",
        ],
        Playbook::InstanceCompromise => &[
            "update GitLab to the latest patch release",
            "save server state and logs to a write-once location (glir case mirror --copy-to)",
            "look for processes and listening ports GitLab does not use",
            "rotate every credential: tokens, runner tokens, OAuth secrets, CI variables",
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
fn from_new_ips(events: Vec<AuditEvent>) -> Vec<AuditEvent> {
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

/// Webhooks created since `since` on the projects the suspicious events touched (and system
/// hooks, for an administrator). A hook can exist with no audit event in the window (created
/// through a path that is not audited, or before audit streaming was set up), so the current
/// state is read, not only the events.
async fn hooks_since(
    run: &mut Run<'_, '_>,
    suspicious: &[AuditEvent],
    since: jiff::Timestamp,
) -> Result<Vec<Finding>, Error> {
    let client = run.r.client;
    let projects: BTreeSet<String> = suspicious
        .iter()
        .filter(|e| e.entity_type.as_deref() == Some("Project"))
        .filter_map(|e| e.entity_path.clone())
        .collect();
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
        let hooks: Vec<glir_gitlab::Hook> = match collect_pages(client, req).await {
            Ok(hooks) => hooks,
            Err(Error::Gitlab(e)) if matches!(e.status(), Some(403 | 404)) => {
                run.skip(format!("webhooks of {}", owner.label()), e.to_string());
                continue;
            }
            Err(e) => return Err(e),
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

/// The account's SSH keys, GPG keys and emails as GitLab lists them now (identities come with
/// the user snapshot); a list the caller may not read becomes a skipped check.
async fn account_evidence(run: &mut Run<'_, '_>, user: &User) -> Result<(), Error> {
    let client = run.r.client;
    let id = user.id.to_string();
    let lists: [(&str, glir_gitlab::PageRequest); 3] = [
        ("ssh-keys", client.user_ssh_keys(&id)),
        ("gpg-keys", client.user_gpg_keys(&id)),
        ("emails", client.user_emails(user.id)),
    ];
    for (name, req) in lists {
        let path = req.path.clone();
        match collect_pages::<serde_json::Value>(client, req).await {
            Ok(items) => {
                snapshot(
                    run.r.case,
                    &format!("user-{}-{name}", user.id),
                    &format!("GET /api/v4{path}"),
                    &items,
                    &run.r.operator,
                )?;
            }
            Err(Error::Gitlab(e)) if matches!(e.status(), Some(403 | 404)) => {
                run.skip(format!("{name} of {}", user.username), e.to_string());
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// For every project the suspicious events touched: its settings and approval rules as they are
/// now, and the logs of the actor's pipelines there in the window (token-shaped text redacted
/// before it is written).
async fn touched_projects_evidence(
    run: &mut Run<'_, '_>,
    suspicious: &[AuditEvent],
    actor: Option<&str>,
) -> Result<(), Error> {
    let client = run.r.client;
    let projects: BTreeSet<String> = suspicious
        .iter()
        .filter(|e| e.entity_type.as_deref() == Some("Project"))
        .filter_map(|e| e.entity_path.clone())
        .collect();
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
                run.skip(format!("settings of {project}"), e.to_string());
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
            run.skip(format!("job logs of {project}"), e.to_string());
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

/// Plans revoking every active personal access token of `user` (administrators only).
async fn revoke_user_tokens(run: &mut Run<'_, '_>, user: &User) -> Result<(), Error> {
    if !run.admin() {
        run.skip(
            "the account's tokens",
            "listing another user's tokens needs an administrator",
        );
        return Ok(());
    }
    let client = run.r.client;
    let tokens: Vec<PersonalAccessToken> = collect_pages(
        client,
        client.personal_access_tokens(&PatFilter {
            user_id: Some(user.id),
            state: Some("active".into()),
            ..PatFilter::default()
        }),
    )
    .await?;
    snapshot(
        run.r.case,
        &format!("user-{}-tokens", user.id),
        "GET /api/v4/personal_access_tokens?user_id",
        &tokens,
        &run.r.operator,
    )?;
    for pat in &tokens {
        run.plan.push(
            Action::RevokePersonalAccessToken { token_id: pat.id },
            format!(
                "the guide: reset every credential of the account (token \"{}\")",
                pat.name
            ),
            token_risk(pat),
            Some(json!({"active": pat.active, "scopes": pat.scopes, "last_used_at": pat.last_used_at})),
            Vec::new(),
        );
    }
    Ok(())
}

/// Instance events for an administrator; otherwise the subject's group or project.
async fn scope_collection(run: &mut Run<'_, '_>) -> Result<(), Error> {
    if run.admin() {
        run.collect(AuditScope::Instance).await
    } else {
        run.skip(
            "instance audit events",
            "needs an administrator; collect group or project events with `glir collect audit-events --group/--project`",
        );
        Ok(())
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

fn token_risk(pat: &PersonalAccessToken) -> String {
    match pat.last_used_at {
        Some(at) => format!(
            "last used {at}{}: anything still using \"{}\" fails until given a new token",
            pat.last_used_ips
                .as_ref()
                .filter(|ips| !ips.is_empty())
                .map(|ips| format!(" from {}", ips.join(", ")))
                .unwrap_or_default(),
            pat.name
        ),
        None => format!("never used: revoking \"{}\" breaks nothing", pat.name),
    }
}

async fn find_user(run: &mut Run<'_, '_>, username: &str) -> Result<User, Error> {
    let client = run.r.client;
    let users: Vec<User> = collect_pages(
        client,
        client.users(&UserFilter {
            username: Some(username.to_string()),
            ..UserFilter::default()
        }),
    )
    .await?;
    users
        .into_iter()
        .next()
        .ok_or_else(|| Error::Input(format!("no user named {username}")))
}

async fn collect_pages<T: serde::de::DeserializeOwned + Send + 'static>(
    client: &glir_gitlab::Client,
    req: glir_gitlab::PageRequest,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    let mut pages = std::pin::pin!(client.pages::<T>(req));
    while let Some(page) = pages.try_next().await? {
        out.extend(page.items);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::project_of_job_url;

    #[test]
    fn a_job_url_names_its_project() {
        assert_eq!(
            project_of_job_url("https://gitlab.example.com/acme/sub/app/-/jobs/205").as_deref(),
            Some("acme/sub/app")
        );
        assert_eq!(
            project_of_job_url("https://gitlab.example.com/acme/app"),
            None
        );
    }
}
