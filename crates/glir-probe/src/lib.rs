//! `whoami`: who this token is on this instance, and which glir capabilities it can use here.
//!
//! Every capability answers yes / no / unknown with a reason. A 403 or 404 is an answer, not a
//! failure: the probe never stops at the first refusal.

use glir_gitlab::{AuditEventJson, AuditScope, Client, Error};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Yes,
    No,
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct Capability {
    pub name: String,
    pub answer: Answer,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deployment {
    GitlabCom,
    SelfManaged,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    pub url: String,
    pub version: Option<String>,
    pub enterprise: Option<bool>,
    pub deployment: Deployment,
    pub username: Option<String>,
    pub user_id: Option<i64>,
    pub is_admin: Option<bool>,
    pub token: Option<TokenInfo>,
    /// Why a field above is missing, in plain words.
    pub notes: Vec<String>,
    pub capabilities: Vec<Capability>,
}

/// Optional namespaces whose audit-event access the caller wants checked.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub group: Option<String>,
    pub project: Option<String>,
}

const OWNER: u32 = 50;
const MAINTAINER: u32 = 40;

pub async fn probe(client: &Client, targets: &Targets) -> Identity {
    let mut notes = Vec::new();
    let url = client.base_url().to_string();
    let deployment = deployment_of(client);

    let (version, enterprise) = match client.version().await {
        Ok(r) => (Some(r.body.version), Some(r.body.enterprise)),
        // Nothing answers: every other question would wait out the same deadline.
        Err(e @ (Error::Network { .. } | Error::Timeout { .. })) => {
            return unreachable(url, deployment, format!("version: {e}"));
        }
        Err(e) => {
            notes.push(format!("version: {e}"));
            (None, None)
        }
    };
    let user = match client.current_user().await {
        Ok(r) => Some(r.body),
        Err(e) => {
            notes.push(format!("current user: {e}"));
            None
        }
    };
    let is_admin = user.as_ref().map(|u| u.is_admin.unwrap_or(false));
    let token = match client.pat_self().await {
        Ok(r) => Some(TokenInfo {
            name: r.body.name,
            scopes: r.body.scopes,
            expires_at: r.body.expires_at.map(|d| d.to_string()),
            active: r.body.active && !r.body.revoked,
        }),
        Err(e) => {
            notes.push(format!(
                "token details: {e} (an OAuth or job token has no personal-access-token record)"
            ));
            None
        }
    };

    let mut capabilities = vec![instance_audit(client, deployment, is_admin).await];
    let user_id = user.as_ref().map(|u| u.id);
    capabilities.push(match &targets.group {
        Some(group) => namespace_audit(client, Namespace::Group(group), user_id, is_admin).await,
        None => unchecked(
            "group audit events",
            "Owner of the group",
            is_admin,
            "--group",
        ),
    });
    capabilities.push(match &targets.project {
        Some(p) => namespace_audit(client, Namespace::Project(p), user_id, is_admin).await,
        None => unchecked(
            "project audit events",
            "Maintainer of the project",
            is_admin,
            "--project",
        ),
    });
    capabilities.push(user_lookup(client, is_admin).await);

    Identity {
        url,
        version,
        enterprise,
        deployment,
        username: user.as_ref().map(|u| u.username.clone()),
        user_id,
        is_admin,
        token,
        notes,
        capabilities,
    }
}

/// What is known of an instance that did not answer: nothing but why.
fn unreachable(url: String, deployment: Deployment, note: String) -> Identity {
    let capabilities = [
        "instance audit events",
        "group audit events",
        "project audit events",
        "user details (emails, sign-in IPs)",
    ]
    .into_iter()
    .map(|name| cap(name, Answer::Unknown, "GitLab did not answer"))
    .collect();
    Identity {
        url,
        version: None,
        enterprise: None,
        deployment,
        username: None,
        user_id: None,
        is_admin: None,
        token: None,
        notes: vec![note],
        capabilities,
    }
}

fn deployment_of(client: &Client) -> Deployment {
    let host = client.host();
    if host == "gitlab.com" || host.ends_with(".gitlab.com") {
        Deployment::GitlabCom
    } else {
        Deployment::SelfManaged
    }
}

fn cap(name: &str, answer: Answer, reason: impl Into<String>) -> Capability {
    Capability {
        name: name.to_string(),
        answer,
        reason: reason.into(),
    }
}

