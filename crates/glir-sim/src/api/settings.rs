//! Settings a responder changes: group 2FA enforcement (`PUT /groups/:id`), project visibility
//! and public jobs (`PUT /projects/:id`), instance settings (`GET|PUT /application/settings`)
//! and CI/CD variable flags (`PUT …/variables/:key`). Each change writes the event GitLab's
//! auditors write for it, with `change`/`from`/`to` as in the seeded events; a PUT that
//! changes nothing writes nothing.

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::mutation::{admin, writer};
use super::namespaces::{visible_group, visible_project};
use super::render;
use super::roles::{group_role, project_role};
use crate::scenario::Visibility;
use crate::server::Shared;
use crate::world::{MAINTAINER, OWNER};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// `PUT /groups/:id` with `require_two_factor_authentication` and `two_factor_grace_period`
/// (Owner). Audited as `group_require_two_factor_authentication_updated` and
/// `group_two_factor_grace_period_updated` (ee/lib/ee/audit/group_changes_auditor.rb).
pub(crate) async fn update_group(
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::read(&ctx, &body);
    let require = params.flag("require_two_factor_authentication")?;
    let grace = params.int("two_factor_grace_period")?;
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, OWNER)?;
    let (gid, entity) = (group.id, Entity::group(world, group));
    let target = Target {
        kind: "Group",
        id: gid,
        details: world.group_full_path(group).to_string(),
    };
    let slot = world
        .group_slot(gid)
        .ok_or_else(|| ApiError::not_found("Group"))?;
    let g = &mut world.scenario_mut().groups[slot];
    let mut events = Vec::new();
    if let Some(on) = require.filter(|&on| on != g.require_two_factor_authentication) {
        events.push((
            "group_require_two_factor_authentication_updated",
            Says::change("require_two_factor_authentication", !on, on),
        ));
        g.require_two_factor_authentication = on;
    }
    if let Some(hours) = grace {
        let hours =
            u32::try_from(hours).map_err(|_| ApiError::invalid_param("two_factor_grace_period"))?;
        if hours != g.two_factor_grace_period {
            events.push((
                "group_two_factor_grace_period_updated",
                Says::change("two_factor_grace_period", g.two_factor_grace_period, hours),
            ));
            g.two_factor_grace_period = hours;
        }
    }
    for (name, says) in events {
        world.audit(&actor, name, entity.clone(), target.clone(), says);
    }
    let group = &world.scenario.groups[slot];
    Ok(Json(render::group(world, group)))
}

/// `PUT /projects/:id` with `visibility` and `public_jobs` (Maintainer+). A visibility change is
/// audited as `project_visibility_level_updated` with GitLab's capitalised level names, as in
/// the seeded events; `public_jobs` has no audit event type in the catalogue.
pub(crate) async fn update_project(
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::read(&ctx, &body);
    let visibility = match params.text("visibility") {
        None => None,
        Some("private") => Some(Visibility::Private),
        Some("internal") => Some(Visibility::Internal),
        Some("public") => Some(Visibility::Public),
        Some(_) => return Err(ApiError::invalid_value("visibility")),
    };
    let public_jobs = params.flag("public_jobs")?;
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let (pid, entity) = (project.id, Entity::project(project));
    let target = Target {
        kind: "Project",
        id: pid,
        details: crate::world::World::project_path(project),
    };
    let slot = world
        .project_slot(pid)
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let p = &mut world.scenario_mut().projects[slot];
    let mut changed = None;
    if let Some(v) = visibility.filter(|&v| v != p.visibility) {
        changed = Some(Says::change(
            "visibility",
            level_name(p.visibility),
            level_name(v),
        ));
        p.visibility = v;
    }
    if let Some(on) = public_jobs {
        p.public_jobs = on;
    }
    if let Some(says) = changed {
        world.audit(
            &actor,
            "project_visibility_level_updated",
            entity,
            target,
            says,
        );
    }
    Ok(Json(render::project(world, &world.scenario.projects[slot])))
}

/// `Gitlab::VisibilityLevel.level_name`.
fn level_name(v: Visibility) -> &'static str {
    match v {
        Visibility::Private => "Private",
        Visibility::Internal => "Internal",
        Visibility::Public => "Public",
    }
}

/// The instance settings glir reads, with GitLab's defaults (doc/api/settings.md), overlaid
/// with the scenario's `settings`.
fn settings(scenario: &Map<String, Value>) -> Value {
    let mut v = json!({
        "id": 1,
        "signup_enabled": true,
        "require_admin_approval_after_user_signup": true,
        "require_two_factor_authentication": false,
        "two_factor_grace_period": 48,
        "require_admin_two_factor_authentication": false,
        "admin_mode": false,
        "password_authentication_enabled_for_web": true,
        "password_authentication_enabled_for_git": true,
        "require_personal_access_token_expiry": true,
        "personal_access_token_prefix": "glpat-",
        "allow_runner_registration_token": true,
        "default_project_visibility": "private",
        "default_group_visibility": "private",
        "restricted_visibility_levels": [],
        "protected_ci_variables": true,
        "deactivate_dormant_users": false,
        "allow_local_requests_from_web_hooks_and_services": false,
        "allow_local_requests_from_system_hooks": true,
        "enabled_git_access_protocol": Value::Null,
        "disable_personal_access_tokens": false,
    });
    if let Value::Object(map) = &mut v {
        map.extend(scenario.clone());
    }
    v
}

/// `GET /application/settings` (admin).
pub(crate) async fn application_settings(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    Ok(Json(settings(&world.scenario.settings)))
}

/// `PUT /application/settings` (admin) with `require_two_factor_authentication` and
/// `two_factor_grace_period`; each change is audited as `application_setting_updated`
/// (16.3, instance scope).
pub(crate) async fn update_application_settings(
    ctx: Ctx,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::read(&ctx, &body);
    let mut wanted = Vec::new();
    if let Some(on) = params.flag("require_two_factor_authentication")? {
        wanted.push(("require_two_factor_authentication", json!(on)));
    }
    if let Some(hours) = params.int("two_factor_grace_period")? {
        wanted.push(("two_factor_grace_period", json!(hours)));
    }
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = admin(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let current = settings(&world.scenario.settings);
    for (key, to) in wanted {
        let from = current[key].clone();
        if from == to {
            continue;
        }
        world
            .scenario_mut()
            .settings
            .insert(key.to_string(), to.clone());
        world.audit(
            &actor,
            "application_setting_updated",
            Entity::instance(),
            Target {
                kind: "ApplicationSetting",
                id: 1,
                details: "gitlab_instance".to_string(),
            },
            Says::change(key, from, to),
        );
    }
    Ok(Json(settings(&world.scenario.settings)))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route(
        "/application/settings",
        routing::get(application_settings).put(update_application_settings),
    )
}
