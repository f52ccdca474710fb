//! Audit event streaming: the simulator posts its audit events to HTTP destinations the way
//! GitLab Ultimate does (https://docs.gitlab.com/user/compliance/audit_event_streaming/), so a
//! receiver (a SIEM shim, a collector under test) can be exercised without a licensed instance.
//!
//! The sender follows gitlab-org/gitlab:ee/lib/audit_events/strategies/external_destination_strategy.rb
//! and gitlab-org/gitlab:ee/lib/audit_events/streaming/destinations/http_stream_destination.rb:
//! one `POST` per event with the destination's headers (the verification token first, then its
//! custom headers) plus `X-Gitlab-Audit-Event-Type`, the body `audit_event.as_json` with
//! `event_type` added, no retries, and 8-second open/read/write timeouts
//! (`AuditEvents::HttpTimeoutConfig::DEFAULT`). Batch mode, as newer GitLab versions can deliver,
//! sends a JSON array of events per request; an array mixes event types, so it carries no
//! `X-Gitlab-Audit-Event-Type`.
//!
//! New events reach live destinations through a change notification from `World::push_event`,
//! the one place every mutation appends an audit event, rather than by polling.

use crate::api::render;
use crate::scenario::AuditEvent;
use crate::server::Shared;
use crate::world::World;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// `HttpStreamDestination::STREAMING_TOKEN_HEADER_KEY`.
const TOKEN_HEADER: HeaderName = HeaderName::from_static("x-gitlab-event-streaming-token");
/// `ExternalDestinationStrategy::EVENT_TYPE_HEADER_KEY`.
const EVENT_TYPE_HEADER: HeaderName = HeaderName::from_static("x-gitlab-audit-event-type");
/// GitLab posts a JSON string through HTTParty, which labels any string body as a form
/// (gitlab-org/gitlab:doc/user/compliance/audit_event_schema.md, "Headers"); receivers must not
/// trust the label.
const DEFAULT_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// gitlab-org/gitlab:doc/user/compliance/audit_event_streaming.md: "up to 20 custom HTTP headers"
/// per destination.
pub const MAX_CUSTOM_HEADERS: usize = 20;
/// `AuditEvents::HttpTimeoutConfig::DEFAULT`: open, read and write timeouts of 8 seconds each.
const TIMEOUT: Duration = Duration::from_secs(8);

/// An HTTP streaming destination, as a GitLab owner or administrator would configure one.
///
/// In a scenario file (the `streaming` array) custom headers are written the way GitLab's API
/// takes them, `[{"key": "…", "value": "…", "active": true}]`; inactive ones are not sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamTarget {
    /// The destination URL (`http` or `https`).
    pub url: String,
    /// The destination's verification token, sent in `X-Gitlab-Event-Streaming-Token`.
    pub token: String,
    /// `None`: one event per request (GitLab's long-standing mode). `Some(n)`: JSON arrays of at
    /// most `n` events per request, without `X-Gitlab-Audit-Event-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// `None`: GitLab's `application/x-www-form-urlencoded`. A custom `Content-Type` header, which
    /// is how GitLab users override it, wins over this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Active custom headers, name and value, sent with every request.
    #[serde(
        default,
        with = "custom_headers",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub headers: Vec<(String, String)>,
    /// Sends every Nth event a second time with an identical body: GitLab "can stream a single
    /// event more than once" and tells receivers to deduplicate by `id`
    /// (gitlab-org/gitlab:doc/user/compliance/audit_event_streaming.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_every: Option<usize>,
}

impl fmt::Debug for StreamTarget {
    // Derived Debug would print the verification token and header values (often credentials)
    // wherever a scenario is logged or an assertion fails.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, _)| (k.as_str(), "<redacted>"))
            .collect();
        f.debug_struct("StreamTarget")
            .field("url", &self.redacted_url())
            .field("token", &"<redacted>")
            .field("batch_size", &self.batch_size)
            .field("content_type", &self.content_type)
            .field("headers", &headers)
            .field("duplicate_every", &self.duplicate_every)
            .finish()
    }
}

/// What one streaming run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamReport {
    /// `POST` requests made; each is attempted exactly once, as GitLab never retries.
    pub requests: usize,
    /// Events carried by those requests, each counted once.
    pub events_sent: usize,
    /// Extra copies sent because of [`StreamTarget::duplicate_every`].
    pub duplicates_sent: usize,
    /// One line per request that failed (a non-2xx status or a transport error), or per event
    /// that could not be sent at all; never includes the token or the URL's query.
    pub failures: Vec<String>,
    /// How many responses had each HTTP status.
    pub statuses: BTreeMap<u16, usize>,
}

