//! One request with retries: pacing, 429 waits, backoff on 5xx and transport failures, and the
//! mapping of a final failure to an [`Error`]. Reads (including the two POST lookups
//! `/admin/token` and `/runners/verify`) and idempotent mutations (revoke, delete, block, PUT)
//! may be sent again; a mutation that mints a new secret (rotate, reset, renew) is sent once
//! after a 5xx or a dropped connection, since GitLab may have acted on it: a second rotation
//! would revoke the token the first one returned. A 429 is always retried: GitLab refused the
//! request before acting on it.

use crate::base_url;
use crate::client::Client;
use crate::error::{Complaint, Error};
use crate::headers;
use jiff::Timestamp;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, HeaderMap, LOCATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::time::Duration;
use url::Url;

/// The method of paged list calls.
pub(crate) const METHOD: &str = "GET";

/// What a request sends besides its URL. Bodies may hold a token, so there is no `Debug`.
pub(crate) enum Body {
    /// No body (GET).
    Empty,
    /// `application/json`.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(&'static str, String)>),
}

/// One call: method, URL, body, what to accept, and the most body bytes to read.
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    pub(crate) url: &'a Url,
    pub(crate) body: Body,
    /// `application/json`, or `*/*` for logs and archives.
    pub(crate) accept: &'static str,
    /// Refuse bodies larger than this (archives); `None` reads any size.
    pub(crate) max_bytes: Option<u64>,
    /// May be sent again after a 5xx or a transport failure.
    pub(crate) replay: bool,
}

impl<'a> Call<'a> {
    /// A GET expecting JSON.
    pub(crate) fn get(url: &'a Url) -> Call<'a> {
        Call {
            method: Method::GET,
            url,
            body: Body::Empty,
            accept: "application/json",
            max_bytes: None,
            replay: true,
        }
    }
}

/// Why one attempt produced no response to judge.
enum AttemptError {
    Transport(reqwest::Error),
    /// The body is larger than the call allows; not worth retrying.
    TooLarge,
}

/// Statuses worth retrying: the server or a proxy in front of it failed for now.
const TRANSIENT: [u16; 4] = [500, 502, 503, 504];

/// A successful response, body read in full.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) method: Method,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) request_id: Option<String>,
    /// Where the body came from, after same-origin redirects.
    pub(crate) url: Url,
}

impl Fetched {
    /// Decodes the JSON body; a failure names the path and serde's reason.
    pub(crate) fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let looks_like_html = self.body.trim_ascii_start().starts_with(b"<");
            let message = if looks_like_html {
                "expected JSON but got an HTML page; is this the URL of a GitLab instance?"
                    .to_string()
            } else {
                e.to_string()
            };
            Error::Decode {
                method: self.method.to_string(),
                path: base_url::shown_path(&self.url),
                message,
                request_id: self.request_id.clone(),
            }
        })
    }
}

impl Client {
    /// GET `url` (JSON) until it succeeds, fails for good, or the retry budget is spent.
    pub(crate) async fn fetch(&self, url: &Url) -> Result<Fetched, Error> {
        self.send(&Call::get(url)).await
    }

