//! `verify`: the manifest's chain, every listed segment against its line, and the directory
//! against the manifest. Read-only and lock-free, so it can run beside a writer: the directory
//! is listed before the manifest is read, which makes a seal in progress show up as unfinished
//! rather than as a problem (a segment is renamed into place before its line is written, and its
//! plain file is removed only after). Segments waiting for the sealer (`sealing-*`) are
//! unfinished too: the writer's sealer, or the next open, seals them.

use crate::error::ArchiveError;
use crate::fsutil::{count_newlines, sha256_file};
use crate::layout::MANIFEST_FILE;
use crate::manifest::{GENESIS, ManifestEntry, ManifestText};
use crate::names::{Listing, open_name, sealing_name, segment_name, temp_name};
use crate::segment::read_gz;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

/// One thing that does not add up, naming the file it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// A manifest line that is not an entry.
    ManifestUnreadable { line: usize, reason: String },
    /// The manifest ends in part of a line and no seal was under way to explain it.
    ManifestTorn { bytes: u64 },
    /// The entry's fields no longer hash to its `hash`: the line was edited.
    EntryEdited { line: usize, seq: u64 },
    /// The entry's fields hash correctly but the line is not as the archive wrote it.
    EntryNotCanonical { line: usize, seq: u64 },
    /// `prev` is not the previous line's `hash`: a line was removed, inserted or moved.
    BrokenChain { line: usize, seq: u64 },
    /// Sequence numbers do not count up by one from 1.
    SequenceGap {
        line: usize,
        expected: u64,
        found: u64,
    },
    /// The entry names a file that is not its segment's name.
    WrongFileName { line: usize, seq: u64, file: String },
    /// A listed segment is not on disk.
    SegmentMissing { file: String },
    /// A listed segment's SHA-256 is not the one recorded when it was sealed.
    SegmentChanged {
        file: String,
        expected: String,
        found: String,
    },
    /// A listed segment with the recorded hash that does not decompress.
    SegmentUnreadable { file: String, reason: String },
    /// A listed segment that does not decompress to the recorded number of records or bytes,
    /// or whose last record has no newline.
    SegmentContentMismatch {
        file: String,
        records: u64,
        expected_records: u64,
        bytes: u64,
        expected_bytes: u64,
    },
    /// A segment on disk that the manifest does not list.
    SegmentUnlisted { file: String },
    /// An open segment that is not the one after the last sealed or waiting to be sealed.
    OpenOutOfSequence { file: String, expected_seq: u64 },
}

