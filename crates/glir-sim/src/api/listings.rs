//! Instance-wide listings a posture check walks: `GET /projects` (doc/api/projects.md),
//! `GET /groups` (doc/api/groups.md), `GET /projects/:id/members/all` (doc/api/members.md) and
//! `GET /namespaces/:id` (doc/api/namespaces.md). Records are filtered and sorted first and
//! rendered only when they are on the requested page, so a fleet of thousands stays cheap.

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::{visible_group, visible_project};
use super::paging::{Orders, in_order_with};
use super::render::{self, base, ts};
use crate::scenario::{DEFAULT_CREATED_AT, Group, Project, User, Visibility};
use crate::server::Shared;
use crate::world::{OWNER, REPORTER, World};
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::response::Response;
use axum::routing;
use serde_json::{Value, json};
use std::sync::Arc;

/// lib/api/projects.rb: `order_by` values (default `created_at`), keyset by id either way.
const PROJECT_ORDERS: Orders = Orders {
    resource: "Project",
    columns: &[
        "created_at",
        "id",
        "name",
        "path",
        "updated_at",
        "last_activity_at",
    ],
    default_sort: "desc",
    keyset_sorts: &["asc", "desc"],
};

/// lib/api/groups.rb: `order_by` values (default `name`, ascending); no keyset paging.
const GROUP_ORDERS: Orders = Orders {
    resource: "Group",
    columns: &["name", "path", "id"],
    default_sort: "asc",
    keyset_sorts: &[],
};

/// `API::Entities::BasicProjectDetails`, what `simple=true` returns.
const SIMPLE_FIELDS: &[&str] = &[
    "id",
    "description",
    "name",
    "name_with_namespace",
    "path",
    "path_with_namespace",
    "created_at",
    "default_branch",
    "tag_list",
    "topics",
    "ssh_url_to_repo",
    "http_url_to_repo",
    "web_url",
    "readme_url",
    "forks_count",
    "avatar_url",
    "star_count",
    "last_activity_at",
    "namespace",
];

/// A sort key of whichever column was asked for.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Number(i64),
    Text(String),
}

/// A Grape `Boolean` query parameter: `None` when absent.
fn flag(ctx: &Ctx, name: &str) -> Result<Option<bool>, ApiError> {
    match ctx.present(name) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid_param(name)),
    }
}

fn visibility_param(ctx: &Ctx) -> Result<Option<Visibility>, ApiError> {
    match ctx.present("visibility") {
        None => Ok(None),
        Some("private") => Ok(Some(Visibility::Private)),
        Some("internal") => Ok(Some(Visibility::Internal)),
        Some("public") => Ok(Some(Visibility::Public)),
        Some(_) => Err(ApiError::invalid_value("visibility")),
    }
}

fn project_key(p: &Project, column: &str) -> Key {
    let created = ts(p.created_at.unwrap_or(DEFAULT_CREATED_AT));
    match column {
        "id" => Key::Number(p.id),
        "name" => Key::Text(p.name.clone().unwrap_or_else(|| p.path.clone())),
        "path" => Key::Text(World::project_path(p)),
        "last_activity_at" => Key::Text(
            p.settings
                .get("last_activity_at")
                .and_then(Value::as_str)
                .map_or(created, str::to_string),
        ),
        // The sim keeps no update time; creation stands in for `updated_at`.
        _ => Key::Text(created),
    }
}

/// `API::Entities::ProjectStatistics` for Reporter+ (`read_statistics`), all synthetic zeros
/// but the commit count.
fn statistics(p: &Project) -> Value {
    json!({
        "commit_count": p.commits.len(),
        "storage_size": 0,
        "repository_size": 0,
        "wiki_size": 0,
        "lfs_objects_size": 0,
        "job_artifacts_size": 0,
        "pipeline_artifacts_size": 0,
        "packages_size": 0,
        "snippets_size": 0,
        "uploads_size": 0,
        "container_registry_size": 0,
    })
}

/// `GET /projects`: administrators see every project, others those they are members of plus
/// internal and public ones (`membership=true` keeps only the first). Filters `archived`,
/// `visibility`; `simple=true` for the basic entity, `statistics=true` for statistics.
pub(crate) async fn projects(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let user = caller.user;
    let membership = flag(&ctx, "membership")?.unwrap_or(false);
    let archived = flag(&ctx, "archived")?;
    let simple = flag(&ctx, "simple")?.unwrap_or(false);
    let with_statistics = flag(&ctx, "statistics")?.unwrap_or(false);
    let visibility = visibility_param(&ctx)?;
    let order = PROJECT_ORDERS.order(&ctx)?;
    let items = world
        .scenario
        .projects
        .iter()
        .filter(|p| archived.is_none_or(|a| p.archived == a))
        .filter(|p| visibility.is_none_or(|v| p.visibility == v))
        .filter(|p| {
            if membership {
                world.project_access(user, p).is_some()
            } else {
                world.can_see_project(user, p)
            }
        })
        .map(|p| (p.id, project_key(p, order.by), p))
        .collect();
    PROJECT_ORDERS.respond(&ctx, &order, items, |p| {
        let mut v = render::project(world, p, user);
        if simple {
            if let Value::Object(map) = &mut v {
                map.retain(|k, _| SIMPLE_FIELDS.contains(&k.as_str()));
            }
        } else if with_statistics
            && (user.is_admin || world.project_access(user, p).is_some_and(|l| l >= REPORTER))
        {
            v["statistics"] = statistics(p);
        }
        v
    })
}

