//! What every handler needs from a request: shared state, headers, query parameters and the
//! public base URL (for `Link` headers).

use crate::server::Shared;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use std::convert::Infallible;
use std::sync::Arc;

/// The request as handlers see it.
pub(crate) struct Ctx {
    pub(crate) shared: Arc<Shared>,
    pub(crate) headers: HeaderMap,
    params: Vec<(String, String)>,
    /// `http://host:port` as the client addressed us.
    pub(crate) base_url: String,
    /// The request path, still percent-encoded, e.g. `/api/v4/projects/acme%2Fapp/audit_events`.
    pub(crate) path: String,
}

impl Ctx {
    /// The last value of a query parameter (Rack keeps the last of repeated keys).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// A non-empty parameter value, as Rails' `presence`.
    pub(crate) fn present(&self, name: &str) -> Option<&str> {
        self.param(name).filter(|v| !v.is_empty())
    }

    /// A header value as text, if present and non-empty.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
    }
}

impl FromRequestParts<Arc<Shared>> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        // Inside a nested router `parts.uri` lacks the `/api/v4` prefix; links need the full path.
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
        let params = uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".to_string());
        Ok(Ctx {
            shared: Arc::clone(state),
            headers: parts.headers.clone(),
            params,
            base_url: format!("http://{host}"),
            path: uri.path().to_string(),
        })
    }
}
