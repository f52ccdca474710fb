//! GitLab's JSON entities (lib/api/entities/*.rb), built from scenario records.

use crate::fields;
use crate::scenario::{AuditEvent, DEFAULT_CREATED_AT, Group, Project, Token, User, UserState};
use crate::world::World;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// Timestamps as GitLab's JSON renders them: UTC with milliseconds, e.g. `2026-11-25T02:13:00.000Z`.
pub(crate) fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(crate) fn opt_ts(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| json!(ts(t)))
}

fn insert_all(target: &mut Value, extra: Value) {
    if let (Value::Object(t), Value::Object(e)) = (target, extra) {
        t.extend(e);
    }
}

pub(crate) fn host(world: &World) -> &str {
    let url = world.scenario.instance.external_url.as_str();
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    without_scheme.split('/').next().unwrap_or(without_scheme)
}

pub(crate) fn base(world: &World) -> &str {
    world.scenario.instance.external_url.trim_end_matches('/')
}

pub(crate) fn user_name(u: &User) -> &str {
    u.name.as_deref().unwrap_or(&u.username)
}

pub(crate) fn user_email(world: &World, u: &User) -> String {
    u.email
        .clone()
        .unwrap_or_else(|| format!("{}@{}", u.username, host(world)))
}

/// `API::Entities::UserBasic`: what anyone may see of a user.
pub(crate) fn user_basic(world: &World, u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "name": user_name(u),
        "state": u.state.as_str(),
        "locked": u.locked,
        "avatar_url": Value::Null,
        "web_url": format!("{}/{}", base(world), u.username),
    })
}

/// `API::Entities::User`: a user as another signed-in user sees them.
pub(crate) fn user_public(world: &World, u: &User) -> Value {
    let mut v = user_basic(world, u);
    insert_all(
        &mut v,
        json!({
            "created_at": ts(u.created_at.unwrap_or(DEFAULT_CREATED_AT)),
            "bio": "",
            "location": "",
            "public_email": u.public_email,
            "linkedin": "",
            "twitter": "",
            "discord": "",
            "website_url": "",
            "organization": "",
            "job_title": "",
            "pronouns": Value::Null,
            "bot": u.bot,
            "work_information": Value::Null,
            "followers": 0,
            "following": 0,
            "local_time": Value::Null,
        }),
    );
    v
}

/// `API::Entities::UserPublic`: what `GET /user` shows a user about themselves.
pub(crate) fn user_self(world: &World, u: &User) -> Value {
    let mut v = user_public(world, u);
    let created = u.created_at.unwrap_or(DEFAULT_CREATED_AT);
    insert_all(
        &mut v,
        json!({
            "last_sign_in_at": opt_ts(u.last_sign_in_at),
            "confirmed_at": ts(u.confirmed_at.unwrap_or(created)),
            "last_activity_on": u.last_activity_on.map(|d| d.to_string()),
            "email": user_email(world, u),
            "theme_id": 1,
            "color_scheme_id": 1,
            "projects_limit": 100_000,
            "current_sign_in_at": opt_ts(u.current_sign_in_at),
            "identities": u.identities,
            "can_create_group": true,
            "can_create_project": true,
            "two_factor_enabled": u.two_factor_enabled,
            "external": u.external,
            "private_profile": false,
            "commit_email": user_email(world, u),
            "preferred_language": "en",
        }),
    );
    v
}

/// `API::Entities::UserWithAdmin`: everything, for administrators.
pub(crate) fn user_admin(world: &World, u: &User) -> Value {
    let mut v = user_self(world, u);
    insert_all(
        &mut v,
        json!({
            "is_admin": u.is_admin,
            "is_auditor": u.is_auditor,
            "note": u.note,
            "namespace_id": u.id,
            "created_by": Value::Null,
            "email_reset_offered_at": Value::Null,
            "current_sign_in_ip": u.current_sign_in_ip,
            "last_sign_in_ip": u.last_sign_in_ip,
            "sign_in_count": u.sign_in_count,
            "using_license_seat": !u.bot && u.state == UserState::Active,
            "provisioned_by_group_id": Value::Null,
            "enterprise_group_id": Value::Null,
        }),
    );
    v
}

/// `API::Entities::Member`.
pub(crate) fn member(world: &World, u: &User, access_level: u8) -> Value {
    let mut v = user_basic(world, u);
    insert_all(
        &mut v,
        json!({
            "access_level": access_level,
            "created_at": ts(u.created_at.unwrap_or(DEFAULT_CREATED_AT)),
            "created_by": Value::Null,
            "expires_at": Value::Null,
            "membership_state": "active",
        }),
    );
    v
}

/// `API::Entities::PersonalAccessToken` (and `ResourceAccessToken`, which adds `access_level`).
pub(crate) fn token(world: &World, t: &Token, active: bool) -> Value {
    let user_id = world.user_by_name(&t.user).map(|u| u.id);
    let mut v = json!({
        "id": t.id,
        "name": t.name,
        "revoked": t.revoked,
        "created_at": ts(t.created_at.unwrap_or(DEFAULT_CREATED_AT)),
        "description": t.description,
        "scopes": t.scopes,
        "user_id": user_id,
        "last_used_at": opt_ts(t.last_used_at),
        "active": active,
        "expires_at": t.expires_at.map(|d| d.to_string()),
    });
    // user_tokens.md: `last_used_ips` is served from 19.4; the scenario opts in by listing some.
    if !t.last_used_ips.is_empty() {
        v["last_used_ips"] = json!(t.last_used_ips);
    }
    if let Some(level) = t.access_level {
        v["access_level"] = json!(level);
    }
    v
}

