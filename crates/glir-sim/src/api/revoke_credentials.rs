//! Removing or resetting the other credential families: deploy tokens, pipeline triggers, runner
//! authentication tokens, OAuth application secrets, and any token through the admin token API.

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::authenticate;
use super::ctx::Ctx;
use super::error::ApiError;
use super::form;
use super::mutation::{admin, fresh_secret, path_id, writer};
use super::namespaces::{visible_group, visible_project};
use super::paging;
use super::render::{opt_ts, user_name};
use super::render_ci;
use super::roles::{group_role, project_role};
use crate::credentials::Credential;
use crate::scenario::{RunnerType, TokenKind};
use crate::world::{MAINTAINER, OWNER, World};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

/// `DELETE /projects/:id/deploy_tokens/:token_id` (Maintainer+). The API destroys the token
/// (`Projects::DeployTokens::DestroyService`, lib/api/deploy_tokens.rb), and EE audits that as
/// `deploy_token_destroyed`; the UI's revoke button is the one that writes `deploy_token_revoked`.
/// A second DELETE finds nothing: 404.
pub(crate) async fn delete_project_deploy_token(
    ctx: Ctx,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let (path, entity) = (World::project_path(project), Entity::project(project));
    destroy_deploy_token(world, &actor, &token_id, entity, "project", |d| {
        d.project
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(&path))
    })
}

/// `DELETE /groups/:id/deploy_tokens/:token_id`: only Owners may delete (doc/api/deploy_tokens.md);
/// audited as `group_deploy_token_destroyed` (`Groups::DeployTokens::DestroyService`).
pub(crate) async fn delete_group_deploy_token(
    ctx: Ctx,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, OWNER)?;
    let path = world.group_full_path(group).to_string();
    let entity = Entity::group(world, group);
    destroy_deploy_token(world, &actor, &token_id, entity, "group", |d| {
        d.group
            .as_deref()
            .is_some_and(|g| g.eq_ignore_ascii_case(&path))
    })
}

fn destroy_deploy_token(
    world: &mut World,
    actor: &Actor,
    token_id: &str,
    entity: Entity,
    scope: &str,
    belongs: impl Fn(&crate::scenario::DeployToken) -> bool,
) -> Result<StatusCode, ApiError> {
    let id = path_id(token_id, "token_id")?;
    let slot = world
        .scenario
        .deploy_tokens
        .iter()
        .position(|d| d.id == id && belongs(d))
        // ActiveRecord::RecordNotFound from `deploy_tokens.find`.
        .ok_or_else(|| ApiError::message(StatusCode::NOT_FOUND, "404 Not found"))?;
    let removed = world.scenario_mut().deploy_tokens.remove(slot);
    world.reindex_credentials();
    let event = if scope == "group" {
        "group_deploy_token_destroyed"
    } else {
        "deploy_token_destroyed"
    };
    world.audit(
        actor,
        event,
        entity,
        Target {
            kind: "DeployToken",
            id: removed.id,
            details: removed.name.clone(),
        },
        Says::Message(format!(
            "Destroyed {scope} deploy token with name: {} with token_id: {} with scopes: {:?}.",
            removed.name, removed.id, removed.scopes
        )),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /projects/:id/triggers/:trigger_id` (Maintainer+): 204, then 404 `Trigger Not Found`.
/// No audit event: the catalogue (doc/user/compliance/audit_event_types.md) has no pipeline
/// trigger type, so GitLab records none.
pub(crate) async fn delete_trigger(
    ctx: Ctx,
    Path((id, trigger_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let path = World::project_path(project);
    let trigger_id = path_id(&trigger_id, "trigger_id")?;
    let slot = world
        .scenario
        .triggers
        .iter()
        .position(|t| t.id == trigger_id && t.project.eq_ignore_ascii_case(&path))
        .ok_or_else(|| ApiError::not_found("Trigger"))?;
    world.scenario_mut().triggers.remove(slot);
    world.reindex_credentials();
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /runners/:id/reset_authentication_token` (doc/api/runners.md): `manage_runner` or `api`
/// scope, and admin for instance runners, Owner for group runners, Maintainer for project
/// runners. 201 `{token, token_expires_at}`; the old token stops working at once. Audited as
/// `ci_runner_token_reset` on the runner's owner (instance, group or project).
pub(crate) async fn reset_runner_token(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = authenticate(&ctx, world, &["api", "manage_runner"])?;
    let actor = Actor::of(&ctx, world, &caller);
    let id = path_id(&id, "id")?;
    let slot = world
        .scenario
        .runners
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found("Runner"))?;
    let runner = &world.scenario.runners[slot];
    let owner = match runner.runner_type {
        RunnerType::InstanceType => caller.is_admin().then(Entity::instance),
        RunnerType::GroupType => runner
            .group
            .as_deref()
            .and_then(|g| world.group(g))
            .filter(|g| group_role(world, caller.user, g, OWNER).is_ok())
            .map(|g| Entity::group(world, g)),
        RunnerType::ProjectType => runner
            .project
            .as_deref()
            .and_then(|p| world.project(p))
            .filter(|p| project_role(world, caller.user, p, MAINTAINER).is_ok())
            .map(Entity::project),
    };
    let entity = owner.ok_or_else(|| ApiError::forbidden_because("No access granted"))?;
    let target = Target {
        kind: "Ci::Runner",
        id,
        details: runner.description.clone().unwrap_or_default(),
    };
    let token = fresh_secret("glrt-");
    world.scenario_mut().runners[slot].token = token.clone();
    world.reindex_credentials();
    world.audit(
        &actor,
        "ci_runner_token_reset",
        entity,
        target,
        Says::Message("Reset runner authentication token".to_string()),
    );
    let expires = world.scenario.runners[slot].token_expires_at;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "token_expires_at": opt_ts(expires) })),
    ))
}

