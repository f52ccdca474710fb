//! What a detection reports.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One alert: which rule fired, on which events, about whom, when and why. A value of the
/// shared vocabulary, so the rule engine that makes it and the store that keeps it need not know
/// each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// The rule's Sigma id.
    pub rule_id: String,
    /// The rule's title.
    pub title: String,
    /// Sigma level: informational, low, medium, high or critical.
    pub level: String,
    /// The rule's tags (ATT&CK and others).
    pub tags: Vec<String>,
    /// Ids of every event the alert is based on (all of them for correlations).
    pub event_ids: Vec<String>,
    /// Who acted, as the events name them.
    pub actor: Option<String>,
    /// When the alert's (last) event happened.
    pub time: Timestamp,
    /// One line saying why the rule fired.
    pub reason: String,
}
