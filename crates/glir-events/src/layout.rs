use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// Which of GitLab's record shapes a record has: the three audit layouts, and the Rails logs that
/// carry evidence an audit log lacks (each read as its own source with its own event types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// An item of `GET /audit_events` (`ee/lib/api/entities/audit_event.rb`).
    Rest,
    /// A streaming destination body (`doc/user/compliance/audit_event_schema.md`).
    Stream,
    /// A line of `gitlab-rails/audit_json.log` (`doc/administration/logs/_index.md`): flat
    /// `change`/`from`/`to` lines of old versions, or the audited event merged with its
    /// `details` and the request's `meta.*` context in current ones.
    AuditLog,
    /// A sign-in or sign-out line of `gitlab-rails/application_json.log`.
    ApplicationLog,
    /// A Rack::Attack line of `gitlab-rails/auth_json.log` (`auth.log`): throttles and blocklists.
    AuthLog,
    /// A REST call in `gitlab-rails/api_json.log`.
    ApiLog,
}

impl Layout {
    /// The canonical name: `rest`, `stream` or `audit_log`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Rest => "rest",
            Layout::Stream => "stream",
            Layout::AuditLog => "audit_log",
            Layout::ApplicationLog => "application_log",
            Layout::AuthLog => "auth_log",
            Layout::ApiLog => "api_log",
        }
    }

    /// Log lines are flat: what the parser does not map becomes `details`, which only the
    /// parsed event holds (REST and stream `details` are a member of the record itself).
    pub fn is_flat(self) -> bool {
        !matches!(self, Layout::Rest | Layout::Stream)
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A layout name that [`Layout::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown layout `{0}` (expected rest, stream, audit_log, application_log, auth_log or api_log)"
)]
pub struct UnknownLayout(pub String);

impl FromStr for Layout {
    type Err = UnknownLayout;

    fn from_str(s: &str) -> Result<Layout, UnknownLayout> {
        match s {
            "rest" => Ok(Layout::Rest),
            "stream" => Ok(Layout::Stream),
            // The log file is named audit_json.log, so people also call the layout audit-json.
            "audit_log" | "audit-log" | "audit-json" | "audit_json" => Ok(Layout::AuditLog),
            "application_log" | "application-log" | "application_json" => {
                Ok(Layout::ApplicationLog)
            }
            "auth_log" | "auth-log" | "auth_json" => Ok(Layout::AuthLog),
            "api_log" | "api-log" | "api_json" => Ok(Layout::ApiLog),
            other => Err(UnknownLayout(other.to_owned())),
        }
    }
}

/// Guesses a record's layout from its keys; `None` when it is not an event glir reads (see
/// [`classify`] for why).
pub fn detect_layout(v: &Value) -> Option<Layout> {
    classify(v.as_object()?).ok()
}

/// What a record is, or why it is not an event: the reason names the log it looks like, so a
/// file of another Rails log is reported as such instead of as broken audit events.
///
/// Log lines carry `time` (written by the JSON logger; `lib/gitlab/json_logger.rb`) and REST and
/// stream bodies never do, so `time` decides between the two families even when a current
/// audit_json.log line also carries the event's `created_at` and numeric `id`. Among log lines the
/// members each logger always writes tell them apart (`doc/administration/logs/_index.md`).
/// Streamed bodies have a string `id` (the schema types it as a string, and stream-only events get
/// a UUID). REST items have a numeric `id`, even when they also carry streaming-style top-level
/// keys such as `event_type` (the InstanceScope example in `doc/api/audit_events.md`).
pub fn classify(obj: &Map<String, Value>) -> Result<Layout, NotAnEvent> {
    if obj.contains_key("time") {
        return classify_log_line(obj);
    }
    if !obj.contains_key("created_at") {
        return Err(NotAnEvent::NoTimestamp);
    }
    Ok(match obj.get("id") {
        Some(Value::String(_)) => Layout::Stream,
        Some(Value::Number(_)) => Layout::Rest,
        _ if obj.contains_key("event_type") => Layout::Stream,
        _ => Layout::Rest,
    })
}

fn classify_log_line(obj: &Map<String, Value>) -> Result<Layout, NotAnEvent> {
    let has = |k: &str| obj.contains_key(k);
    let message = obj.get("message").and_then(Value::as_str);
    if message == Some("Rack_Attack") {
        return Ok(Layout::AuthLog);
    }
    if AUDIT_KEYS.iter().any(|k| has(k)) {
        return Ok(Layout::AuditLog);
    }
    if has("controller") && has("action") {
        return Err(NotAnEvent::RequestLog);
    }
    if has("route") || (has("method") && has("status") && has("path")) {
        return Ok(Layout::ApiLog);
    }
    if has("query_string") {
        return Err(NotAnEvent::OtherLog("graphql_json.log"));
    }
    if has("class") && has("jid") {
        return Err(NotAnEvent::OtherLog("sidekiq"));
    }
    if has("exception.class") {
        return Err(NotAnEvent::OtherLog("exceptions_json.log"));
    }
    if message.is_some() {
        return Ok(Layout::ApplicationLog);
    }
    Err(NotAnEvent::OtherLog("an unknown log"))
}

/// Members only audit_json.log lines have among the Rails JSON logs.
const AUDIT_KEYS: [&str; 14] = [
    "author_id",
    "author_name",
    "entity_id",
    "entity_type",
    "entity_path",
    "event_name",
    "target_id",
    "target_type",
    "target_details",
    "change",
    "with",
    "add",
    "remove",
    "custom_message",
];
impl NotAnEvent {
    /// A well-formed line of a log that is not an audit log, or not a sign-in: something to
    /// skip and count, not a broken record to report.
    pub fn is_other_log(self) -> bool {
        !matches!(self, NotAnEvent::NoTimestamp)
    }
}

/// Why a JSON object is not an event glir reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotAnEvent {
    /// Neither `created_at` nor `time`.
    #[error("no `created_at` (REST, stream) or `time` (log line): not an audit event")]
    NoTimestamp,
    /// A `production_json.log` line.
    #[error(
        "a Rails request line (production_json.log), not an audit event; read audit_json.log, and api_json.log for token-authenticated calls"
    )]
    RequestLog,
    /// A line of another GitLab log.
    #[error(
        "a line of {0}, not an audit event (glir reads audit_json.log, application_json.log sign-ins, auth_json.log and api_json.log)"
    )]
    OtherLog(&'static str),
    /// An application_json.log message that is not a sign-in or sign-out.
    #[error("an application_json.log message that is not a sign-in or sign-out")]
    OtherMessage,
}
