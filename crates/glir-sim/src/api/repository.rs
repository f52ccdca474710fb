//! Repository history: `GET /projects/:id/repository/commits` (with `since`/`until`) and a
//! commit's changed files, `GET /projects/:id/repository/commits/:sha/diff`
//! (doc/api/commits.md). Reading code needs Reporter in a private project.

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::visible_project;
use super::paging::{self, Rules};
use super::render::base;
use super::roles::project_role;
use crate::scenario::{Commit, Visibility};
use crate::server::Shared;
use crate::world::{REPORTER, World};
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::response::Response;
use axum::routing;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

const COMMIT_PAGING: Rules = Rules {
    resource: "Commit",
    keyset_sorts: &[],
    offset_sortable: false,
};

fn entity(world: &World, project: &str, c: &Commit) -> Value {
    json!({
        "id": c.id,
        "short_id": &c.id[..c.id.len().min(8)],
        "title": c.title,
        "message": c.title,
        "author_name": c.author_name,
        "author_email": c.author_email,
        "authored_date": c.authored_date.to_string(),
        "committer_name": c.author_name,
        "committer_email": c.author_email,
        "committed_date": c.authored_date.to_string(),
        "created_at": c.authored_date.to_string(),
        "parent_ids": [],
        "web_url": format!("{}/{project}/-/commit/{}", base(world), c.id),
    })
}

fn time_param(ctx: &Ctx, name: &str) -> Result<Option<Timestamp>, ApiError> {
    ctx.present(name)
        .map(|v| v.parse().map_err(|_| ApiError::invalid_param(name)))
        .transpose()
}

pub(crate) async fn commits(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    if project.visibility == Visibility::Private {
        project_role(world, caller.user, project, REPORTER)?;
    }
    let since = time_param(&ctx, "since")?;
    let until = time_param(&ctx, "until")?;
    let path = World::project_path(project);
    let mut commits: Vec<&Commit> = project
        .commits
        .iter()
        .filter(|c| since.is_none_or(|s| c.authored_date >= s))
        .filter(|c| until.is_none_or(|u| c.authored_date <= u))
        .collect();
    commits.sort_by_key(|c| c.authored_date);
    // Newest first, as GitLab lists history; the position stands in for an id when paging.
    let items = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (i as i64, entity(world, &path, c)))
        .collect();
    paging::respond(&ctx, items, &COMMIT_PAGING)
}

pub(crate) async fn diff(
    ctx: Ctx,
    Path((id, sha)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    if project.visibility == Visibility::Private {
        project_role(world, caller.user, project, REPORTER)?;
    }
    let commit = project
        .commits
        .iter()
        .find(|c| c.id == sha || (sha.len() >= 7 && c.id.starts_with(&sha)))
        .ok_or_else(|| ApiError::not_found("Commit"))?;
    let files: Vec<Value> = commit
        .files
        .iter()
        .map(|f| json!({"old_path": f, "new_path": f, "a_mode": "100644", "b_mode": "100644", "new_file": false, "renamed_file": false, "deleted_file": false, "diff": ""}))
        .collect();
    Ok(Json(Value::Array(files)))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/projects/{id}/repository/commits", routing::get(commits))
        .route(
            "/projects/{id}/repository/commits/{sha}/diff",
            routing::get(diff),
        )
}
