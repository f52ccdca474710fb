//! Around every request: request id, request log and counters, injected faults, access log.

use super::auth::{is_expired, presented_token};
use super::ctx::Ctx;
use crate::fault::FaultKind;
use crate::listener::ConnectionControl;
use crate::request_id;
use crate::server::Shared;
use crate::throttle::Limit;
use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Paths of the simulator's own control routes, which are neither counted nor faulted.
pub(crate) const SIM_PREFIX: &str = "/-/sim/";

pub(crate) async fn observe(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |pq| pq.as_str().to_string());
    let (slot, fault) = if path.starts_with(SIM_PREFIX) {
        (None, None)
    } else {
        (Some(shared.record(&target)), shared.faults.take(&target))
    };
    let (mut parts, body) = request.into_parts();
    // Injected faults stand in for anything the real server would have done, throttling too.
    let throttled = if fault.is_none() && slot.is_some() {
        let ctx = match Ctx::from_request_parts(&mut parts, &shared).await {
            Ok(ctx) => ctx,
            Err(never) => match never {},
        };
        throttle(&shared, &ctx)
    } else {
        None
    };
    let request = Request::from_parts(parts, body);
    let mut response = match fault {
        None => match throttled {
            Some(response) => response,
            None => next.run(request).await,
        },
        Some(FaultKind::Slow { delay_ms }) => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            next.run(request).await
        }
        Some(FaultKind::RateLimited { retry_after_secs }) => rate_limited(retry_after_secs),
        Some(FaultKind::ServerError { status }) => server_error(status),
        Some(FaultKind::DropConnection) => {
            if let Some(ConnectInfo(conn)) =
                request.extensions().get::<ConnectInfo<ConnectionControl>>()
            {
                conn.kill();
            }
            // Never reaches the client: the connection fails before hyper can write it.
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    };
    if let Ok(id) = HeaderValue::from_str(&request_id::next()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), id);
    }
    if let Some(slot) = slot {
        shared.answered(slot, response.status().as_u16());
    }
    // Only the path is logged: the query may carry `private_token`.
    tracing::info!(%method, %path, status = response.status().as_u16(), fault = fault_name(&fault), "request");
    response
}

/// The authenticated API rate limit, when the settings turn it on: the token's owner is
/// counted (an unknown, expired or revoked token is not an authenticated request), and a
/// request over the limit gets GitLab's 429 instead of an answer.
fn throttle(shared: &Shared, ctx: &Ctx) -> Option<Response> {
    let world = shared.world();
    let settings = &world.scenario.settings;
    if settings.get("throttle_authenticated_api_enabled") != Some(&Value::Bool(true)) {
        return None;
    }
    let setting = |name: &str, default: u64| {
        settings
            .get(name)
            .and_then(Value::as_u64)
            .unwrap_or(default)
    };
    let limit = Limit {
        requests: setting("throttle_authenticated_api_requests_per_period", 7200),
        period: setting("throttle_authenticated_api_period_in_seconds", 3600),
    };
    let token = world.token(presented_token(ctx)?)?;
    if token.revoked || is_expired(token, Timestamp::now()) {
        return None;
    }
    let user = world.user_by_name(&token.user)?;
    let now = u64::try_from(Timestamp::now().as_second()).unwrap_or(0);
    let over = shared.throttle.hit(user.id, limit, now)?;
    let body = settings
        .get("rate_limiting_response_text")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or("Retry later");
    let reset = Timestamp::from_second(i64::try_from(over.reset_at).unwrap_or(i64::MAX))
        .unwrap_or_else(|_| Timestamp::now());
    Some(too_many_requests(
        &format!("{body}\n"),
        RateLimitHeaders {
            name: "throttle_authenticated_api",
            limit: over.per_minute(),
            observed: over.observed,
            remaining: 0,
            reset,
            retry_after: over.retry_after,
        },
    ))
}

fn fault_name(fault: &Option<FaultKind>) -> &'static str {
    match fault {
        None => "none",
        Some(FaultKind::Slow { .. }) => "slow",
        Some(FaultKind::RateLimited { .. }) => "rate_limited",
        Some(FaultKind::ServerError { .. }) => "server_error",
        Some(FaultKind::DropConnection) => "drop_connection",
    }
}

/// An injected 429, with the headers an exhausted authenticated API quota would carry.
fn rate_limited(retry_after_secs: u64) -> Response {
    const LIMIT: u64 = 600;
    let now = Timestamp::now();
    let reset = now
        .checked_add(SignedDuration::from_secs(
            i64::try_from(retry_after_secs).unwrap_or(i64::MAX),
        ))
        .unwrap_or(now);
    too_many_requests(
        "Retry later\n",
        RateLimitHeaders {
            name: "throttle_authenticated_api",
            limit: LIMIT,
            observed: LIMIT + 1,
            remaining: 0,
            reset,
            retry_after: retry_after_secs,
        },
    )
}

/// What a throttled response reports about the quota.
struct RateLimitHeaders {
    name: &'static str,
    /// Requests per minute.
    limit: u64,
    observed: u64,
    remaining: u64,
    reset: Timestamp,
    retry_after: u64,
}

/// A throttled response as Rack::Attack renders it for GitLab
/// (doc/administration/settings/user_and_ip_rate_limits.md, "Response headers";
/// gitlab-org/gitlab:lib/gitlab/rack_attack.rb): a plain-text body, `RateLimit-Reset` in Unix
/// seconds, `RateLimit-ResetTime` as an HTTP date and `Retry-After` in seconds.
fn too_many_requests(body: &str, quota: RateLimitHeaders) -> Response {
    let headers = [
        ("retry-after", quota.retry_after.to_string()),
        ("ratelimit-limit", quota.limit.to_string()),
        ("ratelimit-name", quota.name.to_string()),
        ("ratelimit-observed", quota.observed.to_string()),
        ("ratelimit-remaining", quota.remaining.to_string()),
        ("ratelimit-reset", quota.reset.as_second().to_string()),
        (
            "ratelimit-resettime",
            quota
                .reset
                .strftime("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        ),
    ];
    let mut response = (StatusCode::TOO_MANY_REQUESTS, body.to_string()).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(HeaderName::from_static(name), v);
        }
    }
    response
}

fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    (status, Json(json!({ "message": text }))).into_response()
}
