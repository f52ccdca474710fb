//! `PUT /groups/:id` (Owner, doc/api/groups.md): `require_two_factor_authentication`,
//! `two_factor_grace_period` and every writable setting of `fields::group` (the download limit
//! only on an Ultimate top-level group). The 2FA changes are audited as
//! `group_require_two_factor_authentication_updated` and `group_two_factor_grace_period_updated`
//! (ee/lib/ee/audit/group_changes_auditor.rb).

use super::audit_write::{Actor, Entity, Says, Target};
use super::ctx::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::mutation::writer;
use super::namespaces::visible_group;
use super::render;
use super::roles::group_role;
use super::settings::refused;
use crate::fields::{self, group::FIELDS};
use crate::world::OWNER;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use serde_json::Value;

pub(crate) async fn update_group(
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::read(&ctx, &body);
    let require = params.flag("require_two_factor_authentication")?;
    let grace = params
        .int("two_factor_grace_period")?
        .map(|hours| {
            u32::try_from(hours).map_err(|_| ApiError::invalid_param("two_factor_grace_period"))
        })
        .transpose()?;
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = writer(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let viewer_id = caller.user.id;
    let group = visible_group(world, caller.user, &id)?;
    group_role(world, caller.user, group, OWNER)?;
    let wanted = fields::read(FIELDS, &world.group_gate(group, caller.user, true), &params)
        .map_err(refused)?;
    let changes = fields::changes(wanted, &group.settings, "");
    let (gid, entity) = (group.id, Entity::group(world, group));
    let target = Target {
        kind: "Group",
        id: gid,
        details: world.group_full_path(group).to_string(),
    };
    let slot = world
        .group_slot(gid)
        .ok_or_else(|| ApiError::not_found("Group"))?;
    let g = &mut world.scenario_mut().groups[slot];
    let mut events = Vec::new();
    if let Some(on) = require.filter(|&on| on != g.require_two_factor_authentication) {
        events.push((
            "group_require_two_factor_authentication_updated",
            Says::change("require_two_factor_authentication", !on, on),
        ));
        g.require_two_factor_authentication = on;
    }
    if let Some(hours) = grace.filter(|&h| h != g.two_factor_grace_period) {
        events.push((
            "group_two_factor_grace_period_updated",
            Says::change("two_factor_grace_period", g.two_factor_grace_period, hours),
        ));
        g.two_factor_grace_period = hours;
    }
    for (field, from, to) in changes {
        g.settings.insert(field.name.to_string(), to.clone());
        if let Some(event) = field.audit {
            events.push((event, Says::change(field.name, from, to)));
        }
    }
    for (name, says) in events {
        world.audit(&actor, name, entity.clone(), target.clone(), says);
    }
    let viewer = world.user(viewer_id).ok_or_else(ApiError::unauthorized)?;
    Ok(Json(render::group(
        world,
        &world.scenario.groups[slot],
        viewer,
        true,
    )))
}
