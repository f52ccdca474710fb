//! `GET /projects/:id/repository/branches` (doc/api/branches.md, lib/api/branches.rb): the
//! default branch and the scenario's other branches, sorted by name, each with its head commit
//! and whether a protected branch rule covers it. Reading code needs Reporter in a private
//! project, as the commits do.

use super::auth::{READ_API, authenticate};
use super::ctx::Ctx;
use super::error::ApiError;
use super::namespaces::visible_project;
use super::paging;
use super::render::{base, host, ts};
use super::roles::project_role;
use crate::scenario::{DEFAULT_CREATED_AT, Project, ProtectedBranch, User, Visibility};
use crate::server::Shared;
use crate::world::{DEVELOPER, REPORTER, World};
use axum::Router;
use axum::extract::Path;
use axum::response::Response;
use axum::routing;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

/// A branch as served: its name, head commit and whether it is merged.
struct Served<'a> {
    name: &'a str,
    commit_id: String,
    title: &'a str,
    /// `None` when the scenario names no author: served as the instance's Administrator.
    author: Option<(&'a str, &'a str)>,
    committed_date: Timestamp,
    merged: bool,
    default: bool,
}

/// The default branch (head: the newest scenario commit, else the project's creation) and the
/// scenario's branches.
fn branches(project: &Project) -> Vec<Served<'_>> {
    let default_name = project.default_branch.as_deref().unwrap_or("main");
    let head = project.commits.iter().max_by_key(|c| c.authored_date);
    let mut out = vec![Served {
        name: default_name,
        commit_id: head.map_or_else(|| commit_id(project.id, default_name), |c| c.id.clone()),
        title: head.map_or("Initial commit", |c| c.title.as_str()),
        author: head.map(|c| (c.author_name.as_str(), c.author_email.as_str())),
        committed_date: head.map_or(project.created_at.unwrap_or(DEFAULT_CREATED_AT), |c| {
            c.authored_date
        }),
        merged: false,
        default: true,
    }];
    out.extend(project.branches.iter().map(|b| Served {
        name: &b.name,
        commit_id: commit_id(project.id, &b.name),
        title: "Work in progress",
        author: None,
        committed_date: b.committed_date,
        merged: b.merged,
        default: false,
    }));
    out.sort_by(|a, b| a.name.cmp(b.name));
    out
}

/// A stable 40-hex commit id for a branch head the scenario does not spell out (FNV-1a over
/// the project and branch, widened).
fn commit_id(project: i64, branch: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in project.to_le_bytes().iter().chain(branch.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let word = format!("{hash:016x}");
    format!("{word}{word}{}", &word[..8])
}

/// `ProtectedBranch.matching`: an exact name, or a wildcard where `*` stands for any text
/// (doc/user/project/repository/branches/protected.md, "Protect multiple branches with wildcard
/// rules").
fn covers(rule: &str, name: &str) -> bool {
    let mut parts = rule.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn entity(world: &World, project: &Project, caller: &User, b: &Served<'_>) -> Value {
    let rules: Vec<&ProtectedBranch> = project
        .protected_branches
        .iter()
        .filter(|r| covers(&r.name, b.name))
        .collect();
    let access = if caller.is_admin {
        Some(u8::MAX)
    } else {
        world.project_access(caller, project)
    };
    let can_push = match rules.as_slice() {
        [] => access.is_some_and(|a| a >= DEVELOPER),
        rules => rules
            .iter()
            .any(|r| r.push_access_level != 0 && access.is_some_and(|a| a >= r.push_access_level)),
    };
    let path = World::project_path(project);
    let committed = ts(b.committed_date);
    let (author_name, author_email) = match b.author {
        Some((name, email)) => (name.to_string(), email.to_string()),
        None => (
            "Administrator".to_string(),
            format!("admin@{}", host(world)),
        ),
    };
    json!({
        "name": b.name,
        "merged": b.merged,
        "protected": !rules.is_empty(),
        "default": b.default,
        "developers_can_push": rules.iter().any(|r| r.push_access_level == DEVELOPER),
        "developers_can_merge": rules.iter().any(|r| r.merge_access_level == DEVELOPER),
        "can_push": can_push,
        "web_url": format!("{}/{path}/-/tree/{}", base(world), b.name),
        "commit": {
            "id": b.commit_id,
            "short_id": &b.commit_id[..8],
            "created_at": committed,
            "parent_ids": [],
            "title": b.title,
            "message": b.title,
            "author_name": author_name,
            "author_email": author_email,
            "authored_date": committed,
            "committer_name": author_name,
            "committer_email": author_email,
            "committed_date": committed,
            "trailers": {},
            "web_url": format!("{}/{path}/-/commit/{}", base(world), b.commit_id),
        },
    })
}

pub(crate) async fn list(ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    let caller = authenticate(&ctx, world, READ_API)?;
    let project = visible_project(world, caller.user, &id)?;
    if project.visibility == Visibility::Private {
        project_role(world, caller.user, project, REPORTER)?;
    }
    let items = branches(project)
        .iter()
        .map(|b| entity(world, project, caller.user, b))
        .collect();
    paging::in_order(&ctx, items, "Branch")
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/projects/{id}/repository/branches", routing::get(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_rules_cover_what_gitlab_covers() {
        assert!(covers("main", "main"));
        assert!(!covers("main", "main2"));
        assert!(covers("release/*", "release/1.0"));
        assert!(covers("*-stable", "16-0-stable"));
        assert!(covers("*", "anything/at/all"));
        assert!(covers("feat*/*x", "feature/box"));
        assert!(!covers("release/*", "hotfix/1.0"));
        assert!(!covers("*-stable", "16-0-stable-old"));
    }

    #[test]
    fn commit_ids_are_stable_forty_hex_digits() {
        let id = commit_id(20, "feature/x");
        assert_eq!(id.len(), 40);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(id, commit_id(20, "feature/x"));
        assert_ne!(id, commit_id(21, "feature/x"));
    }
}
