//! Role checks after visibility: a visible project or group whose role is too low is 403
//! (`authorize!` in lib/api/helpers.rb), unlike an invisible one, which is 404.

use super::error::ApiError;
use crate::scenario::{Group, Project, User};
use crate::world::World;

/// Admins pass; others need at least `min` in the project (inherited roles included).
pub(crate) fn project_role(
    world: &World,
    user: &User,
    project: &Project,
    min: u8,
) -> Result<(), ApiError> {
    if user.is_admin
        || world
            .project_access(user, project)
            .is_some_and(|l| l >= min)
    {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Admins pass; others need at least `min` in the group (inherited roles included).
pub(crate) fn group_role(
    world: &World,
    user: &User,
    group: &Group,
    min: u8,
) -> Result<(), ApiError> {
    if user.is_admin || world.group_access(user, group).is_some_and(|l| l >= min) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}