fn group_key(world: &World, g: &Group, column: &str) -> Key {
    match column {
        "id" => Key::Number(g.id),
        "path" => Key::Text(world.group_full_path(g).to_string()),
        _ => Key::Text(g.name.clone().unwrap_or_else(|| g.path.clone())),
    }
}

/// `GET /groups`: `all_available` defaults to true for administrators (every group, subgroups
/// included) and false for others (the groups they belong to, inherited memberships included);
/// with it, others get every group they can see. `top_level_only=true` drops subgroups.
pub(crate) async fn groups(ctx: Ctx) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let user = caller.user;
    let all_available = flag(&ctx, "all_available")?.unwrap_or(user.is_admin);
    let top_level_only = flag(&ctx, "top_level_only")?.unwrap_or(false);
    group_page(&ctx, world, user, |g| {
        (!top_level_only || g.parent_id.is_none())
            && if all_available {
                world.can_see_group(user, g)
            } else {
                world.group_access(user, g).is_some()
            }
    })
}

/// The groups `keep` lets through, in the order and page the request asks for.
fn group_page(
    ctx: &Ctx,
    world: &World,
    user: &User,
    keep: impl Fn(&Group) -> bool,
) -> Result<Response, ApiError> {
    let order = GROUP_ORDERS.order(ctx)?;
    let items = world
        .scenario
        .groups
        .iter()
        .filter(|g| keep(g))
        .map(|g| (g.id, group_key(world, g, order.by), g))
        .collect();
    GROUP_ORDERS.respond(ctx, &order, items, |g| render::group(world, g, user, false))
}

/// `GET /groups/:id/descendant_groups` (doc/api/groups.md, "List descendant groups"): every
/// group below it, at any depth, that the caller can see, in the same orders as `GET /groups`.
pub(crate) async fn descendant_groups(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let user = caller.user;
    let root = visible_group(world, user, &id)?;
    let prefix = format!("{}/", world.group_full_path(root));
    group_page(&ctx, world, user, |g| {
        world.group_full_path(g).starts_with(&prefix) && world.can_see_group(user, g)
    })
}

/// `GET /projects/:id/members/all`: every member with their effective access level, inherited
/// ones included; anyone who can see the project may list them (`read_project_member`).
pub(crate) async fn project_members(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    let members = world.project_members_all(project);
    in_order_with(&ctx, members, "Member", |(u, level)| {
        render::member(world, u, level)
    })
}

/// `GET /namespaces/:id` for a group: its members and administrators may read it (else 404);
/// EE adds `plan` for those who may administer it (ee/lib/ee/api/entities/namespace.rb):
/// `default` on a self-managed instance, the top-level group's subscription on GitLab.com.
pub(crate) async fn namespace(ctx: Ctx, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let user: &User = caller.user;
    let group = world
        .group(&id)
        .filter(|g| user.is_admin || world.group_access(user, g).is_some())
        .ok_or_else(|| ApiError::not_found("Namespace"))?;
    let full_path = world.group_full_path(group);
    let projects_count = world
        .scenario
        .projects
        .iter()
        .filter(|p| p.namespace.eq_ignore_ascii_case(full_path))
        .count();
    let mut v = json!({
        "id": group.id,
        "name": group.name.as_deref().unwrap_or(&group.path),
        "path": group.path,
        "kind": "group",
        "full_path": full_path,
        "parent_id": group.parent_id,
        "avatar_url": Value::Null,
        "web_url": format!("{}/groups/{full_path}", base(world)),
        "members_count_with_descendants": world.group_members_all(group).len(),
        "root_repository_size": 0,
        "projects_count": projects_count,
    });
    let administers = user.is_admin || world.group_access(user, group).is_some_and(|l| l >= OWNER);
    if world.scenario.instance.enterprise && administers {
        let plan = if world.scenario.instance.gitlab_com {
            world.group_tier(group).as_str()
        } else {
            "default"
        };
        v["plan"] = json!(plan);
        v["trial_ends_on"] = Value::Null;
        v["trial"] = json!(false);
    }
    Ok(Json(v))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/projects", routing::get(projects))
        .route("/groups", routing::get(groups))
        .route(
            "/groups/{id}/descendant_groups",
            routing::get(descendant_groups),
        )
        .route("/projects/{id}/members/all", routing::get(project_members))
        .route("/namespaces/{id}", routing::get(namespace))
}
