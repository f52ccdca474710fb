//! The HTTP surface: `POST /v1/streams/{destination}`, `/healthz`, `/readyz`, `/metrics`.

use crate::Destination;
use crate::auth::{TOKEN_HEADER, TokenCheck};
use crate::body;
use crate::envelope;
use crate::metrics::Metrics;
use crate::writer::Submission;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use glir_events::Layout;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The header GitLab names the event type in (absent in batch mode).
const EVENT_TYPE_HEADER: &str = "x-gitlab-audit-event-type";

/// A destination as the handler sees it.
struct Route {
    check: TokenCheck,
    source: String,
}

pub(crate) struct AppState {
    routes: HashMap<String, Route>,
    tx: mpsc::Sender<Submission>,
    pub(crate) metrics: Metrics,
    registry: Registry,
    pub(crate) ready: AtomicBool,
    body_limit: usize,
    read_timeout: Duration,
}

impl AppState {
    pub(crate) fn new(
        destinations: &[Destination],
        tx: mpsc::Sender<Submission>,
        (metrics, registry): (Metrics, Registry),
        body_limit: usize,
        read_timeout: Duration,
    ) -> AppState {
        let routes = destinations
            .iter()
            .map(|d| {
                let route = Route {
                    check: TokenCheck::new(&d.token),
                    source: d.source.clone(),
                };
                (d.name.clone(), route)
            })
            .collect();
        AppState {
            routes,
            tx,
            metrics,
            registry,
            ready: AtomicBool::new(true),
            body_limit,
            read_timeout,
        }
    }
}

impl AppState {
    /// Hands the writer a submission outside any request (the age tick).
    pub(crate) async fn wake_writer(
        &self,
        submission: Submission,
    ) -> Result<(), mpsc::error::SendError<Submission>> {
        self.tx.send(submission).await
    }
}

pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/streams/{destination}", post(receive))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// A refusal: the status, a reason label for the metrics, and a sentence for the sender.
fn refuse(state: &AppState, status: StatusCode, reason: &'static str, message: String) -> Response {
    state.metrics.reject(reason);
    let body = serde_json::json!({ "error": message });
    (status, axum::Json(body)).into_response()
}

async fn receive(
    State(state): State<Arc<AppState>>,
    Path(destination): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(route) = state.routes.get(&destination) else {
        return refuse(
            &state,
            StatusCode::NOT_FOUND,
            "unknown_destination",
            format!("no destination named {destination:?}"),
        );
    };
    // The token is checked before the body is read: a stranger cannot make the receiver read
    // (or wait for) a body.
    let presented = headers.get(TOKEN_HEADER).map(|v| v.as_bytes());
    if !route.check.accepts(presented) {
        return refuse(
            &state,
            StatusCode::UNAUTHORIZED,
            "token",
            format!("missing or wrong {TOKEN_HEADER}"),
        );
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > state.body_limit) {
        return too_large(&state);
    }
    let bytes = match tokio::time::timeout(state.read_timeout, read(body, state.body_limit)).await {
        Err(_) => {
            return refuse(
                &state,
                StatusCode::REQUEST_TIMEOUT,
                "stalled",
                format!(
                    "the body did not arrive within {} s",
                    state.read_timeout.as_secs_f64()
                ),
            );
        }
        Ok(Err(Read::TooLarge)) => return too_large(&state),
        Ok(Err(Read::Broken(e))) => {
            return refuse(&state, StatusCode::BAD_REQUEST, "broken_body", e);
        }
        Ok(Ok(bytes)) => bytes,
    };
    let raws = match body::events(&bytes) {
        Ok(raws) => raws,
        Err(e) => return refuse(&state, StatusCode::BAD_REQUEST, "malformed", e.to_string()),
    };
    let received_at = jiff::Timestamp::now();
    let event_type = headers.get(EVENT_TYPE_HEADER).and_then(|v| v.to_str().ok());
    let mut events = Vec::with_capacity(raws.len());
    let mut lines = Vec::with_capacity(raws.len());
    for (i, raw) in raws.iter().enumerate() {
        match glir_events::parse_event(raw, Some(Layout::Stream), &route.source) {
            Ok(event) => {
                events.push(event);
                lines.push(envelope::line(received_at, &destination, event_type, raw));
            }
            Err(e) => {
                return refuse(
                    &state,
                    StatusCode::BAD_REQUEST,
                    "malformed",
                    format!("event {i}: {e}"),
                );
            }
        }
    }
    let (reply, answer) = oneshot::channel();
    let submission = Submission {
        events,
        lines,
        reply,
    };
    if state.tx.send(submission).await.is_err() {
        return unavailable(&state, "the writer has stopped".into());
    }
    match answer.await {
        Ok(Ok(outcome)) => (StatusCode::OK, axum::Json(outcome)).into_response(),
        Ok(Err(e)) => unavailable(&state, e),
        Err(_) => unavailable(&state, "the writer has stopped".into()),
    }
}

fn too_large(state: &AppState) -> Response {
    refuse(
        state,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the body is over the {}-byte limit", state.body_limit),
    )
}

fn unavailable(state: &AppState, why: String) -> Response {
    state.ready.store(false, Ordering::Relaxed);
    refuse(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "not_stored",
        format!("not stored: {why}"),
    )
}

enum Read {
    TooLarge,
    Broken(String),
}

/// The body, refused as soon as it passes `limit`, whatever the header said.
async fn read(body: Body, limit: usize) -> Result<Vec<u8>, Read> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Read::Broken(e.to_string()))?;
        if bytes.len() + chunk.len() > limit {
            return Err(Read::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: a batch could not be stored; see the log\n",
        )
            .into_response()
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut text = String::new();
    match prometheus_client::encoding::text::encode(&mut text, &state.registry) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
