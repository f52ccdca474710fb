//! Reading fields out of GitLab's JSON for the families whose models lack what the inventory
//! shows (a hook's `token_present`, a runner's projects): absent, null and mistyped fields are
//! `None`, never an error.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::Value;

pub(crate) fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub(crate) fn flag(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

pub(crate) fn number(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

/// A timestamp field; GitLab writes ISO 8601 (`2026-11-25T02:13:00.000Z`).
pub(crate) fn time(v: &Value, key: &str) -> Option<Timestamp> {
    text(v, key).and_then(|t| t.parse().ok())
}

/// The first moment of an expiry day: a token "expires on the date you define, at midnight,
/// 00:00 AM UTC" (doc/user/profile/personal_access_tokens.md).
pub(crate) fn day_start(day: Date) -> Option<Timestamp> {
    day.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// The host of a URL, without user info, path or query (which may hold credentials).
pub(crate) fn host(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_that_are_missing_or_mistyped_are_none() {
        let v = json!({"a": "2026-11-25T02:13:00.000Z", "b": 3, "c": true, "d": null});
        assert_eq!(
            time(&v, "a").map(|t| t.to_string()),
            Some("2026-11-25T02:13:00Z".to_string())
        );
        assert_eq!(time(&v, "b"), None);
        assert_eq!(number(&v, "b"), Some(3));
        assert_eq!(flag(&v, "c"), Some(true));
        assert_eq!(text(&v, "d"), None);
        assert_eq!(text(&v, "missing"), None);
    }

    #[test]
    fn a_host_leaves_credentials_path_and_query_behind() {
        assert_eq!(
            host("https://user:pw@hooks.example.net:8443/x?token=abc").as_deref(),
            Some("hooks.example.net")
        );
        assert_eq!(host("not a url"), None);
    }

    #[test]
    fn an_expiry_day_starts_at_midnight_utc() {
        let t = day_start(jiff::civil::date(2025, 1, 1)).unwrap();
        assert_eq!(t.to_string(), "2025-01-01T00:00:00Z");
    }
}