async fn instance_audit(
    client: &Client,
    deployment: Deployment,
    is_admin: Option<bool>,
) -> Capability {
    const NAME: &str = "instance audit events";
    if deployment == Deployment::GitlabCom {
        // doc/api/audit_events.md: instance audit events exist on Self-Managed and Dedicated only.
        return cap(
            NAME,
            Answer::No,
            "not offered on GitLab.com; collect per group instead",
        );
    }
    let req = client.audit_events(&AuditScope::Instance, None, None, 1);
    match client.get_page::<AuditEventJson>(&req, None).await {
        Ok(_) => cap(NAME, Answer::Yes, "admin"),
        Err(e) => match e.status() {
            Some(403) if is_admin == Some(true) => cap(
                NAME,
                Answer::No,
                format!("refused although the user is an admin: {e} (admin mode or token scope?)"),
            ),
            Some(403) => cap(NAME, Answer::No, "needs an administrator's token"),
            Some(404) => cap(
                NAME,
                Answer::No,
                "not available here (GitLab Free has no audit events API)",
            ),
            _ => cap(NAME, Answer::Unknown, e.to_string()),
        },
    }
}

enum Namespace<'a> {
    Group(&'a str),
    Project(&'a str),
}

async fn namespace_audit(
    client: &Client,
    ns: Namespace<'_>,
    user_id: Option<i64>,
    is_admin: Option<bool>,
) -> Capability {
    let (name, scope, needed, needed_level) = match ns {
        Namespace::Group(g) => (
            format!("group audit events ({g})"),
            AuditScope::Group(g.to_string()),
            "Owner",
            OWNER,
        ),
        Namespace::Project(p) => (
            format!("project audit events ({p})"),
            AuditScope::Project(p.to_string()),
            "Maintainer",
            MAINTAINER,
        ),
    };
    let req = client.audit_events(&scope, None, None, 1);
    if let Err(e) = client.get_page::<AuditEventJson>(&req, None).await {
        return match e.status() {
            Some(403) => cap(&name, Answer::No, format!("needs {needed} or above")),
            Some(404) => cap(&name, Answer::No, "not found, or not visible to this token"),
            _ => cap(&name, Answer::Unknown, e.to_string()),
        };
    }
    if is_admin == Some(true) {
        return cap(&name, Answer::Yes, "admin: every event");
    }
    let Some(uid) = user_id else {
        return cap(
            &name,
            Answer::Unknown,
            "readable, but the caller's role is unknown",
        );
    };
    let member = match &scope {
        AuditScope::Group(g) => client.group_member(g, uid).await,
        AuditScope::Project(p) => client.project_member(p, uid).await,
        AuditScope::Instance => unreachable!("namespaces only"),
    };
    match member {
        Ok(m) if m.body.access_level >= needed_level => cap(
            &name,
            Answer::Yes,
            format!("{}: every event", role_name(m.body.access_level)),
        ),
        Ok(m) => cap(
            &name,
            Answer::No,
            format!(
                "{}: only your own events are visible; needs {needed}",
                role_name(m.body.access_level)
            ),
        ),
        Err(e) => cap(
            &name,
            Answer::Unknown,
            format!("readable, but the role check failed: {e}"),
        ),
    }
}

fn unchecked(name: &str, needed: &str, is_admin: Option<bool>, flag: &str) -> Capability {
    if is_admin == Some(true) {
        cap(name, Answer::Yes, "admin: any group or project")
    } else {
        cap(
            name,
            Answer::Unknown,
            format!("needs {needed}; pass {flag} PATH to check one"),
        )
    }
}

async fn user_lookup(client: &Client, is_admin: Option<bool>) -> Capability {
    const NAME: &str = "user details (emails, sign-in IPs)";
    match client.user(1).await {
        Ok(_) if is_admin == Some(true) => cap(NAME, Answer::Yes, "admin: every field"),
        Ok(_) | Err(Error::NotFound { .. }) => cap(
            NAME,
            Answer::No,
            "public profile fields only; emails and sign-in IPs need an admin",
        ),
        Err(e) => cap(NAME, Answer::Unknown, e.to_string()),
    }
}

fn role_name(level: u32) -> &'static str {
    match level {
        50.. => "Owner",
        40..=49 => "Maintainer",
        30..=39 => "Developer",
        20..=29 => "Reporter",
        15..=19 => "Planner",
        _ => "Guest",
    }
}
