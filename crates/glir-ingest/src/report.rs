use glir_events::Layout;
use std::fmt;
use std::path::PathBuf;

/// A malformed record: where it is and why, never what it contains.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line where the record starts (for arrays too: the reason names the element).
    pub line: u64,
    /// Why the record was rejected.
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.reason)
    }
}

impl std::error::Error for LineError {}

/// What ingesting one file did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// Events read, by layout, in the order each layout was first seen.
    pub layouts: Vec<(Layout, u64)>,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// Well-formed records (inserted + duplicates).
    pub records: u64,
    /// Records newly stored.
    pub inserted: u64,
    /// Records already in the store.
    pub duplicates: u64,
    /// Malformed records skipped.
    pub malformed: u64,
    /// The first `max_reported_errors` malformed records.
    pub errors: Vec<LineError>,
    /// Records kept with invalid UTF-8 replaced by U+FFFD.
    pub repaired: u64,
    /// The first `max_reported_errors` of them.
    pub repairs: Vec<LineError>,
    /// Why compressed input ended early (cut or corrupt), and where: the records before it
    /// were read. The file is not whole, so the ingest is not complete.
    pub truncated: Option<String>,
    /// Well-formed records that are not events (other logs' lines, messages that are no
    /// sign-in), by reason, in the order first seen.
    pub skipped: Vec<(String, u64)>,
}

impl FileReport {
    /// The layout of the first event read (forced, or detected per record).
    pub fn layout(&self) -> Option<Layout> {
        self.layouts.first().map(|(layout, _)| *layout)
    }
}

/// Why a file gave no event, in words: what its records were.
pub(crate) fn no_event_reason(
    skipped: &[(String, u64)],
    malformed: u64,
    errors: &[LineError],
    gave_up: bool,
) -> String {
    let seen: u64 = skipped.iter().map(|(_, n)| n).sum::<u64>() + malformed;
    if seen == 0 {
        return "no records".to_owned();
    }
    let mut parts: Vec<String> = skipped
        .iter()
        .map(|(reason, n)| format!("{n} × {reason}"))
        .collect();
    if malformed > 0 {
        let first = errors
            .first()
            .map(|e| format!(" (first, line {}: {})", e.line, e.reason))
            .unwrap_or_default();
        parts.push(format!("{malformed} malformed{first}"));
    }
    let scope = if gave_up { "the first " } else { "" };
    format!("no event in {scope}{seen} records: {}", parts.join("; "))
}
