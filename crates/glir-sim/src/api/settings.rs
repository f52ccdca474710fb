//! `GET|PUT /application/settings` (doc/api/settings.md, lib/api/settings.rb): administrators
//! only. The served settings are the table in `fields::application` gated by edition, tier and
//! version, overlaid with the scenario's `settings`; keys the table does not know are served as
//! the scenario gives them. Each setting a PUT changes writes one `application_setting_updated`
//! event (instance scope) with `change`/`from`/`to`.

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::mutation::admin;
use crate::fields::{self, Refusal, application::FIELDS};
use crate::server::Shared;
use crate::world::World;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Parameters that authenticate rather than set anything.
const AUTH_PARAMS: &[&str] = &["private_token", "access_token", "sudo"];

/// The settings as `GET /application/settings` serves them.
fn settings(world: &World) -> Value {
    let stored = &world.scenario.settings;
    let mut out = Map::new();
    out.insert("id".into(), json!(1));
    out.extend(fields::render(FIELDS, &world.instance_gate(), stored, ""));
    for (key, value) in stored {
        if !FIELDS.iter().any(|f| f.name == key) {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// A refused parameter as Grape words it.
pub(crate) fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Invalid(name) => ApiError::invalid_param(name),
        Refusal::NotAllowed(name) => ApiError::invalid_value(name),
    }
}

/// `GET /application/settings` (admin).
pub(crate) async fn application_settings(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    Ok(Json(settings(world)))
}

/// `PUT /application/settings` (admin): any setting of the table, coerced to its type; unknown
/// and unlicensed ones are ignored as GitLab ignores them, a request with no parameter at all is
/// refused by Grape's `at_least_one_of`.
pub(crate) async fn update_application_settings(
    ctx: Ctx,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::read(&ctx, &body);
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = admin(&ctx, world)?;
    if !params.any_except(AUTH_PARAMS) {
        let names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        return Err(ApiError::grape(
            StatusCode::BAD_REQUEST,
            format!(
                "{} are missing, at least one parameter must be provided",
                names.join(", ")
            ),
        ));
    }
    let wanted = fields::read(FIELDS, &world.instance_gate(), &params).map_err(refused)?;
    let actor = Actor::of(&ctx, world, &caller);
    for (field, from, to) in fields::changes(wanted, &world.scenario.settings, "") {
        world
            .scenario_mut()
            .settings
            .insert(field.name.to_string(), to.clone());
        world.audit(
            &actor,
            "application_setting_updated",
            Entity::instance(),
            Target {
                kind: "ApplicationSetting",
                id: 1,
                details: "gitlab_instance".to_string(),
            },
            Says::change(field.name, from, to),
        );
    }
    Ok(Json(settings(world)))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route(
        "/application/settings",
        routing::get(application_settings).put(update_application_settings),
    )
}
