//! Cross-reference and uniqueness checks. Each error names the field as a JSON path, e.g.
//! `tokens[2].user: no user "bob"`, so a drill author can find the mistake at once.

use super::{AuditEvent, Group, Member, Project, Scenario, Token, User};
use crate::error::SimError;
use std::collections::{HashMap, HashSet};

/// Scopes a GitLab personal access token can carry (doc/user/profile/personal_access_tokens.md).
pub(crate) const KNOWN_SCOPES: &[&str] = &[
    "api",
    "read_api",
    "read_user",
    "create_runner",
    "manage_runner",
    "k8s_proxy",
    "read_repository",
    "write_repository",
    "read_registry",
    "write_registry",
    "read_virtual_registry",
    "write_virtual_registry",
    "sudo",
    "admin_mode",
    "read_service_ping",
    "ai_features",
    "self_rotate",
];

/// Access levels GitLab knows (`lib/gitlab/access.rb`).
const ACCESS_LEVELS: &[u8] = &[5, 10, 15, 20, 30, 40, 50];

/// Entity types the audit events API filters on (doc/api/audit_events.md).
pub(crate) const ENTITY_TYPES: &[&str] =
    &["User", "Group", "Project", "Gitlab::Audit::InstanceScope"];

pub(super) fn invalid(field: String, message: impl Into<String>) -> SimError {
    SimError::Invalid {
        origin: "scenario".to_string(),
        field,
        message: message.into(),
    }
}

/// Checks the whole scenario; the first problem found is returned.
pub(crate) fn validate(s: &Scenario) -> Result<(), SimError> {
    let usernames = check_users(&s.users)?;
    let group_paths = check_groups(&s.groups, &usernames)?;
    check_projects(&s.projects, &group_paths, &usernames)?;
    check_tokens(&s.tokens, &usernames)?;
    let names = super::validate_ci::Names {
        users: &usernames,
        groups: &group_paths,
        projects: s
            .projects
            .iter()
            .map(|p| format!("{}/{}", p.namespace, p.path).to_lowercase())
            .collect(),
    };
    super::validate_ci::check(s, &names)?;
    super::validate_persistence::check(s)?;
    super::validate_posture::check(s)?;
    super::security::check(s)?;
    check_events(s)?;
    check_streaming(s)?;
    Ok(())
}

/// A destination the sim could not post to should fail at load, not silently at startup.
fn check_streaming(s: &Scenario) -> Result<(), SimError> {
    for (i, target) in s.streaming.iter().enumerate() {
        target.check().map_err(|e| {
            let field = e.field();
            let path = if field.is_empty() {
                format!("streaming[{i}]")
            } else {
                format!("streaming[{i}].{field}")
            };
            invalid(path, e.to_string())
        })?;
    }
    Ok(())
}

fn check_users(users: &[User]) -> Result<HashSet<String>, SimError> {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    for (i, u) in users.iter().enumerate() {
        if u.id <= 0 {
            return Err(invalid(format!("users[{i}].id"), "must be positive"));
        }
        if !ids.insert(u.id) {
            return Err(invalid(
                format!("users[{i}].id"),
                format!("duplicate user id {}", u.id),
            ));
        }
        if u.username.trim().is_empty() {
            return Err(invalid(format!("users[{i}].username"), "must not be empty"));
        }
        // GitLab usernames are unique regardless of case.
        if !names.insert(u.username.to_lowercase()) {
            return Err(invalid(
                format!("users[{i}].username"),
                format!("duplicate username \"{}\"", u.username),
            ));
        }
    }
    Ok(names)
}

