//! Offset and keyset pagination with GitLab's headers (doc/api/rest/_index.md,
//! lib/gitlab/pagination/offset_pagination.rb, lib/api/helpers/pagination_strategies.rb).

use super::ctx::Ctx;
use super::error::ApiError;
use axum::Json;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use serde_json::Value;

const DEFAULT_PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 100;
/// Above this many records GitLab stops counting: no `x-total`, `x-total-pages` or `rel="last"`.
const COUNT_LIMIT: usize = 10_000;
/// Plan limit `offset_pagination_limit` (default 50,000) for types that offer keyset paging.
const OFFSET_LIMIT: usize = 50_000;
/// Parameters that carry secrets and must never be echoed into `Link` headers.
const SECRET_PARAMS: &[&str] = &["private_token", "access_token", "job_token"];

/// How a list endpoint may be paged.
pub(crate) struct Rules {
    /// GitLab's class name for the offset-limit message, e.g. `AuditEvent`.
    pub(crate) resource: &'static str,
    /// Sort directions keyset paging accepts with `order_by=id`.
    pub(crate) keyset_sorts: &'static [&'static str],
    /// Whether offset paging honours `order_by`/`sort` (the audit events API ignores them).
    pub(crate) offset_sortable: bool,
}

/// Sorts `items` (pairs of id and JSON entity) and answers with the requested page.
pub(crate) fn respond(
    ctx: &Ctx,
    mut items: Vec<(i64, Value)>,
    rules: &Rules,
) -> Result<Response, ApiError> {
    let per_page = per_page(ctx)?;
    let order_by = ctx.present("order_by").unwrap_or("id");
    let sort = ctx.present("sort").unwrap_or("desc");
    if ctx.param("pagination") == Some("keyset") {
        // pagination_strategies.rb: unsupported orderings get 405, rendered by Grape as {"error": ...}.
        if order_by != "id" || !rules.keyset_sorts.contains(&sort) {
            return Err(ApiError::grape(
                StatusCode::METHOD_NOT_ALLOWED,
                "Keyset pagination is not yet available for this type of request",
            ));
        }
        sort_by_id(&mut items, sort == "asc");
        return keyset(ctx, items, per_page, sort == "asc", |v| v);
    }
    let ascending = if rules.offset_sortable {
        if order_by != "id" {
            return Err(ApiError::invalid_value("order_by"));
        }
        match sort {
            "asc" => true,
            "desc" => false,
            _ => return Err(ApiError::invalid_value("sort")),
        }
    } else {
        false
    };
    sort_by_id(&mut items, ascending);
    offset(ctx, items, per_page, rules.resource, |(_, v)| v)
}

/// Offset pages of `items` in the order given (creation order, as GitLab lists keys, hooks and
/// runners when no sort is asked for).
pub(crate) fn in_order(
    ctx: &Ctx,
    items: Vec<Value>,
    resource: &'static str,
) -> Result<Response, ApiError> {
    in_order_with(ctx, items, resource, |v| v)
}

/// [`in_order`] for records rendered only when they are on the page.
pub(crate) fn in_order_with<T>(
    ctx: &Ctx,
    items: Vec<T>,
    resource: &'static str,
    render: impl FnMut(T) -> Value,
) -> Result<Response, ApiError> {
    offset(ctx, items, per_page(ctx)?, resource, render)
}

/// How a listing that offers more than id order may be sorted (`order_by` and `sort`).
pub(crate) struct Orders {
    /// GitLab's class name for the offset-limit message, e.g. `Project`.
    pub(crate) resource: &'static str,
    /// Columns `order_by` accepts; the first is the default.
    pub(crate) columns: &'static [&'static str],
    /// `sort` when the request gives none.
    pub(crate) default_sort: &'static str,
    /// Sort directions keyset paging accepts (with `order_by=id` only).
    pub(crate) keyset_sorts: &'static [&'static str],
}

