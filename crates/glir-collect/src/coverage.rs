//! What a token can see of a scope's audit events. GitLab answers a token that sees less with
//! fewer events, not with an error (`doc/api/audit_events.md`: a group's Owners see every
//! user's events, its Developers and Maintainers only their own; a project's Maintainers see
//! everything, its Developers their own), so a collection says which it was.

use glir_gitlab::{AuditScope, Client};
use serde::{Deserialize, Serialize};

/// Whether an answer holds everything there is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "coverage", rename_all = "snake_case")]
pub enum Coverage {
    Complete,
    Partial {
        /// What is missing, in words.
        missing: String,
        /// Who would see it; empty when the gap is a fault, not access.
        needs: String,
    },
}

impl Coverage {
    pub fn is_complete(&self) -> bool {
        matches!(self, Coverage::Complete)
    }
}

impl std::fmt::Display for Coverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Coverage::Complete => f.write_str("complete"),
            Coverage::Partial { missing, needs } if needs.is_empty() => {
                write!(f, "partial: {missing}")
            }
            Coverage::Partial { missing, needs } => {
                write!(f, "partial: {missing}; {needs} sees all")
            }
        }
    }
}

const OWNER: u32 = 50;
const MAINTAINER: u32 = 40;

/// What the client's token sees of `scope`'s audit events. An instance scope needs an
/// administrator, which GitLab enforces with a 403, so it is complete when it answers at all.
pub async fn audit_coverage(client: &Client, scope: &AuditScope) -> Coverage {
    let (path, needed, role, kind) = match scope {
        AuditScope::Instance => return Coverage::Complete,
        AuditScope::Group(g) => (g, OWNER, "an Owner", "group"),
        AuditScope::Project(p) => (p, MAINTAINER, "a Maintainer", "project"),
    };
    let partial = |missing: String| Coverage::Partial {
        missing,
        needs: format!("an administrator or {role} of {kind} {path}"),
    };
    let caller = match client.current_user().await {
        Ok(answer) => answer.body,
        Err(e) => return partial(format!("this token's role could not be read ({e})")),
    };
    if caller.is_admin == Some(true) {
        return Coverage::Complete;
    }
    let member = match scope {
        AuditScope::Group(g) => client.group_member(g, caller.id).await,
        _ => client.project_member(path, caller.id).await,
    };
    match member {
        Ok(m) if m.body.access_level >= needed => Coverage::Complete,
        Ok(m) => partial(format!(
            "only {}'s own events (access level {} in {kind} {path})",
            caller.username, m.body.access_level
        )),
        Err(e) => partial(format!(
            "only {}'s own events at most ({kind} membership not readable: {e})",
            caller.username
        )),
    }
}
