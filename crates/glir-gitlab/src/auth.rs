//! How the client proves who it is to GitLab.

use crate::error::Error;
use glir_redact::Secret;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

/// The credential sent with every request; always in a header, never in a URL.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    /// No credential: only public endpoints answer.
    #[default]
    None,
    /// A personal, project, group or impersonation token, sent as `PRIVATE-TOKEN`.
    PrivateToken(Secret),
    /// An OAuth access token (or a PAT), sent as `Authorization: Bearer`.
    Bearer(Secret),
    /// A CI job token, sent as `JOB-TOKEN`.
    JobToken(Secret),
}

impl Auth {
    /// The header carrying the credential, marked sensitive so HTTP-level debug output hides it.
    pub(crate) fn header(&self) -> Result<Option<(HeaderName, HeaderValue)>, Error> {
        // doc/api/rest/authentication.md: PRIVATE-TOKEN, Authorization: Bearer, JOB-TOKEN.
        let (name, value) = match self {
            Auth::None => return Ok(None),
            Auth::PrivateToken(token) => (
                HeaderName::from_static("private-token"),
                token.expose().to_string(),
            ),
            Auth::Bearer(token) => (AUTHORIZATION, format!("Bearer {}", token.expose())),
            Auth::JobToken(token) => (
                HeaderName::from_static("job-token"),
                token.expose().to_string(),
            ),
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            Error::Config(
                "the token holds characters that cannot be sent in an HTTP header \
                 (a trailing newline from a file?)"
                    .to_string(),
            )
        })?;
        value.set_sensitive(true);
        Ok(Some((name, value)))
    }

    /// The credential's fingerprint, for errors that must say which token failed.
    pub(crate) fn fingerprint(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::PrivateToken(t) | Auth::Bearer(t) | Auth::JobToken(t) => Some(t.fingerprint()),
        }
    }

    /// Whether a credential is sent at all; changes what a 401 means.
    pub(crate) fn is_some(&self) -> bool {
        !matches!(self, Auth::None)
    }

    /// The kind of credential, for Debug output that must not show it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::PrivateToken(_) => "private token",
            Auth::Bearer(_) => "bearer",
            Auth::JobToken(_) => "job token",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_uses_its_gitlab_header() {
        let token = || Secret::new("glpat-abcdefghijklmnopqrst");
        let (name, value) = Auth::PrivateToken(token()).header().unwrap().unwrap();
        assert_eq!(name.as_str(), "private-token");
        assert_eq!(value.to_str().unwrap(), "glpat-abcdefghijklmnopqrst");
        assert!(value.is_sensitive());

        let (name, value) = Auth::Bearer(token()).header().unwrap().unwrap();
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value.to_str().unwrap(), "Bearer glpat-abcdefghijklmnopqrst");

        let (name, _) = Auth::JobToken(token()).header().unwrap().unwrap();
        assert_eq!(name.as_str(), "job-token");

        assert!(Auth::None.header().unwrap().is_none());
    }

    #[test]
    fn unsendable_token_is_a_config_error_that_does_not_echo_it() {
        let err = Auth::PrivateToken(Secret::new("glpat-abcdefghijklmn\n"))
            .header()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        assert!(!err.to_string().contains("abcdefghijklmn"));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let shown = format!(
            "{:?}",
            Auth::Bearer(Secret::new("glpat-abcdefghijklmnopqrst"))
        );
        assert!(!shown.contains("abcdefghijklmnop"), "{shown}");
    }
}
