use crate::report::LineError;
use std::path::PathBuf;

/// Why an ingest stopped. Batches committed before the stop stay in the store.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be opened or read (including a truncated or corrupt gzip stream).
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Strict mode met a malformed record.
    #[error("{0} (strict mode stops at the first malformed record)")]
    Strict(LineError),
    /// The file held no event glir reads; `reason` says what it held.
    #[error("{}: {reason}", path.display())]
    NoEvents {
        /// The file.
        path: PathBuf,
        /// What its records were, e.g. lines of another log.
        reason: String,
    },
    /// The store refused a batch.
    #[error("cannot store events from {}: {source}", path.display())]
    Store {
        /// The file.
        path: PathBuf,
        /// The underlying store error.
        source: glir_store::StoreError,
    },
}
