//! Personal, impersonation, project and group access tokens (doc/api/personal_access_tokens.md,
//! doc/api/project_access_tokens.md, doc/api/group_access_tokens.md).

use super::auth::{READ_API, authenticate, is_expired};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::{visible_group, visible_project};
use super::paging::{self, Rules};
use super::render;
use super::roles::{group_role, project_role};
use crate::scenario::{KNOWN_SCOPES, Token, TokenKind};
use crate::server::Shared;
use crate::world::{MAINTAINER, OWNER, World};
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use jiff::Timestamp;
use serde_json::Value;
use std::sync::Arc;

const TOKEN_PAGING: Rules = Rules {
    resource: "PersonalAccessToken",
    keyset_sorts: &[],
    offset_sortable: false,
};

/// Neither revoked nor expired.
pub(crate) fn is_active(t: &Token) -> bool {
    !t.revoked && !is_expired(t, Timestamp::now())
}

pub(crate) fn entity(world: &World, t: &Token) -> (i64, Value) {
    let mut v = render::token(world, t, is_active(t));
    if t.kind == TokenKind::Impersonation {
        v["impersonation"] = Value::Bool(true);
    }
    (t.id, v)
}

pub(crate) async fn current(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    // The endpoint arrived in GitLab 15.5 (doc/api/personal_access_tokens.md); older instances
    // answer as for any unknown route.
    if world.predates((15, 5)) {
        return Err(ApiError::grape(StatusCode::NOT_FOUND, "404 Not Found"));
    }
    // lib/api/personal_access_tokens/self_information.rb: any token may inspect itself, whatever its scopes.
    let caller = authenticate(&ctx, world, KNOWN_SCOPES)?;
    // Authentication already rejected revoked and expired tokens, so the one in use is active.
    Ok(Json(entity(world, caller.token).1))
}

/// `GET /personal_access_tokens`: all tokens for admins (filterable by `user_id`), one's own
/// otherwise.
pub(crate) async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let wanted_user = match ctx.present("user_id") {
        Some(raw) => Some(
            raw.parse::<i64>()
                .map_err(|_| ApiError::invalid_param("user_id"))?,
        ),
        None => None,
    };
    // lib/api/personal_access_tokens.rb: a non-admin asking for someone else's tokens is 401.
    if !caller.is_admin() && wanted_user.is_some_and(|id| id != caller.user.id) {
        return Err(ApiError::unauthorized());
    }
    let owner = if caller.is_admin() {
        wanted_user
    } else {
        Some(caller.user.id)
    };
    let state = ctx.present("state");
    let revoked = ctx.present("revoked").map(|v| v == "true");
    let items = world
        .scenario
        .tokens
        .iter()
        .filter(|t| owner.is_none_or(|id| world.user_by_name(&t.user).is_some_and(|u| u.id == id)))
        .filter(|t| match state {
            Some("active") => is_active(t),
            Some("inactive") => !is_active(t),
            _ => true,
        })
        .filter(|t| revoked.is_none_or(|r| t.revoked == r))
        .map(|t| entity(world, t))
        .collect();
    paging::respond(&ctx, items, &TOKEN_PAGING)
}

/// `GET /personal_access_tokens/:id`: 401 for someone else's token unless admin, 404 for an
/// admin asking for an unknown one.
pub(crate) async fn get(ctx: Ctx, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let id: i64 = id.parse().map_err(|_| ApiError::invalid_param("id"))?;
    let token = world.scenario.tokens.iter().find(|t| t.id == id);
    let own = token.is_some_and(|t| t.user.eq_ignore_ascii_case(&caller.user.username));
    match token {
        Some(t) if own || caller.is_admin() => Ok(Json(entity(world, t).1)),
        None if caller.is_admin() => Err(ApiError::message(StatusCode::NOT_FOUND, "404 Not Found")),
        _ => Err(ApiError::unauthorized()),
    }
}

/// `GET /projects/:id/access_tokens` (Maintainer+).
pub(crate) async fn project(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let path = World::project_path(project);
    resource_tokens(&ctx, TokenKind::ProjectAccess, &path)
}

/// `GET /groups/:id/access_tokens` (Owner).
pub(crate) async fn group(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, OWNER)?;
    let path = world.group_full_path(group).to_string();
    resource_tokens(&ctx, TokenKind::GroupAccess, &path)
}

fn resource_tokens(ctx: &Ctx, kind: TokenKind, path: &str) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let items = world
        .scenario
        .tokens
        .iter()
        .filter(|t| {
            t.kind == kind
                && t.resource
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(path))
        })
        .map(|t| entity(world, t))
        .collect();
    paging::respond(ctx, items, &TOKEN_PAGING)
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/personal_access_tokens", routing::get(list))
        .route("/personal_access_tokens/self", routing::get(current))
        .route(
            "/personal_access_tokens/{id}",
            routing::get(get).delete(super::revoke_tokens::revoke_pat),
        )
        .route(
            "/personal_access_tokens/{id}/rotate",
            routing::post(super::revoke_tokens::rotate_pat),
        )
        .route("/groups/{id}/access_tokens", routing::get(group))
        .route(
            "/groups/{id}/access_tokens/{token_id}",
            routing::get(super::revoke_tokens::get_group_token)
                .delete(super::revoke_tokens::revoke_group_token),
        )
        .route(
            "/groups/{id}/access_tokens/{token_id}/rotate",
            routing::post(super::revoke_tokens::rotate_group_token),
        )
        .route("/projects/{id}/access_tokens", routing::get(project))
        .route(
            "/projects/{id}/access_tokens/{token_id}",
            routing::get(super::revoke_tokens::get_project_token)
                .delete(super::revoke_tokens::revoke_project_token),
        )
        .route(
            "/projects/{id}/access_tokens/{token_id}/rotate",
            routing::post(super::revoke_tokens::rotate_project_token),
        )
}
