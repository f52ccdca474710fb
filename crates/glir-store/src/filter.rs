//! The one way to select events, whichever backend holds them.

/// Which events to select; every field set narrows the result (they are ANDed).
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Matches author_name or author_email (both case-insensitive), or author_id when numeric.
    pub actor: Option<String>,
    /// Exact client IP address.
    pub ip: Option<String>,
    /// Event type glob with SQLite GLOB semantics (`*token*`, case-sensitive).
    pub event_type: Option<String>,
    /// Exact target type, e.g. `PersonalAccessToken`.
    pub target_type: Option<String>,
    /// entity_path exactly or under it (`grp` matches `grp/app`), or entity_id when numeric.
    pub entity: Option<String>,
    /// Earliest creation time, inclusive.
    pub since: Option<jiff::Timestamp>,
    /// Latest creation time, exclusive.
    pub until: Option<jiff::Timestamp>,
    /// Exact source (GitLab host or file label).
    pub source: Option<String>,
    /// At most this many events.
    pub limit: Option<usize>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
}
