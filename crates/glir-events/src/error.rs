/// Why one record could not become an [`AuditEvent`](crate::AuditEvent).
///
/// Messages name the field at fault and never quote the record: audit records can hold secrets
/// (a token pasted into a name, a URL with credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The text is not JSON. The message is serde_json's syntax error (position and what was
    /// expected), which never includes input text when parsing into a `Value`.
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    /// The JSON is valid but is not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// The layout's timestamp field is absent or null.
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A JSON object that is not an event glir reads (another log's line, or no timestamp).
    #[error("{0}")]
    NotAnEvent(#[from] crate::layout::NotAnEvent),
    /// The timestamp field is present but not an RFC 3339 string.
    #[error("field `{0}`: not an RFC 3339 timestamp")]
    InvalidTimestamp(&'static str),
}
