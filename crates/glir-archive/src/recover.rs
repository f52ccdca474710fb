//! What `Archive::open` does after a kill. Rotating segment N is two durable steps on the
//! writer's thread (records synced; `open-N` renamed to `sealing-N`, directory fsynced) and
//! sealing it is a fixed sequence of durable steps on the sealer's thread (`sealer.rs`), one
//! segment at a time in sequence order. Each prefix leaves a state recovery recognises (L is the
//! manifest's last complete line, so N = L+1 is the segment the sealer was on):
//!
//! | killed after                  | on disk                                          | recovery                                  |
//! |-------------------------------|--------------------------------------------------|-------------------------------------------|
//! | an append (any time)          | `open-M` ending in part of a record              | cut back to the last newline              |
//! | a rotation                    | `sealing-N` … `sealing-(M-1)`, maybe `open-M`    | seal each, in order, then as above        |
//! | writing the temp file         | `sealing-N`, `segment-N.jsonl.gz.tmp`            | remove the temp, seal `sealing-N`         |
//! | the rename                    | `sealing-N`, `segment-N.jsonl.gz`, no line N     | write line N, remove `sealing-N`          |
//! | part of the manifest line     | as above, manifest ends in a partial line        | cut the partial line, then as above       |
//! | the manifest line             | `sealing-L`, `segment-L.jsonl.gz`, line L        | remove `sealing-L`                        |
//!
//! Several segments may be waiting (`sealing-N` … `sealing-(N+k)`, contiguous, the newest
//! segment `open-(N+k+1)` after them); they are finished in sequence order, and the open segment
//! stays open. Archives written before sealing moved to a thread sealed `open-N` directly, so the
//! last three rows can also show `open-N` where `sealing-N` stands (with no other segment
//! waiting); recovery finishes those the same way.
//!
//! A record is in the plain file (`open-N`, then `sealing-N`: a rename, never a copy) until
//! line N is durable and in `segment-N` from then on, and the plain file is removed only once
//! its segment is shown to hold exactly its bytes, so no step loses a synced record or keeps one
//! twice. Any other state is not one a kill produces (a file edited, removed or restored by
//! hand, a disk that lost writes); recovery then stops before changing anything and names the
//! file, since guessing would risk the evidence.

