//! `mirror`: a second, write-once copy of the sealed segments and the manifest. A file is copied
//! once and made read-only; one already there is checked, never overwritten; the mirror's
//! manifest is only extended. So the mirror keeps the first version of everything even if the
//! archive directory is later rewritten, and a rewrite shows up as an error here.

use crate::error::{ArchiveError, io};
use crate::fsutil::{
    HashingWriter, ensure_readonly, make_owner_writable, readonly, remove_if_present, sha256_file,
    sync_dir,
};
use crate::layout::MANIFEST_FILE;
use crate::manifest::ManifestText;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MirrorStats {
    /// Segments copied by this call.
    pub copied: usize,
    /// Segments the mirror already held, with the same SHA-256.
    pub already_present: usize,
    /// Manifest lines appended to the mirror's manifest.
    pub manifest_lines_added: usize,
}

/// Copies every segment the manifest of `dir` lists, then the manifest, to `dest`: sealed
/// segments only, never an open one or one still waiting for the sealer (`sealing-*`). The
/// manifest's complete lines are read once at the start, so a writer sealing meanwhile is
/// picked up by the next call; segments go first, so the mirror's manifest never lists a file
/// the mirror does not hold.
pub fn mirror(dir: &Path, dest: &Path) -> Result<MirrorStats, ArchiveError> {
    let text = ManifestText::read(dir)?;
    let entries = text.entries(dir)?;
    std::fs::create_dir_all(dest).map_err(io(dest, "create directory"))?;
    let mut stats = MirrorStats::default();
    for entry in &entries {
        let from = dir.join(&entry.file);
        let to = dest.join(&entry.file);
        if copy_once(&from, &to, &entry.sha256)? {
            stats.copied += 1;
        } else {
            stats.already_present += 1;
        }
    }
    if stats.copied > 0 {
        sync_dir(dest)?;
    }
    stats.manifest_lines_added = extend_manifest(&text.bytes[..text.complete_len], dest)?;
    Ok(stats)
}

/// Returns whether a copy was made. The copy is hashed as it is written and must match the
/// manifest, so a segment changed in the archive is refused rather than spread.
fn copy_once(from: &Path, to: &Path, sha256: &str) -> Result<bool, ArchiveError> {
    if to.exists() {
        let theirs = sha256_file(to).map_err(io(to, "hash"))?;
        if theirs != sha256 {
            return Err(ArchiveError::MirrorConflict {
                path: to.to_path_buf(),
            });
        }
        return Ok(false);
    }
    let temp = to.with_extension("gz.tmp");
    // A copy a kill interrupted may have been made read-only already.
    remove_if_present(&temp)?;
    let mut input = File::open(from).map_err(io(from, "open"))?;
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(io(&temp, "create"))?;
    let mut writer = HashingWriter::new(out);
    std::io::copy(&mut input, &mut writer).map_err(io(&temp, "copy"))?;
    let (out, found, _) = writer.finish();
    if found != sha256 {
        drop(out);
        remove_if_present(&temp)?;
        return Err(ArchiveError::SourceChanged {
            path: from.to_path_buf(),
            expected: sha256.to_string(),
            found,
        });
    }
    let perms = out.metadata().map_err(io(&temp, "stat"))?.permissions();
    out.set_permissions(readonly(perms))
        .map_err(io(&temp, "chmod read-only"))?;
    out.sync_all().map_err(io(&temp, "fsync"))?;
    drop(out);
    std::fs::rename(&temp, to).map_err(io(to, "rename into place"))?;
    Ok(true)
}

/// Appends to the mirror's manifest what the archive's has beyond it. The mirror's bytes must be
/// a prefix of the archive's: a line changed, removed or reordered in the archive, or a mirror
/// that is longer, is refused. A prefix that ends inside a line (a kill during the last
/// extension) is completed.
fn extend_manifest(source: &[u8], dest: &Path) -> Result<usize, ArchiveError> {
    let path = dest.join(MANIFEST_FILE);
    let existing = crate::fsutil::read_optional(&path)?;
    let have = existing.as_deref().unwrap_or_default();
    if !source.starts_with(have) {
        return Err(ArchiveError::MirrorManifestDiverged {
            path,
            reason: divergence(have, source),
        });
    }
    let missing = &source[have.len()..];
    if missing.is_empty() {
        if existing.is_some() {
            ensure_readonly(&path)?;
        }
        return Ok(0);
    }
    if existing.is_some() {
        make_owner_writable(&path)?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io(&path, "open for append"))?;
    file.write_all(missing).map_err(io(&path, "append"))?;
    let perms = file.metadata().map_err(io(&path, "stat"))?.permissions();
    file.set_permissions(readonly(perms))
        .map_err(io(&path, "chmod read-only"))?;
    file.sync_all().map_err(io(&path, "fsync"))?;
    if existing.is_none() {
        sync_dir(dest)?;
    }
    Ok(crate::fsutil::count_newlines(missing) as usize)
}

/// Where the mirror's manifest stops being a prefix of the archive's, in words.
fn divergence(mirror: &[u8], source: &[u8]) -> String {
    let mirror_lines: Vec<&[u8]> = mirror.split_inclusive(|&b| b == b'\n').collect();
    let source_lines: Vec<&[u8]> = source.split_inclusive(|&b| b == b'\n').collect();
    for (i, line) in mirror_lines.iter().enumerate() {
        match source_lines.get(i) {
            Some(theirs) if theirs == line || theirs.starts_with(line) => {}
            Some(_) => return format!("line {} differs from the archive's line {}", i + 1, i + 1),
            None => {
                return format!(
                    "holds {} lines, the archive's manifest only {}",
                    mirror_lines.len(),
                    source_lines.len()
                );
            }
        }
    }
    "differs from the archive's manifest".to_string()
}
