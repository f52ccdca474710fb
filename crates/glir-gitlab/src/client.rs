//! The client handle: one GitLab instance, one credential, shared by every clone.

use crate::auth::Auth;
use crate::base_url;
use crate::builder::ClientBuilder;
use crate::error::Error;
use crate::pacing::Pacer;
use crate::request::{Body, Call};
use crate::response::Response;
use crate::retry::RetryPolicy;
use crate::stats::{ClientStats, Counters};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use url::Url;

/// A GitLab REST client; cheap to clone, and clones share connections, pacing and stats.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// Instance root, with a trailing `/`.
    pub(crate) base: Url,
    /// `<base>api/v4/`.
    pub(crate) api: Url,
    pub(crate) token_sent: bool,
    pub(crate) token_fingerprint: Option<String>,
    pub(crate) auth_kind: &'static str,
    pub(crate) auth_header: Option<(HeaderName, HeaderValue)>,
    pub(crate) retry: RetryPolicy,
    pub(crate) pacer: Pacer,
    pub(crate) stats: Counters,
}

impl Client {
    /// Starts a builder for the instance at `base_url` (`https://host`, `…/api/v4`, or a sub-path).
    pub fn builder(base_url: &str) -> Result<ClientBuilder, Error> {
        Ok(ClientBuilder::new(base_url::normalise(base_url)?))
    }

