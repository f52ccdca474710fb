//! Exposed credential: the leaked token, its owner, and what was done with it.

use super::{
    hooks_since, leak_places, plan_findings, scope_collection, token_risk,
    touched_projects_evidence,
};
use crate::evidence::snapshot;
use crate::playbook::{Run, Subject, new_ips};
use crate::{Action, Error, Finding, findings};
use glir_gitlab::TokenDetails;
use glir_store::EventFilter;
use glir_tokens::{IdentifyOptions, identify};
use serde_json::json;

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
        run.summary.push(
            "not an administrator: the token is looked for among the credentials of the groups and projects this token manages".into(),
        );
        return super::without_admin::contain(run, token, &id).await;
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
    // The groups the owner worked in during the window: where else the token may show.
    let groups =
        leak_places::top_groups(owner_events.iter().filter_map(|e| e.entity_path.as_deref()));
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
    found.extend(leak_places::token_in_job_logs(run, token, &groups).await?);
    found.extend(leak_places::token_in_variables(run, token, &groups).await?);
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

/// A leaked token that is not an access token: the family's own containment where the admin
/// lookup names the object (runner, OAuth application, job), else the admin token API, which
/// revokes or resets every family it knows (doc/api/admin/token.md).
pub(super) fn plan_other_family(
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

/// `https://host/acme/app/-/jobs/205` → `acme/app`.
pub(super) fn project_of_job_url(url: &str) -> Option<String> {
    let path = url.split("://").nth(1)?.split_once('/')?.1;
    let project = path.split("/-/jobs/").next()?;
    (!project.is_empty() && project != path).then(|| project.to_string())
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
