//! Simulator control routes under `/-/sim/` (no auth, never faulted or counted).

use crate::fault::{Fault, FaultKind};
use crate::server::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// A fault with its kind's fields inline (`{"path_contains": …, "kind": "slow", "delay_ms": 500, "times": 1}`),
/// which is handier with curl than the nested form the Rust type serializes to.
#[derive(Deserialize)]
struct FlatFault {
    path_contains: String,
    #[serde(flatten)]
    kind: FaultKind,
    times: u32,
}

pub(crate) async fn add_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let fault = serde_json::from_slice::<Fault>(&body).or_else(|nested_err| {
        serde_json::from_slice::<FlatFault>(&body)
            .map(|f| Fault {
                path_contains: f.path_contains,
                kind: f.kind,
                times: f.times,
            })
            .map_err(|_| nested_err)
    });
    match fault {
        Ok(fault) => {
            let echo = json!(fault);
            shared.faults.push(fault);
            (StatusCode::CREATED, Json(echo)).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "message": format!("invalid fault: {e}") })),
        )
            .into_response(),
    }
}

pub(crate) async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.faults.clear();
    StatusCode::NO_CONTENT
}

pub(crate) async fn requests(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    let needle = query.get("path_contains").map_or("", String::as_str);
    Json(json!({ "count": shared.count(needle) }))
}