impl StreamReport {
    fn rejected(error: &StreamError) -> StreamReport {
        StreamReport {
            failures: vec![format!("destination not used: {error}")],
            ..StreamReport::default()
        }
    }
}

impl fmt::Display for StreamReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} requests, {} events, {} duplicates, {} failures",
            self.requests,
            self.events_sent,
            self.duplicates_sent,
            self.failures.len()
        )?;
        if let Some(first) = self.failures.first() {
            write!(f, " (first: {first})")?;
        }
        Ok(())
    }
}

/// Why a [`StreamTarget`] cannot be used. Messages never include the token or header values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The URL does not parse or is not `http`/`https`.
    #[error("not an http(s) URL: {reason}")]
    Url {
        /// What is wrong with it.
        reason: String,
    },
    /// GitLab always sends a verification token; an empty one would hide a configuration mistake.
    #[error("the verification token is empty")]
    EmptyToken,
    /// The token cannot be sent as a header value (control characters, non-ASCII).
    #[error("the verification token is not a valid header value")]
    InvalidToken,
    /// `batch_size` is 0.
    #[error("must be at least 1")]
    ZeroBatchSize,
    /// `duplicate_every` is 0.
    #[error("must be at least 1")]
    ZeroDuplicateEvery,
    /// More custom headers than GitLab allows per destination.
    #[error("{count} custom headers; GitLab allows at most {MAX_CUSTOM_HEADERS}")]
    TooManyHeaders {
        /// How many were given.
        count: usize,
    },
    /// A custom header name is not a valid HTTP header name.
    #[error("{name:?} is not a valid header name")]
    HeaderName {
        /// Position in `headers`.
        index: usize,
        /// The offending name.
        name: String,
    },
    /// A custom header value cannot be sent (control characters, non-ASCII).
    #[error("the value of header {name:?} is not a valid header value")]
    HeaderValue {
        /// Position in `headers`.
        index: usize,
        /// The header's name (its value may be a secret).
        name: String,
    },
    /// `content_type` is not a valid header value.
    #[error("{0:?} is not a valid header value")]
    ContentType(String),
    /// The HTTP client could not be built (TLS backend initialisation).
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

impl StreamError {
    /// The field of [`StreamTarget`] at fault, as a JSON path relative to the target.
    pub fn field(&self) -> String {
        match self {
            StreamError::Url { .. } => "url".to_string(),
            StreamError::EmptyToken | StreamError::InvalidToken => "token".to_string(),
            StreamError::ZeroBatchSize => "batch_size".to_string(),
            StreamError::ZeroDuplicateEvery => "duplicate_every".to_string(),
            StreamError::TooManyHeaders { .. } => "headers".to_string(),
            StreamError::HeaderName { index, .. } => format!("headers[{index}].key"),
            StreamError::HeaderValue { index, .. } => format!("headers[{index}].value"),
            StreamError::ContentType(_) => "content_type".to_string(),
            StreamError::Client(_) => String::new(),
        }
    }
}

