//! What a compromised account could reach: from its group and project memberships, the CI/CD
//! variables it could read (every one where it was Maintainer or more: the variables API needs
//! Maintainer, doc/api/project_level_variables.md; the unprotected ones where it was Developer,
//! whose pipelines on any branch get them), and the runners, access tokens, deploy tokens,
//! its own pipeline triggers and webhooks of the places it maintained. Kept in the case as
//! `state/reach.json`; each credential gets the step that replaces it, each secret-looking
//! variable a step for its issuer.
//!
//! Memberships come from `GET /users/:id/memberships` for an administrator (doc/api/users.md,
//! "User memberships": direct ones, a group's reaching its subgroups and projects); anyone else
//! walks the groups and projects they belong to with `members/all/:user_id`
//! (doc/api/members.md), which gives the effective, inherited role.

use super::rotation;
use crate::evidence::snapshot;
use crate::playbook::Run;
use crate::{Action, Error};
use glir_gitlab::{PageRequest, Paging, User};
use glir_inventory::{Credential, Inventory, Kind, Options, Scope, Silent};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// GitLab's access levels (doc/api/members.md, "Roles").
const DEVELOPER: u32 = 30;
const MAINTAINER: u32 = 40;

/// Places whose credentials are listed at once.
const CONCURRENCY: usize = 4;

/// A group or project the user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct Membership {
    /// `group` or `project`.
    kind: &'static str,
    path: String,
    access_level: u32,
    /// The call that showed it.
    source: String,
}

/// The evidence: what the account could read, and where this run could not look.
#[derive(Debug, Serialize)]
struct Reach<'a> {
    user: Value,
    memberships: &'a [Membership],
    /// Every credential the account could read or use, as the inventory lists it.
    credentials: &'a [Credential],
    /// What the listing could not see.
    gaps: &'a [String],
}

/// Reads, saves and plans the reach of `user`; `since` is when the attacker began (webhooks
/// created after it are theirs).
pub(super) async fn plan_reach(
    run: &mut Run<'_, '_>,
    user: &User,
    since: Timestamp,
) -> Result<(), Error> {
    let Some(memberships) = memberships(run, user).await? else {
        return Ok(());
    };
    let mut credentials: Vec<Credential> = Vec::new();
    let mut gaps: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for m in covering(&memberships) {
        let maintainer = m.access_level >= MAINTAINER;
        let options = Options {
            scope: if m.kind == "group" {
                Scope::Group(m.path.clone())
            } else {
                Scope::Project(m.path.clone())
            },
            kinds: if maintainer {
                vec![
                    Kind::CiVariable,
                    Kind::Runner,
                    Kind::ProjectAccessToken,
                    Kind::GroupAccessToken,
                    Kind::DeployToken,
                    Kind::TriggerToken,
                    Kind::Webhook,
                ]
            } else {
                vec![Kind::CiVariable]
            },
            concurrency: CONCURRENCY,
        };
        let inventory: Inventory =
            match glir_inventory::collect(run.r.client, &options, &Silent).await {
                Ok(inventory) => inventory,
                Err(e) => {
                    gaps.push(format!("{} {}: {e}", m.kind, m.path));
                    continue;
                }
            };
        for kind in inventory.coverage.iter().filter(|k| !k.is_complete()) {
            gaps.extend(kind.gaps.iter().map(|g| {
                format!(
                    "{} of {} {}: {}",
                    kind.kind,
                    g.scope,
                    g.status.as_str(),
                    g.reason
                )
            }));
        }
        let readable = inventory
            .credentials
            .into_iter()
            .filter(|c| maintainer || c.facts.get("protected") != Some(&json!(true)));
        for c in readable {
            if seen.insert(c.key.clone()) {
                credentials.push(c);
            }
        }
    }
    let rel = snapshot(
        run.r.case,
        "reach",
        "glir: GET /users/:id/memberships or members/all, then each place's credential lists",
        &Reach {
            user: json!({"id": user.id, "username": user.username}),
            memberships: &memberships,
            credentials: &credentials,
            gaps: &gaps,
        },
        &run.r.operator,
    )?;
    let variables = credentials
        .iter()
        .filter(|c| c.kind == Kind::CiVariable)
        .count();
    run.summary.push(format!(
        "{} could reach {} credentials ({variables} CI/CD variables) through {} memberships ({rel})",
        user.username,
        credentials.len(),
        memberships.len()
    ));
    if !gaps.is_empty() {
        run.skip(
            format!("part of what {} could reach", user.username),
            gaps.join("; "),
        );
    }
    plan(run, user, &credentials, since);
    Ok(())
}

