//! GitLab agents for Kubernetes and their tokens (doc/api/cluster_agents.md): what a credential
//! inventory lists. `GET /projects/:id/cluster_agents` needs Developer and the token list
//! Maintainer (`read_cluster_agent` / `admin_cluster` in app/policies/project_policy.rb).

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::mutation::{path_id, writer};
use super::namespaces::visible_project;
use super::paging;
use super::render::ts;
use super::roles::project_role;
use crate::scenario::DEFAULT_CREATED_AT;
use crate::server::Shared;
use crate::world::{DEVELOPER, MAINTAINER};
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use serde_json::json;
use std::sync::Arc;

/// `GET /projects/:id/cluster_agents`.
pub(crate) async fn agents(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, DEVELOPER)?;
    let items = project
        .cluster_agents
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "name": a.name,
                "config_project": {
                    "id": project.id,
                    "path_with_namespace": crate::world::World::project_path(project),
                },
                "created_at": ts(a.created_at.unwrap_or(DEFAULT_CREATED_AT)),
                "created_by_user_id": a.created_by_user_id,
            })
        })
        .collect();
    paging::in_order(&ctx, items, "ClusterAgent")
}

/// `GET /projects/:id/cluster_agents/:agent_id/tokens`: revoked tokens are listed too, with
/// `status: revoked`.
pub(crate) async fn tokens(
    ctx: Ctx,
    Path((id, agent_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let agent_id = path_id(&agent_id, "agent_id")?;
    let agent = project
        .cluster_agents
        .iter()
        .find(|a| a.id == agent_id)
        .ok_or_else(|| ApiError::not_found("Agent"))?;
    let items = agent
        .tokens
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "description": t.description,
                "agent_id": agent.id,
                "status": if t.revoked { "revoked" } else { "active" },
                "created_at": ts(t.created_at.unwrap_or(DEFAULT_CREATED_AT)),
                "created_by_user_id": t.created_by_user_id,
                "last_used_at": t.last_used_at.map(ts),
            })
        })
        .collect();
    paging::in_order(&ctx, items, "ClusterAgentToken")
}

/// `DELETE /projects/:id/cluster_agents/:agent_id/tokens/:token_id` (Maintainer+): 204; the
/// token stays listed as `revoked`, and a revoked or unknown one is 404. Audited as
/// `cluster_agent_token_revoked` (15.10, doc/user/compliance/audit_event_types.md).
pub(crate) async fn revoke_token(
    ctx: Ctx,
    Path((id, agent_id, token_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let entity = Entity::project(project);
    let pid = project.id;
    let (agent_id, token_id) = (
        path_id(&agent_id, "agent_id")?,
        path_id(&token_id, "token_id")?,
    );
    let slot = world
        .project_slot(pid)
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let agent = world.scenario_mut().projects[slot]
        .cluster_agents
        .iter_mut()
        .find(|a| a.id == agent_id)
        .ok_or_else(|| ApiError::not_found("Agent"))?;
    let token = agent
        .tokens
        .iter_mut()
        .find(|t| t.id == token_id && !t.revoked)
        .ok_or_else(|| ApiError::not_found("AgentToken"))?;
    token.revoked = true;
    let name = token.name.clone();
    world.audit(
        &actor,
        "cluster_agent_token_revoked",
        entity,
        Target {
            kind: "Clusters::AgentToken",
            id: token_id,
            details: name.clone(),
        },
        Says::Message(format!("Revoked cluster agent token '{name}'")),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/projects/{id}/cluster_agents", routing::get(agents))
        .route(
            "/projects/{id}/cluster_agents/{agent_id}/tokens",
            routing::get(tokens),
        )
        .route(
            "/projects/{id}/cluster_agents/{agent_id}/tokens/{token_id}",
            routing::delete(revoke_token),
        )
}
