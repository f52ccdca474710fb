//! Reading GitLab's response headers: request id, paging links and counters, rate-limit resets.

use jiff::Timestamp;
use reqwest::header::{HeaderMap, LINK, RETRY_AFTER};
use std::time::Duration;

/// GitLab's correlation id; admins find the request in their logs with it.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    text(headers, "x-request-id")
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}

/// The target of the `rel="next"` link (RFC 8288), from any of possibly several `Link` headers.
/// URLs are taken whole between `<` and `>`, so commas inside them do no harm.
pub(crate) fn link_next(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(next_in_link_value)
}

fn next_in_link_value(value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after_open = &rest[open + 1..];
        let close = after_open.find('>')?;
        let target = &after_open[..close];
        let params_and_rest = &after_open[close + 1..];
        let params = &params_and_rest[..params_and_rest.find('<').unwrap_or(params_and_rest.len())];
        if has_rel_next(params) {
            return Some(target.to_string());
        }
        rest = params_and_rest;
    }
    None
}

/// `; rel="next"`, `; rel=next` or `; rel="next last"` (rel holds space-separated types).
fn has_rel_next(params: &str) -> bool {
    params.split(';').any(|param| {
        let Some((name, value)) = param.split_once('=') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("rel")
            && value
                .trim()
                .trim_end_matches(',')
                .trim()
                .trim_matches('"')
                .split_whitespace()
                .any(|rel| rel.eq_ignore_ascii_case("next"))
    })
}

/// `x-next-page`: the next page number for offset paging; empty on the last page
/// (doc/api/rest/_index.md, "Pagination response headers").
pub(crate) fn next_page_number(headers: &HeaderMap) -> Option<u64> {
    text(headers, "x-next-page").and_then(|v| v.parse().ok())
}

/// `x-total`; GitLab omits it above 10,000 records (doc/api/rest/_index.md).
pub(crate) fn total(headers: &HeaderMap) -> Option<u64> {
    text(headers, "x-total").and_then(|v| v.parse().ok())
}

/// How long a 429 asks us to wait: `Retry-After` (seconds or an HTTP date), else
/// `RateLimit-Reset` (unix time), else `RateLimit-ResetTime` (HTTP date)
/// (doc/administration/settings/user_and_ip_rate_limits.md, "Response headers").
/// A reset already past means no wait.
pub(crate) fn rate_limit_wait(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    if let Some(value) = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()) {
        let value = value.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Some(at) = http_date(value) {
            return Some(until(now, at));
        }
    }
    if let Some(at) = text(headers, "ratelimit-reset")
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|secs| Timestamp::from_second(secs).ok())
    {
        return Some(until(now, at));
    }
    text(headers, "ratelimit-resettime")
        .and_then(http_date)
        .map(|at| until(now, at))
}

fn until(now: Timestamp, at: Timestamp) -> Duration {
    let millis = at.as_millisecond().saturating_sub(now.as_millisecond());
    Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

/// `Tue, 05 Jan 2021 11:00:00 GMT` (RFC 9110 IMF-fixdate, a subset of RFC 2822).
fn http_date(value: &str) -> Option<Timestamp> {
    jiff::fmt::rfc2822::parse(value.trim())
        .ok()
        .map(|zoned| zoned.timestamp())
}

fn text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn link_next_from_gitlab_offset_header() {
        // Layout from doc/api/rest/_index.md, "Pagination Link header".
        let h = headers(&[(
            "link",
            r#"<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; rel="prev", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; rel="next", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; rel="first", <https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; rel="last""#,
        )]);
        assert_eq!(
            link_next(&h).as_deref(),
            Some("https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3")
        );
    }

    #[test]
    fn link_next_from_keyset_header() {
        let h = headers(&[(
            "link",
            r#"<https://gitlab.example.com/api/v4/audit_events?id_after=42&order_by=id&pagination=keyset&per_page=20&sort=desc>; rel="next""#,
        )]);
        assert!(link_next(&h).unwrap().contains("id_after=42"));
    }

    #[test]
    fn link_without_next_is_none() {
        let h = headers(&[(
            "link",
            r#"<https://h/api/v4/x?page=1>; rel="first", <https://h/api/v4/x?page=1>; rel="last""#,
        )]);
        assert_eq!(link_next(&h), None);
        assert_eq!(link_next(&HeaderMap::new()), None);
    }

    #[test]
    fn link_variants_unquoted_multi_rel_comma_in_url_and_split_headers() {
        let h = headers(&[("link", "<https://h/x?a=1,2&page=2>; rel=next")]);
        assert_eq!(link_next(&h).as_deref(), Some("https://h/x?a=1,2&page=2"));
        let h = headers(&[(
            "link",
            r#"<https://h/x?page=9>; title="a; b"; rel="last next""#,
        )]);
        assert_eq!(link_next(&h).as_deref(), Some("https://h/x?page=9"));
        let h = headers(&[
            ("link", r#"<https://h/x?page=1>; rel="first""#),
            ("link", r#"<https://h/x?page=2>; rel="next""#),
        ]);
        assert_eq!(link_next(&h).as_deref(), Some("https://h/x?page=2"));
        let h = headers(&[("link", r#"<https://h/x?page=2>; rel="nextish""#)]);
        assert_eq!(link_next(&h), None);
    }

    #[test]
    fn offset_counters() {
        let h = headers(&[
            ("x-next-page", "3"),
            ("x-total", "57"),
            ("x-request-id", "01HABC"),
        ]);
        assert_eq!(next_page_number(&h), Some(3));
        assert_eq!(total(&h), Some(57));
        assert_eq!(request_id(&h).as_deref(), Some("01HABC"));
        let last = headers(&[("x-next-page", ""), ("x-request-id", "")]);
        assert_eq!(next_page_number(&last), None);
        assert_eq!(total(&last), None);
        assert_eq!(request_id(&last), None);
    }

    #[test]
    fn retry_after_seconds_wins() {
        let now = Timestamp::from_second(1_609_844_000).unwrap();
        let h = headers(&[("retry-after", "30"), ("ratelimit-reset", "1609844400")]);
        assert_eq!(rate_limit_wait(&h, now), Some(Duration::from_secs(30)));
    }

    #[test]
    fn retry_after_as_http_date() {
        let now = Timestamp::from_second(1_609_844_390).unwrap();
        let h = headers(&[("retry-after", "Tue, 05 Jan 2021 11:00:00 GMT")]);
        assert_eq!(rate_limit_wait(&h, now), Some(Duration::from_secs(10)));
    }

    #[test]
    fn ratelimit_reset_unix_time_then_reset_time() {
        // Example values from doc/administration/settings/user_and_ip_rate_limits.md.
        let now = Timestamp::from_second(1_609_844_340).unwrap();
        let h = headers(&[("ratelimit-reset", "1609844400")]);
        assert_eq!(rate_limit_wait(&h, now), Some(Duration::from_secs(60)));
        let h = headers(&[("ratelimit-resettime", "Tue, 05 Jan 2021 11:00:00 GMT")]);
        assert_eq!(rate_limit_wait(&h, now), Some(Duration::from_secs(60)));
    }

    #[test]
    fn past_reset_means_no_wait_and_no_headers_means_unknown() {
        let now = Timestamp::from_second(1_609_900_000).unwrap();
        let h = headers(&[("ratelimit-reset", "1609844400")]);
        assert_eq!(rate_limit_wait(&h, now), Some(Duration::ZERO));
        assert_eq!(rate_limit_wait(&HeaderMap::new(), now), None);
        let junk = headers(&[("retry-after", "soon")]);
        assert_eq!(rate_limit_wait(&junk, now), None);
    }
}