fn check_members(
    field: &str,
    members: &[Member],
    usernames: &HashSet<String>,
) -> Result<(), SimError> {
    let mut seen = HashSet::new();
    for (j, m) in members.iter().enumerate() {
        let lower = m.username.to_lowercase();
        if !usernames.contains(&lower) {
            return Err(invalid(
                format!("{field}.members[{j}].username"),
                format!("no user \"{}\"", m.username),
            ));
        }
        if !seen.insert(lower) {
            return Err(invalid(
                format!("{field}.members[{j}].username"),
                format!("\"{}\" is listed twice", m.username),
            ));
        }
        if !ACCESS_LEVELS.contains(&m.access_level) {
            return Err(invalid(
                format!("{field}.members[{j}].access_level"),
                format!("{} is not one of {ACCESS_LEVELS:?}", m.access_level),
            ));
        }
    }
    Ok(())
}

/// Returns each group's full path (lower-cased), after checking parents and paths.
fn check_groups(
    groups: &[Group],
    usernames: &HashSet<String>,
) -> Result<HashSet<String>, SimError> {
    let mut by_id: HashMap<i64, usize> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        if g.id <= 0 {
            return Err(invalid(format!("groups[{i}].id"), "must be positive"));
        }
        if by_id.insert(g.id, i).is_some() {
            return Err(invalid(
                format!("groups[{i}].id"),
                format!("duplicate group id {}", g.id),
            ));
        }
        if g.path.is_empty() || g.path.contains('/') {
            return Err(invalid(
                format!("groups[{i}].path"),
                "must be one non-empty path segment",
            ));
        }
    }
    let mut paths = HashSet::new();
    for (i, g) in groups.iter().enumerate() {
        if let Some(parent) = g.parent_id
            && !by_id.contains_key(&parent)
        {
            return Err(invalid(
                format!("groups[{i}].parent_id"),
                format!("no group with id {parent}"),
            ));
        }
        let derived = derived_full_path(groups, &by_id, i).ok_or_else(|| {
            invalid(
                format!("groups[{i}].parent_id"),
                "parent chain forms a cycle",
            )
        })?;
        if let Some(given) = &g.full_path
            && given != &derived
        {
            return Err(invalid(
                format!("groups[{i}].full_path"),
                format!("\"{given}\" does not match parent and path (\"{derived}\")"),
            ));
        }
        if !paths.insert(derived.to_lowercase()) {
            return Err(invalid(
                format!("groups[{i}].path"),
                format!("duplicate group path \"{derived}\""),
            ));
        }
        check_members(&format!("groups[{i}]"), &g.members, usernames)?;
    }
    Ok(paths)
}

/// The group's full path from its parents, or `None` on a cycle.
pub(crate) fn derived_full_path(
    groups: &[Group],
    by_id: &HashMap<i64, usize>,
    start: usize,
) -> Option<String> {
    let mut segments = vec![groups[start].path.as_str()];
    let mut current = groups[start].parent_id;
    while let Some(parent) = current {
        let idx = *by_id.get(&parent)?;
        if segments.len() > groups.len() {
            return None;
        }
        segments.push(groups[idx].path.as_str());
        current = groups[idx].parent_id;
    }
    segments.reverse();
    Some(segments.join("/"))
}

fn check_projects(
    projects: &[Project],
    group_paths: &HashSet<String>,
    usernames: &HashSet<String>,
) -> Result<(), SimError> {
    let mut ids = HashSet::new();
    let mut paths = HashSet::new();
    for (i, p) in projects.iter().enumerate() {
        if p.id <= 0 {
            return Err(invalid(format!("projects[{i}].id"), "must be positive"));
        }
        if !ids.insert(p.id) {
            return Err(invalid(
                format!("projects[{i}].id"),
                format!("duplicate project id {}", p.id),
            ));
        }
        if p.path.is_empty() || p.path.contains('/') {
            return Err(invalid(
                format!("projects[{i}].path"),
                "must be one non-empty path segment",
            ));
        }
        if !group_paths.contains(&p.namespace.to_lowercase()) {
            return Err(invalid(
                format!("projects[{i}].namespace"),
                format!("no group \"{}\"", p.namespace),
            ));
        }
        let full = format!("{}/{}", p.namespace, p.path).to_lowercase();
        if group_paths.contains(&full) || !paths.insert(full) {
            return Err(invalid(
                format!("projects[{i}].path"),
                format!("\"{}/{}\" is already taken", p.namespace, p.path),
            ));
        }
        check_members(&format!("projects[{i}]"), &p.members, usernames)?;
    }
    Ok(())
}

