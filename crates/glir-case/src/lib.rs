//! Incident cases: one directory per incident holding the evidence glir collected, a SHA-256
//! manifest of it, an acquisition log, and a hash-chained journal of every step that collected
//! evidence or changed GitLab state.
//!
//! The journal and manifest make tampering visible, not impossible: anyone who can write the
//! directory can rewrite the whole chain. `Case::mirror_to` copies evidence to a second,
//! write-once location, which is what GitLab's incident-response guide asks for.

mod case;
mod error;
mod hashing;
mod journal;
mod manifest;
mod mirror;
mod name;
mod verify;

pub use case::{Case, CaseInfo, CaseStatus, Cases, NewCase, TimeKind, Timestamps};
pub use error::Error;
pub use journal::{Head, Journal, JournalEntry, JournalRecord, StepKind, Target};
pub use manifest::{EvidenceFile, Manifest};
pub use mirror::MirrorStats;
pub use verify::{Problem, VerifyReport};

/// File names inside a case directory.
pub mod layout {
    pub const CASE_FILE: &str = "case.json";
    pub const EVIDENCE_DIR: &str = "evidence";
    pub const MANIFEST_FILE: &str = "manifest.json";
    pub const JOURNAL_FILE: &str = "journal.jsonl";
    pub const ACQUISITION_FILE: &str = "acquisition.jsonl";
}
