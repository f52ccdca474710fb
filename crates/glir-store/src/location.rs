//! Where a store lives: an SQLite file (the default), or a ClickHouse database shared by many
//! glir processes and hosts.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A store's location, as given by `--store`, `GLIR_STORE` or `store = "…"` in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// An SQLite file on this machine.
    Sqlite(PathBuf),
    /// A ClickHouse database reached over its HTTP interface.
    ClickHouse(ClickHouseUrl),
}

/// `clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE` (plain HTTP, port 8123 by default) or
/// `clickhouses://…` (HTTPS, port 8443), ClickHouse's HTTP interface ports
/// (<https://clickhouse.com/docs/interfaces/http>).
#[derive(Clone, PartialEq, Eq)]
pub struct ClickHouseUrl {
    /// `http://host:port` or `https://host:port`.
    pub endpoint: String,
    /// The database glir's tables live in; created if missing.
    pub database: String,
    /// The ClickHouse user, `default` when not given.
    pub user: Option<String>,
    /// The user's password; never shown (see the `Display` impl).
    pub password: Option<String>,
}

impl fmt::Debug for ClickHouseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClickHouseUrl({self})")
    }
}

impl fmt::Display for ClickHouseUrl {
    /// The URL with the password replaced by `***`: it ends up in logs and reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scheme, host) = match self.endpoint.split_once("://") {
            Some(("https", host)) => ("clickhouses", host),
            Some((_, host)) => ("clickhouse", host),
            None => ("clickhouse", self.endpoint.as_str()),
        };
        write!(f, "{scheme}://")?;
        if let Some(user) = &self.user {
            write!(f, "{user}")?;
            if self.password.is_some() {
                write!(f, ":***")?;
            }
            write!(f, "@")?;
        }
        write!(f, "{host}/{}", self.database)
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => write!(f, "{}", path.display()),
            StoreLocation::ClickHouse(url) => write!(f, "{url}"),
        }
    }
}

/// A `--store` value glir cannot use, with what a valid one looks like.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid store `{given}`: {why} (expected a file path or clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE)"
)]
pub struct LocationError {
    given: String,
    why: &'static str,
}

impl FromStr for StoreLocation {
    type Err = LocationError;

    fn from_str(s: &str) -> Result<StoreLocation, LocationError> {
        let err = |why| LocationError {
            given: redact(s),
            why,
        };
        let (tls, rest) = if let Some(rest) = s.strip_prefix("clickhouse://") {
            (false, rest)
        } else if let Some(rest) = s.strip_prefix("clickhouses://") {
            (true, rest)
        } else if s.contains("://") {
            return Err(err("unknown scheme"));
        } else if s.is_empty() {
            return Err(err("empty"));
        } else {
            return Ok(StoreLocation::Sqlite(PathBuf::from(s)));
        };
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let database = database.trim_end_matches('/');
        if database.is_empty() {
            return Err(err("no database named after the host"));
        }
        // Identifiers are quoted with backquotes in SQL; keeping to ClickHouse's unquoted
        // identifier alphabet means no name ever needs escaping.
        if !database
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            || database.as_bytes()[0].is_ascii_digit()
        {
            return Err(err("the database name may hold only letters, digits and _"));
        }
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(err("no host"));
        }
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((user, password)) => (Some(user.to_owned()), Some(password.to_owned())),
                None => (Some(info.to_owned()), None),
            },
            None => (None, None),
        };
        let has_port = host
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
        let port = match (has_port, tls) {
            (true, _) => String::new(),
            (false, false) => ":8123".to_owned(),
            (false, true) => ":8443".to_owned(),
        };
        let scheme = if tls { "https" } else { "http" };
        Ok(StoreLocation::ClickHouse(ClickHouseUrl {
            endpoint: format!("{scheme}://{host}{port}"),
            database: database.to_owned(),
            user,
            password,
        }))
    }
}

/// The given text with any password cut out, for an error message.
fn redact(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let info = &s[scheme + 3..at];
            match info.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &s[..scheme + 3], &s[at..]),
                None => s.to_owned(),
            }
        }
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(s: &str) -> ClickHouseUrl {
        match s.parse::<StoreLocation>().expect("parses") {
            StoreLocation::ClickHouse(url) => url,
            other => panic!("not ClickHouse: {other:?}"),
        }
    }

    #[test]
    fn a_path_is_sqlite_and_a_clickhouse_url_is_clickhouse() {
        assert_eq!(
            "/srv/glir/glir.db".parse::<StoreLocation>(),
            Ok(StoreLocation::Sqlite("/srv/glir/glir.db".into()))
        );
        let url = ch("clickhouse://ch.internal/glir");
        assert_eq!(url.endpoint, "http://ch.internal:8123");
        assert_eq!(url.database, "glir");
        assert_eq!(url.user, None);
        let url = ch("clickhouses://ir:s3cret@ch.internal:9443/audit_2026/");
        assert_eq!(url.endpoint, "https://ch.internal:9443");
        assert_eq!(url.database, "audit_2026");
        assert_eq!(url.user.as_deref(), Some("ir"));
        assert_eq!(url.password.as_deref(), Some("s3cret"));
    }

    #[test]
    fn the_password_is_never_shown() {
        let url = ch("clickhouse://ir:s3cret@127.0.0.1:18123/glir");
        assert_eq!(url.to_string(), "clickhouse://ir:***@127.0.0.1:18123/glir");
        assert!(!format!("{url:?}").contains("s3cret"));
        let err = "clickhouse://ir:s3cret@host/bad-name"
            .parse::<StoreLocation>()
            .expect_err("bad name");
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(err.to_string().contains("letters, digits and _"), "{err}");
    }

    #[test]
    fn incomplete_urls_are_refused_with_the_reason() {
        for (given, why) in [
            ("clickhouse://host", "no database"),
            ("clickhouse://host/", "no database"),
            ("clickhouse:///db", "no host"),
            ("postgres://host/db", "unknown scheme"),
            ("clickhouse://host/1db", "letters, digits"),
        ] {
            let err = given.parse::<StoreLocation>().expect_err(given);
            assert!(err.to_string().contains(why), "{given}: {err}");
        }
    }
}
