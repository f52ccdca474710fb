//! `POST /api/graphql`, answering only the queries glir sends: the audit event streaming
//! destinations (doc/api/graphql/audit_event_streaming_instances.md,
//! audit_event_streaming_groups.md) of the instance (administrators, Ultimate, self-managed) and
//! of a top-level group (its Owners, Ultimate), and a project's security scanners and a
//! project's or group's scan execution policies ([`super::graphql_security`]). A query is
//! recognised by the fields it names. Like GitLab, GraphQL
//! answers 200 with `errors` for a field the caller may not read (and `null` in its place) or
//! one the schema lacks, and 401 only for a token that does not authenticate.

use super::auth::{READ_API, authenticate, presented_token};
use super::ctx::Ctx;
use crate::scenario::{Group, Tier, User};
use crate::server::Shared;
use crate::world::{OWNER, World};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// graphql-ruby's message for a field whose `authorize` check fails.
pub(super) const NOT_ALLOWED: &str = "The resource that you are attempting to access does not exist or you don't have permission to perform this action";

const INSTANCE_FIELD: &str = "instanceExternalAuditEventDestinations";
const GROUP_FIELD: &str = "externalAuditEventDestinations";

/// The request body GitLab's GraphQL endpoint takes.
pub(super) struct Request {
    pub(super) query: String,
    pub(super) variables: Map<String, Value>,
}

fn request(body: &Bytes) -> Option<Request> {
    let v: Value = serde_json::from_slice(body).ok()?;
    Some(Request {
        query: v.get("query")?.as_str()?.to_string(),
        variables: v
            .get("variables")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    })
}

/// `{"line", "column"}` (1-based) of the first occurrence of `needle`, as graphql-ruby reports.
fn location(query: &str, needle: &str) -> Value {
    let at = query.find(needle).unwrap_or(0);
    let before = &query[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(at, |nl| at - nl - 1) + 1;
    json!([{ "line": line, "column": column }])
}

pub(super) fn error(query: &str, field: &str, message: &str, path: Value) -> Value {
    json!({ "message": message, "locations": location(query, field), "path": path })
}

/// graphql-ruby's static validation error for a field the type does not have.
pub(super) fn undefined_field(query: &str, type_name: &str, field: &str) -> Response {
    let operation = query
        .split('{')
        .next()
        .and_then(|head| head.split('(').next())
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .unwrap_or("query");
    let mut e = error(
        query,
        field,
        &format!("Field '{field}' doesn't exist on type '{type_name}'"),
        json!([operation, field]),
    );
    e["extensions"] =
        json!({ "code": "undefinedField", "typeName": type_name, "fieldName": field });
    Json(json!({ "errors": [e] })).into_response()
}

/// The first field the query selects, for the error about it.
pub(super) fn first_field(query: &str) -> &str {
    let after = query.split_once('{').map_or(query, |(_, rest)| rest);
    let start = after.trim_start();
    let end = start
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(start.len());
    &start[..end]
}

/// The `fullPath` argument of `field(…)` (`group`, `project`): a string literal or a variable.
pub(super) fn full_path(req: &Request, field: &str) -> Option<String> {
    let (_, rest) = req.query.split_once(&format!("{field}("))?;
    let (_, arg) = rest.split_once("fullPath:")?;
    let arg = arg.trim_start();
    if let Some(literal) = arg.strip_prefix('"') {
        return literal.split_once('"').map(|(path, _)| path.to_string());
    }
    let name: String = arg
        .strip_prefix('$')?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    req.variables.get(&name)?.as_str().map(str::to_string)
}

/// A destination node: `id` (a global id), `name` (its host) and `destinationUrl`.
fn node(class: &str, n: usize, url: &str) -> Value {
    let name = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| format!("Destination {n}"));
    json!({
        "id": format!("gid://gitlab/AuditEvents::{class}/{n}"),
        "name": name,
        "destinationUrl": url,
    })
}

fn instance_destinations(world: &World, user: Option<&User>, query: &str) -> Response {
    let instance = &world.scenario.instance;
    let allowed = user.is_some_and(|u| u.is_admin)
        && world.instance_tier() == Tier::Ultimate
        && !instance.gitlab_com;
    if !allowed {
        return Json(json!({
            "data": { INSTANCE_FIELD: Value::Null },
            "errors": [error(query, INSTANCE_FIELD, NOT_ALLOWED, json!([INSTANCE_FIELD]))],
        }))
        .into_response();
    }
    let nodes: Vec<Value> = world
        .scenario
        .streaming
        .iter()
        .enumerate()
        .map(|(i, t)| node("InstanceExternalAuditEventDestination", i + 1, &t.url))
        .collect();
    Json(json!({ "data": { INSTANCE_FIELD: { "nodes": nodes } } })).into_response()
}