/// `Parent / Child`, the display form of a group's path.
fn group_full_name(world: &World, g: &Group) -> String {
    let names: Vec<&str> = world
        .group_chain(g)
        .into_iter()
        .rev()
        .map(|x| x.name.as_deref().unwrap_or(&x.path))
        .collect();
    names.join(" / ")
}

/// `API::Entities::Group` for `viewer`, with `GroupDetail`'s fields when `detail`: the record's
/// own fields, then the settings of `fields::group` that the tier, version and role show.
pub(crate) fn group(world: &World, g: &Group, viewer: &User, detail: bool) -> Value {
    let full_path = world.group_full_path(g);
    let mut v = json!({
        "id": g.id,
        "web_url": format!("{}/groups/{full_path}", base(world)),
        "name": g.name.as_deref().unwrap_or(&g.path),
        "path": g.path,
        "description": g.description.as_deref().unwrap_or(""),
        "visibility": g.visibility.as_str(),
        "share_with_group_lock": false,
        "require_two_factor_authentication": g.require_two_factor_authentication,
        "two_factor_grace_period": g.two_factor_grace_period,
        "project_creation_level": "developer",
        "auto_devops_enabled": Value::Null,
        "subgroup_creation_level": "maintainer",
        "emails_disabled": false,
        "emails_enabled": true,
        "mentions_disabled": Value::Null,
        "lfs_enabled": true,
        "default_branch": Value::Null,
        "request_access_enabled": true,
        "full_name": group_full_name(world, g),
        "full_path": full_path,
        "created_at": ts(g.created_at.unwrap_or(DEFAULT_CREATED_AT)),
        "parent_id": g.parent_id,
        "avatar_url": Value::Null,
        "marked_for_deletion_on": Value::Null,
    });
    let gate = world.group_gate(g, viewer, detail);
    insert_all(
        &mut v,
        Value::Object(fields::render(
            fields::group::FIELDS,
            &gate,
            &g.settings,
            "",
        )),
    );
    v
}

/// `API::Entities::Project` for `viewer` (the fields a responder or a posture check reads): the
/// record's own fields, then the settings of `fields::project` that the tier, version and
/// viewer's role show.
pub(crate) fn project(world: &World, p: &Project, viewer: &User) -> Value {
    let path_with_namespace = format!("{}/{}", p.namespace, p.path);
    let name = p.name.as_deref().unwrap_or(&p.path);
    let ns = world.project_namespace(p);
    let ns_name = ns.map(|g| group_full_name(world, g)).unwrap_or_default();
    let web_url = format!("{}/{path_with_namespace}", base(world));
    let created = ts(p.created_at.unwrap_or(DEFAULT_CREATED_AT));
    let mut v = json!({
        "id": p.id,
        "description": p.description,
        "name": name,
        "name_with_namespace": format!("{ns_name} / {name}"),
        "path": p.path,
        "path_with_namespace": path_with_namespace,
        "created_at": created,
        "default_branch": p.default_branch.as_deref().unwrap_or("main"),
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": format!("git@{}:{path_with_namespace}.git", host(world)),
        "http_url_to_repo": format!("{web_url}.git"),
        "web_url": web_url,
        "readme_url": Value::Null,
        "forks_count": 0,
        "avatar_url": Value::Null,
        "star_count": 0,
        "namespace": ns.map(|g| json!({
            "id": g.id,
            "name": g.name.as_deref().unwrap_or(&g.path),
            "path": g.path,
            "kind": "group",
            "full_path": world.group_full_path(g),
            "parent_id": g.parent_id,
            "avatar_url": Value::Null,
            "web_url": format!("{}/groups/{}", base(world), world.group_full_path(g)),
        })),
        "visibility": p.visibility.as_str(),
        "archived": p.archived,
        "empty_repo": false,
        "public_jobs": p.public_jobs,
    });
    let gate = world.project_gate(p, viewer);
    insert_all(
        &mut v,
        Value::Object(fields::render(
            fields::project::FIELDS,
            &gate,
            &p.settings,
            &created,
        )),
    );
    v
}

/// EE `API::Entities::AuditEvent`: `details` are `formatted_details`, where `from` and `to`
/// are coerced to strings (app/models/concerns/audit_events/common_model.rb).
pub(crate) fn audit_event(e: &AuditEvent) -> Value {
    let mut details: Map<String, Value> = e.details.clone();
    for key in ["from", "to"] {
        if let Some(v) = details.get_mut(key)
            && !v.is_string()
        {
            let text = if v.is_null() {
                String::new()
            } else {
                v.to_string()
            };
            *v = json!(text);
        }
    }
    let mut out = Map::new();
    out.insert("id".into(), json!(e.id));
    out.insert("author_id".into(), json!(e.author_id));
    out.insert("entity_id".into(), json!(e.entity_id));
    out.insert("entity_type".into(), json!(e.entity_type));
    out.insert("event_name".into(), json!(e.event_name));
    out.insert("details".into(), Value::Object(details));
    out.insert("created_at".into(), json!(ts(e.created_at)));
    for (k, v) in &e.extra {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        let t: Timestamp = "2026-11-25T02:13:00Z".parse().expect("ts");
        assert_eq!(ts(t), "2026-11-25T02:13:00.000Z");
        let t: Timestamp = "2025-03-01T07:00:41.885123Z".parse().expect("ts");
        assert_eq!(ts(t), "2025-03-01T07:00:41.885Z");
    }
}
