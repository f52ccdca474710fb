//! Request bodies: Grape reads parameters from a JSON body or a form alike, so both are
//! accepted, and JSON booleans and numbers read as their text (Grape coerces them back).

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use serde_json::Value;

/// The body's top-level string parameters.
pub(crate) fn params(headers: &HeaderMap, body: &Bytes) -> Vec<(String, String)> {
    if is_json(headers) {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map
                .into_iter()
                .filter_map(|(k, v)| scalar_text(&v).map(|t| (k, t)))
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

/// The body's top-level arrays of scalars, as text (a JSON body's way of sending `key[]`).
fn json_lists(headers: &HeaderMap, body: &Bytes) -> Vec<(String, Vec<String>)> {
    if !is_json(headers) {
        return Vec::new();
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::Array(items) => Some((k, items.iter().filter_map(scalar_text).collect())),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The parameters of one request, body first and then the query string.
pub(crate) struct Params<'a> {
    body: Vec<(String, String)>,
    lists: Vec<(String, Vec<String>)>,
    ctx: &'a super::ctx::Ctx,
}

impl<'a> Params<'a> {
    pub(crate) fn read(ctx: &'a super::ctx::Ctx, body: &Bytes) -> Params<'a> {
        Params {
            body: params(&ctx.headers, body),
            lists: json_lists(&ctx.headers, body),
            ctx,
        }
    }

    /// A non-empty text parameter.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        param(&self.body, self.ctx.param(name), name)
    }

    /// An array parameter: a JSON array, repeated `name[]` form or query parameters, or one
    /// comma-separated value (an empty one clears the list).
    pub(crate) fn list(&self, name: &str) -> Option<Vec<String>> {
        if let Some((_, items)) = self.lists.iter().rev().find(|(k, _)| k == name) {
            return Some(items.clone());
        }
        let bracketed = format!("{name}[]");
        let repeated: Vec<String> = self
            .body
            .iter()
            .chain(self.ctx.params())
            .filter(|(k, _)| *k == bracketed)
            .map(|(_, v)| v.clone())
            .collect();
        if !repeated.is_empty() {
            return Some(repeated);
        }
        let single = self
            .body
            .iter()
            .rev()
            .chain(self.ctx.params().iter().rev())
            .find(|(k, _)| k == name)?;
        Some(
            single
                .1
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    /// Whether the request carries any parameter other than `ignored` ones.
    pub(crate) fn any_except(&self, ignored: &[&str]) -> bool {
        let named = |k: &str| !ignored.contains(&k.trim_end_matches("[]"));
        self.body.iter().any(|(k, _)| named(k))
            || self.lists.iter().any(|(k, _)| named(k))
            || self.ctx.params().iter().any(|(k, _)| named(k))
    }

    /// A Grape `Boolean`: absent is `None`, junk is 400 `<name> is invalid`.
    pub(crate) fn flag(&self, name: &str) -> Result<Option<bool>, super::error::ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some("true" | "1" | "yes" | "t") => Ok(Some(true)),
            Some("false" | "0" | "no" | "f") => Ok(Some(false)),
            Some(_) => Err(super::error::ApiError::invalid_param(name)),
        }
    }

    /// A Grape `Integer`.
    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, super::error::ApiError> {
        self.text(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| super::error::ApiError::invalid_param(name))
            })
            .transpose()
    }
}

impl crate::fields::Input for Params<'_> {
    fn text(&self, name: &str) -> Option<&str> {
        Params::text(self, name)
    }

    fn list(&self, name: &str) -> Option<Vec<String>> {
        Params::list(self, name)
    }
}