fn group_destinations(world: &World, user: Option<&User>, req: &Request) -> Response {
    let visible = |g: &&Group| match user {
        Some(u) => world.can_see_group(u, g),
        None => g.visibility == crate::scenario::Visibility::Public,
    };
    let Some(group) = full_path(req, "group")
        .and_then(|path| world.group(&path))
        .filter(visible)
    else {
        return Json(json!({ "data": { "group": Value::Null } })).into_response();
    };
    let owner = user
        .is_some_and(|u| u.is_admin || world.group_access(u, group).is_some_and(|l| l >= OWNER));
    let allowed = owner && group.parent_id.is_none() && world.group_tier(group) == Tier::Ultimate;
    if !allowed {
        return Json(json!({
            "data": { "group": { GROUP_FIELD: Value::Null } },
            "errors": [error(&req.query, GROUP_FIELD, NOT_ALLOWED, json!(["group", GROUP_FIELD]))],
        }))
        .into_response();
    }
    let nodes: Vec<Value> = group
        .streaming_destinations
        .iter()
        .enumerate()
        .map(|(i, url)| node("ExternalAuditEventDestination", i + 1, url))
        .collect();
    Json(json!({ "data": { "group": { GROUP_FIELD: { "nodes": nodes } } } })).into_response()
}

pub(crate) async fn graphql(ctx: Ctx, body: Bytes) -> Response {
    let world = ctx.shared.world();
    let world = &*world;
    // GraphqlController: a token that does not authenticate is 401; no token is a guest.
    let user = match presented_token(&ctx) {
        None => None,
        Some(_) => match authenticate(&ctx, world, READ_API) {
            Ok(caller) => Some(caller.user),
            Err(_) => {
                return (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({ "errors": [{ "message": "Invalid token" }] })),
                )
                    .into_response();
            }
        },
    };
    let Some(req) = request(&body) else {
        return Json(json!({ "errors": [{ "message": "No query string was present" }] }))
            .into_response();
    };
    let enterprise = world.scenario.instance.enterprise;
    if req.query.contains(INSTANCE_FIELD) {
        if !enterprise {
            return undefined_field(&req.query, "Query", INSTANCE_FIELD);
        }
        return instance_destinations(world, user, &req.query);
    }
    if req.query.contains("group(") && req.query.contains(GROUP_FIELD) {
        if !enterprise {
            return undefined_field(&req.query, "Group", GROUP_FIELD);
        }
        return group_destinations(world, user, &req);
    }
    if req.query.contains("project(") {
        return super::graphql_security::project(world, user, &req);
    }
    if req.query.contains("group(") && req.query.contains(super::graphql_security::POLICIES) {
        return super::graphql_security::group(world, user, &req);
    }
    undefined_field(&req.query, "Query", first_field(&req.query))
}

/// This resource's routes, under `/api` (GraphQL is not part of the REST API's `/api/v4`).
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/graphql", routing::post(graphql))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(query: &str, variables: Value) -> Request {
        Request {
            query: query.to_string(),
            variables: variables.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn full_paths_are_read_from_a_literal_or_a_variable() {
        let literal = req(r#"{ group(fullPath: "acme/sub") { id } }"#, json!({}));
        assert_eq!(full_path(&literal, "group").as_deref(), Some("acme/sub"));
        let variable = req(
            "query($p: ID!) { project(fullPath: $p) { id } }",
            json!({"p": "acme/app"}),
        );
        assert_eq!(full_path(&variable, "project").as_deref(), Some("acme/app"));
        assert_eq!(full_path(&variable, "group"), None);
        assert_eq!(
            full_path(&req("{ group { id } }", json!({})), "group"),
            None
        );
    }

    #[test]
    fn locations_are_one_based() {
        assert_eq!(
            location("{\n  foo }", "foo"),
            json!([{"line": 2, "column": 3}])
        );
        assert_eq!(first_field("query Q { projects { id } }"), "projects");
    }
}