use crate::error::{ArchiveError, io};
use crate::fsutil::{ensure_readonly, make_owner_writable, remove_if_present, sync_dir};
use crate::layout::MANIFEST_FILE;
use crate::manifest::{self, GENESIS, ManifestEntry, ManifestText};
use crate::names::{Listing, open_name, sealing_name, segment_name, temp_name};
use crate::sealer::seal_one;
use crate::segment::{GzFacts, same_content};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// What recovery did, for the caller to log. `is_clean()` after a graceful shutdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Bytes of a record cut short at the end of the open segment, removed. That record was
    /// never synced, so it was never acknowledged.
    pub bytes_cut: u64,
    /// The open segment they were cut from.
    pub cut_from: Option<PathBuf>,
    /// Segments whose sealing a kill interrupted after the compressed file was in place, and
    /// which recovery completed (their manifest line written, their plain file removed).
    pub segments_finished: Vec<u64>,
    /// Segments left waiting for the sealer (`sealing-<seq>.jsonl`, not compressed yet), which
    /// recovery sealed, in order.
    pub segments_sealed: Vec<u64>,
    /// Bytes of a manifest line a kill cut short, removed before the line was written again.
    pub manifest_bytes_cut: u64,
    /// Temp files of a seal that never reached its rename; the plain file still held their
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
        for path in &self.temp_files_removed {
            parts.push(format!("removed {}", path.display()));
        }
        for seq in &self.segments_finished {
            parts.push(format!("finished sealing {}", segment_name(*seq)));
        }
        for seq in &self.segments_sealed {
            parts.push(format!("sealed {}", sealing_name(*seq)));
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
    let mut last_seq = entries.last().map_or(0, |e| e.seq);
    let mut last_hash = entries
        .last()
        .map_or_else(|| GENESIS.to_string(), |e| e.hash.clone());
    let next = last_seq + 1;
    let refuse = |path: PathBuf, reason: String| ArchiveError::Recovery { path, reason };

    // Plan first: every file must be in a state a kill can leave, or nothing is touched.
    if let Some(&seq) = listing.opens.intersection(&listing.sealings).next() {
        return Err(refuse(
            dir.join(open_name(seq)),
            format!(
                "{} exists too; renaming the one into the other never leaves both",
                sealing_name(seq)
            ),
        ));
    }
    // Each segment's plain file, `open-<seq>` or `sealing-<seq>`.
    let plain: BTreeMap<u64, Plain> = listing
        .opens
        .iter()
        .map(|&seq| (seq, Plain::Open))
        .chain(listing.sealings.iter().map(|&seq| (seq, Plain::Sealing)))
        .collect();
    let plain_path = |seq: u64| dir.join(plain[&seq].name(seq));

    // A plain file of a listed segment: the sealer removes it before it starts the next
    // segment, so only the last listed one can be left.
    let mut leftover = None;
    for &seq in plain.range(..=last_seq).map(|(seq, _)| seq) {
        if seq != last_seq {
            return Err(refuse(
                plain_path(seq),
                format!(
                    "segment {seq} is sealed and listed, and so is segment {last_seq} after it; \
                     a sealed segment's plain file is removed before the next one is sealed"
                ),
            ));
        }
        leftover = Some(seq);
    }
    // The unsealed ones: `next`, `next + 1`, … without a gap, and only the newest may be open.
    let unsealed: Vec<(u64, Plain)> = plain.range(next..).map(|(&s, &p)| (s, p)).collect();
    for (i, &(seq, kind)) in unsealed.iter().enumerate() {
        let expected = next + i as u64;
        if seq != expected {
            return Err(refuse(
                plain_path(seq),
                format!(
                    "segment {seq} is not sealed, but neither is segment {expected} before it, \
                     which has no file; segments are sealed in order (manifest's last: \
                     {last_seq})"
                ),
            ));
        }
        if kind == Plain::Open
            && let Some(&(newer, _)) = unsealed.get(i + 1)
        {
            return Err(refuse(
                plain_path(seq),
                format!(
                    "open segment {seq} is older than {}; only the newest segment is ever open",
                    plain_path(newer).display()
                ),
            ));
        }
    }
    let has_plain = |seq: u64| plain.contains_key(&seq);
    for &seq in listing.segments.range(next..) {
        if seq != next || !has_plain(next) {
            return Err(refuse(
                dir.join(segment_name(seq)),
                format!(
                    "sealed segment {seq} is not in the manifest (last: {last_seq}) and no open \
                     or sealing segment holds its records; sealing never leaves this state"
                ),
            ));
        }
    }
    let half_sealed = has_plain(next) && listing.segments.contains(&next);
    for &seq in &listing.temps {
        if seq != next || !has_plain(next) || half_sealed {
            return Err(refuse(
                dir.join(temp_name(seq)),
                format!(
                    "a temp file of segment {seq}, which is not the one being sealed ({next}) \
                     or is compressed already; sealing never leaves this state"
                ),
            ));
        }
    }
    if let Some(seq) = leftover
        && (half_sealed || !listing.temps.is_empty())
    {
        return Err(refuse(
            plain_path(seq),
            format!(
                "segment {seq} is listed but its plain file is still here while segment {next} \
                 is already being compressed; the sealer finishes one segment before the next"
            ),
        ));
    }
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
    if let Some(seq) = leftover {
        let facts = compare(dir, seq, &plain_path(seq))?;
        let entry = &entries[(seq - 1) as usize];
        if facts.sha256 != entry.sha256 {
            return Err(refuse(
                dir.join(segment_name(seq)),
                format!(
                    "SHA-256 {} differs from its manifest entry ({}); {} is kept",
                    facts.sha256,
                    entry.sha256,
                    plain[&seq].name(seq)
                ),
            ));
        }
    }
    let to_finish = if half_sealed {
        Some(compare(dir, next, &plain_path(next))?)
    } else {
        None
    };
    // Segments left waiting for the sealer, to seal from scratch: the writer renames a segment
    // only once all of it is synced, so each holds whole records.
    let mut waiting = Vec::new();
    for &(seq, kind) in &unsealed {
        if kind != Plain::Sealing || (half_sealed && seq == next) {
            continue;
        }
        let path = dir.join(sealing_name(seq));
        let len = whole_records_len(&path)?;
        waiting.push((seq, len));
    }
    let current = match unsealed.last() {
        Some(&(seq, Plain::Open)) if !(half_sealed && seq == next) => Some(seq),
        _ => None,
    };

    let mut report = Recovery::default();
    for &seq in &listing.temps {
        let path = dir.join(temp_name(seq));
        remove_if_present(&path)?;
        report.temp_files_removed.push(path);
    }
    if let Some(seq) = leftover {
        remove_if_present(&plain_path(seq))?;
        report.segments_finished.push(seq);
    }
    if !report.is_clean() {
        // Durable before any later manifest line, or a power cut could bring the file back
        // beside a line it must not precede.
        sync_dir(dir)?;
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
        remove_if_present(&plain_path(next))?;
        sync_dir(dir)?;
        report.segments_finished.push(next);
        last_seq = next;
        last_hash = entry.hash;
    }
    let never_stop = AtomicBool::new(false);
    for (seq, len) in waiting {
        let sealed = seal_one(dir, seq, len, &last_hash, &never_stop)?.ok_or_else(|| {
            ArchiveError::Inconsistent {
                path: dir.join(sealing_name(seq)),
                reason: "sealing stopped without being asked to".into(),
            }
        })?;
        report.segments_sealed.push(seq);
        last_seq = seq;
        last_hash = sealed.hash;
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

/// Which plain file holds a segment's records before it is sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plain {
    Open,
    Sealing,
}

impl Plain {
    fn name(self, seq: u64) -> String {
        match self {
            Plain::Open => open_name(seq),
            Plain::Sealing => sealing_name(seq),
        }
    }
}

/// The length of a segment waiting to be sealed, once it is shown to hold whole records.
fn whole_records_len(path: &Path) -> Result<u64, ArchiveError> {
    let mut file = File::open(path).map_err(io(path, "open"))?;
    let len = file.metadata().map_err(io(path, "stat"))?.len();
    let whole = last_newline_end(&mut file, len).map_err(io(path, "read"))?;
    if len == 0 || whole != len {
        return Err(ArchiveError::Recovery {
            path: path.to_path_buf(),
            reason: if len == 0 {
                "holds no record, but a segment is renamed for sealing only once it holds one"
                    .into()
            } else {
                format!(
                    "ends in {} bytes of an incomplete record, but a segment is renamed for \
                     sealing only once all of it is synced",
                    len - whole
                )
            },
        });
    }
    Ok(len)
}

/// The facts of `segment-<seq>` when it holds exactly the bytes of its plain file `plain`;
/// otherwise the reason recovery stops.
fn compare(dir: &Path, seq: u64, plain: &Path) -> Result<GzFacts, ArchiveError> {
    let gz = dir.join(segment_name(seq));
    let name = plain
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match same_content(&gz, plain) {
        Ok(Some(facts)) => Ok(facts),
        Ok(None) => Err(ArchiveError::Recovery {
            path: gz,
            reason: format!(
                "does not hold exactly the records of {name}, so neither can be trusted to \
                 replace the other"
            ),
        }),
        Err(e) => Err(ArchiveError::Recovery {
            path: gz,
            reason: format!("cannot be compared with {name}: {e}"),
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