impl StreamTarget {
    /// A single-mode destination with GitLab's defaults and no custom headers.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> StreamTarget {
        StreamTarget {
            url: url.into(),
            token: token.into(),
            batch_size: None,
            content_type: None,
            headers: Vec::new(),
            duplicate_every: None,
        }
    }

    /// Checks everything that would stop a request from being built.
    pub fn check(&self) -> Result<(), StreamError> {
        self.prepare().map(|_| ())
    }

    /// The URL without user info, query or fragment, which may carry credentials (a Splunk HEC
    /// token in the query, for instance); safe to print.
    pub fn redacted_url(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(mut u) => {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.set_query(None);
                u.set_fragment(None);
                u.to_string()
            }
            Err(_) => "<invalid URL>".to_string(),
        }
    }

    fn prepare(&self) -> Result<(url::Url, HeaderMap), StreamError> {
        let url = url::Url::parse(&self.url).map_err(|e| StreamError::Url {
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(StreamError::Url {
                reason: format!("scheme {:?}", url.scheme()),
            });
        }
        if self.batch_size == Some(0) {
            return Err(StreamError::ZeroBatchSize);
        }
        if self.duplicate_every == Some(0) {
            return Err(StreamError::ZeroDuplicateEvery);
        }
        if self.token.is_empty() {
            return Err(StreamError::EmptyToken);
        }
        if self.headers.len() > MAX_CUSTOM_HEADERS {
            return Err(StreamError::TooManyHeaders {
                count: self.headers.len(),
            });
        }
        // The order is GitLab's `headers_hash`: the token, then the custom headers, so a custom
        // header of the same name replaces an earlier one (content type included).
        let mut headers = HeaderMap::new();
        let mut token =
            HeaderValue::from_str(&self.token).map_err(|_| StreamError::InvalidToken)?;
        token.set_sensitive(true);
        headers.insert(TOKEN_HEADER, token);
        let content_type = self.content_type.as_deref().unwrap_or(DEFAULT_CONTENT_TYPE);
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_str(content_type)
                .map_err(|_| StreamError::ContentType(content_type.to_string()))?,
        );
        for (index, (name, value)) in self.headers.iter().enumerate() {
            let header_name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| StreamError::HeaderName {
                    index,
                    name: name.clone(),
                })?;
            let mut header_value =
                HeaderValue::from_str(value).map_err(|_| StreamError::HeaderValue {
                    index,
                    name: name.clone(),
                })?;
            header_value.set_sensitive(true);
            headers.insert(header_name, header_value);
        }
        Ok((url, headers))
    }
}

/// Custom headers in GitLab's API shape (`key`, `value`, `active`), as the GraphQL mutation
/// `auditEventsStreamingHeadersCreate` takes them
/// (gitlab-org/gitlab:doc/api/graphql/audit_event_streaming_groups.md).
mod custom_headers {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Header {
        key: String,
        value: String,
        #[serde(default = "active_by_default")]
        active: bool,
    }

    // GitLab creates headers active unless told otherwise.
    fn active_by_default() -> bool {
        true
    }

