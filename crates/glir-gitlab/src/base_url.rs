//! Turning what a user types into the instance root, and URLs into text safe to show.

use crate::error::Error;
use url::Url;

/// The REST API lives here under the instance root (doc/api/rest/_index.md).
const API_PREFIX: &str = "api/v4/";

/// Query parameters that carry credentials (doc/api/rest/authentication.md); never shown or kept.
const CREDENTIAL_PARAMS: [&str; 3] = ["private_token", "access_token", "job_token"];

/// The instance root with a trailing `/`: accepts `https://host`, `https://host/`,
/// `https://host/api/v4` and sub-path installs such as `https://host/gitlab`.
pub(crate) fn normalise(input: &str) -> Result<Url, Error> {
    let input = input.trim();
    let invalid = |reason: &str| Error::InvalidUrl {
        url: shown_input(input),
        reason: reason.to_string(),
    };
    let mut url = Url::parse(input).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => {
            invalid("give the scheme too, for example https://gitlab.example.com")
        }
        other => invalid(&other.to_string()),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("only http and https URLs are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials in the URL are not supported; pass a token instead",
        ));
    }
    let path = url.path().trim_end_matches('/');
    let root = path.strip_suffix("/api/v4").unwrap_or(path);
    let root = format!("{root}/");
    url.set_path(&root);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// `https://host/gitlab/` → `https://host/gitlab/api/v4/`.
pub(crate) fn api_root(base: &Url) -> Result<Url, Error> {
    base.join(API_PREFIX).map_err(|e| Error::InvalidUrl {
        url: base.to_string(),
        reason: e.to_string(),
    })
}

/// The source name events from the instance at `input` are stored under, as
/// [`Client::host`](crate::Client::host) gives it, for a component that has a GitLab URL but no
/// client (the stream receiver).
pub fn source_name(input: &str) -> Result<String, Error> {
    normalise(input).map(|url| host_label(&url))
}

/// Host and, when not the scheme's default, port: the name events from this instance carry.
pub(crate) fn host_label(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Same scheme, host and port: the only places the token may be sent.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Percent-encodes an id or a namespaced path as one path segment (`acme/app` → `acme%2Fapp`),
/// as GitLab requires for `:id` (doc/api/rest/_index.md, "Namespaced paths").
pub fn encode_segment(id_or_path: &str) -> String {
    let mut out = String::with_capacity(id_or_path.len());
    for byte in id_or_path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Removes credential query parameters, so a URL can be shown, logged or stored as a cursor.
pub(crate) fn strip_credentials(url: &mut Url) {
    let has_credential = url
        .query_pairs()
        .any(|(k, _)| CREDENTIAL_PARAMS.contains(&k.as_ref()));
    if !has_credential {
        return;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !CREDENTIAL_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

/// Path and query of a request, without credentials: the part of a URL an error names.
pub(crate) fn shown_path(url: &Url) -> String {
    let mut url = url.clone();
    strip_credentials(&mut url);
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

/// A whole URL without credentials or user info, for messages about foreign links.
pub(crate) fn shown_url(url: &Url) -> String {
    let mut url = url.clone();
    strip_credentials(&mut url);
    // Both setters only fail for URLs that cannot have credentials, which then have none.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// A user-typed URL for an error message: if it parses, without credentials; else as typed
/// up to the first `?` so a query-string token is not echoed.
fn shown_input(input: &str) -> String {
    match Url::parse(input) {
        Ok(url) => shown_url(&url),
        Err(_) => input.split('?').next().unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(input: &str) -> String {
        normalise(input).unwrap().to_string()
    }

    #[test]
    fn accepted_forms_all_reach_the_instance_root() {
        assert_eq!(
            root("https://gitlab.example.com"),
            "https://gitlab.example.com/"
        );
        assert_eq!(
            root("https://gitlab.example.com/"),
            "https://gitlab.example.com/"
        );
        assert_eq!(
            root("https://gitlab.example.com/api/v4"),
            "https://gitlab.example.com/"
        );
        assert_eq!(
            root("https://gitlab.example.com/api/v4/"),
            "https://gitlab.example.com/"
        );
        assert_eq!(root(" http://127.0.0.1:8080 "), "http://127.0.0.1:8080/");
    }

    #[test]
    fn sub_path_installs_keep_their_prefix() {
        assert_eq!(root("https://host/gitlab"), "https://host/gitlab/");
        assert_eq!(root("https://host/gitlab/api/v4/"), "https://host/gitlab/");
        let api = api_root(&normalise("https://host/gitlab").unwrap()).unwrap();
        assert_eq!(api.as_str(), "https://host/gitlab/api/v4/");
    }

    #[test]
    fn query_and_fragment_are_dropped() {
        assert_eq!(
            root("https://host/?private_token=glpat-x#frag"),
            "https://host/"
        );
    }

    #[test]
    fn rejects_what_cannot_be_an_instance() {
        for bad in [
            "gitlab.example.com",
            "ftp://host",
            "https://user:pw@host",
            "not a url",
        ] {
            assert!(
                matches!(normalise(bad), Err(Error::InvalidUrl { .. })),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn invalid_url_message_does_not_echo_a_password() {
        let err = normalise("https://user:hunter2secret@host").unwrap_err();
        assert!(!err.to_string().contains("hunter2secret"), "{err}");
    }

    #[test]
    fn host_label_shows_port_only_when_not_default() {
        assert_eq!(
            host_label(&normalise("https://gitlab.example.com").unwrap()),
            "gitlab.example.com"
        );
        assert_eq!(
            host_label(&normalise("https://gitlab.example.com:443").unwrap()),
            "gitlab.example.com"
        );
        assert_eq!(
            host_label(&normalise("http://127.0.0.1:8080/x").unwrap()),
            "127.0.0.1:8080"
        );
    }

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        let a = Url::parse("https://host/api/v4/users").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("https://host:443/other").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://host/api/v4/users").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://evil.example/api/v4/users").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://host:8443/api/v4/users").unwrap()
        ));
    }

    #[test]
    fn namespaced_paths_become_one_segment() {
        assert_eq!(encode_segment("acme/app"), "acme%2Fapp");
        assert_eq!(encode_segment("42"), "42");
        assert_eq!(encode_segment("a b+c"), "a%20b%2Bc");
        assert_eq!(encode_segment("grp.x_y-z~"), "grp.x_y-z~");
    }

    #[test]
    fn credentials_are_stripped_and_the_rest_kept() {
        let mut url =
            Url::parse("https://h/api/v4/users?page=2&private_token=glpat-secret&access_token=x")
                .unwrap();
        strip_credentials(&mut url);
        assert_eq!(url.as_str(), "https://h/api/v4/users?page=2");

        let mut only = Url::parse("https://h/api/v4/user?job_token=abc").unwrap();
        strip_credentials(&mut only);
        assert_eq!(only.as_str(), "https://h/api/v4/user");
    }

    #[test]
    fn shown_path_has_no_host_and_no_token() {
        let url = Url::parse("https://h/api/v4/users?private_token=glpat-secret&page=3").unwrap();
        assert_eq!(shown_path(&url), "/api/v4/users?page=3");
    }
}
