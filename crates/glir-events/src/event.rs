use crate::author::AuthorKind;
use crate::layout::Layout;
use serde::{Deserialize, Serialize};

/// One audit event in glir's canonical form, whatever layout it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Identity namespace, usually the GitLab host; `(source, event_id)` is unique.
    pub source: String,
    /// REST id in decimal; stream `id` as given (numeric or UUID); for audit_json.log
    /// `sha256:` and 32 hex digits of the trimmed line, since those lines carry no id.
    pub event_id: String,
    /// The layout the record was parsed as.
    pub layout: Layout,
    /// When GitLab recorded the event (`created_at`, or `time` in audit_json.log).
    pub created_at: jiff::Timestamp,
    /// The audit event type name, e.g. `personal_access_token_created`.
    pub event_type: Option<String>,
    /// The author's user id; negative for system authors (see [`AuthorKind`]).
    pub author_id: Option<i64>,
    /// The author's display name.
    pub author_name: Option<String>,
    /// The author's email, when GitLab recorded it (15.9+).
    pub author_email: Option<String>,
    /// Id of the entity (project, group, user, instance) the event belongs to.
    pub entity_id: Option<i64>,
    /// `Project`, `Group`, `User` or `Gitlab::Audit::InstanceScope`.
    pub entity_type: Option<String>,
    /// Full path of the entity, e.g. `grp/app`.
    pub entity_path: Option<String>,
    /// Target id; GitLab writes an int or a string (e.g. `"flightjs/flight"`).
    pub target_id: Option<String>,
    /// Target class, e.g. `PersonalAccessToken`.
    pub target_type: Option<String>,
    /// Human-readable target, e.g. a token name or a path.
    pub target_details: Option<String>,
    /// Client IP address.
    pub ip_address: Option<String>,
    /// What changed, e.g. `visibility`.
    pub change: Option<String>,
    /// Previous value; booleans and numbers rendered as text (`"true"`).
    pub from: Option<String>,
    /// New value; booleans and numbers rendered as text.
    pub to: Option<String>,
    /// Free-text message; git operation objects rendered as `"ssh git-upload-pack"`.
    pub custom_message: Option<String>,
    /// REST/stream: the `details` object as given; audit_json.log: the fields not mapped above.
    pub details: serde_json::Value,
    /// The exact JSON text of the record.
    pub raw: String,
}

impl AuditEvent {
    /// What kind of author performed the event.
    pub fn author_kind(&self) -> AuthorKind {
        AuthorKind::from_author_id(self.author_id)
    }

    /// One line with the meaningful fields of this event type: "change: from → to", add/remove,
    /// custom message, target.
    pub fn summary(&self) -> String {
        crate::EventRef::from(self).summary()
    }
}
