//! Each scenario of GitLab's incident-response guide: which evidence to read and which actions
//! to plan. The guide's steps that no API can do are planned as manual steps so the report
//! lists them.

mod account;
mod ci;
mod generic;
mod instance;
mod leak_places;
mod plan_rules;
mod reach;
mod rotation;
mod state;
mod token;
mod without_admin;

pub(crate) use account::account_compromise;
use account::{plan_instance_two_factor, revoke_user_tokens};
pub(crate) use ci::{ci_secret_exposure, job_token_exposure};
pub(crate) use generic::other;
pub(crate) use instance::instance_compromise;
use plan_rules::plan_findings;
use state::{hooks_since, touched_projects_evidence};
pub(crate) use token::token_exposure;

use crate::Error;
use crate::playbook::Run;
use glir_gitlab::{AuditScope, PersonalAccessToken, User, UserFilter};

/// Instance events for an administrator, else the project's own.
pub(super) async fn scope_collection_for(
    run: &mut Run<'_, '_>,
    project: &str,
) -> Result<(), Error> {
    if run.admin() {
        run.collect(AuditScope::Instance).await
    } else {
        run.collect(AuditScope::Project(project.to_string())).await
    }
}

/// Instance events for an administrator; otherwise the subject's group or project.
pub(super) async fn scope_collection(run: &mut Run<'_, '_>) -> Result<(), Error> {
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

pub(super) fn token_risk(pat: &PersonalAccessToken) -> String {
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

pub(super) async fn find_user(run: &mut Run<'_, '_>, username: &str) -> Result<User, Error> {
    let client = run.r.client;
    let users: Vec<User> = client
        .all(client.users(&UserFilter {
            username: Some(username.to_string()),
            ..UserFilter::default()
        }))
        .await?;
    users
        .into_iter()
        .next()
        .ok_or_else(|| Error::Input(format!("no user named {username}")))
}
