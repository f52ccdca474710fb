//! `GET /user`, `GET /users`, `GET /users/:id`, and the two account controls a responder uses:
//! `PUT /users/:id` with a new `password` and `PATCH /users/:id/disable_two_factor`
//! (doc/api/users.md, lib/api/users.rb).

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_USER, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::mutation::{admin, path_id};
use super::paging::{self, Rules};
use super::render;
use crate::scenario::{User, UserState};
use crate::server::Shared;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use serde_json::Value;
use std::sync::Arc;

/// Devise's `password_length` (config/initializers/devise.rb, 8..128).
const PASSWORD_LENGTH: std::ops::RangeInclusive<usize> = 8..=128;

/// The parameters of `PUT /users/:id` the simulator models: the password. GitLab takes many
/// more (doc/api/users.md "Modify a user"); a test sending one of those would believe it changed
/// something, so they are refused instead of ignored.
const MODELLED_UPDATE: &[&str] = &["password", "private_token", "access_token", "sudo"];

const USER_PAGING: Rules = Rules {
    resource: "User",
    keyset_sorts: &["asc", "desc"],
    offset_sortable: true,
};

/// app/models/user.rb `FORBIDDEN_SEARCH_STATES`: hidden from non-admins.
fn hidden_from_non_admins(u: &User) -> bool {
    matches!(
        u.state,
        UserState::Blocked | UserState::Banned | UserState::LdapBlocked
    )
}

pub(crate) async fn current_user(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_USER)?;
    Ok(Json(if caller.is_admin() {
        render::user_admin(world, caller.user)
    } else {
        render::user_self(world, caller.user)
    }))
}

pub(crate) async fn list(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_USER)?;
    let admin = caller.is_admin();
    let username = ctx.present("username");
    let search = ctx.present("search").map(str::to_lowercase);
    let active = flag(&ctx, "active")?;
    let blocked = flag(&ctx, "blocked")?;
    let external = flag(&ctx, "external")?;
    // doc/api/users.md: `admins` is an admin-only filter; others cannot narrow by it.
    let admins = if admin { flag(&ctx, "admins")? } else { false };
    // `two_factor` (`enabled` / `disabled`) is admin-only too (app/finders/users_finder.rb
    // `by_2fa`); `humans` and `without_project_bots` leave bots out.
    let two_factor = match ctx.present("two_factor").filter(|_| admin) {
        None => None,
        Some("enabled") => Some(true),
        Some("disabled") => Some(false),
        Some(_) => return Err(ApiError::invalid_value("two_factor")),
    };
    let no_bots = flag(&ctx, "humans")? || flag(&ctx, "without_project_bots")?;
    let items = world
        .users()
        .iter()
        .filter(|u| admin || !hidden_from_non_admins(u))
        .filter(|u| username.is_none_or(|n| u.username.eq_ignore_ascii_case(n)))
        .filter(|u| {
            search
                .as_deref()
                .is_none_or(|s| matches_search(u, s, admin))
        })
        .filter(|u| !active || u.state == UserState::Active)
        .filter(|u| !blocked || matches!(u.state, UserState::Blocked | UserState::LdapBlocked))
        .filter(|u| !external || u.external)
        .filter(|u| !admins || u.is_admin)
        .filter(|u| two_factor.is_none_or(|on| u.two_factor_enabled == on))
        .filter(|u| !no_bots || !u.bot)
        .map(|u| {
            let entity = if admin {
                render::user_admin(world, u)
            } else {
                render::user_public(world, u)
            };
            (u.id, entity)
        })
        .collect();
    paging::respond(&ctx, items, &USER_PAGING)
}

pub(crate) async fn get(ctx: Ctx, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_USER)?;
    let id: i64 = id.parse().map_err(|_| ApiError::invalid_param("id"))?;
    let user = world
        .user(id)
        .filter(|u| caller.is_admin() || !hidden_from_non_admins(u))
        .ok_or_else(|| ApiError::not_found("User"))?;
    Ok(Json(if caller.is_admin() {
        render::user_admin(world, user)
    } else {
        render::user_public(world, user)
    }))
}