    /// This instance, with the same connection settings and pacing, presenting `auth` instead:
    /// to ask GitLab about a leaked token with that token itself.
    pub fn with_auth(&self, auth: Auth) -> Result<Client, Error> {
        let inner = &self.inner;
        Ok(Client {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                base: inner.base.clone(),
                api: inner.api.clone(),
                token_sent: auth.is_some(),
                token_fingerprint: auth.fingerprint(),
                auth_kind: auth.kind(),
                auth_header: auth.header()?,
                retry: inner.retry.clone(),
                pacer: Pacer::new(inner.pacer.interval()),
                stats: Counters::default(),
            }),
        })
    }

    /// Whether requests carry a credential.
    pub fn authenticated(&self) -> bool {
        self.inner.token_sent
    }

    /// The instance root, without `/api/v4`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// Host, plus port when not the default: the source name of events from this instance.
    pub fn host(&self) -> String {
        base_url::host_label(&self.inner.base)
    }

    /// GET `path` (relative to `/api/v4`, such as `/user`) and decode the JSON body.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Response<T>, Error> {
        self.call_json(Method::GET, path, query, Body::Empty).await
    }

    /// POST a JSON body to `path` and decode the JSON answer (read-only lookups such as
    /// `/admin/token`; the body may hold a token and is never logged).
    pub(crate) async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<Response<T>, Error> {
        self.call_json(Method::POST, path, &[], Body::Json(body))
            .await
    }

    /// POST a form to `path` and decode the JSON answer (`/runners/verify`).
    pub(crate) async fn post_form<T: DeserializeOwned>(
        &self,
        path: &str,
        form: Vec<(&'static str, String)>,
    ) -> Result<Response<T>, Error> {
        self.call_json(Method::POST, path, &[], Body::Form(form))
            .await
    }

    /// GET `path` and return the raw body (job logs, archives), refusing more than `max_bytes`.
    pub(crate) async fn get_bytes(
        &self,
        path: &str,
        max_bytes: Option<u64>,
    ) -> Result<Response<Vec<u8>>, Error> {
        let outcome = async {
            let url = self.api_url::<&str, &str>(path, &[])?;
            let call = Call {
                method: Method::GET,
                url: &url,
                body: Body::Empty,
                accept: "*/*",
                max_bytes,
                replay: true,
            };
            let fetched = self.send(&call).await?;
            Ok(Response {
                body: fetched.body,
                status: fetched.status,
                request_id: fetched.request_id,
            })
        }
        .await;
        self.tally(outcome)
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
    ) -> Result<Response<T>, Error> {
        self.exchange(method, path, query, body, true, |fetched| fetched.decode())
            .await
    }

    /// A mutation answered with JSON. `replay`: may be sent again after a 5xx or a dropped
    /// connection (see [`crate::request`]).
    pub(crate) async fn mutate_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
        replay: bool,
    ) -> Result<Response<T>, Error> {
        self.exchange(method, path, query, body, replay, |fetched| {
            fetched.decode()
        })
        .await
    }

    /// A mutation whose answer has no body worth reading (204, or 201 `true`).
    pub(crate) async fn mutate_empty(
        &self,
        method: Method,
        path: &str,
        body: Body,
    ) -> Result<Response<()>, Error> {
        self.exchange(method, path, &[], body, true, |_| Ok(()))
            .await
    }

    async fn exchange<T>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
        replay: bool,
        decode: impl FnOnce(&crate::request::Fetched) -> Result<T, Error>,
    ) -> Result<Response<T>, Error> {
        let outcome = async {
            let url = self.api_url(path, query)?;
            let call = Call {
                method,
                url: &url,
                body,
                accept: "application/json",
                max_bytes: None,
                replay,
            };
            let fetched = self.send(&call).await?;
            let body = decode(&fetched)?;
            Ok(Response {
                body,
                status: fetched.status,
                request_id: fetched.request_id,
            })
        }
        .await;
        self.tally(outcome)
    }

    /// The spacing between request starts this client keeps (zero: none).
    pub fn min_interval(&self) -> std::time::Duration {
        self.inner.pacer.interval()
    }

    /// Counters since the client was built.
    pub fn stats(&self) -> ClientStats {
        self.inner.stats.snapshot()
    }

    /// `<api root><path>?<query>`; the path may already hold percent-encoded segments.
    pub(crate) fn api_url<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        query: &[(K, V)],
    ) -> Result<Url, Error> {
        let joined = format!("{}{}", self.inner.api, path.trim_start_matches('/'));
        let mut url = Url::parse(&joined).map_err(|e| Error::InvalidUrl {
            url: base_url::shown_path(&self.inner.api) + path,
            reason: e.to_string(),
        })?;
        if !query.is_empty() {
            // form-urlencoding turns `+` in ISO 8601 offsets into `%2B`, as GitLab requires
            // (doc/api/rest/_index.md, "Encode + in ISO 8601 dates").
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
        }
        Ok(url)
    }

    /// `/api/graphql` of the instance: beside `/api/v4`, not under it.
    pub(crate) fn graphql_url(&self) -> Result<Url, Error> {
        self.inner
            .api
            .join("../graphql")
            .map_err(|e| Error::InvalidUrl {
                url: base_url::shown_path(&self.inner.api) + "../graphql",
                reason: e.to_string(),
            })
    }

    /// Counts a failed call once, whichever step failed.
    pub(crate) fn tally<T>(&self, outcome: Result<T, Error>) -> Result<T, Error> {
        if outcome.is_err() {
            self.inner.stats.failure();
        }
        outcome
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("auth", &self.inner.auth_kind)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Auth;
    use glir_redact::Secret;

    fn client(base: &str) -> Client {
        Client::builder(base)
            .unwrap()
            .auth(Auth::PrivateToken(Secret::new(
                "glpat-abcdefghijklmnopqrst",
            )))
            .build()
            .unwrap()
    }

    #[test]
    fn graphql_sits_beside_api_v4() {
        let c = client("https://host/gitlab/");
        assert_eq!(
            c.graphql_url().unwrap().as_str(),
            "https://host/gitlab/api/graphql"
        );
    }

    #[test]
    fn api_urls_sit_under_api_v4_of_the_instance_root() {
        let c = client("https://host/gitlab/api/v4/");
        assert_eq!(c.base_url().as_str(), "https://host/gitlab/");
        let url = c.api_url::<&str, &str>("/user", &[]).unwrap();
        assert_eq!(url.as_str(), "https://host/gitlab/api/v4/user");
        let url = c
            .api_url("groups/acme%2Fapp", &[("per_page", "5")])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://host/gitlab/api/v4/groups/acme%2Fapp?per_page=5"
        );
    }

    #[test]
    fn query_values_are_encoded_for_gitlab() {
        let c = client("https://host");
        let url = c
            .api_url(
                "/audit_events",
                &[("created_after", "2025-01-01T00:00:00+01:00")],
            )
            .unwrap();
        assert_eq!(
            url.query(),
            Some("created_after=2025-01-01T00%3A00%3A00%2B01%3A00")
        );
    }

    #[test]
    fn host_is_the_event_source_name() {
        assert_eq!(
            client("https://gitlab.example.com/").host(),
            "gitlab.example.com"
        );
        assert_eq!(client("http://127.0.0.1:8080").host(), "127.0.0.1:8080");
    }

    #[test]
    fn debug_shows_the_instance_but_not_the_token() {
        let shown = format!("{:?}", client("https://host"));
        assert!(
            shown.contains("https://host/") && shown.contains("private token"),
            "{shown}"
        );
        assert!(!shown.contains("abcdefghijklmnop"), "{shown}");
    }
}
