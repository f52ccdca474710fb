//! Project, group and system webhooks (doc/api/project_webhooks.md, doc/api/group_webhooks.md,
//! doc/api/system_hooks.md). Deleting one is audited as `webhook_destroyed` (17.0) on the
//! project, group or instance. Hook secret tokens are never returned.

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::mutation::{admin, path_id, writer};
use super::namespaces::{visible_group, visible_project};
use super::paging;
use super::render::ts;
use super::roles::{group_role, project_role};
use crate::scenario::{DEFAULT_CREATED_AT, Hook};
use crate::server::Shared;
use crate::world::{MAINTAINER, OWNER, World};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

/// Where a hook hangs.
enum Owner {
    Project(i64),
    Group(i64),
    System,
}

fn render(h: &Hook, owner: &Owner) -> Value {
    let mut v = json!({
        "id": h.id,
        "url": h.url,
        "name": h.name,
        "created_at": ts(h.created_at.unwrap_or(DEFAULT_CREATED_AT)),
        "push_events": h.push_events,
        "tag_push_events": false,
        "merge_requests_events": h.merge_requests_events,
        "repository_update_events": false,
        "job_events": h.job_events,
        "enable_ssl_verification": h.enable_ssl_verification,
        "alert_status": "executable",
        "url_variables": [],
    });
    match owner {
        Owner::Project(id) => v["project_id"] = json!(id),
        Owner::Group(id) => v["group_id"] = json!(id),
        Owner::System => {}
    }
    v
}

fn list(ctx: &Ctx, hooks: &[Hook], owner: &Owner) -> Result<Response, ApiError> {
    let kind = match owner {
        Owner::Project(_) => "ProjectHook",
        Owner::Group(_) => "GroupHook",
        Owner::System => "SystemHook",
    };
    paging::in_order(ctx, hooks.iter().map(|h| render(h, owner)).collect(), kind)
}

/// `GET /projects/:id/hooks` (Maintainer+).
pub(crate) async fn project_hooks(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    list(&ctx, &project.hooks, &Owner::Project(project.id))
}

/// `GET /groups/:id/hooks` (Owner).
pub(crate) async fn group_hooks(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, OWNER)?;
    list(&ctx, &group.hooks, &Owner::Group(group.id))
}

/// `GET /hooks` (admin): system hooks.
pub(crate) async fn system_hooks(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    list(&ctx, &world.scenario.system_hooks, &Owner::System)
}

