use serde::{Deserialize, Serialize};
use std::fmt;

/// Who performed an event, as far as the author id tells.
///
/// GitLab gives non-user authors fixed negative ids (`lib/gitlab/audit/null_author.rb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// A real user account (id ≥ 0).
    User,
    /// `-1`: an unauthenticated request (`UNAUTHENTICATED_AUTHOR_ID`).
    Unauthenticated,
    /// `-2`: a deploy token (`DEPLOY_TOKEN_AUTHOR_ID`).
    DeployToken,
    /// `-3`: a deploy key (`DEPLOY_KEY_AUTHOR_ID`).
    DeployKey,
    /// `-4`: the Orbit indexer (`ORBIT_INDEXER_AUTHOR_ID`).
    OrbitIndexer,
    /// Any other negative id: a system author this glir does not know yet.
    OtherSystem,
    /// The event carries no author id.
    Unknown,
}

impl AuthorKind {
    /// Classifies an author id.
    pub fn from_author_id(id: Option<i64>) -> AuthorKind {
        match id {
            None => AuthorKind::Unknown,
            Some(id) if id >= 0 => AuthorKind::User,
            Some(-1) => AuthorKind::Unauthenticated,
            Some(-2) => AuthorKind::DeployToken,
            Some(-3) => AuthorKind::DeployKey,
            Some(-4) => AuthorKind::OrbitIndexer,
            Some(_) => AuthorKind::OtherSystem,
        }
    }

    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorKind::User => "user",
            AuthorKind::Unauthenticated => "unauthenticated",
            AuthorKind::DeployToken => "deploy_token",
            AuthorKind::DeployKey => "deploy_key",
            AuthorKind::OrbitIndexer => "orbit_indexer",
            AuthorKind::OtherSystem => "other_system",
            AuthorKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for AuthorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
