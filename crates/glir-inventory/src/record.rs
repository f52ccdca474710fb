//! One credential as the inventory lists it: never its secret, only what identifies and dates
//! it, and a key that stays the same from one run to the next.

use crate::kind::Kind;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A credential: who owns it, what it may do, when it was made, expires and was last used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    /// `kind:owner:id`, the same for the same credential in every run (ids, not names, which
    /// may be renamed).
    pub key: String,
    pub kind: Kind,
    /// GitLab's id; a variable's `KEY@environment_scope`, since variables have none.
    pub id: String,
    /// Name, title or description, scrubbed of anything token-shaped.
    pub name: Option<String>,
    pub owner: Owner,
    /// Token scopes (`api`, `read_repository`, …).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// A role (`maintainer`), a deploy key's `read`/`write`, a runner's `ref_protected`.
    pub access: Option<String>,
    pub created_at: Option<Timestamp>,
    /// When it stops working (a token's expiry day is its first moment, UTC).
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub state: State,
    /// What else matters about this family: flags, hosts, fingerprints, the bot user.
    #[serde(default)]
    pub facts: BTreeMap<String, Value>,
    /// The API call that listed it.
    pub source: String,
}

/// Where a credential belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub kind: OwnerKind,
    /// The user's, group's or project's id, when GitLab gave it.
    pub id: Option<i64>,
    /// Username or full path; `instance` for the instance.
    pub name: String,
}

/// What owns a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    Instance,
    Group,
    Project,
    User,
    /// Listed by an instance-wide endpoint that does not say whose it is.
    Unknown,
}

impl Owner {
    pub fn instance() -> Owner {
        Owner {
            kind: OwnerKind::Instance,
            id: None,
            name: "instance".to_string(),
        }
    }

    pub fn user(id: i64, username: &str) -> Owner {
        Owner {
            kind: OwnerKind::User,
            id: Some(id),
            name: username.to_string(),
        }
    }

    pub fn group(id: i64, path: &str) -> Owner {
        Owner {
            kind: OwnerKind::Group,
            id: Some(id),
            name: path.to_string(),
        }
    }

    pub fn project(id: i64, path: &str) -> Owner {
        Owner {
            kind: OwnerKind::Project,
            id: Some(id),
            name: path.to_string(),
        }
    }

    /// The part of a credential's key that names its owner: by id, so renames keep the key.
    fn key_part(&self) -> String {
        let kind = serde_json::to_value(self.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        match self.id {
            Some(id) => format!("{kind}/{id}"),
            None => format!("{kind}/{}", self.name),
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            OwnerKind::Instance => f.write_str("instance"),
            OwnerKind::Group => write!(f, "group {}", self.name),
            OwnerKind::Project => write!(f, "project {}", self.name),
            OwnerKind::User => write!(f, "user {}", self.name),
            OwnerKind::Unknown => write!(f, "unknown ({})", self.name),
        }
    }
}

/// Whether a credential still works, as far as GitLab's answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Active,
    Revoked,
    Expired,
    /// GitLab calls it inactive without saying why.
    Inactive,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Revoked => "revoked",
            State::Expired => "expired",
            State::Inactive => "inactive",
        }
    }

    /// Revoked first, then past its expiry, else active.
    pub fn of(revoked: bool, expires_at: Option<Timestamp>, now: Timestamp) -> State {
        if revoked {
            State::Revoked
        } else if expires_at.is_some_and(|at| at <= now) {
            State::Expired
        } else {
            State::Active
        }
    }
}

/// The fields every family has; [`Draft::finish`] adds the key.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub kind: Kind,
    pub id: String,
    pub name: Option<String>,
    pub owner: Owner,
    pub scopes: Vec<String>,
    pub access: Option<String>,
    pub created_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub state: State,
    pub facts: BTreeMap<String, Value>,
    pub source: String,
}

impl Draft {
    /// An active credential of `kind` with nothing but its id, owner and source known.
    pub fn new(kind: Kind, id: impl Into<String>, owner: Owner, source: String) -> Draft {
        Draft {
            kind,
            id: id.into(),
            name: None,
            owner,
            scopes: Vec::new(),
            access: None,
            created_at: None,
            expires_at: None,
            last_used_at: None,
            state: State::Active,
            facts: BTreeMap::new(),
            source,
        }
    }

    /// Free text from GitLab, with anything token-shaped taken out.
    pub fn named(mut self, name: Option<&str>) -> Draft {
        self.name = name
            .filter(|n| !n.is_empty())
            .map(|n| glir_redact::scrub(n).into_owned());
        self
    }

    pub fn fact(&mut self, name: &str, value: impl Into<Value>) {
        let value = value.into();
        if !value.is_null() {
            self.facts.insert(name.to_string(), value);
        }
    }

    pub fn finish(self) -> Credential {
        Credential {
            key: format!("{}:{}:{}", self.kind, self.owner.key_part(), self.id),
            kind: self.kind,
            id: self.id,
            name: self.name,
            owner: self.owner,
            scopes: self.scopes,
            access: self.access,
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            state: self.state,
            facts: self.facts,
            source: self.source,
        }
    }
}

/// GitLab's role names by access level (doc/api/members.md, "Roles").
pub(crate) fn role(level: u64) -> String {
    match level {
        0 => "no access".to_string(),
        5 => "minimal access".to_string(),
        10 => "guest".to_string(),
        15 => "planner".to_string(),
        20 => "reporter".to_string(),
        30 => "developer".to_string(),
        40 => "maintainer".to_string(),
        50 => "owner".to_string(),
        other => format!("access level {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_names_kind_owner_and_id_by_number() {
        let c = Draft::new(
            Kind::DeployKey,
            "501",
            Owner::project(20, "acme/app"),
            "GET x".into(),
        )
        .finish();
        assert_eq!(c.key, "deploy_key:project/20:501");
        let c = Draft::new(Kind::Webhook, "404", Owner::instance(), "GET x".into()).finish();
        assert_eq!(c.key, "webhook:instance/instance:404");
    }

    #[test]
    fn state_prefers_revoked_then_expiry() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let past: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(State::of(true, Some(past), now), State::Revoked);
        assert_eq!(State::of(false, Some(past), now), State::Expired);
        assert_eq!(State::of(false, Some(now), now), State::Expired);
        assert_eq!(State::of(false, None, now), State::Active);
    }

    #[test]
    fn names_are_scrubbed_of_tokens() {
        let d = Draft::new(Kind::Webhook, "1", Owner::instance(), "GET x".into())
            .named(Some("uses glpat-abcdefghijklmnopqrst"));
        let name = d.name.unwrap();
        assert!(!name.contains("abcdefghijklmnop"), "{name}");
    }
}
