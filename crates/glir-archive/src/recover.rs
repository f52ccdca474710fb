//! What `Archive::open` does after a kill. Sealing segment N is a fixed sequence of durable
//! steps, and each prefix of it leaves a state recovery recognises:
//!
//! | killed after                  | on disk                                    | recovery                                   |
//! |-------------------------------|--------------------------------------------|--------------------------------------------|
//! | an append (any time)          | `open-N` ending in part of a record        | cut back to the last newline               |
//! | writing the temp file         | `open-N`, `segment-N.jsonl.gz.tmp`         | remove the temp; `open-N` stays open       |
//! | the rename                    | `open-N`, `segment-N.jsonl.gz`, no line N  | write line N, remove `open-N`              |
//! | part of the manifest line     | as above, manifest ends in a partial line  | cut the partial line, then as above        |
//! | the manifest line             | `open-N`, `segment-N.jsonl.gz`, line N     | remove `open-N`                            |
//!
//! A record is in `open-N` until line N is durable and in `segment-N` from then on, and the open
//! file is removed only once its segment is shown to hold exactly its bytes, so no step loses a
//! synced record or keeps one twice. Any other state is not one a kill produces (a file edited,
//! removed or restored by hand, a disk that lost writes); recovery then stops before changing
//! anything and names the file, since guessing would risk the evidence.

use crate::error::{ArchiveError, io};
use crate::fsutil::{ensure_readonly, make_owner_writable, remove_if_present, sync_dir};
use crate::layout::MANIFEST_FILE;
use crate::manifest::{self, GENESIS, ManifestEntry, ManifestText};
use crate::names::{Listing, open_name, segment_name, temp_name};
use crate::segment::{GzFacts, same_content};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// What recovery did, for the caller to log. `is_clean()` after a graceful shutdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Bytes of a record cut short at the end of the open segment, removed. That record was
    /// never synced, so it was never acknowledged.
    pub bytes_cut: u64,
    /// The open segment they were cut from.
    pub cut_from: Option<PathBuf>,
    /// Segments whose sealing a kill interrupted after the compressed file was in place, and
    /// which recovery completed (their manifest line written, their open file removed).
    pub segments_finished: Vec<u64>,
    /// Bytes of a manifest line a kill cut short, removed before the line was written again.
    pub manifest_bytes_cut: u64,
    /// Temp files of a seal that never reached its rename; the open segment still held their
    /// records.
    pub temp_files_removed: Vec<PathBuf>,
    /// An open segment holding no complete record, removed.
    pub empty_open_removed: Option<PathBuf>,
}

impl Recovery {
    pub fn is_clean(&self) -> bool {
        *self == Recovery::default()
    }
}

impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(path) = &self.cut_from {
            parts.push(format!(
                "cut {} bytes of an incomplete record from {}",
                self.bytes_cut,
                path.display()
            ));
        }
        if self.manifest_bytes_cut > 0 {
            parts.push(format!(
                "cut {} bytes of an incomplete manifest line",
                self.manifest_bytes_cut
            ));
        }
        for seq in &self.segments_finished {
            parts.push(format!("finished sealing {}", segment_name(*seq)));
        }
        for path in &self.temp_files_removed {
            parts.push(format!("removed {}", path.display()));
        }
        if let Some(path) = &self.empty_open_removed {
            parts.push(format!("removed empty {}", path.display()));
        }
        if parts.is_empty() {
            f.write_str("nothing to recover")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

/// Where appending resumes.
pub(crate) struct Resumed {
    pub last_seq: u64,
    pub last_hash: String,
    /// The open segment's sequence number and length, when one holds records.
    pub open: Option<(u64, u64)>,
}

pub(crate) fn recover(dir: &Path) -> Result<(Resumed, Recovery), ArchiveError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let listing = Listing::read(dir)?;
    let text = ManifestText::read(dir)?;
    let entries = text.entries(dir)?;
    // The next segment's name comes from the last line; out of order, it could name a sealed
    // segment, which the next seal would then replace.
    if let Some((line, entry)) = (1..)
        .zip(&entries)
        .find(|(line, entry)| entry.seq != *line as u64)
    {
        return Err(ArchiveError::Manifest {
            path: manifest_path,
            line,
            reason: format!(
                "segment {} where {line} was expected; the archive cannot continue a manifest \
                 whose lines are out of sequence",
                entry.seq
            ),
        });
    }
    let by_seq: BTreeMap<u64, &ManifestEntry> = entries.iter().map(|e| (e.seq, e)).collect();
    let mut last_seq = entries.last().map_or(0, |e| e.seq);
    let mut last_hash = entries
        .last()
        .map_or_else(|| GENESIS.to_string(), |e| e.hash.clone());
    let next = last_seq + 1;
    let refuse = |path: PathBuf, reason: String| ArchiveError::Recovery { path, reason };

    // Plan first: every file must be in a state a kill can leave, or nothing is touched.
    let mut current = None;
    let mut already_sealed = Vec::new();
    for &seq in &listing.opens {
        if seq == next {
            current = Some(seq);
        } else if let Some(entry) = by_seq.get(&seq) {
            already_sealed.push(*entry);
        } else {
            return Err(refuse(
                dir.join(open_name(seq)),
                format!(
                    "open segment {seq} is neither in the manifest nor the next to seal ({next})"
                ),
            ));
        }
    }
    if let Some(&seq) = listing.segments.range(next..).next()
        && (seq != next || current.is_none())
    {
        return Err(refuse(
            dir.join(segment_name(seq)),
            format!(
                "sealed segment {seq} is not in the manifest (last: {last_seq}) and no open \
                 segment holds its records; sealing never leaves this state"
            ),
        ));
    }
    let half_sealed = current.is_some() && listing.segments.contains(&next);
    if text.torn_len() > 0 && !half_sealed {
        return Err(refuse(
            manifest_path,
            format!(
                "ends in {} bytes of an incomplete line, but no segment was being sealed",
                text.torn_len()
            ),
        ));
    }

    // Then check content, still without changing anything.
    for entry in &already_sealed {
        let facts = compare(dir, entry.seq)?;
        if facts.sha256 != entry.sha256 {
            return Err(refuse(
                dir.join(segment_name(entry.seq)),
                format!(
                    "SHA-256 {} differs from its manifest entry ({}); {} is kept",
                    facts.sha256,
                    entry.sha256,
                    open_name(entry.seq)
                ),
            ));
        }
    }
    let to_finish = if half_sealed {
        Some(compare(dir, next)?)
    } else {
        None
    };

    let mut report = Recovery::default();
    for &seq in &listing.temps {
        let path = dir.join(temp_name(seq));
        remove_if_present(&path)?;
        report.temp_files_removed.push(path);
    }
    for entry in already_sealed {
        remove_if_present(&dir.join(open_name(entry.seq)))?;
        report.segments_finished.push(entry.seq);
    }
    if let Some(facts) = to_finish {
        if text.torn_len() > 0 {
            cut_manifest(&manifest_path, text.complete_len as u64)?;
            report.manifest_bytes_cut = text.torn_len() as u64;
        }
        let entry = ManifestEntry::new(
            next,
            facts.sha256,
            facts.records,
            facts.bytes_uncompressed,
            last_hash,
        )
        .map_err(|e| ArchiveError::Inconsistent {
            path: manifest_path.clone(),
            reason: format!("entry for segment {next} not serializable: {e}"),
        })?;
        manifest::append(dir, &entry)?;
        remove_if_present(&dir.join(open_name(next)))?;
        report.segments_finished.push(next);
        last_seq = next;
        last_hash = entry.hash;
        current = None;
    }
    let mut open = None;
    if let Some(seq) = current {
        let path = dir.join(open_name(seq));
        let (len, cut) = cut_to_last_record(&path)?;
        if cut > 0 {
            report.bytes_cut = cut;
            report.cut_from = Some(path.clone());
        }
        if len == 0 {
            remove_if_present(&path)?;
            report.empty_open_removed = Some(path);
        } else {
            open = Some((seq, len));
        }
    }
    if manifest_path.exists() {
        ensure_readonly(&manifest_path)?;
    }
    if !report.is_clean() {
        sync_dir(dir)?;
    }
    Ok((
        Resumed {
            last_seq,
            last_hash,
            open,
        },
        report,
    ))
}

/// The facts of `segment-<seq>` when it holds exactly the bytes of `open-<seq>`; otherwise the
/// reason recovery stops.
fn compare(dir: &Path, seq: u64) -> Result<GzFacts, ArchiveError> {
    let gz = dir.join(segment_name(seq));
    let open = dir.join(open_name(seq));
    match same_content(&gz, &open) {
        Ok(Some(facts)) => Ok(facts),
        Ok(None) => Err(ArchiveError::Recovery {
            path: gz,
            reason: format!(
                "does not hold exactly the records of {}, so neither can be trusted to replace \
                 the other",
                open_name(seq)
            ),
        }),
        Err(e) => Err(ArchiveError::Recovery {
            path: gz,
            reason: format!("cannot be compared with {}: {e}", open_name(seq)),
        }),
    }
}

fn cut_manifest(path: &Path, len: u64) -> Result<(), ArchiveError> {
    make_owner_writable(path)?;
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io(path, "open to cut an incomplete line"))?;
    file.set_len(len)
        .map_err(io(path, "cut an incomplete line"))?;
    file.sync_all().map_err(io(path, "fsync"))
}

/// Cuts `path` back to its last newline and returns (length kept, bytes cut).
fn cut_to_last_record(path: &Path) -> Result<(u64, u64), ArchiveError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io(path, "open"))?;
    let len = file.metadata().map_err(io(path, "stat"))?.len();
    let keep = last_newline_end(&mut file, len).map_err(io(path, "read"))?;
    if keep < len {
        file.set_len(keep)
            .map_err(io(path, "cut an incomplete record"))?;
        file.sync_all().map_err(io(path, "fsync"))?;
    }
    Ok((keep, len - keep))
}

/// The offset just past the last newline in the first `len` bytes, scanning backwards so only
/// the torn tail is read, not the whole segment.
fn last_newline_end(file: &mut File, len: u64) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 1 << 16];
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}
