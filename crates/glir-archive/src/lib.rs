//! The raw archive of received audit events: every accepted request body kept verbatim, the
//! write-only store GitLab's incident-response guide asks for beside the normalized database.
//!
//! Records are appended as lines to one open segment (`open-<seq>.jsonl`) and made durable by
//! one `fdatasync` per batch, so a receiver acknowledges a batch only after `Archive::sync`
//! returns. A segment that reaches its size or age limit is rotated: renamed to
//! `sealing-<seq>.jsonl`, so appending goes on at once in a new open segment, and sealed by a
//! background thread (`sealer.rs`), in sequence order: compressed to `segment-<seq>.jsonl.gz`,
//! made read-only and listed in `manifest.jsonl`, whose lines are hash-chained so an edited,
//! removed or reordered entry is caught by `verify`. At most [`MAX_PENDING_SEALS`] segments wait
//! for the sealer; a rotation beyond that waits. Rotating and sealing are fixed sequences of
//! durable steps and `Archive::open` finishes or undoes whichever step a kill interrupted
//! (`recover.rs`), so no synced record is lost or stored twice.
//!
//! Like a case's journal, the chain makes tampering visible, not impossible: whoever can write
//! the directory can rewrite it whole. `mirror` keeps a second, write-once copy elsewhere.

mod archive;
mod error;
mod fsutil;
mod manifest;
mod mirror;
mod names;
mod recover;
mod sealer;
mod segment;
mod verify;

pub use archive::{Archive, ArchiveOptions};
pub use error::ArchiveError;
pub use manifest::{GENESIS, ManifestEntry};
pub use mirror::{MirrorStats, mirror};
pub use recover::Recovery;
pub use sealer::MAX_PENDING_SEALS;
pub use segment::SealedSegment;
pub use verify::{OpenSegment, Problem, VerifyReport, verify};

/// File names inside an archive directory.
pub mod layout {
    pub const MANIFEST_FILE: &str = "manifest.jsonl";
    /// Held with an exclusive lock while an `Archive` is open: two writers would interleave
    /// records and seal the same segment twice.
    pub const LOCK_FILE: &str = "archive.lock";
    pub use crate::names::{open_name, sealing_name, segment_name};
}
