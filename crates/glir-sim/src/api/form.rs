//! Request bodies of the two POST lookups: Grape reads parameters from a JSON body or a form
//! alike, so both are accepted.

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use serde_json::Value;

/// The body's top-level string parameters.
pub(crate) fn params(headers: &HeaderMap, body: &Bytes) -> Vec<(String, String)> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                .collect(),
            _ => Vec::new(),
        }
    } else {
        url::form_urlencoded::parse(body).into_owned().collect()
    }
}

/// A parameter from the body, or else the query string (Grape merges both).
pub(crate) fn param<'a>(
    body: &'a [(String, String)],
    query: Option<&'a str>,
    name: &str,
) -> Option<&'a str> {
    body.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .or(query)
        .filter(|v| !v.is_empty())
}
