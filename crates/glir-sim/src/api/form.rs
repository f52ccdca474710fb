//! Request bodies: Grape reads parameters from a JSON body or a form alike, so both are
//! accepted, and JSON booleans and numbers read as their text (Grape coerces them back).

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
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Bool(b) => Some((k, b.to_string())),
                    Value::Number(n) => Some((k, n.to_string())),
                    _ => None,
                })
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

/// The parameters of one request, body first and then the query string.
pub(crate) struct Params<'a> {
    body: Vec<(String, String)>,
    ctx: &'a super::ctx::Ctx,
}

impl<'a> Params<'a> {
    pub(crate) fn read(ctx: &'a super::ctx::Ctx, body: &Bytes) -> Params<'a> {
        Params {
            body: params(&ctx.headers, body),
            ctx,
        }
    }

    /// A non-empty text parameter.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        param(&self.body, self.ctx.param(name), name)
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
