//! `GET /version` and `GET /metadata` (doc/api/metadata.md; since 15.5 `/version` mirrors it).

use super::auth::authenticate;
use super::ctx::Ctx;
use super::error::ApiError;
use crate::server::Shared;
use axum::Json;
use axum::Router;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

/// lib/api/metadata.rb also accepts `read_user` and `ai_features` on top of the API scopes.
const METADATA_SCOPES: &[&str] = &["api", "read_api", "read_user", "ai_features"];

pub(crate) async fn metadata(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    authenticate(&ctx, world, METADATA_SCOPES)?;
    let instance = &world.scenario.instance;
    let host = instance
        .external_url
        .split_once("://")
        .map_or(instance.external_url.as_str(), |(_, rest)| rest)
        .trim_end_matches('/');
    let kas = if instance.kas_enabled {
        json!({
            "enabled": true,
            "externalUrl": format!("wss://{host}/-/kubernetes-agent/"),
            "externalK8sProxyUrl": format!("https://{host}/-/kubernetes-agent/k8s-proxy/"),
            "version": instance.version.trim_end_matches("-ee"),
        })
    } else {
        json!({ "enabled": false, "externalUrl": null, "externalK8sProxyUrl": null, "version": null })
    };
    Ok(Json(json!({
        "version": instance.version,
        "revision": instance.revision,
        "kas": kas,
        "enterprise": instance.enterprise,
    })))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/version", routing::get(metadata))
        .route("/metadata", routing::get(metadata))
}
