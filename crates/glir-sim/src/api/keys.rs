//! A user's SSH and GPG keys and emails, and project deploy keys (doc/api/user_keys.md,
//! doc/api/user_email_addresses.md, doc/api/deploy_keys.md).

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_API, READ_USER, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::mutation::{admin, path_id, writer};
use super::namespaces::visible_project;
use super::paging;
use super::render::{opt_ts, ts};
use super::roles::project_role;
use crate::scenario::{DEFAULT_CREATED_AT, User};
use crate::server::Shared;
use crate::world::{MAINTAINER, World};
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

fn user_by_key<'a>(world: &'a World, key: &str) -> Result<&'a User, ApiError> {
    world
        .user_by_id_or_name(key)
        .ok_or_else(|| ApiError::not_found("User"))
}

/// `GET /users/:id_or_username/keys`.
pub(crate) async fn ssh_keys(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    authenticate(&ctx, world, READ_USER)?;
    let user = user_by_key(world, &id)?;
    paging::in_order(
        &ctx,
        user.ssh_keys
            .iter()
            .map(|k| {
                json!({
                    "id": k.id,
                    "title": k.title,
                    "key": k.key,
                    "created_at": ts(k.created_at.unwrap_or(DEFAULT_CREATED_AT)),
                    "expires_at": opt_ts(k.expires_at),
                    "last_used_at": Value::Null,
                    "usage_type": k.usage_type,
                })
            })
            .collect(),
        "Key",
    )
}

/// `GET /users/:id/gpg_keys`.
pub(crate) async fn gpg_keys(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    authenticate(&ctx, world, READ_USER)?;
    let user = user_by_key(world, &id)?;
    paging::in_order(
        &ctx,
        user.gpg_keys
            .iter()
            .map(|k| {
                json!({
                    "id": k.id,
                    "key": k.key,
                    "created_at": ts(k.created_at.unwrap_or(DEFAULT_CREATED_AT)),
                })
            })
            .collect(),
        "GpgKey",
    )
}

/// `GET /users/:id/emails` (admin): secondary addresses; the primary one is the user's `email`.
pub(crate) async fn emails(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_USER)?;
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let id = path_id(&id, "id")?;
    let user = world.user(id).ok_or_else(|| ApiError::not_found("User"))?;
    paging::in_order(
        &ctx,
        user.emails
            .iter()
            .map(|e| json!({"id": e.id, "email": e.email, "confirmed_at": opt_ts(e.confirmed_at)}))
            .collect(),
        "Email",
    )
}

/// Which of a user's keys a DELETE removes.
#[derive(Clone, Copy)]
enum KeyKind {
    Ssh,
    Gpg,
}

/// `DELETE /users/:id/keys/:key_id` (admin): 204, audited as `remove_ssh_key`; 404
/// `Key Not Found` once gone.
pub(crate) async fn delete_ssh_key(
    ctx: Ctx,
    Path((id, key_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    delete_user_key(&ctx, &id, &key_id, KeyKind::Ssh)
}

/// `DELETE /users/:id/gpg_keys/:key_id` (admin): 204, audited as `remove_gpg_key`; 404
/// `GPG Key Not Found` once gone.
pub(crate) async fn delete_gpg_key(
    ctx: Ctx,
    Path((id, key_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    delete_user_key(&ctx, &id, &key_id, KeyKind::Gpg)
}

fn delete_user_key(
    ctx: &Ctx,
    id: &str,
    key_id: &str,
    kind: KeyKind,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = admin(ctx, world)?;
    let actor = Actor::of(ctx, world, &caller);
    let id = path_id(id, "id")?;
    let key_id = path_id(key_id, "key_id")?;
    let slot = world
        .user_slot(id)
        .ok_or_else(|| ApiError::not_found("User"))?;
    let entity = Entity::user(&world.scenario.users[slot]);
    let user = &mut world.scenario_mut().users[slot];
    let (event, target) = match kind {
        KeyKind::Ssh => {
            let i = user
                .ssh_keys
                .iter()
                .position(|k| k.id == key_id)
                .ok_or_else(|| ApiError::not_found("Key"))?;
            let key = user.ssh_keys.remove(i);
            let target = Target {
                kind: "Key",
                id: key.id,
                details: key.title,
            };
            (("remove_ssh_key", "Removed SSH key"), target)
        }
        KeyKind::Gpg => {
            let i = user
                .gpg_keys
                .iter()
                .position(|k| k.id == key_id)
                .ok_or_else(|| ApiError::not_found("GPG Key"))?;
            let key = user.gpg_keys.remove(i);
            let target = Target {
                kind: "GpgKey",
                id: key.id,
                details: user.username.clone(),
            };
            (("remove_gpg_key", "Removed GPG key"), target)
        }
    };
    world.audit(
        &actor,
        event.0,
        entity,
        target,
        Says::Message(event.1.to_string()),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /projects/:id/deploy_keys` (Maintainer+).
pub(crate) async fn deploy_keys(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    paging::in_order(
        &ctx,
        project
            .deploy_keys
            .iter()
            .map(|k| {
                json!({
                    "id": k.id,
                    "title": k.title,
                    "key": k.key,
                    "created_at": ts(k.created_at.unwrap_or(DEFAULT_CREATED_AT)),
                    "expires_at": Value::Null,
                    "can_push": k.can_push,
                })
            })
            .collect(),
        "DeployKey",
    )
}

/// `DELETE /projects/:id/deploy_keys/:key_id` (Maintainer+): 204, audited as
/// `deploy_key_removed`; 404 `Deploy Key Not Found` once gone.
pub(crate) async fn delete_deploy_key(
    ctx: Ctx,
    Path((id, key_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let (pid, entity) = (project.id, Entity::project(project));
    let key_id = path_id(&key_id, "key_id")?;
    let slot = world
        .project_slot(pid)
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let keys = &mut world.scenario_mut().projects[slot].deploy_keys;
    let i = keys
        .iter()
        .position(|k| k.id == key_id)
        .ok_or_else(|| ApiError::not_found("Deploy Key"))?;
    let key = keys.remove(i);
    world.audit(
        &actor,
        "deploy_key_removed",
        entity,
        Target {
            kind: "DeployKey",
            id: key.id,
            details: key.title.clone(),
        },
        Says::Message(format!("Removed deploy key {}", key.title)),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/users/{id}/keys", routing::get(ssh_keys))
        .route("/users/{id}/keys/{key_id}", routing::delete(delete_ssh_key))
        .route("/users/{id}/gpg_keys", routing::get(gpg_keys))
        .route(
            "/users/{id}/gpg_keys/{key_id}",
            routing::delete(delete_gpg_key),
        )
        .route("/users/{id}/emails", routing::get(emails))
        .route("/projects/{id}/deploy_keys", routing::get(deploy_keys))
        .route(
            "/projects/{id}/deploy_keys/{key_id}",
            routing::delete(delete_deploy_key),
        )
}
