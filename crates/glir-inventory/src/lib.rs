//! Every user and every credential GitLab's API shows, for the incident-response guide's
//! "review all users including admins, review the credentials inventory".
//!
//! [`collect`] walks a [`Scope`] (the instance, or one group's or project's subtree) and lists
//! each credential family of [`Kind`] with its owner, scopes, dates and state: never a secret
//! (a CI/CD variable's value becomes a `sha256:` fingerprint; GitLab itself never returns a
//! webhook's token). Each family's [`KindCoverage`] says where it was listed whole and where
//! GitLab refused, trimmed or failed the list, so a partial inventory never reads as complete.
//! [`diff`] compares two runs by each credential's stable key. [`list_users`] is the user
//! review: admins first, with 2FA, sign-ins, identities and what a non-administrator cannot see.

mod coverage;
mod diff;
mod inventory;
mod kind;
mod places;
mod record;
mod scope;
mod sources;
mod users;
mod values;

pub use coverage::{Gap, GapStatus, KindCoverage};
pub use diff::{Change, Changed, Diff, RunInfo, diff};
pub use inventory::{Caller, FORMAT, Inventory, Options, Walked, collect};
pub use kind::Kind;
pub use record::{Credential, Owner, OwnerKind, State};
pub use scope::Scope;
pub use users::{UserRecord, UserReport, list_users};

/// Why an inventory could not be taken at all (a partial one is an [`Inventory`] with gaps).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// GitLab refused the token, could not be reached, or could not say what the run needs
    /// first (who the caller is, which groups and projects the scope holds).
    #[error("{what}: {source}")]
    Gitlab {
        what: String,
        #[source]
        source: Box<glir_gitlab::Error>,
    },
    /// GitLab answered with something an inventory cannot start from.
    #[error("{0}")]
    Unexpected(String),
}

impl Error {
    pub(crate) fn gitlab(what: impl Into<String>, source: glir_gitlab::Error) -> Error {
        Error::Gitlab {
            what: what.into(),
            source: Box::new(source),
        }
    }
}

/// Where a long run reports how far it got (a progress bar in the CLI).
pub trait Progress: Sync {
    /// The places (groups, projects, users) the run will list, once known.
    fn planned(&self, _places: usize) {}
    /// One place listed.
    fn finished(&self, _place: &str) {}
}

/// No progress reports.
pub struct Silent;

impl Progress for Silent {}