/// `PUT /users/:id` (admin) with `password`: 200 and the admin entity. Nothing of the password
/// is kept (the simulator has no sign-in); it is validated as Devise validates it. EE audits the
/// change as `user_password_updated` with the message "Changed password" and no values
/// (`skip_changes`, ee/app/services/ee/users/update_service.rb, app/services/audit_events/changes.rb).
pub(crate) async fn update(
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::read(&ctx, &body);
    if params.any_except(MODELLED_UPDATE) {
        return Err(ApiError::message(
            StatusCode::BAD_REQUEST,
            "glir-sim models only `password` on PUT /users/:id",
        ));
    }
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = admin(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let id = path_id(&id, "id")?;
    let user = world.user(id).ok_or_else(|| ApiError::not_found("User"))?;
    if let Some(password) = params.text("password") {
        let length = password.chars().count();
        if length < *PASSWORD_LENGTH.start() {
            return Err(ApiError::validation(
                "password",
                "is too short (minimum is 8 characters)",
            ));
        }
        if length > *PASSWORD_LENGTH.end() {
            return Err(ApiError::validation(
                "password",
                "is too long (maximum is 128 characters)",
            ));
        }
        let (entity, target) = (Entity::user(user), user_target(user));
        world.audit(
            &actor,
            "user_password_updated",
            entity,
            target,
            Says::Message("Changed password".to_string()),
        );
    }
    let user = world.user(id).ok_or_else(|| ApiError::not_found("User"))?;
    Ok(Json(render::user_admin(world, user)))
}

/// `PATCH /users/:id/disable_two_factor` (admin): 204; 403 for an administrator's 2FA, 400 when
/// the user has none (lib/api/users.rb, `TwoFactor::DestroyService`). Audited as
/// `user_disable_two_factor` (ee/app/services/ee/two_factor/destroy_service.rb).
pub(crate) async fn disable_two_factor(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = admin(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let id = path_id(&id, "id")?;
    let slot = world
        .user_slot(id)
        .ok_or_else(|| ApiError::not_found("User"))?;
    let user = &world.scenario.users[slot];
    if user.is_admin {
        return Err(ApiError::forbidden_because(
            "Two-factor authentication for admins cannot be disabled via the API. Use the Rails console",
        ));
    }
    if !user.two_factor_enabled {
        return Err(ApiError::message(
            StatusCode::BAD_REQUEST,
            "400 Bad request - Two-factor authentication is not enabled for this user",
        ));
    }
    let (entity, target) = (Entity::user(user), user_target(user));
    world.scenario_mut().users[slot].two_factor_enabled = false;
    world.audit(
        &actor,
        "user_disable_two_factor",
        entity,
        target,
        Says::Message("Disabled two-factor authentication".to_string()),
    );
    Ok(StatusCode::NO_CONTENT)
}

fn user_target(u: &User) -> Target {
    Target {
        kind: "User",
        id: u.id,
        details: render::user_name(u).to_string(),
    }
}

/// Users search matches name and username, and email only for admins (app/finders/users_finder.rb).
fn matches_search(u: &User, needle: &str, admin: bool) -> bool {
    render::user_name(u).to_lowercase().contains(needle)
        || u.username.to_lowercase().contains(needle)
        || (admin
            && u.email
                .as_deref()
                .is_some_and(|e| e.to_lowercase() == needle))
}

/// A Grape Boolean parameter: absent is false, junk is a 400.
fn flag(ctx: &Ctx, name: &str) -> Result<bool, ApiError> {
    match ctx.present(name) {
        None => Ok(false),
        Some("true" | "1" | "yes" | "t") => Ok(true),
        Some("false" | "0" | "no" | "f") => Ok(false),
        Some(_) => Err(ApiError::invalid_param(name)),
    }
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/user", routing::get(current_user))
        .route("/users", routing::get(list))
        .route("/users/{id}", routing::get(get).put(update))
        .route(
            "/users/{id}/disable_two_factor",
            routing::patch(disable_two_factor),
        )
}
