//! Around every request: request id, request log and counters, injected faults, access log.

use crate::fault::FaultKind;
use crate::listener::ConnectionControl;
use crate::request_id;
use crate::server::Shared;
use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
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
    let fault = if path.starts_with(SIM_PREFIX) {
        None
    } else {
        shared.record(&target);
        shared.faults.take(&target)
    };
    let mut response = match fault {
        None => next.run(request).await,
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
    // Only the path is logged: the query may carry `private_token`.
    tracing::info!(%method, %path, status = response.status().as_u16(), fault = fault_name(&fault), "request");
    response
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

/// A throttled response as Rack::Attack renders it for GitLab
/// (doc/administration/settings/user_and_ip_rate_limits.md): plain-text `Retry later` and RateLimit-* headers.
fn rate_limited(retry_after_secs: u64) -> Response {
    const LIMIT: u64 = 600;
    let now = Timestamp::now();
    let reset = now
        .checked_add(SignedDuration::from_secs(
            i64::try_from(retry_after_secs).unwrap_or(i64::MAX),
        ))
        .unwrap_or(now);
    let headers = [
        ("retry-after", retry_after_secs.to_string()),
        ("ratelimit-limit", LIMIT.to_string()),
        ("ratelimit-name", "throttle_authenticated_api".to_string()),
        ("ratelimit-observed", (LIMIT + 1).to_string()),
        ("ratelimit-remaining", "0".to_string()),
        ("ratelimit-reset", reset.as_second().to_string()),
        (
            "ratelimit-resettime",
            reset.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        ),
    ];
    let mut response = (StatusCode::TOO_MANY_REQUESTS, "Retry later\n").into_response();
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
