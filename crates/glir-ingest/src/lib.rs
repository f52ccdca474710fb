//! Streams audit-event files into the store in constant memory.
//!
//! A file is a JSON array, JSON Lines, or `audit_json.log` (JSON Lines in the flat layout), each
//! optionally gzip-compressed. One thread reads and parses records into batches while the caller's
//! thread inserts them, each batch in its own transaction, so an interrupted ingest leaves whole
//! batches and re-running it only counts duplicates.

#![warn(missing_docs)]

mod checkpoints;
mod error;
mod input;
mod options;
mod parser;
mod pipeline;
mod records;
mod report;

pub use error::IngestError;
pub use options::{IngestOptions, Progress};
pub use pipeline::{ingest_file, ingest_reader, read_file};
pub use report::{FileReport, LineError};