    /// Sends `call` until it succeeds, fails for good, or the retry budget is spent.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<Fetched, Error> {
        let policy = &self.inner.retry;
        let method = call.method.as_str();
        let path = base_url::shown_path(call.url);
        let mut attempts: u32 = 0;
        let mut rate_limit_waited = Duration::ZERO;
        let started = tokio::time::Instant::now();
        loop {
            self.inner.pacer.wait_turn().await;
            attempts += 1;
            self.inner.stats.request();
            let retry = attempts - 1;
            let may_retry = retry < policy.max_retries;
            let may_replay = may_retry && call.replay;
            // Each failure that may be worth another attempt: how long to wait, why, whether
            // this kind may be retried now, and the error if it may not.
            let (wait, reason, allowed, give_up) = match self.attempt(call).await {
                Ok(done) if (200..300).contains(&done.status) => return Ok(done),
                Ok(limited) if limited.status == 429 => {
                    self.inner.stats.rate_limited();
                    let wait = headers::rate_limit_wait(&limited.headers, Timestamp::now())
                        .unwrap_or_else(|| policy.backoff(retry));
                    let allowed =
                        may_retry && rate_limit_waited + wait <= policy.max_rate_limit_wait;
                    let give_up = Error::RateLimited {
                        method: method.to_string(),
                        path: path.clone(),
                        waited: rate_limit_waited,
                        attempts,
                        request_id: limited.request_id,
                    };
                    (wait, "rate limited (429)".to_string(), allowed, give_up)
                }
                Ok(failed) if TRANSIENT.contains(&failed.status) => {
                    // RFC 9110 §10.2.3: a 503 (or a proxy in front of GitLab) may send Retry-After;
                    // honour it, but never wait past the backoff cap.
                    let asked = headers::rate_limit_wait(&failed.headers, Timestamp::now())
                        .map(|d| d.min(policy.max_delay));
                    let wait = asked.unwrap_or_else(|| policy.backoff(retry));
                    let reason = format!("server error ({})", failed.status);
                    let give_up = Error::Server {
                        method: method.to_string(),
                        path: path.clone(),
                        status: failed.status,
                        attempts,
                        message: Complaint::parse(&failed.body).message,
                        request_id: failed.request_id,
                    };
                    (wait, reason, may_replay, give_up)
                }
                Ok(refused) => return Err(self.refusal(refused, method, path)),
                Err(AttemptError::TooLarge) => {
                    return Err(Error::TooLarge {
                        method: method.to_string(),
                        path,
                        limit: call.max_bytes.unwrap_or_default(),
                    });
                }
                Err(AttemptError::Transport(e)) => {
                    // reqwest would print the URL, and a URL may carry a pasted `private_token`.
                    let e = e.without_url();
                    // A refused connection, an unknown host or a certificate GitLab's name does
                    // not match will not change in a few seconds: say so now.
                    let allowed = may_replay && !permanent(&e);
                    let give_up = transport_error(&e, method, path.clone(), attempts);
                    (
                        policy.backoff(retry),
                        transport_reason(&e),
                        allowed,
                        give_up,
                    )
                }
            };
            if !allowed || started.elapsed() + wait > policy.deadline {
                return Err(give_up);
            }
            if let Error::RateLimited { .. } = give_up {
                rate_limit_waited += wait;
            }
            self.inner.stats.retry();
            tracing::warn!(
                method,
                path = %path,
                attempt = attempts,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "GitLab request failed: {reason}; retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One HTTP exchange, body read in full so a connection dropped mid-body is retried too.
    async fn attempt(&self, call: &Call<'_>) -> Result<Fetched, AttemptError> {
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
            .header(ACCEPT, call.accept);
        request = match &call.body {
            Body::Empty => request,
            Body::Json(value) => request.json(value),
            Body::Form(fields) => request.form(fields),
        };
        if let Some((name, value)) = &self.inner.auth_header {
            request = request.header(name.clone(), value.clone());
        }
        let mut response = request.send().await.map_err(AttemptError::Transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let url = response.url().clone();
        let limit = call.max_bytes.filter(|_| (200..300).contains(&status));
        let body = match limit {
            None => response
                .bytes()
                .await
                .map_err(AttemptError::Transport)?
                .to_vec(),
            Some(limit) => {
                let announced = headers
                    .get(CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                if announced.is_some_and(|n| n > limit) {
                    return Err(AttemptError::TooLarge);
                }
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(AttemptError::Transport)? {
                    if (body.len() + chunk.len()) as u64 > limit {
                        return Err(AttemptError::TooLarge);
                    }
                    body.extend_from_slice(&chunk);
                }
                body
            }
        };
        Ok(Fetched {
            method: call.method.clone(),
            status,
            request_id: headers::request_id(&headers),
            headers,
            body,
            url,
        })
    }

    /// A final, not-retried answer: what it means for the responder.
    fn refusal(&self, refused: Fetched, method: &str, path: String) -> Error {
        let method = method.to_string();
        let request_id = refused.request_id;
        let complaint = Complaint::parse(&refused.body);
        match refused.status {
            // doc/api/rest/troubleshooting.md: 401 for a missing, invalid, expired or revoked token.
            401 => Error::Unauthorized {
                method,
                path,
                token: self.inner.token_fingerprint.clone(),
                // The stock "401 Unauthorized" says nothing beyond the status.
                detail: complaint.message.filter(|m| m != "401 Unauthorized"),
                request_id,
            },
            // lib/api/api_guard.rb: InsufficientScopeError renders rack-oauth2's
            // {"error":"insufficient_scope","scope":"api read_api"}.
            403 if complaint.code.as_deref() == Some("insufficient_scope") => {
                Error::InsufficientScope {
                    method,
                    path,
                    scopes: complaint.scopes,
                    request_id,
                }
            }
            403 => Error::Forbidden {
                method,
                path,
                message: complaint
                    .message
                    .unwrap_or_else(|| "GitLab gave no reason".to_string()),
                request_id,
            },
            404 => Error::NotFound {
                method,
                path,
                message: complaint.message,
                request_id,
            },
            // Same-origin redirects were followed already; this one leaves the instance.
            300..=399 if refused.headers.contains_key(LOCATION) => {
                let target = refused
                    .headers
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|location| refused.url.join(location).ok());
                match target {
                    Some(target) => Error::ForeignHost {
                        method,
                        path,
                        url: base_url::shown_url(&target),
                        expected: base_url::host_label(&self.inner.base),
                    },
                    None => http_error(method, path, refused.status, complaint, request_id),
                }
            }
            status => http_error(method, path, status, complaint, request_id),
        }
    }
}

fn http_error(
    method: String,
    path: String,
    status: u16,
    complaint: Complaint,
    request_id: Option<String>,
) -> Error {
    let message = complaint.message.unwrap_or_else(|| {
        StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no reason given")
            .to_string()
    });
    Error::Http {
        method,
        path,
        status,
        message,
        request_id,
    }
}

fn transport_error(e: &reqwest::Error, method: &str, path: String, attempts: u32) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            method: method.to_string(),
            path,
            attempts,
        }
    } else {
        let chain = error_chain(e);
        let message = match fix_for(&chain) {
            Some(fix) => format!("{chain}; {fix}"),
            None => chain,
        };
        Error::Network {
            method: method.to_string(),
            path,
            attempts,
            message,
        }
    }
}

