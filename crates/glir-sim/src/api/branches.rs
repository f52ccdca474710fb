//! Protected branches (doc/api/protected_branches.md) and merge request approval settings
//! (doc/api/merge_request_approvals.md), each change audited as EE does it.

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::mutation::writer;
use super::namespaces::visible_project;
use super::paging;
use super::project_protection::{licensed, no_such_route};
use super::roles::project_role;
use crate::scenario::{ApprovalSettings, ProtectedBranch, Tier, access_level_name};
use crate::server::Shared;
use crate::world::{DEVELOPER, MAINTAINER, World};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

/// Access levels a protected branch accepts (`ProtectedRefAccess::ALLOWED_ACCESS_LEVELS`).
const LEVELS: &[u8] = &[0, 30, 40, 60];

fn levels(id: i64, level: u8) -> Value {
    json!([{
        "id": id,
        "access_level": level,
        "access_level_description": access_level_name(level),
        "user_id": Value::Null,
        "group_id": Value::Null,
    }])
}

/// `API::Entities::ProtectedBranch`.
fn render(b: &ProtectedBranch) -> Value {
    json!({
        "id": b.id,
        "name": b.name,
        "push_access_levels": levels(b.id * 10 + 1, b.push_access_level),
        "merge_access_levels": levels(b.id * 10 + 2, b.merge_access_level),
        "unprotect_access_levels": [],
        "allow_force_push": b.allow_force_push,
        "code_owner_approval_required": b.code_owner_approval_required,
    })
}

/// `GET /projects/:id/protected_branches` (Developer+).
pub(crate) async fn list(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, DEVELOPER)?;
    paging::in_order(
        &ctx,
        project.protected_branches.iter().map(render).collect(),
        "ProtectedBranch",
    )
}

/// `GET /projects/:id/protected_branches/:name` (Developer+): 404 `Not found` when unprotected.
pub(crate) async fn get(
    ctx: Ctx,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, DEVELOPER)?;
    project
        .protected_branches
        .iter()
        .find(|b| b.name == name)
        .map(|b| Json(render(b)))
        .ok_or_else(|| ApiError::message(StatusCode::NOT_FOUND, "404 Not found"))
}

/// `POST /projects/:id/protected_branches` with `name`, `push_access_level`,
/// `merge_access_level`, `allow_force_push` (Maintainer+): 201; 409 when already protected.
/// Audited as `protected_branch_created`.
pub(crate) async fn protect(
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let params = Params::read(&ctx, &body);
    let name = params
        .text("name")
        .ok_or_else(|| ApiError::grape(StatusCode::BAD_REQUEST, "name is missing"))?
        .to_string();
    let level = |key: &str| -> Result<u8, ApiError> {
        match params.int(key)? {
            None => Ok(40),
            Some(l) => u8::try_from(l)
                .ok()
                .filter(|l| LEVELS.contains(l))
                .ok_or_else(|| ApiError::invalid_value(key)),
        }
    };
    let (push, merge) = (level("push_access_level")?, level("merge_access_level")?);
    let force = params.flag("allow_force_push")?.unwrap_or(false);
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    if project.protected_branches.iter().any(|b| b.name == name) {
        return Err(ApiError::message(
            StatusCode::CONFLICT,
            format!("Protected branch '{name}' already exists"),
        ));
    }
    let (pid, entity) = (project.id, Entity::project(project));
    let next = World::next_id(
        world
            .scenario
            .projects
            .iter()
            .flat_map(|p| p.protected_branches.iter().map(|b| b.id)),
    );
    let slot = world
        .project_slot(pid)
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let branch = ProtectedBranch {
        id: next,
        name: name.clone(),
        push_access_level: push,
        merge_access_level: merge,
        allow_force_push: force,
        code_owner_approval_required: false,
    };
    let rendered = render(&branch);
    world.scenario_mut().projects[slot]
        .protected_branches
        .push(branch);
    world.audit(
        &actor,
        "protected_branch_created",
        entity,
        Target {
            kind: "ProtectedBranch",
            id: next,
            details: name,
        },
        Says::Message(format!(
            "Added protected branch with push access level {} and merge access level {}",
            access_level_name(push),
            access_level_name(merge)
        )),
    );
    Ok((StatusCode::CREATED, Json(rendered)))
}

/// `DELETE /projects/:id/protected_branches/:name` (Maintainer+): 204; 404 once unprotected.
/// Audited as `protected_branch_removed`.
pub(crate) async fn unprotect(
    ctx: Ctx,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let (pid, entity) = (project.id, Entity::project(project));
    let slot = world
        .project_slot(pid)
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let branches = &mut world.scenario_mut().projects[slot].protected_branches;
    let i = branches
        .iter()
        .position(|b| b.name == name)
        .ok_or_else(|| ApiError::message(StatusCode::NOT_FOUND, "404 Not found"))?;
    let removed = branches.remove(i);
    world.audit(
        &actor,
        "protected_branch_removed",
        entity,
        Target {
            kind: "ProtectedBranch",
            id: removed.id,
            details: removed.name,
        },
        Says::Message("Unprotected branch".to_string()),
    );
    Ok(StatusCode::NO_CONTENT)
}

