//! Revoking and rotating personal, impersonation, project and group access tokens
//! (doc/api/personal_access_tokens.md, doc/api/project_access_tokens.md,
//! doc/api/group_access_tokens.md; lib/api/personal_access_tokens.rb,
//! lib/api/resource_access_tokens.rb).
//!
//! Rotation emits a revocation and a creation event: the audit event catalogue
//! (doc/user/compliance/audit_event_types.md) has no `*_rotated` type.

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form;
use super::mutation::{WRITE_API, fresh_secret, path_id, writer};
use super::namespaces::{visible_group, visible_project};
use super::render;
use super::roles::{group_role, project_role};
use super::tokens;
use crate::scenario::{Token, TokenKind};
use crate::world::{MAINTAINER, OWNER, World};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};

/// `DELETE /personal_access_tokens/:id`: 204; 400 when the caller may not revoke it (not theirs
/// and not an admin: `RevokeService#revocation_permitted?` fails and the API answers
/// `bad_request!`); 404 when unknown. Revoking a revoked token is 204 again (`revoke!` just
/// sets the flag), and writes no second event since nothing changed.
pub(crate) async fn revoke_pat(ctx: Ctx, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let id = path_id(&id, "id")?;
    let slot = pat_slot(world, id)?;
    let token = &world.scenario.tokens[slot];
    if !actor.is_admin && !token.user.eq_ignore_ascii_case(&actor.username) {
        return Err(ApiError::message(
            StatusCode::BAD_REQUEST,
            "400 Bad request",
        ));
    }
    if token.revoked {
        return Ok(StatusCode::NO_CONTENT);
    }
    let owner = owner_entity(world, token)?;
    world.scenario_mut().tokens[slot].revoked = true;
    world.audit(
        &actor,
        "personal_access_token_revoked",
        owner.0,
        owner.1,
        Says::Message(format!("Revoked personal access token with id {id}")),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /personal_access_tokens/:id/rotate` with optional `expires_at`: revokes the token and
/// returns a new one (200, with `token`). 401 when not the caller's (and not admin), 400 when
/// already revoked, 404 when unknown.
pub(crate) async fn rotate_pat(
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let id = path_id(&id, "id")?;
    let expires_at = expiry(&ctx, &body)?;
    let slot = pat_slot(world, id)?;
    let token = &world.scenario.tokens[slot];
    if !actor.is_admin && !token.user.eq_ignore_ascii_case(&actor.username) {
        return Err(ApiError::unauthorized());
    }
    if token.revoked {
        return Err(ApiError::message(
            StatusCode::BAD_REQUEST,
            "400 Bad request - Token already revoked",
        ));
    }
    let owner = owner_entity(world, token)?;
    let new_slot = replace(world, slot, expires_at);
    let new_id = world.scenario.tokens[new_slot].id;
    let (entity, target) = owner;
    let again = (entity.clone(), target.clone());
    world.audit(
        &actor,
        "personal_access_token_revoked",
        entity,
        target,
        Says::Message(format!("Revoked personal access token with id {id}")),
    );
    world.audit(
        &actor,
        "personal_access_token_created",
        again.0,
        again.1,
        Says::Message(format!("Created personal access token with id {new_id}")),
    );
    Ok(Json(with_plaintext(world, new_slot)))
}

/// Which resource an access token endpoint is about.
struct Resource {
    kind: TokenKind,
    /// `project` or `group`, as GitLab's messages and event names spell it.
    label: &'static str,
    path: String,
    entity: Entity,
}

fn project_resource(
    ctx: &Ctx,
    world: &World,
    key: &str,
    scopes: &[&str],
) -> Result<Resource, ApiError> {
    let caller = authenticate(ctx, world, scopes)?;
    let project = visible_project(world, caller.user, key)?;
    // `authorize_admin_project` / :manage_resource_access_tokens: Maintainer and above.
    project_role(world, caller.user, project, MAINTAINER)?;
    Ok(Resource {
        kind: TokenKind::ProjectAccess,
        label: "project",
        path: World::project_path(project),
        entity: Entity::project(project),
    })
}

fn group_resource(
    ctx: &Ctx,
    world: &World,
    key: &str,
    scopes: &[&str],
) -> Result<Resource, ApiError> {
    let caller = authenticate(ctx, world, scopes)?;
    let group = visible_group(world, caller.user, key)?;
    // Group access tokens are managed by Owners.
    group_role(world, caller.user, group, OWNER)?;
    Ok(Resource {
        kind: TokenKind::GroupAccess,
        label: "group",
        path: world.group_full_path(group).to_string(),
        entity: Entity::group(world, group),
    })
}

/// `GET /projects/:id/access_tokens/:token_id` (Maintainer+), revoked ones included.
pub(crate) async fn get_project_token(
    ctx: Ctx,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let resource = project_resource(&ctx, &world, &id, READ_API)?;
    show(&world, &resource, &token_id)
}

/// `GET /groups/:id/access_tokens/:token_id` (Owner), revoked ones included.
pub(crate) async fn get_group_token(
    ctx: Ctx,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let resource = group_resource(&ctx, &world, &id, READ_API)?;
    show(&world, &resource, &token_id)
}

fn show(world: &World, resource: &Resource, token_id: &str) -> Result<Json<Value>, ApiError> {
    let slot = resource_slot(world, resource, token_id, true)?;
    Ok(Json(tokens::entity(world, &world.scenario.tokens[slot]).1))
}

/// `DELETE /projects/:id/access_tokens/:token_id`.
pub(crate) async fn revoke_project_token(
    ctx: Ctx,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let resource = project_resource(&ctx, world, &id, WRITE_API)?;
    revoke_resource(&ctx, world, resource, &token_id)
}

/// `DELETE /groups/:id/access_tokens/:token_id`.
pub(crate) async fn revoke_group_token(
    ctx: Ctx,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let resource = group_resource(&ctx, world, &id, WRITE_API)?;
    revoke_resource(&ctx, world, resource, &token_id)
}

/// 204, then the token is revoked and its bot loses the membership
/// (`ResourceAccessTokens::RevokeService`), so a second DELETE finds nothing: 404
/// `Could not find <project|group> access token with token_id: N`.
fn revoke_resource(
    ctx: &Ctx,
    world: &mut World,
    resource: Resource,
    token_id: &str,
) -> Result<StatusCode, ApiError> {
    let caller = writer(ctx, world)?;
    let actor = Actor::of(ctx, world, &caller);
    let slot = resource_slot(world, &resource, token_id, false)?;
    let token = &world.scenario.tokens[slot];
    let target = token_target(token);
    let id = token.id;
    world.scenario_mut().tokens[slot].revoked = true;
    world.audit(
        &actor,
        &format!("{}_access_token_deleted", resource.label),
        resource.entity,
        target,
        Says::Message(format!(
            "Revoked {} access token with token_id: {id}",
            resource.label
        )),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /projects/:id/access_tokens/:token_id/rotate`.
pub(crate) async fn rotate_project_token(
    ctx: Ctx,
    Path((id, token_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let resource = project_resource(&ctx, world, &id, WRITE_API)?;
    rotate_resource(&ctx, world, resource, &token_id, &body)
}

/// `POST /groups/:id/access_tokens/:token_id/rotate`.
pub(crate) async fn rotate_group_token(
    ctx: Ctx,
    Path((id, token_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let resource = group_resource(&ctx, world, &id, WRITE_API)?;
    rotate_resource(&ctx, world, resource, &token_id, &body)
}

fn rotate_resource(
    ctx: &Ctx,
    world: &mut World,
    resource: Resource,
    token_id: &str,
    body: &Bytes,
) -> Result<Json<Value>, ApiError> {
    let caller = writer(ctx, world)?;
    let actor = Actor::of(ctx, world, &caller);
    let expires_at = expiry(ctx, body)?;
    let slot = resource_slot(world, &resource, token_id, false)?;
    let old = token_target(&world.scenario.tokens[slot]);
    let new_slot = replace(world, slot, expires_at);
    let new = token_target(&world.scenario.tokens[new_slot]);
    let label = resource.label;
    let (old_id, new_id) = (old.id, new.id);
    let again = resource.entity.clone();
    world.audit(
        &actor,
        &format!("{label}_access_token_deleted"),
        resource.entity,
        old,
        Says::Message(format!(
            "Revoked {label} access token with token_id: {old_id}"
        )),
    );
    world.audit(
        &actor,
        &format!("{label}_access_token_created"),
        again,
        new,
        Says::Message(format!(
            "Created {label} access token with token_id: {new_id}"
        )),
    );
    Ok(Json(with_plaintext(world, new_slot)))
}

/// The token's position; revoked ones count only when `revoked_ok` (the GET), as the others
/// look tokens up through the resource's current bot members.
fn resource_slot(
    world: &World,
    resource: &Resource,
    token_id: &str,
    revoked_ok: bool,
) -> Result<usize, ApiError> {
    let id = path_id(token_id, "token_id")?;
    world
        .scenario
        .tokens
        .iter()
        .position(|t| {
            t.id == id
                && t.kind == resource.kind
                && (revoked_ok || !t.revoked)
                && t.resource
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case(&resource.path))
        })
        .ok_or_else(|| {
            ApiError::not_found(&format!(
                "Could not find {} access token with token_id: {id}",
                resource.label
            ))
        })
}

fn pat_slot(world: &World, id: i64) -> Result<usize, ApiError> {
    world
        .scenario
        .tokens
        .iter()
        .position(|t| t.id == id)
        .ok_or_else(|| ApiError::message(StatusCode::NOT_FOUND, "404 Not Found"))
}

/// The owner as event entity and target, as the seeded `personal_access_token_created` events
/// have them.
fn owner_entity(world: &World, token: &Token) -> Result<(Entity, Target), ApiError> {
    let owner = world
        .user_by_name(&token.user)
        .ok_or_else(|| ApiError::message(StatusCode::NOT_FOUND, "404 Not Found"))?;
    Ok((
        Entity::user(owner),
        Target {
            kind: "User",
            id: owner.id,
            details: render::user_name(owner).to_string(),
        },
    ))
}

fn token_target(token: &Token) -> Target {
    Target {
        kind: "PersonalAccessToken",
        id: token.id,
        details: token.name.clone(),
    }
}

/// Revokes the token at `slot` and appends its successor (same owner, name, scopes and kind);
/// returns the successor's position.
fn replace(world: &mut World, slot: usize, expires_at: Date) -> usize {
    let next_id = World::next_id(world.scenario.tokens.iter().map(|t| t.id));
    let s = world.scenario_mut();
    s.tokens[slot].revoked = true;
    let old = &s.tokens[slot];
    let new = Token {
        id: next_id,
        token: fresh_secret("glpat-"),
        created_at: Some(Timestamp::now()),
        expires_at: Some(expires_at),
        revoked: false,
        last_used_at: None,
        last_used_ips: Vec::new(),
        ..old.clone()
    };
    s.tokens.push(new);
    world.reindex_credentials();
    world.scenario.tokens.len() - 1
}

/// The token entity plus the new plaintext, which GitLab shows this once.
fn with_plaintext(world: &World, slot: usize) -> Value {
    let t = &world.scenario.tokens[slot];
    let mut v = tokens::entity(world, t).1;
    v["token"] = json!(t.token);
    v
}

/// `expires_at` (`YYYY-MM-DD`), defaulting to a week from today as GitLab does when the
/// parameter is left out (doc/api/personal_access_tokens.md, "Rotate a personal access token").
fn expiry(ctx: &Ctx, body: &Bytes) -> Result<Date, ApiError> {
    let params = form::params(&ctx.headers, body);
    match form::param(&params, ctx.param("expires_at"), "expires_at") {
        Some(raw) => raw
            .parse::<Date>()
            .map_err(|_| ApiError::invalid_param("expires_at")),
        None => {
            let today = Timestamp::now().to_zoned(TimeZone::UTC).date();
            today
                .checked_add(7.days())
                .map_err(|_| ApiError::invalid_param("expires_at"))
        }
    }
}