/// What a responder can do about a transport failure retrying cannot fix, read from the error
/// chain (rustls names certificate errors by their `CertificateError` variant).
fn fix_for(chain: &str) -> Option<&'static str> {
    // Each fix with the texts its cause shows as (rustls names a name mismatch either way,
    // with or without the names it compared).
    let fixes: [(&[&str], &str); 6] = [
        (
            &["NotValidForName", "not valid for name"],
            "the server's certificate is for another name: use the URL the certificate names",
        ),
        (
            &["UnknownIssuer"],
            "the certificate's issuer is not trusted: set `ca_bundle` in the profile to the instance's CA certificates (PEM)",
        ),
        (
            &["certificate expired"],
            "the server's certificate has expired: renew it, or check this machine's clock",
        ),
        (
            &["corrupt message"],
            "the port does not speak TLS: use http:// or the instance's HTTPS port",
        ),
        (
            &["Connection refused"],
            "nothing listens at that address: check the URL's host and port",
        ),
        (
            &["dns error"],
            "the host name does not resolve: check the URL",
        ),
    ];
    fixes
        .into_iter()
        .find(|(causes, _)| causes.iter().any(|cause| chain.contains(cause)))
        .map(|(_, fix)| fix)
}

/// Whether a transport failure is one retrying cannot fix: the port refused the connection, the
/// host name does not resolve, or TLS failed (an unknown issuer, a name mismatch).
fn permanent(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cause {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        let text = err.to_string();
        if text.contains("dns error")
            || text.contains("failed to lookup address")
            || text.contains("invalid peer certificate")
            || text.contains("certificate verify failed")
            // rustls: the other end does not speak TLS (an https URL to a plain-HTTP port).
            || text.contains("corrupt message")
        {
            return true;
        }
        cause = err.source();
    }
    false
}

fn transport_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else {
        error_chain(e)
    }
}

/// reqwest's message and its causes: the useful part ("connection refused") sits at the bottom.
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = std::error::Error::source(e);
    while let Some(err) = cause {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = err.source();
    }
    parts.join(": ")
}