/// The order a request asks for, checked against what the listing offers.
pub(crate) struct Order<'a> {
    /// The `order_by` column.
    pub(crate) by: &'a str,
    ascending: bool,
    keyset: bool,
}

impl Orders {
    /// The request's `order_by`, `sort` and `pagination`: unsupported keyset orders are 405 as
    /// in `pagination_strategies.rb`, unknown columns or directions 400 (Grape's `values:`).
    pub(crate) fn order<'a>(&self, ctx: &'a Ctx) -> Result<Order<'a>, ApiError> {
        let default = self.columns.first().copied().unwrap_or("id");
        let by = ctx.present("order_by").unwrap_or(default);
        let sort = ctx.present("sort").unwrap_or(self.default_sort);
        let keyset = ctx.param("pagination") == Some("keyset");
        if keyset && (by != "id" || !self.keyset_sorts.contains(&sort)) {
            return Err(ApiError::grape(
                StatusCode::METHOD_NOT_ALLOWED,
                "Keyset pagination is not yet available for this type of request",
            ));
        }
        if !self.columns.contains(&by) {
            return Err(ApiError::invalid_value("order_by"));
        }
        let ascending = match sort {
            "asc" => true,
            "desc" => false,
            _ => return Err(ApiError::invalid_value("sort")),
        };
        Ok(Order {
            by,
            ascending,
            keyset,
        })
    }

    /// Sorts `items` — `(id, key in the asked column, record)` — by key then id, and answers
    /// with the requested page, rendering only the records on it.
    pub(crate) fn respond<K: Ord, T>(
        &self,
        ctx: &Ctx,
        order: &Order<'_>,
        mut items: Vec<(i64, K, T)>,
        render: impl FnMut(T) -> Value,
    ) -> Result<Response, ApiError> {
        let per_page = per_page(ctx)?;
        items.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
        if !order.ascending {
            items.reverse();
        }
        let items: Vec<(i64, T)> = items.into_iter().map(|(id, _, t)| (id, t)).collect();
        if order.keyset {
            keyset(ctx, items, per_page, order.ascending, render)
        } else {
            let mut render = render;
            offset(ctx, items, per_page, self.resource, |(_, t)| render(t))
        }
    }
}

fn sort_by_id(items: &mut [(i64, Value)], ascending: bool) {
    if ascending {
        items.sort_by_key(|(id, _)| *id);
    } else {
        items.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
    }
}

fn per_page(ctx: &Ctx) -> Result<usize, ApiError> {
    match ctx.present("per_page") {
        None => Ok(DEFAULT_PER_PAGE),
        Some(raw) => {
            let n: i64 = raw
                .parse()
                .map_err(|_| ApiError::invalid_param("per_page"))?;
            // Kaminari caps at max_per_page; a non-positive value falls back to the default.
            Ok(match usize::try_from(n) {
                Ok(0) | Err(_) => DEFAULT_PER_PAGE,
                Ok(n) => n.min(MAX_PER_PAGE),
            })
        }
    }
}

