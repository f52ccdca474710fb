//! `manifest.jsonl`: one line per sealed segment, hash-chained. Each line's `hash` is the
//! SHA-256 of the line's canonical JSON without `hash`, and `prev` is the line before's `hash`,
//! so an edited field breaks its own line and a removed or moved line breaks the next one.
//! The file is only ever appended to and stays read-only between appends.

use crate::error::{ArchiveError, io};
use crate::fsutil::{make_owner_writable, readonly, sha256_hex, sync_dir};
use crate::layout::MANIFEST_FILE;
use crate::names::segment_name;
use serde::{Deserialize, Serialize};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One manifest line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    pub seq: u64,
    pub file: String,
    /// SHA-256 of the compressed file.
    pub sha256: String,
    pub records: u64,
    pub bytes_uncompressed: u64,
    /// RFC 3339, kept as written so the canonical form re-serializes byte for byte.
    pub sealed_at: String,
    pub prev: String,
    pub hash: String,
}

/// The hashed part of an entry, in the order it is written.
#[derive(Serialize)]
struct Body<'a> {
    seq: u64,
    file: &'a str,
    sha256: &'a str,
    records: u64,
    bytes_uncompressed: u64,
    sealed_at: &'a str,
    prev: &'a str,
}

impl ManifestEntry {
    pub(crate) fn new(
        seq: u64,
        sha256: String,
        records: u64,
        bytes_uncompressed: u64,
        prev: String,
    ) -> Result<ManifestEntry, serde_json::Error> {
        let mut entry = ManifestEntry {
            seq,
            file: segment_name(seq),
            sha256,
            records,
            bytes_uncompressed,
            sealed_at: format!("{:.3}", jiff::Timestamp::now()),
            prev,
            hash: String::new(),
        };
        entry.hash = entry.computed_hash()?;
        Ok(entry)
    }

    fn body(&self) -> Body<'_> {
        Body {
            seq: self.seq,
            file: &self.file,
            sha256: &self.sha256,
            records: self.records,
            bytes_uncompressed: self.bytes_uncompressed,
            sealed_at: &self.sealed_at,
            prev: &self.prev,
        }
    }

    /// What `hash` must be: the SHA-256 of the canonical JSON of every other field.
    pub fn computed_hash(&self) -> Result<String, serde_json::Error> {
        Ok(sha256_hex(serde_json::to_string(&self.body())?.as_bytes()))
    }

    /// The line as the archive writes it, without its newline. Whitespace, key order and
    /// escaping are fixed, so a line that differs from this was not written by the archive.
    pub fn canonical_line(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    pub(crate) fn parse(line: &[u8]) -> Result<ManifestEntry, String> {
        serde_json::from_slice(line).map_err(|e| e.to_string())
    }
}

/// The manifest's bytes split into complete lines; a write cut short by a kill leaves a tail
/// without its newline, which is never taken for an entry.
pub(crate) struct ManifestText {
    pub bytes: Vec<u8>,
    /// Length of the complete lines: everything up to and including the last newline.
    pub complete_len: usize,
}

impl ManifestText {
    pub(crate) fn read(dir: &Path) -> Result<ManifestText, ArchiveError> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = crate::fsutil::read_optional(&path)?.unwrap_or_default();
        let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        Ok(ManifestText {
            bytes,
            complete_len,
        })
    }

    pub(crate) fn torn_len(&self) -> usize {
        self.bytes.len() - self.complete_len
    }

    /// Complete lines, without their newlines, with their 1-based line numbers.
    pub(crate) fn lines(&self) -> impl Iterator<Item = (usize, &[u8])> {
        self.bytes[..self.complete_len]
            .split_inclusive(|&b| b == b'\n')
            .enumerate()
            .map(|(i, line)| (i + 1, &line[..line.len() - 1]))
    }

    /// Every complete line parsed, stopping at the first one that is not an entry: the archive
    /// cannot extend a chain it cannot read.
    pub(crate) fn entries(&self, dir: &Path) -> Result<Vec<ManifestEntry>, ArchiveError> {
        self.lines()
            .map(|(line, text)| {
                let entry =
                    ManifestEntry::parse(text).map_err(|reason| ArchiveError::Manifest {
                        path: dir.join(MANIFEST_FILE),
                        line,
                        reason,
                    })?;
                if entry.file != segment_name(entry.seq) {
                    return Err(ArchiveError::Manifest {
                        path: dir.join(MANIFEST_FILE),
                        line,
                        reason: format!(
                            "file {:?} is not the name of segment {}",
                            entry.file, entry.seq
                        ),
                    });
                }
                Ok(entry)
            })
            .collect()
    }
}

/// Appends one entry and makes it durable. The manifest is read-only between appends; `fchmod`
/// through the open descriptor puts the bit back before the `fsync` that persists both.
pub(crate) fn append(dir: &Path, entry: &ManifestEntry) -> Result<(), ArchiveError> {
    let path = dir.join(MANIFEST_FILE);
    let existed = path.exists();
    if existed {
        make_owner_writable(&path)?;
    }
    let mut line = entry.canonical_line().map_err(|e| ArchiveError::Manifest {
        path: path.clone(),
        line: 0,
        reason: format!("entry for segment {} not serializable: {e}", entry.seq),
    })?;
    line.push('\n');
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io(&path, "open for append"))?;
    file.write_all(line.as_bytes())
        .map_err(io(&path, "append"))?;
    let perms = file.metadata().map_err(io(&path, "stat"))?.permissions();
    file.set_permissions(readonly(perms))
        .map_err(io(&path, "chmod read-only"))?;
    file.sync_all().map_err(io(&path, "fsync"))?;
    if !existed {
        sync_dir(dir)?;
    }
    Ok(())
}