impl Problem {
    /// The file the problem is about.
    pub fn file(&self) -> &str {
        match self {
            Problem::ManifestUnreadable { .. }
            | Problem::ManifestTorn { .. }
            | Problem::EntryEdited { .. }
            | Problem::EntryNotCanonical { .. }
            | Problem::BrokenChain { .. }
            | Problem::SequenceGap { .. }
            | Problem::WrongFileName { .. } => MANIFEST_FILE,
            Problem::SegmentMissing { file }
            | Problem::SegmentChanged { file, .. }
            | Problem::SegmentUnreadable { file, .. }
            | Problem::SegmentContentMismatch { file, .. }
            | Problem::SegmentUnlisted { file }
            | Problem::OpenOutOfSequence { file, .. } => file,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = MANIFEST_FILE;
        match self {
            Problem::ManifestUnreadable { line, reason } => {
                write!(f, "{m} line {line}: not a manifest entry ({reason})")
            }
            Problem::ManifestTorn { bytes } => write!(
                f,
                "{m}: ends in {bytes} bytes of an incomplete line and no seal was under way"
            ),
            Problem::EntryEdited { line, seq } => write!(
                f,
                "{m} line {line} (segment {seq}): edited, its fields do not hash to its hash"
            ),
            Problem::EntryNotCanonical { line, seq } => write!(
                f,
                "{m} line {line} (segment {seq}): rewritten, not byte for byte as the archive \
                 wrote it"
            ),
            Problem::BrokenChain { line, seq } => write!(
                f,
                "{m} line {line} (segment {seq}): does not follow the line before it (a line \
                 was removed, inserted or reordered)"
            ),
            Problem::SequenceGap {
                line,
                expected,
                found,
            } => write!(
                f,
                "{m} line {line}: segment {found} where {expected} was expected"
            ),
            Problem::WrongFileName { line, seq, file } => write!(
                f,
                "{m} line {line}: names {file:?}, which is not segment {seq}'s file"
            ),
            Problem::SegmentMissing { file } => {
                write!(f, "{file}: listed in the manifest but missing")
            }
            Problem::SegmentChanged {
                file,
                expected,
                found,
            } => write!(
                f,
                "{file}: changed since it was sealed (SHA-256 {found}, manifest {expected})"
            ),
            Problem::SegmentUnreadable { file, reason } => {
                write!(f, "{file}: does not decompress ({reason})")
            }
            Problem::SegmentContentMismatch {
                file,
                records,
                expected_records,
                bytes,
                expected_bytes,
            } => write!(
                f,
                "{file}: holds {records} records in {bytes} bytes, the manifest says \
                 {expected_records} in {expected_bytes}"
            ),
            Problem::SegmentUnlisted { file } => {
                write!(f, "{file}: a segment the manifest does not list")
            }
            Problem::OpenOutOfSequence { file, expected_seq } => write!(
                f,
                "{file}: an open segment out of sequence (the open segment would be {})",
                open_name(*expected_seq)
            ),
        }
    }
}

/// The open segment: records not sealed yet, which is how an archive in use looks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenSegment {
    pub file: String,
    pub records: u64,
    pub bytes: u64,
    /// Bytes of an incomplete last record, which the next open cuts.
    pub torn_bytes: u64,
    /// Its segment is already sealed and listed: a kill came just before the open file's
    /// removal, which the next open completes.
    pub already_sealed: bool,
}

impl fmt::Display for OpenSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.already_sealed {
            return write!(
                f,
                "{}: already sealed, left by an interrupted seal (the next open removes it)",
                self.file
            );
        }
        write!(
            f,
            "{}: open, not yet sealed ({} records",
            self.file, self.records
        )?;
        if self.torn_bytes > 0 {
            write!(
                f,
                ", then {} bytes of an incomplete record the next open cuts",
                self.torn_bytes
            )?;
        }
        f.write_str(")")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Sealed segments found and checked against their manifest line.
    pub segments: usize,
    /// Records in the sealed segments whose hash matched.
    pub records: u64,
    pub open: Vec<OpenSegment>,
    /// Files of a seal in progress, pending or interrupted (segments waiting for the sealer,
    /// temp files, a compressed segment whose line is not written yet), which the writer's
    /// sealer or the next open finishes or removes.
    pub unfinished: Vec<String>,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

