//! What a firing rule reports.

use glir_events::AuditEvent;
use serde::{Deserialize, Serialize};

/// One rule firing on one event (detection) or a sequence of events (correlation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The rule's `id` (its title when it has none).
    pub rule_id: String,
    /// The rule's title.
    pub title: String,
    /// Sigma level: informational, low, medium, high or critical.
    pub level: String,
    /// The rule's tags, e.g. `attack.persistence`.
    pub tags: Vec<String>,
    /// Ids of the matched events; for correlations all those rsigma kept for the window.
    pub event_ids: Vec<String>,
    /// Who did it: the author name (or id) of the triggering event.
    pub actor: Option<String>,
    /// When the triggering event happened.
    pub time: jiff::Timestamp,
    /// One line: the rule title plus the event summary, scrubbed of tokens.
    pub reason: String,
}

/// Sigma's levels in ascending severity.
pub const LEVELS: &[&str] = &["informational", "low", "medium", "high", "critical"];

/// Rank of a level in [`LEVELS`]; unknown levels rank lowest.
pub fn level_rank(level: &str) -> usize {
    LEVELS
        .iter()
        .position(|l| l.eq_ignore_ascii_case(level))
        .unwrap_or(0)
}

/// The actor shown for an event: its author's name, else the author id.
pub(crate) fn actor_of(e: &AuditEvent) -> Option<String> {
    e.author_name
        .clone()
        .or_else(|| e.author_id.map(|id| id.to_string()))
}

/// The one-line reason of an alert on `e`.
pub(crate) fn reason_for(title: &str, e: &AuditEvent) -> String {
    let summary = e.summary();
    let summary = glir_redact::scrub(&summary);
    format!("{title}: {}", summary.replace(['\n', '\r'], " "))
}
