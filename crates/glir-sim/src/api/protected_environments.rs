//! `GET /projects/:id/protected_environments` (doc/api/protected_environments.md,
//! gitlab-org/gitlab:ee/lib/api/protected_environments.rb): Enterprise Edition only (the route
//! is absent on CE), `authorize_admin_project` first (Maintainer+, else 403), sorted by name.

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::visible_project;
use super::paging;
use super::project_protection::no_such_route;
use super::roles::project_role;
use crate::scenario::{ProtectedEnvironment, access_level_name};
use crate::server::Shared;
use crate::world::MAINTAINER;
use axum::Router;
use axum::extract::Path;
use axum::response::Response;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

/// `EE::API::Entities::ProtectedEnvironment`, with one deploy access level by role. The access
/// level's id is derived from the project and position, as the scenario keeps none.
fn entity(project_id: i64, position: usize, e: &ProtectedEnvironment) -> Value {
    let level_id = project_id * 100 + i64::try_from(position).unwrap_or(0) + 1;
    json!({
        "name": e.name,
        "deploy_access_levels": [{
            "id": level_id,
            "access_level": e.deploy_access_level,
            "access_level_description": access_level_name(e.deploy_access_level),
            "user_id": Value::Null,
            "group_id": Value::Null,
            "group_inheritance_type": 0,
        }],
        "required_approval_count": e.required_approval_count,
        "approval_rules": [],
    })
}

pub(crate) async fn list(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    if !world.scenario.instance.enterprise {
        return Err(no_such_route());
    }
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let mut sorted: Vec<(usize, &ProtectedEnvironment)> =
        project.protected_environments.iter().enumerate().collect();
    sorted.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let items = sorted
        .into_iter()
        .map(|(i, e)| entity(project.id, i, e))
        .collect();
    paging::in_order(&ctx, items, "ProtectedEnvironment")
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/projects/{id}/protected_environments", routing::get(list))
}
