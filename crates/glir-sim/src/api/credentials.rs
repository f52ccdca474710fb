//! Deploy tokens, pipeline triggers and runners (doc/api/deploy_tokens.md,
//! doc/api/pipeline_triggers.md, doc/api/runners.md).

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form;
use super::namespaces::{visible_group, visible_project};
use super::paging::{self, Rules};
use super::render_ci;
use super::roles::{group_role, project_role};
use crate::credentials::Credential;
use crate::scenario::{DeployToken, RunnerType};
use crate::server::Shared;
use crate::world::{MAINTAINER, OWNER, World};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

const PAGING: Rules = Rules {
    resource: "DeployToken",
    keyset_sorts: &[],
    offset_sortable: false,
};

fn deploy_page(ctx: &Ctx, tokens: Vec<&DeployToken>) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let active_only = ctx.present("active") == Some("true");
    let items = tokens
        .into_iter()
        .filter(|d| !active_only || (!d.revoked && d.expires_at.is_none_or(|at| at > now)))
        .map(|d| (d.id, render_ci::deploy_token(d, now)))
        .collect();
    paging::respond(ctx, items, &PAGING)
}

/// `GET /deploy_tokens` (admin).
pub(crate) async fn instance(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    deploy_page(&ctx, world.scenario.deploy_tokens.iter().collect())
}

/// `GET /projects/:id/deploy_tokens` (Maintainer+).
pub(crate) async fn project(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let path = World::project_path(project);
    let tokens = world
        .scenario
        .deploy_tokens
        .iter()
        .filter(|d| {
            d.project
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(&path))
        })
        .collect();
    deploy_page(&ctx, tokens)
}

/// `GET /groups/:id/deploy_tokens` (Maintainer+).
pub(crate) async fn group(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, MAINTAINER)?;
    let path = world.group_full_path(group);
    let tokens = world
        .scenario
        .deploy_tokens
        .iter()
        .filter(|d| {
            d.group
                .as_deref()
                .is_some_and(|g| g.eq_ignore_ascii_case(path))
        })
        .collect();
    deploy_page(&ctx, tokens)
}

/// `GET /projects/:id/triggers` (Maintainer+); full tokens only for their owners.
pub(crate) async fn triggers(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let path = World::project_path(project);
    let items = world
        .scenario
        .triggers
        .iter()
        .filter(|t| t.project.eq_ignore_ascii_case(&path))
        .map(|t| {
            let own = t.owner.eq_ignore_ascii_case(&caller.user.username);
            (t.id, render_ci::trigger(world, t, own))
        })
        .collect();
    paging::respond(&ctx, items, &PAGING)
}

/// `GET /runners/:id`: instance runners are visible to everyone; others need Maintainer of the
/// project or Owner of the group (lib/api/ci/runners.rb `authenticate_show_runner!`).
pub(crate) async fn runner(ctx: Ctx, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let id: i64 = id.parse().map_err(|_| ApiError::invalid_param("id"))?;
    let runner = world
        .scenario
        .runners
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found("Runner"))?;
    let allowed = caller.is_admin()
        || match runner.runner_type {
            RunnerType::InstanceType => true,
            RunnerType::ProjectType => runner
                .project
                .as_deref()
                .and_then(|p| world.project(p))
                .and_then(|p| world.project_access(caller.user, p))
                .is_some_and(|l| l >= MAINTAINER),
            RunnerType::GroupType => runner
                .group
                .as_deref()
                .and_then(|g| world.group(g))
                .and_then(|g| world.group_access(caller.user, g))
                .is_some_and(|l| l >= OWNER),
        };
    if !allowed {
        return Err(ApiError::forbidden_because("No access granted"));
    }
    Ok(Json(render_ci::runner(world, runner)))
}

/// `POST /runners/verify`: no user authentication; the runner token in the body is the
/// credential. 200 with `RunnerRegistrationDetails` when it authenticates a runner, 403
/// otherwise (lib/api/ci/runner.rb; `authenticate_runner!` calls `forbidden!`).
pub(crate) async fn verify(ctx: Ctx, body: Bytes) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let params = form::params(&ctx.headers, &body);
    let plaintext = form::param(&params, ctx.param("token"), "token")
        .ok_or_else(|| ApiError::grape(StatusCode::BAD_REQUEST, "token is missing"))?;
    let now = Timestamp::now();
    match world.credential(plaintext) {
        Some(Credential::Runner(r)) if r.token_expires_at.is_none_or(|at| at > now) => {
            Ok(Json(json!({
                "id": r.id,
                "token": r.token,
                "token_expires_at": r.token_expires_at.map(super::render::ts),
            })))
        }
        _ => Err(ApiError::forbidden()),
    }
}

/// `GET /runners/all` (admin): every runner of the instance.
pub(crate) async fn runners_all(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let items = world
        .scenario
        .runners
        .iter()
        .map(|r| render_ci::runner(world, r))
        .collect();
    paging::in_order(&ctx, items, "Ci::Runner")
}

/// `GET /projects/:id/runners` (Maintainer+): the project's own runners, those of its group and
/// ancestors, and instance runners, which doc/api/runners.md counts as available to it.
pub(crate) async fn project_runners(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let path = World::project_path(project);
    let groups: Vec<String> = world
        .project_namespace(project)
        .map(|g| {
            world
                .group_chain(g)
                .into_iter()
                .map(|g| world.group_full_path(g).to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let items = world
        .scenario
        .runners
        .iter()
        .filter(|r| match r.runner_type {
            RunnerType::InstanceType => true,
            RunnerType::ProjectType => r
                .project
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(&path)),
            RunnerType::GroupType => r
                .group
                .as_deref()
                .is_some_and(|g| groups.contains(&g.to_lowercase())),
        })
        .map(|r| render_ci::runner(world, r))
        .collect();
    paging::in_order(&ctx, items, "Ci::Runner")
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/applications",
            routing::get(super::revoke_credentials::applications),
        )
        .route(
            "/applications/{id}/renew-secret",
            routing::post(super::revoke_credentials::renew_application_secret),
        )
        .route("/deploy_tokens", routing::get(instance))
        .route("/runners/verify", routing::post(verify))
        .route("/runners/all", routing::get(runners_all))
        .route("/runners/{id}", routing::get(runner))
        .route(
            "/runners/{id}/reset_authentication_token",
            routing::post(super::revoke_credentials::reset_runner_token),
        )
        .route("/groups/{id}/deploy_tokens", routing::get(group))
        .route(
            "/groups/{id}/deploy_tokens/{token_id}",
            routing::delete(super::revoke_credentials::delete_group_deploy_token),
        )
        .route("/projects/{id}/deploy_tokens", routing::get(project))
        .route(
            "/projects/{id}/deploy_tokens/{token_id}",
            routing::delete(super::revoke_credentials::delete_project_deploy_token),
        )
        .route("/projects/{id}/triggers", routing::get(triggers))
        .route(
            "/projects/{id}/triggers/{trigger_id}",
            routing::delete(super::revoke_credentials::delete_trigger),
        )
        .route("/projects/{id}/runners", routing::get(project_runners))
}
