//! What can go wrong talking to GitLab, in words a responder can act on, and the parsing of
//! GitLab's error bodies.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::Duration;

/// Why a GitLab API call failed; `Display` names the method, path and GitLab request id.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: the token is missing, invalid, expired or revoked.
    #[error("{method} {path}: {}{}{}", unauthorized_text(.token.as_deref()), gitlab_says(.detail), rid(.request_id))]
    Unauthorized {
        method: String,
        path: String,
        /// The fingerprint of the token sent (`sha256:…`), so a responder knows which one to
        /// replace; `None` when none was sent.
        token: Option<String>,
        detail: Option<String>,
        request_id: Option<String>,
    },
    /// 403 `insufficient_scope`: the token lacks a scope the endpoint needs.
    #[error("{method} {path}: forbidden (403): this needs a token with {}{}", scope_text(.scopes), rid(.request_id))]
    InsufficientScope {
        method: String,
        path: String,
        scopes: Vec<String>,
        request_id: Option<String>,
    },
    /// 403 for any other reason: the token's user lacks the role or permission.
    #[error("{method} {path}: forbidden: your role does not allow this ({message}){}", rid(.request_id))]
    Forbidden {
        method: String,
        path: String,
        message: String,
        request_id: Option<String>,
    },
    /// 404: GitLab also answers 404 for things the token may not see.
    #[error("{method} {path}: not found, or not visible to this token (404){}{}", gitlab_says(.message), rid(.request_id))]
    NotFound {
        method: String,
        path: String,
        message: Option<String>,
        request_id: Option<String>,
    },
    /// 429 persisted beyond the retry budget or the longest allowed wait.
    #[error("{method} {path}: rate limited by GitLab (429) after {attempts} attempts and {} of waiting; retry later or lower the request rate{}", secs(.waited), rid(.request_id))]
    RateLimited {
        method: String,
        path: String,
        waited: Duration,
        attempts: u32,
        request_id: Option<String>,
    },
    /// 5xx on every attempt.
    #[error("{method} {path}: GitLab had a server error ({status}) on all {attempts} attempts{}{}", gitlab_says(.message), rid(.request_id))]
    Server {
        method: String,
        path: String,
        status: u16,
        attempts: u32,
        message: Option<String>,
        request_id: Option<String>,
    },
    /// No complete response within the per-request timeout on every attempt.
    #[error("{method} {path}: GitLab did not answer within the timeout on all {attempts} attempts")]
    Timeout {
        method: String,
        path: String,
        attempts: u32,
    },
    /// The connection failed (refused, reset, TLS, DNS, proxy) on every attempt.
    #[error("{method} {path}: could not reach GitLab ({}): {message}", attempts_said(*.attempts))]
    Network {
        method: String,
        path: String,
        attempts: u32,
        message: String,
    },
    /// A successful response whose body is not the JSON expected.
    #[error("{method} {path}: GitLab's response could not be read: {message}{}", rid(.request_id))]
    Decode {
        method: String,
        path: String,
        message: String,
        request_id: Option<String>,
    },
    /// Any other unsuccessful status.
    #[error("{method} {path}: GitLab answered {status}: {message}{}", rid(.request_id))]
    Http {
        method: String,
        path: String,
        status: u16,
        message: String,
        request_id: Option<String>,
    },
    /// The response body is larger than the caller allowed (job artifacts); nothing was kept.
    #[error(
        "{method} {path}: the response is larger than the {limit}-byte limit; raise the limit or skip it"
    )]
    TooLarge {
        method: String,
        path: String,
        limit: u64,
    },
    /// A next-page link or redirect points away from the instance; the token is not sent there.
    #[error(
        "{method} {path}: refusing to follow a link to {url}: it is not on {expected} (check GitLab's external_url)"
    )]
    ForeignHost {
        method: String,
        path: String,
        url: String,
        expected: String,
    },
    /// The GitLab URL or a paging cursor is not usable.
    #[error("invalid GitLab URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The client could not be set up (CA bundle, proxy, token, TLS).
    #[error("client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status GitLab answered with, when the failure came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized { .. } => Some(401),
            Error::InsufficientScope { .. } | Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            Error::Server { status, .. } | Error::Http { status, .. } => Some(*status),
            Error::Timeout { .. }
            | Error::Network { .. }
            | Error::Decode { .. }
            | Error::TooLarge { .. }
            | Error::ForeignHost { .. }
            | Error::InvalidUrl { .. }
            | Error::Config(_) => None,
        }
    }

    /// GitLab answered that this token may not see or do it (403, or 404, which GitLab also
    /// gives for what a token may not see): a matter of access, not a fault. Everything else
    /// (no answer, 401, 429, 5xx) says nothing about what there is to see.
    pub fn is_access_denied(&self) -> bool {
        matches!(self.status(), Some(403 | 404))
    }

    /// GitLab's `X-Request-Id` for the failing response, to quote to GitLab admins.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { request_id, .. }
            | Error::InsufficientScope { request_id, .. }
            | Error::Forbidden { request_id, .. }
            | Error::NotFound { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::Server { request_id, .. }
            | Error::Decode { request_id, .. }
            | Error::Http { request_id, .. } => request_id.as_deref(),
            Error::Timeout { .. }
            | Error::Network { .. }
            | Error::TooLarge { .. }
            | Error::ForeignHost { .. }
            | Error::InvalidUrl { .. }
            | Error::Config(_) => None,
        }
    }
}

