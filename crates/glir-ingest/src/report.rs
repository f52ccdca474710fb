use glir_events::Layout;
use std::fmt;
use std::path::PathBuf;

/// A malformed record: where it is and why, never what it contains.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// The layout used: forced, or detected from the first well-formed record.
    pub layout: Option<Layout>,
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
}
