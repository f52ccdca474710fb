//! What a firing rule reports.

use glir_events::EventRef;

/// One rule firing on one event (detection) or a sequence of events (correlation): the shared
/// alert value, so what `glir detect` finds is stored as it is.
pub use glir_events::Alert;

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
pub(crate) fn actor_of(e: &EventRef<'_>) -> Option<String> {
    e.author_name
        .map(str::to_owned)
        .or_else(|| e.author_id.map(|id| id.to_string()))
}

/// What an alert on `e` says after its rule's title: the event's summary, scrubbed, on one
/// line. Every alert on the same event shares it.
pub(crate) fn event_reason(e: &EventRef<'_>) -> String {
    let summary = e.summary();
    let scrubbed = glir_redact::scrub(&summary);
    if scrubbed.contains(['\n', '\r']) {
        scrubbed.replace(['\n', '\r'], " ")
    } else {
        scrubbed.into_owned()
    }
}
