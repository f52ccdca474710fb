//! Instance-wide views for administrators: the license (doc/api/license.md), every deploy key
//! (doc/api/deploy_keys.md) and the instance CI/CD variables
//! (doc/api/instance_level_ci_variables.md). Others get 403 (`authenticated_as_admin!`).

use super::auth::{Caller, READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::paging::in_order_with;
use super::project_protection::no_such_route;
use super::render::{base, ts};
use crate::scenario::{DEFAULT_CREATED_AT, Tier, UserState};
use crate::server::Shared;
use crate::world::World;
use axum::Json;
use axum::Router;
use axum::response::Response;
use axum::routing;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use std::sync::Arc;

fn administrator<'a>(ctx: &Ctx, world: &'a World) -> Result<Caller<'a>, ApiError> {
    let caller = authenticate(ctx, world, READ_API)?;
    if caller.is_admin() {
        Ok(caller)
    } else {
        Err(ApiError::forbidden())
    }
}

/// `GET /license` (ee/lib/api/license.rb): EE only; `present License.current` with
/// `GitlabLicenseWithActiveUsers`, which is `null` on an instance without a license (free).
pub(crate) async fn license(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    if !world.scenario.instance.enterprise {
        return Err(no_such_route());
    }
    administrator(&ctx, world)?;
    let tier = world.instance_tier();
    if tier == Tier::Free {
        return Ok(Json(Value::Null));
    }
    let license = world.scenario.instance.license.clone().unwrap_or_default();
    let active_users = world
        .users()
        .iter()
        .filter(|u| !u.bot && u.state == UserState::Active)
        .count();
    let active_users = u64::try_from(active_users).unwrap_or(u64::MAX);
    let today = Timestamp::now().to_zoned(TimeZone::UTC).date();
    let expired = license.expires_at.is_some_and(|day| day <= today);
    // ee/lib/api/entities/gitlab_license.rb: `user_limit` 0 means unrestricted, and there is
    // no overage without a restriction.
    let overage = match license.user_limit {
        0 => 0,
        limit => active_users.saturating_sub(limit),
    };
    let licensee = if license.licensee.is_empty() {
        json!({
            "Name": "Synthetic Licensee",
            "Company": "Synthetic",
            "Email": format!("licensing@{}", super::render::host(world)),
        })
    } else {
        Value::Object(license.licensee.clone())
    };
    Ok(Json(json!({
        "id": 1,
        "plan": tier.as_str(),
        "created_at": format!("{}T00:00:00.000Z", license.starts_at),
        "starts_at": license.starts_at.to_string(),
        "expires_at": license.expires_at.map(|d| d.to_string()),
        "historical_max": active_users,
        "maximum_user_count": active_users,
        "licensee": licensee,
        "add_ons": {},
        "expired": expired,
        "overage": overage,
        "user_limit": license.user_limit,
        "active_users": active_users,
    })))
}

/// `GET /deploy_keys` (admin): every deploy key with the projects it may write to or only read.
pub(crate) async fn deploy_keys(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    administrator(&ctx, world)?;
    // `public=true` (16.0): only the instance-wide keys an administrator made.
    let public_only = ctx.param("public") == Some("true");
    let mut keys: Vec<_> = world
        .scenario
        .public_deploy_keys
        .iter()
        .map(|k| (k, None))
        .chain(
            world
                .scenario
                .projects
                .iter()
                .filter(|_| !public_only)
                .flat_map(|p| p.deploy_keys.iter().map(move |k| (k, Some(p)))),
        )
        .collect();
    keys.sort_by_key(|(k, _)| k.id);
    in_order_with(&ctx, keys, "DeployKey", |(k, p)| {
        let Some(p) = p else {
            return json!({
                "id": k.id,
                "title": k.title,
                "key": k.key,
                "created_at": ts(k.created_at.unwrap_or(DEFAULT_CREATED_AT)),
                "expires_at": Value::Null,
                "projects_with_write_access": [],
                "projects_with_readonly_access": [],
            });
        };
        let project = json!([{
            "id": p.id,
            "description": p.description,
            "name": p.name.as_deref().unwrap_or(&p.path),
            "name_with_namespace": format!("{} / {}", p.namespace, p.name.as_deref().unwrap_or(&p.path)),
            "path": p.path,
            "path_with_namespace": World::project_path(p),
            "created_at": ts(p.created_at.unwrap_or(DEFAULT_CREATED_AT)),
            "web_url": format!("{}/{}", base(world), World::project_path(p)),
        }]);
        let (write, read) = if k.can_push {
            (project, json!([]))
        } else {
            (json!([]), project)
        };
        json!({
            "id": k.id,
            "title": k.title,
            "key": k.key,
            "created_at": ts(k.created_at.unwrap_or(DEFAULT_CREATED_AT)),
            "expires_at": Value::Null,
            "projects_with_write_access": write,
            "projects_with_readonly_access": read,
        })
    })
}

/// `GET /admin/ci/variables` (admin).
pub(crate) async fn instance_variables(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    administrator(&ctx, world)?;
    in_order_with(
        &ctx,
        world.scenario.instance_variables.iter().collect(),
        "Ci::InstanceVariable",
        |v| {
            json!({
                "key": v.key,
                "variable_type": v.variable_type,
                "value": v.value,
                "protected": v.protected,
                "masked": v.masked,
                "raw": v.raw,
                "description": v.description,
            })
        },
    )
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/license", routing::get(license))
        .route("/deploy_keys", routing::get(deploy_keys))
        .route("/admin/ci/variables", routing::get(instance_variables))
}
