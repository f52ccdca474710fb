//! Which stored alerts to read. The store knows nothing of Sigma: an alert arrives as plain
//! fields ([`glir_events::Alert`]).

use jiff::Timestamp;

/// Which stored alerts to read; fields set are ANDed.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Alert time, inclusive.
    pub since: Option<Timestamp>,
    /// Alert time, exclusive.
    pub until: Option<Timestamp>,
    /// Only this rule's alerts.
    pub rule_id: Option<String>,
    /// At most this many alerts.
    pub limit: Option<usize>,
}
