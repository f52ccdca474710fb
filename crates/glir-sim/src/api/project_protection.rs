//! Project protections that live behind their own endpoints: the push rule
//! (doc/api/project_push_rules.md, Premium) and the CI/CD job token scope
//! (doc/api/project_job_token_scopes.md). Both need Maintainer.

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::visible_project;
use super::render::ts;
use super::roles::project_role;
use crate::fields::{self, project::FIELDS};
use crate::scenario::{DEFAULT_CREATED_AT, Project, PushRule, Tier};
use crate::server::Shared;
use crate::world::{MAINTAINER, World};
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

/// lib/api/api.rb: a route the instance does not have (EE code on Community Edition).
pub(crate) fn no_such_route() -> ApiError {
    ApiError::grape(StatusCode::NOT_FOUND, "404 Not Found")
}

/// An endpoint of an EE feature licensed from `tier` up: absent on Community Edition, and
/// `not_found!` below its tier (`check_project_feature_available!`, lib/api/helpers.rb).
pub(crate) fn licensed(world: &World, project: &Project, tier: Tier) -> Result<(), ApiError> {
    if world.project_tier(project) >= tier {
        Ok(())
    } else {
        Err(ApiError::message(StatusCode::NOT_FOUND, "404 Not Found"))
    }
}

/// `API::Entities::ProjectPushRule`.
fn push_rule(rule: &PushRule, project: &Project) -> Value {
    json!({
        "id": rule.id,
        "project_id": project.id,
        "created_at": ts(rule.created_at.unwrap_or(DEFAULT_CREATED_AT)),
        "commit_message_regex": rule.commit_message_regex,
        "commit_message_negative_regex": rule.commit_message_negative_regex,
        "branch_name_regex": rule.branch_name_regex,
        "deny_delete_tag": rule.deny_delete_tag,
        "member_check": rule.member_check,
        "prevent_secrets": rule.prevent_secrets,
        "author_email_regex": rule.author_email_regex,
        "file_name_regex": rule.file_name_regex,
        "max_file_size": rule.max_file_size,
        "commit_committer_check": rule.commit_committer_check,
        "commit_committer_name_check": rule.commit_committer_name_check,
        "reject_unsigned_commits": rule.reject_unsigned_commits,
        "reject_non_dco_commits": rule.reject_non_dco_commits,
    })
}

/// `GET /projects/:id/push_rule` (ee/lib/api/project_push_rule.rb): `authorize!
/// :admin_push_rules` (Maintainer), then the `push_rules` feature; a project without a rule
/// answers 200 with `null`, as `present nil` does.
pub(crate) async fn get_push_rule(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    if !world.scenario.instance.enterprise {
        return Err(no_such_route());
    }
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    licensed(world, project, Tier::Premium)?;
    Ok(Json(
        project
            .push_rule
            .as_ref()
            .map_or(Value::Null, |rule| push_rule(rule, project)),
    ))
}

/// `GET /projects/:id/job_token_scope` (Maintainer+): `inbound_enabled` is "Limit access to
/// this project", `outbound_enabled` the deprecated outbound scope the project entity serves as
/// `ci_job_token_scope_enabled`.
pub(crate) async fn job_token_scope(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let setting = |name: &str| {
        fields::stored(FIELDS, name).map_or(Value::Null, |f| f.current(&project.settings, ""))
    };
    Ok(Json(json!({
        "inbound_enabled": setting("inbound_job_token_scope_enabled"),
        "outbound_enabled": setting("ci_job_token_scope_enabled"),
    })))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/projects/{id}/push_rule", routing::get(get_push_rule))
        .route(
            "/projects/{id}/job_token_scope",
            routing::get(job_token_scope),
        )
}
