//! Collects audit events from the GitLab API into the store.
//!
//! A collection run walks `[since, until)` in ascending time windows and pages each window
//! newest-first with keyset paging (the only order GitLab offers for audit events). After every
//! page the events and the resume point are committed in one transaction, so a run stopped by
//! Ctrl-C or a network loss resumes at the next page with no gap, and re-fetched events are
//! deduplicated by their identity.

mod checkpoint;
mod coverage;
mod jobs;
mod run;
mod shard;
mod window;

pub use checkpoint::{Checkpoint, RunState, checkpoint_key};
pub use coverage::{Coverage, audit_coverage};
pub use jobs::{JobLog, JobLogRequest, JobLogSummary, fetch_job_logs};
pub use run::{CollectError, CollectRequest, CollectSummary, Progress, collect_audit_events};
pub use shard::{Shard, ShardError};
pub use window::WindowPolicy;