    pub(super) fn serialize<S: Serializer>(
        headers: &[(String, String)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(headers.iter().map(|(key, value)| Header {
            key: key.clone(),
            value: value.clone(),
            active: true,
        }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, String)>, D::Error> {
        // Inactive headers are kept by GitLab but never sent, so they are dropped here.
        Ok(Vec::<Header>::deserialize(deserializer)?
            .into_iter()
            .filter(|h| h.active)
            .map(|h| (h.key, h.value))
            .collect())
    }
}

/// One event, encoded once so a repeat is byte-for-byte identical.
pub(crate) struct Streamed {
    id: i64,
    event_type: Option<String>,
    body: String,
}

/// The streamed body: `AuditEvent#as_json` (every column of `audit_events`, in table order) plus
/// `event_type`, as in the example of gitlab-org/gitlab:doc/user/compliance/audit_event_schema.md.
#[derive(Serialize)]
struct Body<'a> {
    /// A string, as the schema's example has it, so receivers can key on it whatever its
    /// origin: stream-only events get a UUID instead (`request_body` in
    /// gitlab-org/gitlab:ee/lib/audit_events/strategies/external_destination_strategy.rb), but
    /// every simulated event is saved and keeps its numeric id.
    id: String,
    author_id: i64,
    entity_id: i64,
    entity_type: &'a str,
    /// The stored details, unlike the REST API's `formatted_details` (`from`/`to` not coerced).
    details: &'a Map<String, Value>,
    /// `as_json` sets `ip_address.to_s` (gitlab-org/gitlab:app/models/audit_event.rb), so a
    /// missing address is `""`, never null.
    ip_address: String,
    author_name: Value,
    entity_path: Value,
    target_details: Value,
    created_at: String,
    target_type: Value,
    target_id: Value,
    event_type: Option<&'a str>,
    /// Further top-level keys of the scenario's event, which the REST API serves too.
    #[serde(flatten)]
    other: Map<String, Value>,
}

const BODY_KEYS: [&str; 13] = [
    "id",
    "author_id",
    "entity_id",
    "entity_type",
    "details",
    "ip_address",
    "author_name",
    "entity_path",
    "target_details",
    "created_at",
    "target_type",
    "target_id",
    "event_type",
];

impl Streamed {
    fn encode(e: &AuditEvent) -> Result<Streamed, serde_json::Error> {
        // GitLab fills these columns from the same-named `details` keys when it saves an event
        // (`parallel_persist` in gitlab-org/gitlab:app/models/audit_event.rb), the column first,
        // so a top-level scenario key wins.
        let column = |key: &str| {
            e.extra
                .get(key)
                .or_else(|| e.details.get(key))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let ip_address = match column("ip_address") {
            Value::Null => String::new(),
            Value::String(s) => s,
            other => other.to_string(),
        };
        let body = Body {
            id: e.id.to_string(),
            author_id: e.author_id,
            entity_id: e.entity_id,
            entity_type: &e.entity_type,
            details: &e.details,
            ip_address,
            author_name: column("author_name"),
            entity_path: column("entity_path"),
            target_details: column("target_details"),
            created_at: render::ts(e.created_at),
            target_type: column("target_type"),
            target_id: column("target_id"),
            event_type: e.event_name.as_deref(),
            other: e
                .extra
                .iter()
                .filter(|(k, _)| !BODY_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        Ok(Streamed {
            id: e.id,
            event_type: e.event_name.clone(),
            body: serde_json::to_string(&body)?,
        })
    }
}

/// The events after a cursor, encoded, and where the cursor moves to.
pub(crate) struct Pending {
    events: Vec<Streamed>,
    failures: Vec<String>,
    last_id: Option<i64>,
}

/// Every event with an id above `after`, in creation (id) order. Called with the world locked;
/// the result owns its data so the lock is released before any request is sent.
pub(crate) fn pending(world: &World, after: Option<i64>) -> Pending {
    let mut out = Pending {
        events: Vec::new(),
        failures: Vec::new(),
        last_id: after,
    };
    for e in world.events_ascending() {
        if after.is_some_and(|a| e.id <= a) {
            continue;
        }
        out.last_id = Some(e.id);
        match Streamed::encode(e) {
            Ok(s) => out.events.push(s),
            Err(err) => out
                .failures
                .push(format!("event {}: cannot encode: {err}", e.id)),
        }
    }
    out
}

/// Posts events to one destination; keeps the duplicate counter across runs.
pub(crate) struct Streamer {
    client: reqwest::Client,
    url: url::Url,
    headers: HeaderMap,
    batch_size: Option<usize>,
    duplicate_every: Option<usize>,
    seen: usize,
}

impl Streamer {
    pub(crate) fn new(target: &StreamTarget) -> Result<Streamer, StreamError> {
        let (url, headers) = target.prepare()?;
        let client = reqwest::Client::builder()
            .connect_timeout(TIMEOUT)
            .read_timeout(TIMEOUT)
            // reqwest has no write timeout; the three 8-second phases bound the whole request.
            .timeout(TIMEOUT * 3)
            // Gitlab::HTTP opens a connection per request. Reusing one would also let the client
            // silently resend a request on a connection the receiver had closed: a retry GitLab
            // never makes.
            .pool_max_idle_per_host(0)
            .build()
            .map_err(StreamError::Client)?;
        Ok(Streamer {
            client,
            url,
            headers,
            batch_size: target.batch_size,
            duplicate_every: target.duplicate_every,
            seen: 0,
        })
    }

    pub(crate) async fn send(&mut self, pending: Pending) -> StreamReport {
        let mut report = StreamReport {
            failures: pending.failures,
            ..StreamReport::default()
        };
        let mut deliveries: Vec<(&Streamed, bool)> = Vec::with_capacity(pending.events.len());
        for event in &pending.events {
            deliveries.push((event, false));
            self.seen += 1;
            if self
                .duplicate_every
                .is_some_and(|n| self.seen.is_multiple_of(n))
            {
                deliveries.push((event, true));
            }
        }
        match self.batch_size {
            None => {
                for delivery in &deliveries {
                    let body = delivery.0.body.clone();
                    let event_type = delivery.0.event_type.as_deref();
                    self.post(
                        body,
                        event_type,
                        std::slice::from_ref(delivery),
                        &mut report,
                    )
                    .await;
                }
            }
            Some(size) => {
                for chunk in deliveries.chunks(size) {
                    let parts: Vec<&str> = chunk.iter().map(|(e, _)| e.body.as_str()).collect();
                    let body = format!("[{}]", parts.join(","));
                    self.post(body, None, chunk, &mut report).await;
                }
            }
        }
        report
    }

    async fn post(
        &self,
        body: String,
        event_type: Option<&str>,
        carried: &[(&Streamed, bool)],
        report: &mut StreamReport,
    ) {
        report.requests += 1;
        for (_, repeat) in carried {
            if *repeat {
                report.duplicates_sent += 1;
            } else {
                report.events_sent += 1;
            }
        }
        let mut headers = self.headers.clone();
        // GitLab adds the header only when the event has a type (`if @event_type.present?`);
        // a type that is no valid header value is still in the body.
        if let Some(value) = event_type
            .filter(|t| !t.is_empty())
            .and_then(|t| HeaderValue::from_str(t).ok())
        {
            headers.insert(EVENT_TYPE_HEADER, value);
        }
        let what = describe(carried);
        let sent = self
            .client
            .post(self.url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                *report.statuses.entry(status.as_u16()).or_default() += 1;
                if !status.is_success() {
                    report.failures.push(format!("{what}: HTTP {status}"));
                }
            }
            // The URL may carry credentials in its query, so the error is reported without it.
            Err(e) => report
                .failures
                .push(format!("{what}: {}", error_chain(&e.without_url()))),
        }
    }
}

fn describe(carried: &[(&Streamed, bool)]) -> String {
    match carried {
        [(one, _)] => format!("event {}", one.id),
        [(first, _), .., (last, _)] => format!(
            "batch of {} (events {} to {})",
            carried.len(),
            first.id,
            last.id
        ),
        [] => "empty batch".to_string(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Streams what the instance holds, then each new event as it is created, until the simulator
/// is gone. `changes` must be subscribed before the first read so no event falls in between.
pub(crate) fn spawn_live<F>(
    shared: Weak<Shared>,
    mut changes: watch::Receiver<u64>,
    target: StreamTarget,
    mut on_run: F,
) -> JoinHandle<()>
where
    F: FnMut(&StreamReport) + Send + 'static,
{
    tokio::spawn(async move {
        let mut streamer = match Streamer::new(&target) {
            Ok(s) => s,
            Err(e) => {
                on_run(&StreamReport::rejected(&e));
                return;
            }
        };
        let mut after = None;
        let mut first = true;
        loop {
            // Holding only a weak reference lets the simulator drop its state (and with it the
            // change sender, which ends this loop) once it is shut down.
            let next = match shared.upgrade() {
                Some(shared) => pending(&shared.world(), after),
                None => return,
            };
            after = next.last_id;
            if first || !next.events.is_empty() || !next.failures.is_empty() {
                first = false;
                let report = streamer.send(next).await;
                on_run(&report);
            }
            if changes.changed().await.is_err() {
                return;
            }
        }
    })
}

pub(crate) async fn stream_once(shared: &Shared, target: &StreamTarget) -> StreamReport {
    let mut streamer = match Streamer::new(target) {
        Ok(s) => s,
        Err(e) => return StreamReport::rejected(&e),
    };
    let all = pending(&shared.world(), None);
    streamer.send(all).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token_or_header_values() {
        let mut target = StreamTarget::new("https://u:pw@siem.test/in?token=q", "sekrit-token");
        target
            .headers
            .push(("Authorization".into(), "Splunk hec".into()));
        let shown = format!("{target:?}");
        for secret in ["sekrit-token", "Splunk hec", "pw", "token=q"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("Authorization"));
        assert_eq!(target.redacted_url(), "https://siem.test/in");
    }

    #[test]
    fn targets_are_checked_before_anything_is_sent() {
        let ok = StreamTarget::new("http://127.0.0.1:9/x", "t");
        assert!(ok.check().is_ok());
        let cases: Vec<(StreamTarget, &str)> = vec![
            (StreamTarget::new("ftp://h/x", "t"), "url"),
            (StreamTarget::new("not a url", "t"), "url"),
            (StreamTarget::new("http://h/x", ""), "token"),
            (
                StreamTarget {
                    batch_size: Some(0),
                    ..ok.clone()
                },
                "batch_size",
            ),
            (
                StreamTarget {
                    duplicate_every: Some(0),
                    ..ok.clone()
                },
                "duplicate_every",
            ),
            (
                StreamTarget {
                    headers: (0..21).map(|i| (format!("X-H{i}"), "v".into())).collect(),
                    ..ok.clone()
                },
                "headers",
            ),
            (
                StreamTarget {
                    headers: vec![("bad name".into(), "v".into())],
                    ..ok.clone()
                },
                "headers[0].key",
            ),
            (
                StreamTarget {
                    headers: vec![("X-A".into(), "line\nbreak".into())],
                    ..ok.clone()
                },
                "headers[0].value",
            ),
        ];
        for (target, field) in cases {
            let err = target.check().expect_err(field);
            assert_eq!(err.field(), field, "{err}");
        }
    }
}
