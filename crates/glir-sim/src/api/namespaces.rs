//! `GET /groups/:id`, `GET /projects/:id` and their `members/all/:user_id` (doc/api/groups.md,
//! doc/api/projects.md, doc/api/members.md). `:id` is numeric or a URL-encoded full path.

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::render;
use crate::scenario::{Group, Project, User};
use crate::server::Shared;
use crate::world::World;
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

/// The group if the user may see it; private groups are 404 to outsiders, as GitLab hides them.
pub(crate) fn visible_group<'a>(
    world: &'a World,
    user: &User,
    key: &str,
) -> Result<&'a Group, ApiError> {
    world
        .group(key)
        .filter(|g| world.can_see_group(user, g))
        .ok_or_else(|| ApiError::not_found("Group"))
}

/// The project if the user may see it; private projects are 404 to non-members.
pub(crate) fn visible_project<'a>(
    world: &'a World,
    user: &User,
    key: &str,
) -> Result<&'a Project, ApiError> {
    world
        .project(key)
        .filter(|p| world.can_see_project(user, p))
        .ok_or_else(|| ApiError::not_found("Project"))
}

pub(crate) async fn group(ctx: Ctx, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let group = visible_group(world, caller.user, &id)?;
    let full_path = world.group_full_path(group).to_lowercase();
    // doc/api/groups.md: the detail view still lists the group's projects (`with_projects`).
    let projects: Vec<Value> = world
        .scenario
        .projects
        .iter()
        .filter(|p| {
            p.namespace.to_lowercase() == full_path && world.can_see_project(caller.user, p)
        })
        .map(|p| render::project(world, p, caller.user))
        .collect();
    let mut body = render::group(world, group, caller.user, true);
    body["projects"] = json!(projects);
    body["shared_projects"] = json!([]);
    Ok(Json(body))
}

pub(crate) async fn project(ctx: Ctx, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    Ok(Json(render::project(world, project, caller.user)))
}

pub(crate) async fn group_member(
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let group = visible_group(world, caller.user, &id)?;
    let members = world.group_members_all(group);
    find_member(world, &members, &user_id)
}

pub(crate) async fn project_member(
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    let members = world.project_members_all(project);
    find_member(world, &members, &user_id)
}

fn find_member(
    world: &World,
    members: &[(&User, u8)],
    user_id: &str,
) -> Result<Json<Value>, ApiError> {
    let user_id: i64 = user_id
        .parse()
        .map_err(|_| ApiError::invalid_param("user_id"))?;
    members
        .iter()
        .find(|(u, _)| u.id == user_id)
        .map(|(u, level)| Json(render::member(world, u, *level)))
        // lib/api/api.rb: ActiveRecord::RecordNotFound is rendered as `404 Not found`.
        .ok_or_else(|| ApiError::message(StatusCode::NOT_FOUND, "404 Not found"))
}

const PROJECT_PAGING: super::paging::Rules = super::paging::Rules {
    resource: "Project",
    keyset_sorts: &["asc", "desc"],
    offset_sortable: true,
};

/// `GET /groups/:id/projects`: the group's visible projects, with `include_subgroups` those of
/// its descendants too.
pub(crate) async fn group_projects(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let group = visible_group(world, caller.user, &id)?;
    let full_path = world.group_full_path(group).to_lowercase();
    let below = format!("{full_path}/");
    let deep = ctx.param("include_subgroups") == Some("true");
    let items = world
        .scenario
        .projects
        .iter()
        .filter(|p| {
            let ns = p.namespace.to_lowercase();
            ns == full_path || (deep && ns.starts_with(&below))
        })
        .filter(|p| world.can_see_project(caller.user, p))
        .map(|p| (p.id, render::project(world, p, caller.user)))
        .collect();
    super::paging::respond(&ctx, items, &PROJECT_PAGING)
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/groups/{id}",
            routing::get(group).put(super::group_edit::update_group),
        )
        .route("/groups/{id}/projects", routing::get(group_projects))
        .route(
            "/groups/{id}/members/all/{user_id}",
            routing::get(group_member),
        )
        .route(
            "/projects/{id}",
            routing::get(project).put(super::project_edit::update_project),
        )
        .route(
            "/projects/{id}/members/all/{user_id}",
            routing::get(project_member),
        )
}