/// The account's memberships, or `None` when this token cannot list them (a skipped check).
async fn memberships(run: &mut Run<'_, '_>, user: &User) -> Result<Option<Vec<Membership>>, Error> {
    let client = run.r.client;
    if run.admin() {
        let req = offset(format!("/users/{}/memberships", user.id), Vec::new());
        let listed: Vec<Value> = match client.all(req).await {
            Ok(listed) => listed,
            Err(e) if matches!(e.status(), Some(403 | 404)) => {
                run.skip(format!("memberships of {}", user.username), e.to_string());
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for m in listed {
            let (Some(id), Some(level)) = (m["source_id"].as_i64(), level(&m["access_level"]))
            else {
                continue;
            };
            let id = id.to_string();
            let found = match m["source_type"].as_str() {
                Some("Namespace") => client.group(&id).await.map(|g| ("group", g.body.full_path)),
                Some("Project") => client
                    .project(&id)
                    .await
                    .map(|p| ("project", p.body.path_with_namespace)),
                _ => continue,
            };
            match found {
                Ok((kind, path)) => out.push(Membership {
                    kind,
                    path,
                    access_level: level,
                    source: format!("GET /api/v4/users/{}/memberships", user.id),
                }),
                Err(e) => {
                    let access = e.is_access_denied();
                    let kind = m["source_type"].as_str().unwrap_or("membership");
                    run.failed(
                        format!("{kind} {id} of {}'s memberships", user.username),
                        e,
                        access,
                    );
                }
            }
        }
        return Ok(Some(out));
    }
    // Without an administrator, the places this token belongs to, asked one by one.
    let groups = client
        .all::<glir_gitlab::Group>(offset("/groups".into(), Vec::new()))
        .await;
    let projects = client
        .all::<glir_gitlab::Project>(offset(
            "/projects".into(),
            vec![("membership".into(), "true".into())],
        ))
        .await;
    let (groups, projects) = match (groups, projects) {
        (Ok(groups), Ok(projects)) => (groups, projects),
        (Err(e), _) | (_, Err(e)) => {
            let access = e.is_access_denied();
            run.failed(format!("the memberships of {}", user.username), e, access);
            return Ok(None);
        }
    };
    let mut places: Vec<(&'static str, String)> =
        groups.into_iter().map(|g| ("group", g.full_path)).collect();
    places.extend(
        projects
            .into_iter()
            .map(|p| ("project", p.path_with_namespace)),
    );
    let mut out = Vec::new();
    for (kind, path) in places {
        let answer = if kind == "group" {
            client.group_member(&path, user.id).await
        } else {
            client.project_member(&path, user.id).await
        };
        match answer {
            Ok(member) => out.push(Membership {
                kind,
                path,
                access_level: member.body.access_level,
                source: format!("GET /api/v4/{kind}s/:id/members/all/{}", user.id),
            }),
            // Not a member.
            Err(e) if e.status() == Some(404) => {}
            Err(e) => {
                let access = e.is_access_denied();
                run.failed(
                    format!("{}'s role in {kind} {path}", user.username),
                    e,
                    access,
                );
            }
        }
    }
    run.summary.push(format!(
        "{}'s memberships read from the groups and projects this token belongs to; an administrator's token lists all of them",
        user.username
    ));
    Ok(Some(out))
}

/// GitLab's documentation shows the level as a string, its entity as a number: either.
fn level(v: &Value) -> Option<u32> {
    v.as_u64()
        .or_else(|| v.as_str()?.parse().ok())
        .and_then(|n| u32::try_from(n).ok())
}

fn offset(path: String, query: Vec<(String, String)>) -> PageRequest {
    PageRequest {
        path,
        query,
        paging: Paging::Offset { per_page: 100 },
    }
}

/// The memberships to list, each reaching at least Developer, without the ones a group above
/// already covers at the same tier (a group's listing walks its subgroups and projects).
fn covering(memberships: &[Membership]) -> Vec<&Membership> {
    let tier = |level: u32| u8::from(level >= MAINTAINER);
    let mut wanted: Vec<&Membership> = memberships
        .iter()
        .filter(|m| m.access_level >= DEVELOPER)
        .collect();
    wanted.sort_by_key(|m| (m.path.len(), std::cmp::Reverse(m.access_level)));
    let mut chosen: Vec<&Membership> = Vec::new();
    for m in wanted {
        let covered = chosen.iter().any(|c| {
            c.kind == "group"
                && (m.path.starts_with(&format!("{}/", c.path)) || m.path == c.path)
                && tier(c.access_level) >= tier(m.access_level)
        });
        if !covered {
            chosen.push(m);
        }
    }
    chosen
}

/// The steps for what the account could reach: a replacement for each credential it could
/// use, the webhooks it could have added since `since` removed, and each secret-looking
/// variable for its issuer.
fn plan(run: &mut Run<'_, '_>, user: &User, credentials: &[Credential], since: Timestamp) {
    let why = format!(
        "{} could read or use it: assume the attacker did",
        user.username
    );
    let now = Timestamp::now();
    for c in credentials {
        match c.kind {
            Kind::CiVariable if rotation::looks_secret(c) => run.plan.push(
                Action::Manual {
                    title: rotation::variable_title(c),
                },
                why.clone(),
                rotation::variable_risk(c, &format!("the jobs of {}", c.owner)),
                None,
                Vec::new(),
            ),
            Kind::CiVariable => {}
            // GitLab never shows a hook's token; what the account could do was add one.
            Kind::Webhook => {
                let added = c.created_at.is_some_and(|at| at >= since);
                if let (true, Some(owner), Ok(hook_id)) = (added, rotation::place(c), c.id.parse())
                {
                    run.plan.push(
                        Action::RemoveHook { owner, hook_id },
                        format!("webhook created since {} was compromised", user.username),
                        "whatever receives this hook stops getting events; a hook added by the attacker is how data leaves".into(),
                        Some(json!({"key": c.key, "created_at": c.created_at})),
                        Vec::new(),
                    );
                }
            }
            // GitLab shows a trigger's token whole only to its owner.
            Kind::TriggerToken
                if c.facts.get("runs_as").and_then(Value::as_str)
                    != Some(user.username.as_str()) => {}
            _ => {
                let Some(step) = rotation::step_for(c, now) else {
                    continue;
                };
                let target = step.action.target();
                if run.plan.steps.iter().any(|s| s.action.target() == target) {
                    continue;
                }
                run.plan.push(
                    step.action,
                    why.clone(),
                    step.risk,
                    Some(step.pre_state),
                    Vec::new(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(kind: &'static str, path: &str, level: u32) -> Membership {
        Membership {
            kind,
            path: path.into(),
            access_level: level,
            source: "test".into(),
        }
    }

    #[test]
    fn a_group_covers_its_subtree_unless_a_membership_below_reaches_further() {
        let all = [
            member("group", "acme", 30),
            member("project", "acme/app", 30),
            member("project", "acme/infra", 40),
            member("group", "acme-other", 50),
            member("project", "ops/tools", 20),
        ];
        let chosen: Vec<&str> = covering(&all).iter().map(|m| m.path.as_str()).collect();
        assert_eq!(chosen, ["acme", "acme-other", "acme/infra"]);
    }

    #[test]
    fn a_level_reads_as_number_or_string() {
        assert_eq!(level(&json!(40)), Some(40));
        assert_eq!(level(&json!("20")), Some(20));
        assert_eq!(level(&json!(null)), None);
    }
}
