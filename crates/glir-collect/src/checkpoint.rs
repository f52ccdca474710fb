//! What the store remembers between runs, per (instance, scope).

use glir_gitlab::AuditScope;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The store key of a scope's checkpoint: one per instance and scope.
pub fn checkpoint_key(host: &str, scope: &AuditScope) -> String {
    format!("audit_events|{host}|{scope}")
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Every event created before this instant has been collected (incremental runs start here).
    pub complete_until: Option<Timestamp>,
    /// A run that has not finished; the next run resumes it.
    pub run: Option<RunState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub since: Timestamp,
    pub until: Timestamp,
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    pub span_secs: i64,
    /// The keyset link of the next page inside the current window; `None` = window not started.
    pub next_page: Option<String>,
    /// Events seen so far in the current window (drives the next window's size).
    pub window_events: u64,
}
