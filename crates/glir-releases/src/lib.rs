//! GitLab's security (patch) releases as data, and whether an instance's version is behind
//! them: the "update GitLab" step of GitLab's incident-response guide, made checkable.
//!
//! The data ships in the crate (`data/security-releases.json`, real posts only, each with its
//! URL); a responder can pass a newer file of the same format. No network, no GitLab client:
//! the caller brings the version (`GET /version`).

mod check;
mod error;
mod file;
mod version;

pub use check::{Missed, Status, Upgrade, Verdict};
pub use error::Error;
pub use file::{Advisory, Release, Severity};
pub use version::{Edition, Line, Stage, Version, VersionError};

use file::ReleaseFile;
use jiff::civil::Date;
use serde::Serialize;
use std::path::Path;
use std::sync::OnceLock;

const EMBEDDED: &str = include_str!("../data/security-releases.json");

/// The security releases glir knows, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Releases {
    file: ReleaseFile,
}

impl Releases {
    /// The file built into glir, parsed on first use.
    pub fn embedded() -> Result<&'static Releases, &'static Error> {
        static PARSED: OnceLock<Result<Releases, Error>> = OnceLock::new();
        PARSED
            .get_or_init(|| Releases::parse(EMBEDDED, "(built in)"))
            .as_ref()
    }

    /// A releases file of the same format, e.g. one newer than this build.
    pub fn from_path(path: &Path) -> Result<Releases, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Releases::parse(&text, &path.display().to_string())
    }

    /// A releases file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Releases, Error> {
        file::parse(text, origin).map(|file| Releases { file })
    }

    /// The date of the newest release the data has verified.
    pub fn updated(&self) -> Date {
        self.file.updated
    }

    /// Newest first.
    pub fn releases(&self) -> &[Release] {
        &self.file.releases
    }

    /// Where the data comes from.
    pub fn sources(&self) -> &[String] {
        &self.file.sources
    }

    /// What a reader of the data should know about its limits.
    pub fn notes(&self) -> &[String] {
        &self.file.notes
    }

    /// Whether `version` is current, behind, on a line out of maintenance, or newer than the data.
    pub fn check(&self, version: &Version) -> Verdict {
        check::check(&self.file.releases, self.file.updated, version)
    }
}