/// `POST /applications/:id/renew-secret` (admin, 16.11): 200 with the application and its new
/// `secret`; `:id` is the numeric id. The catalogue has no event for a renewed secret, so none
/// is written.
pub(crate) async fn renew_application_secret(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    admin(&ctx, world)?;
    let id = path_id(&id, "id")?;
    let slot = world
        .scenario
        .applications
        .iter()
        .position(|a| a.id == id)
        .ok_or_else(|| ApiError::not_found("Application"))?;
    let secret = fresh_secret("gloas-");
    world.scenario_mut().applications[slot].secret = secret.clone();
    world.reindex_credentials();
    let mut v = render_ci::application(&world.scenario.applications[slot]);
    v["secret"] = json!(secret);
    Ok(Json(v))
}

/// `GET /applications` (admin): OAuth applications, without secrets.
pub(crate) async fn applications(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, super::auth::READ_API)?;
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    paging::in_order(
        &ctx,
        world
            .scenario
            .applications
            .iter()
            .map(render_ci::application)
            .collect(),
        "Doorkeeper::Application",
    )
}

/// `DELETE /admin/token` with `{"token": …}` (doc/api/admin/token.md): 204 after the family's
/// own action — revoke a personal, impersonation or access token or a deploy token, reset a
/// runner token or OAuth secret, expire a pipeline trigger; 422 for CI job tokens (not
/// revocable) and families it cannot identify, 404 for unknown tokens. Each action writes the
/// event its service writes; an already revoked token is 204 with nothing new to record.
pub(crate) async fn admin_revoke(ctx: Ctx, body: Bytes) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = admin(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let params = form::params(&ctx.headers, &body);
    let plaintext = form::param(&params, ctx.param("token"), "token")
        .ok_or_else(|| ApiError::grape(StatusCode::BAD_REQUEST, "token is missing"))?
        .to_string();
    let unprocessable =
        || ApiError::message(StatusCode::UNPROCESSABLE_ENTITY, "422 Unprocessable Entity");
    let Some(found) = world.credential(&plaintext) else {
        return Err(if plaintext.starts_with("glpat-") {
            ApiError::message(StatusCode::NOT_FOUND, "404 Not Found")
        } else {
            unprocessable()
        });
    };
    match found {
        Credential::Token(t) if t.revoked => Ok(StatusCode::NO_CONTENT),
        Credential::Token(t) => {
            let (id, kind) = (t.id, t.kind);
            let owner = world.user_by_name(&t.user).cloned();
            let resource = t.resource.clone();
            let slot = world.scenario.tokens.iter().position(|x| x.id == id);
            if let Some(slot) = slot {
                world.scenario_mut().tokens[slot].revoked = true;
            }
            let (entity, target, name, message) = match (kind, resource) {
                (TokenKind::ProjectAccess, Some(path)) => match world.project(&path) {
                    Some(p) => (
                        Entity::project(p),
                        token_target(id, world, slot),
                        "project_access_token_deleted",
                        format!("Revoked project access token with token_id: {id}"),
                    ),
                    None => return Err(unprocessable()),
                },
                (TokenKind::GroupAccess, Some(path)) => match world.group(&path) {
                    Some(g) => (
                        Entity::group(world, g),
                        token_target(id, world, slot),
                        "group_access_token_deleted",
                        format!("Revoked group access token with token_id: {id}"),
                    ),
                    None => return Err(unprocessable()),
                },
                _ => {
                    let owner = owner.ok_or_else(unprocessable)?;
                    (
                        Entity::user(&owner),
                        Target {
                            kind: "User",
                            id: owner.id,
                            details: user_name(&owner).to_string(),
                        },
                        "personal_access_token_revoked",
                        format!("Revoked personal access token with id {id}"),
                    )
                }
            };
            world.audit(&actor, name, entity, target, Says::Message(message));
            Ok(StatusCode::NO_CONTENT)
        }
        Credential::Deploy(d) if d.revoked => Ok(StatusCode::NO_CONTENT),
        Credential::Deploy(d) => {
            let id = d.id;
            let entity = d
                .project
                .as_deref()
                .and_then(|p| world.project(p))
                .map(Entity::project)
                .or_else(|| {
                    d.group
                        .as_deref()
                        .and_then(|g| world.group(g))
                        .map(|g| Entity::group(world, g))
                })
                .unwrap_or_else(Entity::instance);
            let event = if d.group.is_some() {
                "group_deploy_token_revoked"
            } else {
                "deploy_token_revoked"
            };
            let target = Target {
                kind: "DeployToken",
                id,
                details: d.name.clone(),
            };
            let message = format!("Revoked deploy token with name: {}", d.name);
            if let Some(slot) = world.scenario.deploy_tokens.iter().position(|x| x.id == id) {
                world.scenario_mut().deploy_tokens[slot].revoked = true;
            }
            world.audit(&actor, event, entity, target, Says::Message(message));
            Ok(StatusCode::NO_CONTENT)
        }
        Credential::Runner(r) => {
            let id = r.id;
            let description = r.description.clone().unwrap_or_default();
            if let Some(slot) = world.scenario.runners.iter().position(|x| x.id == id) {
                world.scenario_mut().runners[slot].token = fresh_secret("glrt-");
            }
            world.reindex_credentials();
            world.audit(
                &actor,
                "ci_runner_token_reset",
                Entity::instance(),
                Target {
                    kind: "Ci::Runner",
                    id,
                    details: description,
                },
                Says::Message("Reset runner authentication token".to_string()),
            );
            Ok(StatusCode::NO_CONTENT)
        }
        Credential::Application(a) => {
            let id = a.id;
            if let Some(slot) = world.scenario.applications.iter().position(|x| x.id == id) {
                world.scenario_mut().applications[slot].secret = fresh_secret("gloas-");
            }
            world.reindex_credentials();
            Ok(StatusCode::NO_CONTENT)
        }
        Credential::Trigger(t) => {
            // `Ci::PipelineTriggers::ExpireService`: the trigger stays, expired from now on.
            let id = t.id;
            if let Some(slot) = world.scenario.triggers.iter().position(|x| x.id == id) {
                world.scenario_mut().triggers[slot].expires_at = Some(Timestamp::now());
            }
            Ok(StatusCode::NO_CONTENT)
        }
        Credential::Job(_) => Err(unprocessable()),
    }
}

fn token_target(id: i64, world: &World, slot: Option<usize>) -> Target {
    Target {
        kind: "PersonalAccessToken",
        id,
        details: slot
            .map(|s| world.scenario.tokens[s].name.clone())
            .unwrap_or_default(),
    }
}
