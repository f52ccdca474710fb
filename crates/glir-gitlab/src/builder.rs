//! Setting up a client: credential, TLS trust, proxy, timeouts, retries and pacing.

use crate::auth::Auth;
use crate::base_url;
use crate::client::{Client, Inner};
use crate::error::Error;
use crate::pacing::Pacer;
use crate::retry::RetryPolicy;
use crate::stats::Counters;
use reqwest::redirect;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Same bound reqwest uses by default.
const MAX_REDIRECTS: usize = 10;

/// Options for a [`Client`]; start with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    base: Url,
    auth: Auth,
    ca_bundle: Option<PathBuf>,
    proxy: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    min_interval: Duration,
    user_agent: String,
}

impl ClientBuilder {
    pub(crate) fn new(base: Url) -> Self {
        ClientBuilder {
            base,
            auth: Auth::None,
            ca_bundle: None,
            proxy: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            min_interval: Duration::ZERO,
            user_agent: format!("glir/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// The credential sent with every request.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// An extra trusted root CA file (PEM, may hold several certificates), for private CAs.
    pub fn ca_bundle(mut self, pem_path: PathBuf) -> Self {
        self.ca_bundle = Some(pem_path);
        self
    }

    /// An explicit proxy for all requests; without it, `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply.
    pub fn proxy(mut self, url: String) -> Self {
        self.proxy = Some(url);
        self
    }

    /// Limit for one whole request (default 30 s); connecting is limited to 10 s.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Retry limits for 429, 5xx, timeouts and connection failures.
    pub fn retry(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// Least time between the starts of two requests (default 0: no pacing).
    pub fn min_interval(mut self, d: Duration) -> Self {
        self.min_interval = d;
        self
    }

    /// The `User-Agent` header (default `glir/<version>`).
    pub fn user_agent(mut self, ua: String) -> Self {
        self.user_agent = ua;
        self
    }

    /// Checks the options and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let auth_header = self.auth.header()?;
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .timeout(self.timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(self.timeout))
            .redirect(same_origin_redirects());
        if let Some(path) = &self.ca_bundle {
            for cert in read_ca_bundle(path)? {
                http = http.add_root_certificate(cert);
            }
        }
        if let Some(proxy) = &self.proxy {
            let proxy = reqwest::Proxy::all(proxy.as_str()).map_err(|e| {
                Error::Config(format!(
                    "proxy `{}` is not usable: {}",
                    shown_proxy(proxy),
                    e.without_url()
                ))
            })?;
            http = http.proxy(proxy);
        } else if is_loopback(&self.base) {
            // A local simulator or tunnel is never behind the environment's proxy.
            http = http.no_proxy();
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("cannot set up HTTP: {e}")))?;
        let api = base_url::api_root(&self.base)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: self.base,
                api,
                token_sent: self.auth.is_some(),
                token_fingerprint: self.auth.fingerprint(),
                auth_kind: self.auth.kind(),
                auth_header,
                retry: self.retry,
                pacer: Pacer::new(self.min_interval),
                stats: Counters::default(),
            }),
        })
    }
}

/// Redirects are followed only on the same scheme, host and port: reqwest strips
/// `Authorization` on a cross-host hop but not GitLab's own `PRIVATE-TOKEN`/`JOB-TOKEN`.
/// GitLab redirects moved projects with 301 on the same host (doc/api/rest/troubleshooting.md).
fn same_origin_redirects() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        let stays = attempt
            .previous()
            .first()
            .is_some_and(|first| base_url::same_origin(first, attempt.url()));
        if !stays {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

fn read_ca_bundle(path: &PathBuf) -> Result<Vec<reqwest::Certificate>, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::Config(format!("cannot read CA bundle {}: {e}", path.display())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        Error::Config(format!(
            "CA bundle {} is not valid PEM: {e}",
            path.display()
        ))
    })?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "CA bundle {} holds no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A proxy URL without its password, for an error message.
fn shown_proxy(proxy: &str) -> String {
    match Url::parse(proxy) {
        Ok(mut url) => {
            if url.password().is_some() {
                // Fails only for URLs that cannot carry a password, which then have none.
                let _ = url.set_password(Some("****"));
            }
            url.to_string()
        }
        Err(_) => "(unparseable)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glir_redact::Secret;

    fn builder() -> ClientBuilder {
        ClientBuilder::new(Url::parse("https://gitlab.example.com/").unwrap())
    }

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    #[test]
    fn builds_with_defaults_and_every_option() {
        let client = builder()
            .auth(Auth::PrivateToken(Secret::new(
                "glpat-abcdefghijklmnopqrst",
            )))
            .ca_bundle(fixture("two-test-cas.pem"))
            .proxy("http://proxy.example:3128".to_string())
            .timeout(Duration::from_secs(5))
            .retry(RetryPolicy::default())
            .min_interval(Duration::from_millis(10))
            .user_agent("test/1".to_string())
            .build();
        assert!(client.is_ok(), "{:?}", client.err());
        assert!(builder().build().is_ok());
    }

    #[test]
    fn ca_bundle_loads_every_certificate() {
        assert_eq!(
            read_ca_bundle(&fixture("two-test-cas.pem")).unwrap().len(),
            2
        );
    }

    #[test]
    fn missing_or_empty_ca_bundle_is_a_config_error() {
        let err = builder()
            .ca_bundle(PathBuf::from("/nonexistent/ca.pem"))
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");

        // A file without any PEM block, such as this crate's manifest.
        let not_pem = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let err = builder().ca_bundle(not_pem).build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
    }

    #[test]
    fn bad_proxy_message_hides_its_password() {
        let err = builder()
            .proxy("http://user:proxysecret@[bad".to_string())
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("proxysecret"), "{err}");
        assert_eq!(
            shown_proxy("http://u:proxysecret@p:3128"),
            "http://u:****@p:3128/"
        );
    }
}