/// The page of `items` (already in order) the request asks for, with GitLab's offset headers.
fn offset<T>(
    ctx: &Ctx,
    items: Vec<T>,
    per_page: usize,
    resource: &str,
    render: impl FnMut(T) -> Value,
) -> Result<Response, ApiError> {
    let page = match ctx.present("page") {
        None => 1,
        Some(raw) => raw
            .parse::<i64>()
            .map_err(|_| ApiError::invalid_param("page"))?
            .max(1),
    };
    let page = usize::try_from(page).unwrap_or(usize::MAX);
    if page.saturating_mul(per_page) > OFFSET_LIMIT {
        return Err(ApiError::grape(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "Offset pagination has a maximum allowed offset of {OFFSET_LIMIT} for requests that return objects of type {}. Remaining records can be retrieved using keyset pagination.",
                resource
            ),
        ));
    }
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let counted = total <= COUNT_LIMIT;
    let start = (page - 1).saturating_mul(per_page);
    let body: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(per_page)
        .map(render)
        .collect();
    let next = (page < total_pages).then_some(page + 1);
    // Kaminari: no previous page on the first page or beyond the last one.
    let prev = (page > 1 && page <= total_pages).then(|| page - 1);

    let mut links = Vec::new();
    if let Some(p) = prev {
        links.push(format!("<{}>; rel=\"prev\"", page_url(ctx, p, per_page)));
    }
    if let Some(p) = next {
        links.push(format!("<{}>; rel=\"next\"", page_url(ctx, p, per_page)));
    }
    links.push(format!("<{}>; rel=\"first\"", page_url(ctx, 1, per_page)));
    if counted {
        links.push(format!(
            "<{}>; rel=\"last\"",
            page_url(ctx, total_pages, per_page)
        ));
    }

    let mut headers = HeaderMap::new();
    set(&mut headers, "link", &links.join(", "));
    set(&mut headers, "x-page", &page.to_string());
    set(&mut headers, "x-per-page", &per_page.to_string());
    set(
        &mut headers,
        "x-next-page",
        &next.map_or(String::new(), |p| p.to_string()),
    );
    set(
        &mut headers,
        "x-prev-page",
        &prev.map_or(String::new(), |p| p.to_string()),
    );
    if counted {
        set(&mut headers, "x-total", &total.to_string());
        set(&mut headers, "x-total-pages", &total_pages.to_string());
    }
    Ok((headers, Json(body)).into_response())
}

fn keyset<T>(
    ctx: &Ctx,
    items: Vec<(i64, T)>,
    per_page: usize,
    ascending: bool,
    mut render: impl FnMut(T) -> Value,
) -> Result<Response, ApiError> {
    let after = match ctx.present("cursor") {
        None => None,
        Some(raw) => Some(decode_cursor(raw).ok_or_else(|| ApiError::invalid_param("cursor"))?),
    };
    let mut rest = items
        .into_iter()
        .filter(|(id, _)| match after {
            None => true,
            Some(c) if ascending => *id > c,
            Some(c) => *id < c,
        })
        .peekable();
    let page: Vec<(i64, T)> = rest.by_ref().take(per_page).collect();
    let more = rest.peek().is_some();
    let mut headers = HeaderMap::new();
    // doc/api/rest/_index.md: follow rel="next" only; the last page carries no Link header.
    if more && let Some((last, _)) = page.last() {
        let url = with_params(
            ctx,
            &[
                ("cursor", encode_cursor(*last)),
                ("per_page", per_page.to_string()),
            ],
        );
        set(&mut headers, "link", &format!("<{url}>; rel=\"next\""));
    }
    let body: Vec<Value> = page.into_iter().map(|(_, t)| render(t)).collect();
    Ok((headers, Json(body)).into_response())
}

/// GitLab's keyset cursors are URL-safe base64 of a small JSON object naming the last key.
fn encode_cursor(id: i64) -> String {
    URL_SAFE.encode(format!(r#"{{"id":"{id}","_kd":"n"}}"#))
}

fn decode_cursor(raw: &str) -> Option<i64> {
    let bytes = URL_SAFE.decode(raw.trim()).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    match value.get("id")? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn page_url(ctx: &Ctx, page: usize, per_page: usize) -> String {
    with_params(
        ctx,
        &[
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ],
    )
}

/// The request's own URL with `overrides` set, secrets removed and other parameters kept.
fn with_params(ctx: &Ctx, overrides: &[(&str, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in ctx.params() {
        if !SECRET_PARAMS.contains(&k.as_str()) && !overrides.iter().any(|(o, _)| o == k) {
            query.append_pair(k, v);
        }
    }
    for (k, v) in overrides {
        query.append_pair(k, v);
    }
    format!("{}{}?{}", ctx.base_url, ctx.path, query.finish())
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        for id in [1, 42, 9_007_199_254_740_993] {
            assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        }
        assert_eq!(decode_cursor("not base64!"), None);
    }
}
