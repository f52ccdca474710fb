//! Job artifact archives: zip entries scanned in memory, nested zips followed to a fixed depth,
//! with caps on entry size, total inflated bytes and entry count so a zip bomb costs nothing.

use std::io::{Cursor, Read, Seek};

use crate::{RawMatch, Scanner};

/// Limits for one archive (and everything nested in it).
#[derive(Debug, Clone)]
pub struct ArchiveLimits {
    /// Entries inflating to more than this are skipped.
    pub max_entry_size: u64,
    /// Inflated bytes across the archive; scanning stops there.
    pub max_total_size: u64,
    /// Entries across the archive; scanning stops there.
    pub max_entries: u64,
    /// Nested archives deeper than this are not opened (the outer archive is depth 1).
    pub max_depth: u32,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_entry_size: 50 << 20,
            max_total_size: 512 << 20,
            max_entries: 100_000,
            max_depth: 3,
        }
    }
}

/// What an archive scan covered and what it left out, so a report can say so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveStats {
    pub entries: u64,
    pub bytes: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
    pub skipped_too_deep: u64,
    /// The total-size or entry-count cap was reached.
    pub truncated: bool,
    /// Unreadable archives or entries, naming them.
    pub errors: Vec<String>,
}

/// Scans every text entry of a zip archive; `sink` gets the entry's path (nested entries as
/// `outer.zip!inner/file`) and each match.
pub fn scan_zip(
    scanner: &Scanner,
    archive: &[u8],
    limits: &ArchiveLimits,
    sink: &mut dyn FnMut(&str, RawMatch<'_>),
) -> ArchiveStats {
    let mut stats = ArchiveStats::default();
    walk(
        scanner,
        Cursor::new(archive),
        "",
        1,
        limits,
        &mut stats,
        sink,
    );
    stats
}

fn walk<R: Read + Seek>(
    scanner: &Scanner,
    reader: R,
    prefix: &str,
    depth: u32,
    limits: &ArchiveLimits,
    stats: &mut ArchiveStats,
    sink: &mut dyn FnMut(&str, RawMatch<'_>),
) {
    let mut zip = match zip::ZipArchive::new(reader) {
        Ok(zip) => zip,
        Err(e) => {
            let name = if prefix.is_empty() { "archive" } else { prefix };
            stats
                .errors
                .push(format!("{name}: not a readable zip: {e}"));
            return;
        }
    };
    for index in 0..zip.len() {
        if stats.entries >= limits.max_entries || stats.bytes >= limits.max_total_size {
            stats.truncated = true;
            return;
        }
        let mut entry = match zip.by_index(index) {
            Ok(entry) => entry,
            Err(e) => {
                stats.errors.push(format!("{prefix}#{index}: {e}"));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = match entry.name() {
            Ok(entry_name) => format!("{prefix}{entry_name}"),
            Err(e) => {
                stats
                    .errors
                    .push(format!("{prefix}#{index}: unreadable name: {e}"));
                continue;
            }
        };
        stats.entries += 1;
        // The header's size can lie; read one byte past the cap to know for sure.
        let mut data = Vec::new();
        let cap = limits
            .max_entry_size
            .min(limits.max_total_size - stats.bytes);
        if let Err(e) = (&mut entry).take(cap + 1).read_to_end(&mut data) {
            stats.errors.push(format!("{name}: {e}"));
            continue;
        }
        if data.len() as u64 > cap {
            stats.skipped_large += 1;
            continue;
        }
        stats.bytes += data.len() as u64;
        if data.starts_with(b"PK\x03\x04") {
            if depth >= limits.max_depth {
                stats.skipped_too_deep += 1;
            } else {
                let nested = format!("{name}!");
                walk(
                    scanner,
                    Cursor::new(data),
                    &nested,
                    depth + 1,
                    limits,
                    stats,
                    sink,
                );
            }
            continue;
        }
        if memchr::memchr(0, &data[..data.len().min(8 << 10)]).is_some() {
            stats.skipped_binary += 1;
            continue;
        }
        scanner.scan_content(&data, &mut |m| sink(&name, m));
    }
}
