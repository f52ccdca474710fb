//! `GET /users/:id/memberships` (doc/api/users.md, "User memberships"; lib/api/users.rb):
//! an administrator's view of a user's direct project and group memberships, which is where a
//! compromised account's reach starts. Inherited access is not listed, as in GitLab.

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::mutation::path_id;
use super::paging;
use crate::server::Shared;
use axum::Router;
use axum::extract::Path;
use axum::response::Response;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

/// Administrators only (403 otherwise); `type` narrows to `Project` or `Namespace` (400 for
/// anything else); an unknown user is 404.
pub(crate) async fn memberships(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let id = path_id(&id, "id")?;
    let user = world.user(id).ok_or_else(|| ApiError::not_found("User"))?;
    let wanted = ctx.param("type");
    if wanted.is_some_and(|t| t != "Project" && t != "Namespace") {
        return Err(ApiError::invalid_value("type"));
    }
    let is = |username: &str| username.eq_ignore_ascii_case(&user.username);
    let mut items: Vec<Value> = Vec::new();
    if wanted != Some("Project") {
        for g in &world.scenario.groups {
            for m in g.members.iter().filter(|m| is(&m.username)) {
                items.push(json!({
                    "source_id": g.id,
                    "source_name": g.name.clone().unwrap_or_else(|| g.path.clone()),
                    "source_type": "Namespace",
                    "access_level": m.access_level,
                }));
            }
        }
    }
    if wanted != Some("Namespace") {
        for p in &world.scenario.projects {
            for m in p.members.iter().filter(|m| is(&m.username)) {
                items.push(json!({
                    "source_id": p.id,
                    "source_name": p.name.clone().unwrap_or_else(|| p.path.clone()),
                    "source_type": "Project",
                    "access_level": m.access_level,
                }));
            }
        }
    }
    paging::in_order(&ctx, items, "Member")
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/users/{id}/memberships", routing::get(memberships))
}
