//! Segment file names. The sequence number is in the name so a directory listing alone says
//! which segment is which, and zero-padding keeps `ls` in sequence order.

use crate::error::{ArchiveError, io};
use std::collections::BTreeSet;
use std::path::Path;

const OPEN_PREFIX: &str = "open-";
const OPEN_SUFFIX: &str = ".jsonl";
const SEALING_PREFIX: &str = "sealing-";
const SEGMENT_PREFIX: &str = "segment-";
const SEGMENT_SUFFIX: &str = ".jsonl.gz";
const TEMP_SUFFIX: &str = ".tmp";

/// The segment being appended to: `open-00000001.jsonl`.
pub fn open_name(seq: u64) -> String {
    format!("{OPEN_PREFIX}{seq:08}{OPEN_SUFFIX}")
}

/// A segment that reached its limit and waits for the sealer (or is being sealed):
/// `sealing-00000001.jsonl`. The writer renames `open-<seq>` to this, so nothing appends to it
/// again and a directory listing says which segments a kill left unsealed.
pub fn sealing_name(seq: u64) -> String {
    format!("{SEALING_PREFIX}{seq:08}{OPEN_SUFFIX}")
}

/// A sealed segment: `segment-00000001.jsonl.gz`.
pub fn segment_name(seq: u64) -> String {
    format!("{SEGMENT_PREFIX}{seq:08}{SEGMENT_SUFFIX}")
}

/// Where a segment is compressed before its rename makes it appear whole.
pub(crate) fn temp_name(seq: u64) -> String {
    format!("{}{TEMP_SUFFIX}", segment_name(seq))
}

/// What a file in an archive directory is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Open(u64),
    Sealing(u64),
    Segment(u64),
    Temp(u64),
}

pub(crate) fn classify(name: &str) -> Option<Kind> {
    if let Some(seq) = seq_between(name, OPEN_PREFIX, OPEN_SUFFIX) {
        return Some(Kind::Open(seq));
    }
    if let Some(seq) = seq_between(name, SEALING_PREFIX, OPEN_SUFFIX) {
        return Some(Kind::Sealing(seq));
    }
    if let Some(seq) = seq_between(name, SEGMENT_PREFIX, SEGMENT_SUFFIX) {
        return Some(Kind::Segment(seq));
    }
    let base = name.strip_suffix(TEMP_SUFFIX)?;
    seq_between(base, SEGMENT_PREFIX, SEGMENT_SUFFIX).map(Kind::Temp)
}

/// Only the exact form the archive writes counts, so `segment-1.jsonl.gz` (unpadded) is not
/// silently taken for segment 1.
fn seq_between(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq: u64 = digits.parse().ok()?;
    (format!("{seq:08}") == digits).then_some(seq)
}

/// The archive's files in a directory, by kind and sequence number. Other files are not the
/// archive's and are left alone.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub opens: BTreeSet<u64>,
    pub sealings: BTreeSet<u64>,
    pub segments: BTreeSet<u64>,
    pub temps: BTreeSet<u64>,
}

impl Listing {
    pub(crate) fn read(dir: &Path) -> Result<Listing, ArchiveError> {
        let mut listing = Listing::default();
        for entry in std::fs::read_dir(dir).map_err(io(dir, "list"))? {
            let entry = entry.map_err(io(dir, "list"))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            match classify(&name) {
                Some(Kind::Open(seq)) => listing.opens.insert(seq),
                Some(Kind::Sealing(seq)) => listing.sealings.insert(seq),
                Some(Kind::Segment(seq)) => listing.segments.insert(seq),
                Some(Kind::Temp(seq)) => listing.temps.insert(seq),
                None => continue,
            };
        }
        Ok(listing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_near_misses_are_not_segments() {
        assert_eq!(open_name(3), "open-00000003.jsonl");
        assert_eq!(segment_name(12), "segment-00000012.jsonl.gz");
        assert_eq!(classify("open-00000003.jsonl"), Some(Kind::Open(3)));
        assert_eq!(sealing_name(4), "sealing-00000004.jsonl");
        assert_eq!(classify("sealing-00000004.jsonl"), Some(Kind::Sealing(4)));
        assert_eq!(classify("sealing-4.jsonl"), None);
        assert_eq!(classify("sealing-00000004.jsonl.gz"), None);
        assert_eq!(
            classify("segment-00000012.jsonl.gz"),
            Some(Kind::Segment(12))
        );
        assert_eq!(
            classify("segment-00000012.jsonl.gz.tmp"),
            Some(Kind::Temp(12))
        );
        assert_eq!(
            classify(&segment_name(123_456_789)),
            Some(Kind::Segment(123_456_789))
        );
        assert_eq!(classify("segment-1.jsonl.gz"), None);
        assert_eq!(classify("segment-000000012.jsonl.gz"), None);
        assert_eq!(classify("segment-0000001x.jsonl.gz"), None);
        assert_eq!(classify("manifest.jsonl"), None);
    }
}
