//! CI jobs, their logs and artifact archives, and `GET /job` for job tokens (doc/api/jobs.md,
//! doc/api/job_artifacts.md).

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::visible_project;
use super::paging::{self, Rules};
use super::render_ci;
use super::roles::project_role;
use crate::credentials::Credential;
use crate::scenario::{Job, Project, User, Visibility};
use crate::server::Shared;
use crate::world::{DEVELOPER, REPORTER, World};
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing;
use serde_json::Value;
use std::sync::Arc;

const JOB_PAGING: Rules = Rules {
    resource: "Ci::Build",
    keyset_sorts: &["desc"],
    offset_sortable: false,
};

/// The job entity, with the archive's real size.
pub(crate) fn entity(world: &World, job: &Job) -> Value {
    render_ci::job(world, job, world.archive(job.id).map(<[u8]>::len))
}

/// In a private project, reading jobs needs Reporter and reading logs Developer; in public and
/// internal projects whoever sees the project may (public pipelines on by default).
fn may_read(world: &World, user: &User, project: &Project, min: u8) -> Result<(), ApiError> {
    if project.visibility == Visibility::Private {
        project_role(world, user, project, min)
    } else {
        Ok(())
    }
}

fn project_job<'a>(world: &'a World, project: &Project, job_id: &str) -> Result<&'a Job, ApiError> {
    let path = World::project_path(project);
    job_id
        .parse::<i64>()
        .ok()
        .and_then(|id| world.job(id))
        .filter(|j| j.project.eq_ignore_ascii_case(&path))
        .ok_or_else(|| ApiError::not_found("Job"))
}

/// `GET /projects/:id/jobs`, newest first, `scope[]` filtering by status.
pub(crate) async fn list(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    may_read(world, caller.user, project, REPORTER)?;
    let scopes: Vec<&str> = ctx
        .params()
        .iter()
        .filter(|(k, _)| k == "scope[]" || k == "scope")
        .map(|(_, v)| v.as_str())
        .collect();
    let path = World::project_path(project);
    let items = world
        .scenario
        .jobs
        .iter()
        .filter(|j| j.project.eq_ignore_ascii_case(&path))
        .filter(|j| scopes.is_empty() || scopes.contains(&j.status.as_str()))
        .map(|j| (j.id, entity(world, j)))
        .collect();
    paging::respond(&ctx, items, &JOB_PAGING)
}

/// `GET /projects/:id/jobs/:job_id/trace`: the raw log as `text/plain`.
pub(crate) async fn trace(
    ctx: Ctx,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    may_read(world, caller.user, project, DEVELOPER)?;
    let job = project_job(world, project, &job_id)?;
    // A job that never ran has no log; GitLab answers an empty body, not 404
    // (gitlab-org/gitlab:lib/api/ci/jobs.rb, "The trace can be nil").
    let log = job.trace.clone().unwrap_or_default();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}.log\"", job.id),
            ),
        ],
        log,
    )
        .into_response())
}

/// `GET /projects/:id/jobs/:job_id/artifacts`: the zip archive.
pub(crate) async fn artifacts(
    ctx: Ctx,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    may_read(world, caller.user, project, REPORTER)?;
    let job = project_job(world, project, &job_id)?;
    let zip = world
        .archive(job.id)
        .ok_or_else(|| ApiError::message(StatusCode::NOT_FOUND, "404 Not Found"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"artifacts.zip\"".to_string(),
            ),
        ],
        zip.to_vec(),
    )
        .into_response())
}

/// `GET /job` with `JOB-TOKEN` (or `job_token`): the job, while it runs; a finished job's
/// token is rejected like an unknown one (`Ci::AuthJobFinder`).
pub(crate) async fn current(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let token = ctx
        .header("job-token")
        .or_else(|| ctx.present("job_token"))
        .ok_or_else(ApiError::unauthorized)?;
    match world.credential(token) {
        Some(Credential::Job(job)) if job.is_running() => Ok(Json(entity(world, job))),
        _ => Err(ApiError::unauthorized()),
    }
}

/// `GET /projects/:id/jobs/:job_id`.
pub(crate) async fn show(
    ctx: Ctx,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    may_read(world, caller.user, project, REPORTER)?;
    Ok(Json(entity(world, project_job(world, project, &job_id)?)))
}

/// `POST /projects/:id/jobs/:job_id/cancel` (Developer; lib/api/ci/jobs.rb): a job that can
/// still be canceled becomes `canceled`, which also ends its job token; any other job is
/// returned unchanged with the same 201, as GitLab's `build.cancel` simply does nothing.
pub(crate) async fn cancel(
    ctx: Ctx,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = super::mutation::writer(&ctx, world)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, DEVELOPER)?;
    let job_id = project_job(world, project, &job_id)?.id;
    let slot = world
        .scenario
        .jobs
        .iter()
        .position(|j| j.id == job_id)
        .ok_or_else(|| ApiError::not_found("Job"))?;
    let job = &mut world.scenario_mut().jobs[slot];
    if matches!(
        job.status.as_str(),
        "created" | "pending" | "running" | "waiting_for_resource" | "preparing" | "scheduled"
    ) {
        job.status = "canceled".to_string();
        job.finished_at = Some(jiff::Timestamp::now());
    }
    let job = world.scenario.jobs[slot].clone();
    Ok((StatusCode::CREATED, Json(entity(world, &job))))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/job", routing::get(current))
        .route("/projects/{id}/jobs", routing::get(list))
        .route("/projects/{id}/jobs/{job_id}", routing::get(show))
        .route("/projects/{id}/jobs/{job_id}/cancel", routing::post(cancel))
        .route("/projects/{id}/jobs/{job_id}/trace", routing::get(trace))
        .route(
            "/projects/{id}/jobs/{job_id}/artifacts",
            routing::get(artifacts),
        )
}
