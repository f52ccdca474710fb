//! `manifest.json`: the SHA-256 and size of every evidence file, rewritten atomically on each
//! addition so it is never half-written.

use crate::Error;
use crate::error::{io, json};
use crate::hashing::write_atomic;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One evidence file, by its path relative to the case's `evidence/` directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub added_at: Timestamp,
    /// Where it came from, e.g. `GET /api/v4/audit_events 2026-11-01..2026-11-28`.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub files: Vec<EvidenceFile>,
    /// The journal's last record, kept here too: cutting the journal and rewriting the head in
    /// `case.json` then leaves this one pointing past the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_head: Option<crate::Head>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            version: 1,
            files: Vec::new(),
            journal_head: None,
        }
    }
}

impl Manifest {
    pub(crate) fn load(path: &Path) -> Result<Manifest, Error> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(json(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(io(path)(e)),
        }
    }

    pub(crate) fn save(&self, path: &Path) -> Result<(), Error> {
        let bytes = serde_json::to_vec_pretty(self).map_err(json(path))?;
        write_atomic(path, &bytes).map_err(io(path))
    }

    pub fn get(&self, path: &str) -> Option<&EvidenceFile> {
        self.files.iter().find(|f| f.path == path)
    }

    pub(crate) fn upsert(&mut self, file: EvidenceFile) {
        match self.files.iter_mut().find(|f| f.path == file.path) {
            Some(existing) => *existing = file,
            None => self.files.push(file),
        }
    }
}
