//! Project and group CI/CD variables (doc/api/project_level_variables.md,
//! doc/api/group_level_variables.md); Maintainer and above.

use super::audit_write::{Actor, Entity, Says, Target};
use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::mutation::writer;
use super::namespaces::{visible_group, visible_project};
use super::paging::{self, Rules};
use super::render_ci;
use super::roles::{group_role, project_role};
use crate::scenario::Variable;
use crate::server::Shared;
use crate::world::MAINTAINER;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use serde_json::Value;
use std::sync::Arc;

const VARIABLE_PAGING: Rules = Rules {
    resource: "Ci::Variable",
    keyset_sorts: &[],
    offset_sortable: false,
};

fn page(ctx: &Ctx, variables: &[Variable]) -> Result<Response, ApiError> {
    // Variables have no id in the API; GitLab lists them in creation order, which the scenario
    // order stands for (the paging helper lists higher "ids" first).
    let n = i64::try_from(variables.len()).unwrap_or(i64::MAX);
    let items = variables
        .iter()
        .zip((1..=n).rev())
        .map(|(v, rank)| (rank, render_ci::variable(v)))
        .collect();
    paging::respond(ctx, items, &VARIABLE_PAGING)
}

pub(crate) async fn project(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    project_role(world, caller.user, project, MAINTAINER)?;
    page(&ctx, &project.variables)
}

pub(crate) async fn group(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, MAINTAINER)?;
    page(&ctx, &group.variables)
}

/// `PUT /projects/:id/variables/:key` (Maintainer+).
pub(crate) async fn update_project_variable(
    ctx: Ctx,
    Path((id, key)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let change = VariableChange::read(&ctx, &body)?;
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
    let vars = &mut world.scenario_mut().projects[slot].variables;
    let (rendered, events) = change.apply(vars, &key, "Ci::Variable")?;
    for (target, says) in events {
        world.audit(&actor, "ci_variable_updated", entity.clone(), target, says);
    }
    Ok(Json(rendered))
}

/// `PUT /groups/:id/variables/:key` (Maintainer+).
pub(crate) async fn update_group_variable(
    ctx: Ctx,
    Path((id, key)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let change = VariableChange::read(&ctx, &body)?;
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, MAINTAINER)?;
    let (gid, entity) = (group.id, Entity::group(world, group));
    let slot = world
        .group_slot(gid)
        .ok_or_else(|| ApiError::not_found("Group"))?;
    let vars = &mut world.scenario_mut().groups[slot].variables;
    let (rendered, events) = change.apply(vars, &key, "Ci::GroupVariable")?;
    for (target, says) in events {
        world.audit(
            &actor,
            "ci_group_variable_updated",
            entity.clone(),
            target,
            says,
        );
    }
    Ok(Json(rendered))
}

/// The flags a variable update may change. `value` is optional on update
/// (lib/api/ci/variables.rb, `optional :value`), so glir never sends it back.
struct VariableChange {
    masked: Option<bool>,
    protected: Option<bool>,
    /// `filter[environment_scope]`: which of several same-key variables.
    scope: Option<String>,
}

impl VariableChange {
    fn read(ctx: &Ctx, body: &Bytes) -> Result<VariableChange, ApiError> {
        let params = Params::read(ctx, body);
        Ok(VariableChange {
            masked: params.flag("masked")?,
            protected: params.flag("protected")?,
            scope: params.text("filter[environment_scope]").map(str::to_string),
        })
    }

    /// Changes the variable; returns its entity and one event per changed flag.
    fn apply(
        self,
        vars: &mut [Variable],
        key: &str,
        target_kind: &'static str,
    ) -> Result<(Value, Vec<(Target, Says)>), ApiError> {
        let matching: Vec<usize> = vars
            .iter()
            .enumerate()
            .filter(|(_, v)| {
                v.key == key
                    && self
                        .scope
                        .as_deref()
                        .is_none_or(|s| v.environment_scope == s)
            })
            .map(|(i, _)| i)
            .collect();
        let i = match matching.as_slice() {
            [] => return Err(ApiError::not_found("Variable")),
            [i] => *i,
            _ => {
                return Err(ApiError::message(
                    StatusCode::CONFLICT,
                    "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'.",
                ));
            }
        };
        let var = &mut vars[i];
        if self.masked == Some(true) && !maskable(&var.value) {
            // app/models/concerns/ci/maskable.rb: the value fails the masking rules.
            return Err(ApiError::validation("value", "cannot be masked"));
        }
        // Variables have no id in the API; the scenario position stands in for the record id.
        let target = Target {
            kind: target_kind,
            id: i64::try_from(i).unwrap_or(0) + 1,
            details: var.key.clone(),
        };
        let mut events = Vec::new();
        if let Some(on) = self.masked.filter(|&on| on != var.masked) {
            events.push((target.clone(), Says::change("masked", var.masked, on)));
            var.masked = on;
        }
        if let Some(on) = self.protected.filter(|&on| on != var.protected) {
            events.push((target.clone(), Says::change("protected", var.protected, on)));
            var.protected = on;
        }
        Ok((render_ci::variable(var), events))
    }
}

/// doc/ci/variables/_index.md "Mask a CI/CD variable": one line, no spaces, at least 8
/// characters, from the Base64 alphabet plus `@ : . ~ - _ + = /`.
fn maskable(value: &str) -> bool {
    value.len() >= 8
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@:.~-_+=/".contains(c))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/groups/{id}/variables", routing::get(group))
        .route(
            "/groups/{id}/variables/{key}",
            routing::put(update_group_variable),
        )
        .route("/projects/{id}/variables", routing::get(project))
        .route(
            "/projects/{id}/variables/{key}",
            routing::put(update_project_variable),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_rules() {
        assert!(maskable("Abcdefgh+/="));
        assert!(!maskable("short"));
        assert!(!maskable("has space in it"));
        assert!(
            !maskable("Sim+Leak/Secret=Value!2026"),
            "'!' is not allowed"
        );
    }
}