/// `DELETE /projects/:id/hooks/:hook_id` (Maintainer+): 204; 404 `Project Hook Not Found`.
pub(crate) async fn delete_project_hook(
    ctx: Ctx,
    Path((id, hook_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let (owner, entity) = (Owner::Project(project.id), Entity::project(project));
    destroy(world, &actor, owner, entity, &hook_id)
}

/// `DELETE /groups/:id/hooks/:hook_id` (Owner): 204; 404 `Group Hook Not Found`.
pub(crate) async fn delete_group_hook(
    ctx: Ctx,
    Path((id, hook_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, OWNER)?;
    let (owner, entity) = (Owner::Group(group.id), Entity::group(world, group));
    destroy(world, &actor, owner, entity, &hook_id)
}

/// `DELETE /hooks/:id` (admin): 204; 404 `Hook Not Found`.
pub(crate) async fn delete_system_hook(
    ctx: Ctx,
    Path(hook_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = admin(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    destroy(world, &actor, Owner::System, Entity::instance(), &hook_id)
}

/// `GET` and `PUT` of one hook: `/projects/:id/hooks/:hook_id` (Maintainer+),
/// `/groups/:id/hooks/:hook_id` (Owner), `/hooks/:hook_id` (admin). An edit takes `url`, the
/// event and TLS flags and the secret `token` (doc/api/project_webhooks.md, "Edit a project
/// webhook"); GitLab's catalogue has no audit event type for a hook edit, so none is written.
pub(crate) async fn get_project_hook(
    ctx: Ctx,
    Path((id, hook_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    one(&ctx, Place::Project(&id), &hook_id, None)
}

pub(crate) async fn put_project_hook(
    ctx: Ctx,
    Path((id, hook_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    one(
        &ctx,
        Place::Project(&id),
        &hook_id,
        Some(&Params::read(&ctx, &body)),
    )
}

pub(crate) async fn get_group_hook(
    ctx: Ctx,
    Path((id, hook_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    one(&ctx, Place::Group(&id), &hook_id, None)
}

pub(crate) async fn put_group_hook(
    ctx: Ctx,
    Path((id, hook_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    one(
        &ctx,
        Place::Group(&id),
        &hook_id,
        Some(&Params::read(&ctx, &body)),
    )
}

pub(crate) async fn get_system_hook(
    ctx: Ctx,
    Path(hook_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    one(&ctx, Place::System, &hook_id, None)
}

pub(crate) async fn put_system_hook(
    ctx: Ctx,
    Path(hook_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    one(
        &ctx,
        Place::System,
        &hook_id,
        Some(&Params::read(&ctx, &body)),
    )
}

/// Where the hook asked for hangs, as the path names it.
enum Place<'a> {
    Project(&'a str),
    Group(&'a str),
    System,
}

/// One hook read (any token that may list them) or edited (a token with `api`).
fn one(
    ctx: &Ctx,
    place: Place<'_>,
    hook_id: &str,
    edit: Option<&Params<'_>>,
) -> Result<Json<Value>, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = if edit.is_some() {
        writer(ctx, world)?
    } else {
        authenticate(ctx, world, READ_API)?
    };
    let (owner, missing) = match place {
        Place::Project(id) => {
            let project = visible_project(world, caller.user, id)?;
            project_role(world, caller.user, project, MAINTAINER)?;
            (Owner::Project(project.id), "Project Hook")
        }
        Place::Group(id) => {
            let group = visible_group(world, caller.user, id)?;
            group_role(world, caller.user, group, OWNER)?;
            (Owner::Group(group.id), "Group Hook")
        }
        Place::System if caller.is_admin() => (Owner::System, "Hook"),
        Place::System => return Err(ApiError::forbidden()),
    };
    let hooks = match owner {
        Owner::Project(id) => {
            let slot = world
                .project_slot(id)
                .ok_or_else(|| ApiError::not_found("Project"))?;
            &mut world.scenario_mut().projects[slot].hooks
        }
        Owner::Group(id) => {
            let slot = world
                .group_slot(id)
                .ok_or_else(|| ApiError::not_found("Group"))?;
            &mut world.scenario_mut().groups[slot].hooks
        }
        Owner::System => &mut world.scenario_mut().system_hooks,
    };
    one_hook(hooks, hook_id, missing, edit, &owner)
}

fn one_hook(
    hooks: &mut [Hook],
    hook_id: &str,
    missing: &str,
    edit: Option<&Params<'_>>,
    owner: &Owner,
) -> Result<Json<Value>, ApiError> {
    let hook_id = path_id(hook_id, "hook_id")?;
    let hook = hooks
        .iter_mut()
        .find(|h| h.id == hook_id)
        .ok_or_else(|| ApiError::not_found(missing))?;
    if let Some(params) = edit {
        if let Some(url) = params.text("url") {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ApiError::invalid_value("url"));
            }
            hook.url = url.to_string();
        }
        if let Some(on) = params.flag("enable_ssl_verification")? {
            hook.enable_ssl_verification = on;
        }
        if let Some(on) = params.flag("push_events")? {
            hook.push_events = on;
        }
        if let Some(on) = params.flag("merge_requests_events")? {
            hook.merge_requests_events = on;
        }
        if let Some(on) = params.flag("job_events")? {
            hook.job_events = on;
        }
        // `token` is write-only: an empty one removes it.
        if let Some(token) = params.text("token") {
            hook.token = Some(token.to_string()).filter(|t| !t.is_empty());
        }
    }
    Ok(Json(render(hook, owner)))
}

fn destroy(
    world: &mut World,
    actor: &Actor,
    owner: Owner,
    entity: Entity,
    hook_id: &str,
) -> Result<StatusCode, ApiError> {
    let hook_id = path_id(hook_id, "hook_id")?;
    let (hooks, kind, missing) = match owner {
        Owner::Project(id) => {
            let slot = world
                .project_slot(id)
                .ok_or_else(|| ApiError::not_found("Project"))?;
            (
                &mut world.scenario_mut().projects[slot].hooks,
                "ProjectHook",
                "Project Hook",
            )
        }
        Owner::Group(id) => {
            let slot = world
                .group_slot(id)
                .ok_or_else(|| ApiError::not_found("Group"))?;
            (
                &mut world.scenario_mut().groups[slot].hooks,
                "GroupHook",
                "Group Hook",
            )
        }
        Owner::System => (&mut world.scenario_mut().system_hooks, "SystemHook", "Hook"),
    };
    let i = hooks
        .iter()
        .position(|h| h.id == hook_id)
        .ok_or_else(|| ApiError::not_found(missing))?;
    let hook = hooks.remove(i);
    world.audit(
        actor,
        "webhook_destroyed",
        entity,
        Target {
            kind,
            id: hook.id,
            details: hook.url.clone(),
        },
        Says::Message(format!("Deleted {kind} with id {}", hook.id)),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/hooks", routing::get(system_hooks))
        .route(
            "/hooks/{hook_id}",
            routing::get(get_system_hook)
                .put(put_system_hook)
                .delete(delete_system_hook),
        )
        .route("/groups/{id}/hooks", routing::get(group_hooks))
        .route(
            "/groups/{id}/hooks/{hook_id}",
            routing::get(get_group_hook)
                .put(put_group_hook)
                .delete(delete_group_hook),
        )
        .route("/projects/{id}/hooks", routing::get(project_hooks))
        .route(
            "/projects/{id}/hooks/{hook_id}",
            routing::get(get_project_hook)
                .put(put_project_hook)
                .delete(delete_project_hook),
        )
}
