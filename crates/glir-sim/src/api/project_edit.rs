//! `PUT /projects/:id` (Maintainer+, doc/api/projects.md): `visibility`, `public_jobs` and every
//! writable setting of `fields::project`. A visibility change is audited as
//! `project_visibility_level_updated` with GitLab's capitalised level names, as in the seeded
//! events; settings EE's `Audit::ProjectChangesAuditor` audits write their own event, with
//! `change` naming the column; `public_jobs` has no audit event type in the catalogue.

use super::audit_write::{Actor, Entity, Says, Target};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::mutation::writer;
use super::namespaces::visible_project;
use super::render;
use super::roles::project_role;
use super::settings::refused;
use crate::fields::{self, project::FIELDS};
use crate::scenario::{DEFAULT_CREATED_AT, Visibility};
use crate::world::{MAINTAINER, World};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use serde_json::Value;

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
    let viewer_id = caller.user.id;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    let wanted = fields::read(FIELDS, &world.project_gate(project, caller.user), &params)
        .map_err(refused)?;
    let created = render::ts(project.created_at.unwrap_or(DEFAULT_CREATED_AT));
    let changes = fields::changes(wanted, &project.settings, &created);
    let (pid, entity) = (project.id, Entity::project(project));
    let target = Target {
        kind: "Project",
        id: pid,
        details: World::project_path(project),
    };
    let slot = world
        .project_slot(pid)
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let p = &mut world.scenario_mut().projects[slot];
    let mut events = Vec::new();
    if let Some(v) = visibility.filter(|&v| v != p.visibility) {
        events.push((
            "project_visibility_level_updated",
            Says::change("visibility", level_name(p.visibility), level_name(v)),
        ));
        p.visibility = v;
    }
    if let Some(on) = public_jobs {
        p.public_jobs = on;
    }
    for (field, from, to) in changes {
        p.settings.insert(field.name.to_string(), to.clone());
        if let Some(event) = field.audit {
            events.push((event, Says::change(field.name, from, to)));
        }
    }
    for (name, says) in events {
        world.audit(&actor, name, entity.clone(), target.clone(), says);
    }
    let viewer = world.user(viewer_id).ok_or_else(ApiError::unauthorized)?;
    Ok(Json(render::project(
        world,
        &world.scenario.projects[slot],
        viewer,
    )))
}

/// `Gitlab::VisibilityLevel.level_name`.
fn level_name(v: Visibility) -> &'static str {
    match v {
        Visibility::Private => "Private",
        Visibility::Internal => "Internal",
        Visibility::Public => "Public",
    }
}