fn unauthorized_text(token: Option<&str>) -> String {
    match token {
        Some(fingerprint) => format!(
            "the token {fingerprint} was rejected (401): it is invalid, expired or revoked; replace it (GLIR_TOKEN, GLIR_TOKEN_FILE or the profile's token)"
        ),
        None => "GitLab requires a token here (401) and none was given".to_string(),
    }
}

fn scope_text(scopes: &[String]) -> String {
    if scopes.is_empty() {
        return "a broader scope".to_string();
    }
    let quoted: Vec<String> = scopes.iter().map(|s| format!("`{s}`")).collect();
    format!("scope {}", quoted.join(" or "))
}

fn gitlab_says(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(" (GitLab says: {m})"))
        .unwrap_or_default()
}

fn rid(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(" [request id {id}]"))
        .unwrap_or_default()
}

fn secs(d: &Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// GitLab's `message` field: a sentence, or validation errors per field
/// (doc/api/rest/troubleshooting.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ErrorMessage {
    /// `{"message": "404 Group Not Found"}`.
    Text(String),
    /// `{"message": {"name": ["has already been taken"]}}`; values may nest.
    Fields(Map<String, Value>),
}

impl ErrorMessage {
    /// One line: the text, or `field: error, error; field: error`.
    pub fn summary(&self) -> String {
        match self {
            ErrorMessage::Text(text) => text.clone(),
            ErrorMessage::Fields(fields) => fields
                .iter()
                .map(|(field, errors)| format!("{field}: {}", value_text(errors)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Every error layout GitLab uses: `message`, or OAuth's `error`/`error_description`/`scope`.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    message: Option<ErrorMessage>,
    error: Option<String>,
    error_description: Option<String>,
    scope: Option<Scopes>,
}

/// rack-oauth2 joins scopes with spaces (`"api read_api"`); accept a list too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scopes {
    Joined(String),
    List(Vec<String>),
}

/// What an error response said, reduced to what the client reports.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Complaint {
    /// GitLab's words, if any were readable.
    pub(crate) message: Option<String>,
    /// The OAuth `error` code, such as `insufficient_scope`.
    pub(crate) code: Option<String>,
    /// Scopes GitLab says would have been enough.
    pub(crate) scopes: Vec<String>,
}

/// Longest error text kept from a non-JSON body; enough for a sentence, not a whole page.
const MAX_TEXT: usize = 300;

impl Complaint {
    /// Reads any error body: JSON in one of GitLab's layouts, plain text, or an HTML page.
    pub(crate) fn parse(body: &[u8]) -> Complaint {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(parsed) => Complaint::from_json(parsed),
            Err(_) => Complaint {
                message: plain_text(body),
                ..Complaint::default()
            },
        }
    }

    fn from_json(body: ErrorBody) -> Complaint {
        let scopes = match body.scope {
            Some(Scopes::Joined(s)) => s.split_whitespace().map(str::to_string).collect(),
            Some(Scopes::List(list)) => list,
            None => Vec::new(),
        };
        let message = body
            .message
            .map(|m| m.summary())
            .or(body.error_description)
            .or_else(|| body.error.clone())
            .filter(|m| !m.trim().is_empty());
        Complaint {
            message,
            code: body.error,
            scopes,
        }
    }
}

fn attempts_said(attempts: u32) -> String {
    match attempts {
        1 => "one attempt, not retried".to_string(),
        n => format!("{n} attempts"),
    }
}

fn plain_text(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    // A proxy's or load balancer's HTML page says nothing a responder can use.
    if text.is_empty() || text.starts_with('<') {
        return None;
    }
    let line = text.lines().next().unwrap_or_default();
    Some(line.chars().take(MAX_TEXT).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_message() {
        let c = Complaint::parse(br#"{"message":"404 Group Not Found"}"#);
        assert_eq!(c.message.as_deref(), Some("404 Group Not Found"));
        assert!(c.code.is_none() && c.scopes.is_empty());
    }

    #[test]
    fn field_messages_are_summarised() {
        let c = Complaint::parse(
            br#"{"message":{"name":["has already been taken","is too short"],"path":["is reserved"]}}"#,
        );
        assert_eq!(
            c.message.as_deref(),
            Some("name: has already been taken, is too short; path: is reserved")
        );
    }

    #[test]
    fn nested_field_messages_do_not_fail() {
        let c = Complaint::parse(br#"{"message":{"base":{"limit":["exceeded"]}}}"#);
        assert_eq!(
            c.message.as_deref(),
            Some(r#"base: {"limit":["exceeded"]}"#)
        );
    }

    #[test]
    fn oauth_insufficient_scope_yields_each_scope() {
        let c = Complaint::parse(
            br#"{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api"}"#,
        );
        assert_eq!(c.code.as_deref(), Some("insufficient_scope"));
        assert_eq!(c.scopes, ["api", "read_api"]);
        assert!(
            c.message
                .unwrap()
                .starts_with("The request requires higher privileges")
        );
    }

    #[test]
    fn scope_as_list_is_accepted() {
        let c = Complaint::parse(br#"{"error":"insufficient_scope","scope":["sudo"]}"#);
        assert_eq!(c.scopes, ["sudo"]);
        assert_eq!(c.message.as_deref(), Some("insufficient_scope"));
    }

    #[test]
    fn spam_layout_reads_its_nested_message() {
        let c = Complaint::parse(
            br#"{"needs_captcha_response":true,"spam_log_id":42,"captcha_site_key":"k","message":{"error":"Your snippet has been recognized as spam."}}"#,
        );
        assert_eq!(
            c.message.as_deref(),
            Some("error: Your snippet has been recognized as spam.")
        );
    }

    #[test]
    fn plain_text_is_kept_and_html_dropped() {
        assert_eq!(
            Complaint::parse(b"Retry later\n").message.as_deref(),
            Some("Retry later")
        );
        assert_eq!(
            Complaint::parse(b"<html><body>502 Bad Gateway</body></html>").message,
            None
        );
        assert_eq!(Complaint::parse(b"").message, None);
        let long = "x".repeat(1000);
        assert_eq!(
            Complaint::parse(long.as_bytes()).message.unwrap().len(),
            MAX_TEXT
        );
    }

    #[test]
    fn display_names_method_path_and_request_id() {
        let err = Error::Unauthorized {
            method: "GET".into(),
            path: "/api/v4/user".into(),
            token: Some("sha256:0123456789abcdef".into()),
            detail: None,
            request_id: Some("01HXYZ".into()),
        };
        assert_eq!(
            err.to_string(),
            "GET /api/v4/user: the token sha256:0123456789abcdef was rejected (401): it is invalid, expired or revoked; replace it (GLIR_TOKEN, GLIR_TOKEN_FILE or the profile's token) [request id 01HXYZ]"
        );
        assert_eq!(err.status(), Some(401));
        assert_eq!(err.request_id(), Some("01HXYZ"));
    }

    #[test]
    fn insufficient_scope_names_the_scopes() {
        let err = Error::InsufficientScope {
            method: "GET".into(),
            path: "/api/v4/audit_events".into(),
            scopes: vec!["api".into(), "read_api".into()],
            request_id: None,
        };
        assert_eq!(
            err.to_string(),
            "GET /api/v4/audit_events: forbidden (403): this needs a token with scope `api` or `read_api`"
        );
    }

    #[test]
    fn forbidden_quotes_gitlab() {
        let err = Error::Forbidden {
            method: "GET".into(),
            path: "/api/v4/audit_events".into(),
            message: "403 Forbidden".into(),
            request_id: None,
        };
        assert_eq!(
            err.to_string(),
            "GET /api/v4/audit_events: forbidden: your role does not allow this (403 Forbidden)"
        );
    }
}
