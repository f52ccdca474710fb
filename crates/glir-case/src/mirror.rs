//! `--copy-to DIR`: a second, write-once copy of the evidence. Files are copied once and made
//! read-only; a copy that already exists is checked, never overwritten, so the mirror keeps the
//! first version of everything even if the case directory is later tampered with.

use crate::hashing::{sha256_file, write_atomic};
use crate::layout::{EVIDENCE_DIR, JOURNAL_FILE, MANIFEST_FILE};
use crate::verify::files_under;
use crate::{Case, Error};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorStats {
    pub copied: usize,
    pub already_present: usize,
    pub snapshot: PathBuf,
}

impl Case {
    /// Copies every evidence file to `DIR/<case>/evidence/` and a snapshot of the journal and
    /// manifest to `DIR/<case>/snapshots/<journal seq>/`.
    pub fn mirror_to(&self, dir: &Path) -> Result<MirrorStats, Error> {
        let target = dir.join(&self.info().name);
        let mut stats = MirrorStats::default();
        let evidence = self.dir().join(EVIDENCE_DIR);
        for rel in files_under(&evidence)? {
            let from = evidence.join(&rel);
            let to = target.join(EVIDENCE_DIR).join(&rel);
            if copy_once(&from, &to)? {
                stats.copied += 1;
            } else {
                stats.already_present += 1;
            }
        }
        let snapshot = target
            .join("snapshots")
            .join(format!("{:08}", self.info().journal_head.seq));
        for name in [JOURNAL_FILE, MANIFEST_FILE, crate::layout::CASE_FILE] {
            let from = self.dir().join(name);
            if from.exists() && copy_once(&from, &snapshot.join(name))? {
                stats.copied += 1;
            }
        }
        stats.snapshot = snapshot;
        Ok(stats)
    }
}

/// Returns whether a copy was made.
fn copy_once(from: &Path, to: &Path) -> Result<bool, Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    if to.exists() {
        let (theirs, _) = sha256_file(to).map_err(io(to))?;
        let (ours, _) = sha256_file(from).map_err(io(from))?;
        if theirs != ours {
            return Err(Error::MirrorConflict {
                path: to.to_path_buf(),
            });
        }
        return Ok(false);
    }
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let bytes = std::fs::read(from).map_err(io(from))?;
    write_atomic(to, &bytes).map_err(io(to))?;
    let mut perms = std::fs::metadata(to).map_err(io(to))?.permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(to, perms).map_err(io(to))?;
    Ok(true)
}