fn check_tokens(tokens: &[Token], usernames: &HashSet<String>) -> Result<(), SimError> {
    let mut ids = HashSet::new();
    let mut values = HashSet::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.id <= 0 {
            return Err(invalid(format!("tokens[{i}].id"), "must be positive"));
        }
        if !ids.insert(t.id) {
            return Err(invalid(
                format!("tokens[{i}].id"),
                format!("duplicate token id {}", t.id),
            ));
        }
        if t.token.trim().is_empty() {
            return Err(invalid(format!("tokens[{i}].token"), "must not be empty"));
        }
        if !values.insert(t.token.as_str()) {
            // The value itself is a secret, so the message names only the other field.
            return Err(invalid(
                format!("tokens[{i}].token"),
                "same plaintext as an earlier token",
            ));
        }
        if !usernames.contains(&t.user.to_lowercase()) {
            return Err(invalid(
                format!("tokens[{i}].user"),
                format!("no user \"{}\"", t.user),
            ));
        }
        if t.scopes.is_empty() {
            return Err(invalid(
                format!("tokens[{i}].scopes"),
                "must list at least one scope",
            ));
        }
        for (j, scope) in t.scopes.iter().enumerate() {
            if !KNOWN_SCOPES.contains(&scope.as_str()) {
                return Err(invalid(
                    format!("tokens[{i}].scopes[{j}]"),
                    format!("unknown scope \"{scope}\""),
                ));
            }
        }
    }
    Ok(())
}

fn check_events(s: &Scenario) -> Result<(), SimError> {
    let user_ids: HashSet<i64> = s.users.iter().map(|u| u.id).collect();
    let group_ids: HashSet<i64> = s.groups.iter().map(|g| g.id).collect();
    let project_ids: HashSet<i64> = s.projects.iter().map(|p| p.id).collect();
    let mut ids = HashSet::new();
    for (i, e) in s.audit_events.iter().enumerate() {
        check_event(i, e, &user_ids, &group_ids, &project_ids)?;
        if !ids.insert(e.id) {
            return Err(invalid(
                format!("audit_events[{i}].id"),
                format!("duplicate audit event id {}", e.id),
            ));
        }
    }
    Ok(())
}

fn check_event(
    i: usize,
    e: &AuditEvent,
    user_ids: &HashSet<i64>,
    group_ids: &HashSet<i64>,
    project_ids: &HashSet<i64>,
) -> Result<(), SimError> {
    if e.id <= 0 {
        return Err(invalid(format!("audit_events[{i}].id"), "must be positive"));
    }
    // lib/gitlab/audit/null_author.rb: negative ids are unauthenticated, deploy token, deploy key…
    if e.author_id >= 0 && !user_ids.contains(&e.author_id) {
        return Err(invalid(
            format!("audit_events[{i}].author_id"),
            format!("no user with id {}", e.author_id),
        ));
    }
    let known = match e.entity_type.as_str() {
        "User" => user_ids.contains(&e.entity_id),
        "Group" => group_ids.contains(&e.entity_id),
        "Project" => project_ids.contains(&e.entity_id),
        "Gitlab::Audit::InstanceScope" => true,
        other => {
            return Err(invalid(
                format!("audit_events[{i}].entity_type"),
                format!("\"{other}\" is not one of {ENTITY_TYPES:?}"),
            ));
        }
    };
    if !known {
        return Err(invalid(
            format!("audit_events[{i}].entity_id"),
            format!("no {} with id {}", e.entity_type, e.entity_id),
        ));
    }
    Ok(())
}
