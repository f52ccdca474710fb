//! `GET /personal_access_tokens/self` (doc/api/personal_access_tokens.md).

use super::auth::authenticate;
use super::ctx::Ctx;
use super::error::ApiError;
use super::render;
use crate::scenario::KNOWN_SCOPES;
use axum::Json;
use serde_json::Value;

pub(crate) async fn current(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let world = &ctx.shared.world;
    // lib/api/personal_access_tokens/self_information.rb: any token may inspect itself, whatever its scopes.
    let caller = authenticate(&ctx, world, KNOWN_SCOPES)?;
    // Authentication already rejected revoked and expired tokens, so the one in use is active.
    Ok(Json(render::token(world, caller.token, true)))
}