fn render_approvals(a: &ApprovalSettings) -> Value {
    json!({
        "approvals_before_merge": a.approvals_before_merge,
        "reset_approvals_on_push": a.reset_approvals_on_push,
        "selective_code_owner_removals": false,
        "disable_overriding_approvers_per_merge_request": a.disable_overriding_approvers_per_merge_request,
        "merge_requests_author_approval": a.merge_requests_author_approval,
        "merge_requests_disable_committers_approval": a.merge_requests_disable_committers_approval,
        "require_password_to_approve": false,
        "require_reauthentication_to_approve": false,
    })
}

/// `GET /projects/:id/approvals` (Developer+). Approval settings are EE code
/// (ee/lib/api/project_approvals.rb, `merge_request_approvers`, Premium): Community Edition has
/// no such route and an unlicensed instance answers 404 as well.
pub(crate) async fn approvals(ctx: Ctx, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let project = approval_reader(&ctx, world, &id)?;
    Ok(Json(render_approvals(&project.approvals)))
}

/// The project whose approval settings or rules a Developer+ may read: EE code, Premium.
fn approval_reader<'w>(
    ctx: &Ctx,
    world: &'w World,
    id: &str,
) -> Result<&'w crate::scenario::Project, ApiError> {
    if !world.scenario.instance.enterprise {
        return Err(no_such_route());
    }
    let caller = authenticate(ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, id)?;
    licensed(world, project, Tier::Premium)?;
    project_role(world, caller.user, project, DEVELOPER)?;
    Ok(project)
}

/// `GET /projects/:id/approval_rules` (Developer+, Premium; ee/lib/api/project_approval_rules.rb):
/// the project's rules, each with the approvals it requires.
pub(crate) async fn approval_rules(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let project = approval_reader(&ctx, world, &id)?;
    let rules = project
        .approval_rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "name": r.name,
                "rule_type": r.rule_type,
                "approvals_required": r.approvals_required,
                "eligible_approvers": [],
                "users": [],
                "groups": [],
                "protected_branches": [],
                "contains_hidden_groups": false,
                "applies_to_all_protected_branches": false,
            })
        })
        .collect();
    Ok(Json(Value::Array(rules)))
}

/// `POST /projects/:id/approvals` (Maintainer+): 201 with the settings. Each changed setting
/// writes its event (ee/lib/ee/audit/project_changes_auditor.rb) with the change names and
/// polarity the seeded `project_merge_requests_author_approval_updated` event uses;
/// `approvals_before_merge` (deprecated) has no event type.
pub(crate) async fn set_approvals(
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let params = Params::read(&ctx, &body);
    let before_merge = params.int("approvals_before_merge")?;
    let reset = params.flag("reset_approvals_on_push")?;
    let no_override = params.flag("disable_overriding_approvers_per_merge_request")?;
    let author = params.flag("merge_requests_author_approval")?;
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    if !world.scenario.instance.enterprise {
        return Err(no_such_route());
    }
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let project = visible_project(world, caller.user, &id)?;
    licensed(world, project, Tier::Premium)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let (pid, entity) = (project.id, Entity::project(project));
    let target = Target {
        kind: "Project",
        id: pid,
        details: World::project_path(project),
    };
    let slot = world
        .project_slot(pid)
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let a = &mut world.scenario_mut().projects[slot].approvals;
    let mut events = Vec::new();
    if let Some(n) = before_merge {
        a.approvals_before_merge =
            u32::try_from(n).map_err(|_| ApiError::invalid_param("approvals_before_merge"))?;
    }
    if let Some(on) = reset.filter(|&on| on != a.reset_approvals_on_push) {
        events.push((
            "project_reset_approvals_on_push_updated",
            Says::change(
                "require new approvals when new commits are added to an MR",
                !on,
                on,
            ),
        ));
        a.reset_approvals_on_push = on;
    }
    if let Some(on) =
        no_override.filter(|&on| on != a.disable_overriding_approvers_per_merge_request)
    {
        events.push((
            "project_disable_overriding_approvers_per_merge_request_updated",
            Says::change(
                "prevent users from modifying MR approval rules in merge requests",
                !on,
                on,
            ),
        ));
        a.disable_overriding_approvers_per_merge_request = on;
    }
    if let Some(on) = author.filter(|&on| on != a.merge_requests_author_approval) {
        // The event speaks of *preventing* author approval: the negated setting.
        events.push((
            "project_merge_requests_author_approval_updated",
            Says::change("prevent merge request approval from authors", on, !on),
        ));
        a.merge_requests_author_approval = on;
    }
    let rendered = render_approvals(a);
    for (name, says) in events {
        world.audit(&actor, name, entity.clone(), target.clone(), says);
    }
    Ok((StatusCode::CREATED, Json(rendered)))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/projects/{id}/protected_branches",
            routing::get(list).post(protect),
        )
        .route(
            "/projects/{id}/protected_branches/{name}",
            routing::get(get).delete(unprotect),
        )
        .route(
            "/projects/{id}/approvals",
            routing::get(approvals).post(set_approvals),
        )
        .route(
            "/projects/{id}/approval_rules",
            routing::get(approval_rules),
        )
}
