//! Project and group CI/CD variables (doc/api/project_level_variables.md,
//! doc/api/group_level_variables.md); Maintainer and above.

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::{visible_group, visible_project};
use super::paging::{self, Rules};
use super::render_ci;
use super::roles::{group_role, project_role};
use crate::scenario::Variable;
use crate::world::MAINTAINER;
use axum::extract::Path;
use axum::response::Response;

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
