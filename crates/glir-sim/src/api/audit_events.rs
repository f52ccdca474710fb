//! Audit events at instance, group and project level (doc/api/audit_events.md).

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::{visible_group, visible_project};
use super::paging::{self, Rules};
use super::render;
use crate::scenario::AuditEvent;
use crate::server::Shared;
use crate::world::{DEVELOPER, MAINTAINER, OWNER};
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use std::sync::Arc;

/// Keyset paging for audit events supports only `order_by=id&sort=desc` (doc/api/rest/_index.md,
/// lib/gitlab/pagination/cursor_based_keyset.rb).
const EVENT_PAGING: Rules = Rules {
    resource: "AuditEvent",
    keyset_sorts: &["desc"],
    offset_sortable: false,
};

/// Which events a caller may list within an entity.
enum Visible {
    All,
    AuthoredBy(i64),
}

/// The `created_after` / `created_before` window. doc/api/audit_events.md: events created "on or
/// after" and "on or before" the given times, so both bounds are inclusive.
struct Window {
    after: Option<Timestamp>,
    before: Option<Timestamp>,
}

impl Window {
    fn from(ctx: &Ctx) -> Result<Window, ApiError> {
        Ok(Window {
            after: time_param(ctx, "created_after")?,
            before: time_param(ctx, "created_before")?,
        })
    }

    fn contains(&self, t: Timestamp) -> bool {
        self.after.is_none_or(|a| t >= a) && self.before.is_none_or(|b| t <= b)
    }
}

/// Grape `DateTime` params accept RFC 3339, a local date-time (taken as UTC) or a bare date.
fn time_param(ctx: &Ctx, name: &str) -> Result<Option<Timestamp>, ApiError> {
    let Some(raw) = ctx.present(name) else {
        return Ok(None);
    };
    let parsed = raw
        .parse::<Timestamp>()
        .ok()
        .or_else(|| {
            raw.parse::<DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned(TimeZone::UTC).ok())
                .map(|z| z.timestamp())
        })
        .or_else(|| {
            raw.parse::<Date>()
                .ok()
                .and_then(|d| d.to_zoned(TimeZone::UTC).ok())
                .map(|z| z.timestamp())
        });
    parsed
        .map(Some)
        .ok_or_else(|| ApiError::invalid_param(name))
}

fn respond<'a>(
    ctx: &Ctx,
    events: impl Iterator<Item = &'a AuditEvent>,
) -> Result<Response, ApiError> {
    let items = events.map(|e| (e.id, render::audit_event(e))).collect();
    paging::respond(ctx, items, &EVENT_PAGING)
}

pub(crate) async fn instance(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    // Instance audit events exist only on Self-Managed and Dedicated (doc/api/audit_events.md).
    if world.scenario.instance.gitlab_com {
        return Err(ApiError::message(StatusCode::NOT_FOUND, "404 Not Found"));
    }
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let window = Window::from(&ctx)?;
    let entity_type = match ctx.present("entity_type") {
        None => None,
        Some(t) if crate::scenario::ENTITY_TYPES.contains(&t) => Some(t),
        Some(_) => return Err(ApiError::invalid_value("entity_type")),
    };
    // entity_id "requires entity_type attribute to be present"; Grape drops it otherwise.
    let entity_id = match (entity_type, ctx.present("entity_id")) {
        (Some(_), Some(raw)) => Some(
            raw.parse::<i64>()
                .map_err(|_| ApiError::invalid_param("entity_id"))?,
        ),
        _ => None,
    };
    let events = world
        .events_desc()
        .filter(|e| window.contains(e.created_at))
        .filter(|e| entity_type.is_none_or(|t| e.entity_type == t))
        .filter(|e| entity_id.is_none_or(|id| e.entity_id == id));
    respond(&ctx, events)
}

pub(crate) async fn group(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let group = visible_group(world, caller.user, &id)?;
    // doc/api/audit_events.md: Owners see every event; Developers and Maintainers only their own.
    let visible = if caller.is_admin() {
        Visible::All
    } else {
        match world.group_access(caller.user, group) {
            Some(level) if level >= OWNER => Visible::All,
            Some(level) if level >= DEVELOPER => Visible::AuthoredBy(caller.user.id),
            _ => return Err(ApiError::forbidden()),
        }
    };
    entity_events(&ctx, world, "Group", group.id, &visible)
}

pub(crate) async fn project(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    // doc/api/audit_events.md: Maintainers and above see everything; Developers their own.
    let visible = if caller.is_admin() {
        Visible::All
    } else {
        match world.project_access(caller.user, project) {
            Some(level) if level >= MAINTAINER => Visible::All,
            Some(level) if level >= DEVELOPER => Visible::AuthoredBy(caller.user.id),
            _ => return Err(ApiError::forbidden()),
        }
    };
    entity_events(&ctx, world, "Project", project.id, &visible)
}

fn entity_events(
    ctx: &Ctx,
    world: &crate::world::World,
    entity_type: &str,
    entity_id: i64,
    visible: &Visible,
) -> Result<Response, ApiError> {
    let window = Window::from(ctx)?;
    let events = world
        .events_desc()
        .filter(|e| e.entity_type == entity_type && e.entity_id == entity_id)
        .filter(|e| match visible {
            Visible::All => true,
            Visible::AuthoredBy(id) => e.author_id == *id,
        })
        .filter(|e| window.contains(e.created_at));
    respond(ctx, events)
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/groups/{id}/audit_events", routing::get(group))
        .route("/projects/{id}/audit_events", routing::get(project))
        .route("/audit_events", routing::get(instance))
}
