use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// Which of GitLab's three audit record shapes a record has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// An item of `GET /audit_events` (`ee/lib/api/entities/audit_event.rb`).
    Rest,
    /// A streaming destination body (`doc/user/compliance/audit_event_schema.md`).
    Stream,
    /// A line of `gitlab-rails/audit_json.log` (`doc/administration/logs/_index.md`).
    AuditLog,
}

impl Layout {
    /// The canonical name: `rest`, `stream` or `audit_log`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Rest => "rest",
            Layout::Stream => "stream",
            Layout::AuditLog => "audit_log",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A layout name that [`Layout::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown layout `{0}` (expected rest, stream or audit_log)")]
pub struct UnknownLayout(pub String);

impl FromStr for Layout {
    type Err = UnknownLayout;

    fn from_str(s: &str) -> Result<Layout, UnknownLayout> {
        match s {
            "rest" => Ok(Layout::Rest),
            "stream" => Ok(Layout::Stream),
            // The log file is named audit_json.log, so people also call the layout audit-json.
            "audit_log" | "audit-log" | "audit-json" | "audit_json" => Ok(Layout::AuditLog),
            other => Err(UnknownLayout(other.to_owned())),
        }
    }
}

/// Guesses a record's layout from its keys; `None` when it is not an object or has no timestamp.
///
/// audit_json.log lines are flat and carry `time` instead of `created_at`. Streamed bodies have a
/// string `id` (the schema types it as a string, and stream-only events get a UUID). REST items
/// have a numeric `id`, even when they also carry streaming-style top-level keys such as
/// `event_type` (the InstanceScope example in `doc/api/audit_events.md`).
pub fn detect_layout(v: &Value) -> Option<Layout> {
    let obj = v.as_object()?;
    if !obj.contains_key("created_at") {
        return obj.contains_key("time").then_some(Layout::AuditLog);
    }
    match obj.get("id") {
        Some(Value::String(_)) => Some(Layout::Stream),
        Some(Value::Number(_)) => Some(Layout::Rest),
        _ if obj.contains_key("event_type") => Some(Layout::Stream),
        _ => Some(Layout::Rest),
    }
}