pub fn verify(dir: &Path) -> Result<VerifyReport, ArchiveError> {
    let listing = Listing::read(dir)?;
    let text = ManifestText::read(dir)?;
    let mut report = VerifyReport::default();
    let mut listed = BTreeSet::new();
    let mut expected_prev = Some(GENESIS.to_string());
    let mut expected_seq = Some(1);
    let mut last_seq = 0;
    for (line, bytes) in text.lines() {
        let entry = match ManifestEntry::parse(bytes) {
            Ok(entry) => entry,
            Err(reason) => {
                report
                    .problems
                    .push(Problem::ManifestUnreadable { line, reason });
                // The next line can be judged only by its own hash, not by its link to this one.
                expected_prev = None;
                expected_seq = None;
                continue;
            }
        };
        let seq = entry.seq;
        match entry.computed_hash() {
            Ok(hash) if hash == entry.hash => {
                if entry
                    .canonical_line()
                    .is_ok_and(|canonical| canonical.as_bytes() != bytes)
                {
                    report
                        .problems
                        .push(Problem::EntryNotCanonical { line, seq });
                }
            }
            _ => report.problems.push(Problem::EntryEdited { line, seq }),
        }
        if expected_prev
            .as_ref()
            .is_some_and(|prev| *prev != entry.prev)
        {
            report.problems.push(Problem::BrokenChain { line, seq });
        }
        if let Some(expected) = expected_seq
            && expected != seq
        {
            report.problems.push(Problem::SequenceGap {
                line,
                expected,
                found: seq,
            });
        }
        expected_prev = Some(entry.hash.clone());
        expected_seq = Some(seq + 1);
        last_seq = seq;
        if entry.file != segment_name(seq) {
            // Never open a path a manifest line made up.
            report.problems.push(Problem::WrongFileName {
                line,
                seq,
                file: entry.file.clone(),
            });
            continue;
        }
        listed.insert(seq);
        check_segment(dir, &entry, &mut report);
    }

    let next = last_seq + 1;
    let plain_next = listing.opens.contains(&next) || listing.sealings.contains(&next);
    let sealing_next = plain_next && listing.segments.contains(&next);
    if text.torn_len() > 0 {
        if sealing_next {
            report.unfinished.push(MANIFEST_FILE.to_string());
        } else {
            report.problems.push(Problem::ManifestTorn {
                bytes: text.torn_len() as u64,
            });
        }
    }
    for &seq in &listing.segments {
        if listed.contains(&seq) {
            continue;
        }
        if seq == next && sealing_next {
            report.unfinished.push(segment_name(seq));
        } else {
            report.problems.push(Problem::SegmentUnlisted {
                file: segment_name(seq),
            });
        }
    }
    for &seq in &listing.sealings {
        report.unfinished.push(sealing_name(seq));
    }
    for &seq in &listing.temps {
        report.unfinished.push(temp_name(seq));
    }
    // The open segment comes after every segment sealed or waiting to be sealed.
    let open_seq = listing.sealings.last().map_or(next, |&s| next.max(s + 1));
    for &seq in &listing.opens {
        let file = open_name(seq);
        let already_sealed = listed.contains(&seq);
        if !already_sealed && seq != open_seq {
            report.problems.push(Problem::OpenOutOfSequence {
                file: file.clone(),
                expected_seq: open_seq,
            });
        }
        match std::fs::read(dir.join(&file)) {
            Ok(bytes) => {
                let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                report.open.push(OpenSegment {
                    file,
                    records: count_newlines(&bytes),
                    bytes: bytes.len() as u64,
                    torn_bytes: (bytes.len() - whole) as u64,
                    already_sealed,
                });
            }
            // Removed by a writer finishing its seal since the listing.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(crate::error::io(dir.join(&file), "read")(e)),
        }
    }
    Ok(report)
}

fn check_segment(dir: &Path, entry: &ManifestEntry, report: &mut VerifyReport) {
    let path = dir.join(&entry.file);
    let file = entry.file.clone();
    let changed = |found: String| Problem::SegmentChanged {
        file: file.clone(),
        expected: entry.sha256.clone(),
        found,
    };
    let facts = match read_gz(&path, |_| Ok(true)) {
        Ok(Some(facts)) => facts,
        Ok(None) => return,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            report.problems.push(Problem::SegmentMissing { file });
            return;
        }
        // A changed byte usually breaks decompression too; the hash says more than the codec.
        Err(e) => {
            report.problems.push(match sha256_file(&path) {
                Ok(found) if found != entry.sha256 => changed(found),
                _ => Problem::SegmentUnreadable {
                    file: file.clone(),
                    reason: e.to_string(),
                },
            });
            report.segments += 1;
            return;
        }
    };
    report.segments += 1;
    if facts.sha256 != entry.sha256 {
        report.problems.push(changed(facts.sha256));
        return;
    }
    report.records += facts.records;
    if facts.records != entry.records
        || facts.bytes_uncompressed != entry.bytes_uncompressed
        || !facts.ends_whole
    {
        report.problems.push(Problem::SegmentContentMismatch {
            file,
            records: facts.records,
            expected_records: entry.records,
            bytes: facts.bytes_uncompressed,
            expected_bytes: entry.bytes_uncompressed,
        });
    }
}
