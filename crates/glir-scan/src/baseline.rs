//! Baselines: known findings to suppress on later scans.
//!
//! Matching is on `finding_id` (rule + secret), not on the location fingerprint: a secret
//! that moved to another line or file is still the same accepted secret, and a baseline that
//! broke on every edit above the secret would be ignored by its users. The location
//! fingerprint and path are kept for people reading the file.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Finding};

/// The only baseline format version so far.
const VERSION: u64 = 1;

/// One suppressed finding as written to the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The finding's secret-centric id.
    pub finding_id: String,
    /// Where it was when the baseline was written.
    pub location_fingerprint: String,
    /// Rule id.
    pub rule: String,
    /// Path (or job URL, archive entry) when written; informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    version: u64,
    findings: Vec<BaselineEntry>,
}

/// A set of accepted findings.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    entries: Vec<BaselineEntry>,
    ids: HashSet<String>,
}

impl Baseline {
    /// Read a baseline written by [`Baseline::write`].
    ///
    /// # Errors
    /// Unreadable file, invalid JSON or an unknown version.
    pub fn load(path: &Path) -> Result<Baseline, Error> {
        let text = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let file: BaselineFile =
            serde_json::from_slice(&text).map_err(|source| Error::Baseline {
                path: path.to_path_buf(),
                source,
            })?;
        if file.version != VERSION {
            return Err(Error::BaselineVersion {
                path: path.to_path_buf(),
                version: file.version,
            });
        }
        Ok(Baseline::from_entries(file.findings))
    }

    /// A baseline accepting these findings.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        Baseline::from_entries(
            findings
                .iter()
                .map(|f| BaselineEntry {
                    finding_id: f.finding_id.clone(),
                    location_fingerprint: f.location_fingerprint.clone(),
                    rule: f.rule.clone(),
                    path: Some(f.location.path().to_string()),
                })
                .collect(),
        )
    }

    fn from_entries(entries: Vec<BaselineEntry>) -> Baseline {
        let ids = entries.iter().map(|e| e.finding_id.clone()).collect();
        Baseline { entries, ids }
    }

    /// Write the baseline as pretty JSON.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let file = BaselineFile {
            version: VERSION,
            findings: self.entries.clone(),
        };
        let mut text = serde_json::to_vec_pretty(&file).map_err(|source| Error::Baseline {
            path: path.to_path_buf(),
            source,
        })?;
        text.push(b'\n');
        std::fs::write(path, text).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Whether the finding's secret (under the same rule) is accepted, wherever it is now.
    pub fn suppresses(&self, finding: &Finding) -> bool {
        self.ids.contains(&finding.finding_id)
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[BaselineEntry] {
        &self.entries
    }
}
