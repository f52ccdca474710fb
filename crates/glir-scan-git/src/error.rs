//! The one error type of the crate: every failure names the repository it happened in.

use std::path::PathBuf;

/// A boxed underlying cause (gix errors come in many types; callers only display them).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a history scan stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path does not exist or holds no git repository (bare or with a work tree).
    #[error("{path} is not a git repository: {source}")]
    NotARepository {
        /// The path the caller gave.
        path: PathBuf,
        /// What gix reported while opening it.
        #[source]
        source: Cause,
    },
    /// The repository opened but an object or reference could not be read (corruption, a
    /// partial clone missing blobs, a permission problem).
    #[error("git repository {path}: {what}: {source}")]
    Read {
        /// The repository path the caller gave.
        path: PathBuf,
        /// What was being read, e.g. `blob 1234…`.
        what: String,
        /// The underlying failure.
        #[source]
        source: Cause,
    },
}

/// A read failure before the repository path is attached (see [`Failure::at`]).
#[derive(Debug)]
pub(crate) struct Failure {
    what: String,
    source: Cause,
}

impl Failure {
    pub(crate) fn new(what: impl Into<String>, source: impl Into<Cause>) -> Self {
        Self {
            what: what.into(),
            source: source.into(),
        }
    }

    pub(crate) fn at(self, path: &std::path::Path) -> Error {
        Error::Read {
            path: path.to_path_buf(),
            what: self.what,
            source: self.source,
        }
    }
}

/// Adds what was being read to a fallible gix call.
pub(crate) trait Context<T> {
    fn reading(self, what: impl FnOnce() -> String) -> Result<T, Failure>;
}

impl<T, E: Into<Cause>> Context<T> for Result<T, E> {
    fn reading(self, what: impl FnOnce() -> String) -> Result<T, Failure> {
        self.map_err(|e| Failure::new(what(), e))
    }
}
