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

/// `GET /-/sim/requests?path_contains=…[&status=429]`: `{"count": N}`.
pub(crate) async fn requests(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let needle = query.get("path_contains").map_or("", String::as_str);
    match query.get("status").map(|s| s.parse::<u16>()) {
        None => Json(json!({ "count": shared.count(needle, None) })).into_response(),
        Some(Ok(status)) => {
            Json(json!({ "count": shared.count(needle, Some(status)) })).into_response()
        }
        Some(Err(_)) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "message": "status must be an HTTP status code" })),
        )
            .into_response(),
    }
}

/// `GET /-/sim/state`: what containment changed, for tests to assert on. Credentials appear by
/// id and state only, never with their plaintext; variables by their flags only.
pub(crate) async fn state(State(shared): State<Arc<Shared>>) -> Json<serde_json::Value> {
    let world = shared.world();
    let s = &world.scenario;
    let now = jiff::Timestamp::now();
    let ids = |keys: Vec<i64>| json!(keys);
    let variables = |vars: &[crate::scenario::Variable]| {
        vars.iter()
            .map(|v| {
                json!({
                    "key": v.key,
                    "environment_scope": v.environment_scope,
                    "masked": v.masked,
                    "protected": v.protected,
                    "hidden": v.hidden,
                })
            })
            .collect::<Vec<_>>()
    };
    Json(json!({
        "users": s.users.iter().map(|u| json!({
            "id": u.id,
            "username": u.username,
            "state": u.state.as_str(),
            "ssh_keys": ids(u.ssh_keys.iter().map(|k| k.id).collect()),
            "gpg_keys": ids(u.gpg_keys.iter().map(|k| k.id).collect()),
        })).collect::<Vec<_>>(),
        "tokens": s.tokens.iter().map(|t| json!({
            "id": t.id,
            "user": t.user,
            "name": t.name,
            "kind": t.kind,
            "revoked": t.revoked,
            "fingerprint": glir_redact::fingerprint(&t.token),
        })).collect::<Vec<_>>(),
        "deploy_tokens": s.deploy_tokens.iter().map(|d| json!({
            "id": d.id,
            "revoked": d.revoked,
            "fingerprint": glir_redact::fingerprint(&d.token),
        })).collect::<Vec<_>>(),
        "triggers": s.triggers.iter().map(|t| json!({
            "id": t.id,
            "expired": t.expires_at.is_some_and(|at| at <= now),
        })).collect::<Vec<_>>(),
        "runners": s.runners.iter().map(|r| json!({
            "id": r.id,
            "token_fingerprint": glir_redact::fingerprint(&r.token),
        })).collect::<Vec<_>>(),
        "applications": s.applications.iter().map(|a| json!({
            "id": a.id,
            "secret_fingerprint": glir_redact::fingerprint(&a.secret),
        })).collect::<Vec<_>>(),
        "groups": s.groups.iter().map(|g| json!({
            "id": g.id,
            "path": g.path,
            "require_two_factor_authentication": g.require_two_factor_authentication,
            "two_factor_grace_period": g.two_factor_grace_period,
            "hooks": ids(g.hooks.iter().map(|h| h.id).collect()),
            "hook_tokens": hook_tokens(&g.hooks),
            "variables": variables(&g.variables),
        })).collect::<Vec<_>>(),
        "projects": s.projects.iter().map(|p| json!({
            "id": p.id,
            "path": format!("{}/{}", p.namespace, p.path),
            "visibility": p.visibility.as_str(),
            "public_jobs": p.public_jobs,
            "hooks": ids(p.hooks.iter().map(|h| h.id).collect()),
            "hook_tokens": hook_tokens(&p.hooks),
            "deploy_keys": ids(p.deploy_keys.iter().map(|k| k.id).collect()),
            "protected_branches": p.protected_branches.iter().map(|b| json!({
                "name": b.name,
                "push_access_level": b.push_access_level,
                "merge_access_level": b.merge_access_level,
            })).collect::<Vec<_>>(),
            "approvals": p.approvals,
            "variables": variables(&p.variables),
        })).collect::<Vec<_>>(),
        "system_hooks": ids(s.system_hooks.iter().map(|h| h.id).collect()),
        "system_hook_tokens": hook_tokens(&s.system_hooks),
        "settings": s.settings,
    }))
}

/// Each hook's secret token by fingerprint (`null` when none is set), keyed by hook id.
fn hook_tokens(hooks: &[crate::scenario::Hook]) -> serde_json::Value {
    hooks
        .iter()
        .map(|h| {
            let fingerprint = h.token.as_deref().map(glir_redact::fingerprint);
            (h.id.to_string(), json!(fingerprint))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}
