//! A leaked token contained by a group Owner or project Maintainer, without an administrator's
//! token lookup: the token is found among the group's and projects' own credentials and revoked
//! or rotated with the role that manages them.
//!
//! - A project or group access token is a bot user's token. Its bot is named by the token's
//!   routing payload (`u`, the user id, in routable tokens: gitlab-org/gitlab
//!   lib/authn/token_field/generator/routable_token.rb), else by
//!   `GET /personal_access_tokens/self` asked with the leaked token; the bot's username names
//!   its project or group (`project_<id>_bot_…`, `group_<id>_bot_…`:
//!   app/services/resource_access_tokens/create_service.rb), whose token list
//!   (`GET /projects/:id/access_tokens`, Maintainer; `GET /groups/:id/access_tokens`, Owner)
//!   holds the token by its bot.
//! - A pipeline trigger token is matched in the trigger lists of the projects the responder
//!   belongs to: GitLab shows the whole token to its owner and its first characters to other
//!   Maintainers (doc/api/pipeline_triggers.md).
//! - A runner token names its runner through `POST /runners/verify` (doc/api/runners.md), which
//!   changes nothing.
//! - A deploy token cannot be told apart: no list shows any of its value after creation
//!   (doc/api/deploy_tokens.md), so the candidates are kept as evidence for an administrator.

use crate::evidence::snapshot;
use crate::playbook::Run;
use crate::{Action, Error, Finding, Owner};
use glir_gitlab::{Auth, PageRequest, Paging, PersonalAccessToken, RunnerTokenCheck, Trigger};
use glir_redact::Secret;
use glir_tokens::{Family, Identification};
use serde_json::json;

/// Plans the containment of `token` that this non-administrator can do.
pub(super) async fn contain(
    run: &mut Run<'_, '_>,
    token: &Secret,
    id: &Identification,
) -> Result<Vec<Finding>, Error> {
    match id.family {
        Family::PersonalAccessToken => access_token(run, token, id).await?,
        Family::PipelineTrigger => trigger(run, token).await?,
        Family::RunnerAuthentication | Family::RunnerAuthenticationFromRegistration => {
            runner(run, token).await?
        }
        Family::DeployToken => deploy_token(run).await?,
        other => run.skip(
            format!("containing the leaked {}", other.describe()),
            "without an administrator glir contains access, trigger and runner tokens; an administrator's token revokes any family (DELETE /admin/token)",
        ),
    }
    Ok(Vec::new())
}

/// Which project or group a bot user's username names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BotOf {
    Project(i64),
    Group(i64),
}

/// `project_20_bot_3f…` → the project 20; older GitLab wrote `project20_bot1`.
fn bot_of(username: &str) -> Option<BotOf> {
    let (kind, rest) = if let Some(rest) = username.strip_prefix("project") {
        (BotOf::Project as fn(i64) -> BotOf, rest)
    } else {
        (
            BotOf::Group as fn(i64) -> BotOf,
            username.strip_prefix("group")?,
        )
    };
    let rest = rest.strip_prefix('_').unwrap_or(rest);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    if !after.starts_with("_bot") {
        return None;
    }
    digits.parse().ok().map(kind)
}

/// A project or group access token, found through its bot user.
async fn access_token(
    run: &mut Run<'_, '_>,
    token: &Secret,
    id: &Identification,
) -> Result<(), Error> {
    let client = run.r.client;
    let (user_id, token_id) = match id.routing.get("u").and_then(|u| i64::try_from(*u).ok()) {
        Some(user) => {
            run.summary.push(format!(
                "the token's routing payload names user {user}; the token itself was not sent"
            ));
            (user, None)
        }
        None => {
            let own = client.with_auth(Auth::PrivateToken(token.clone()))?;
            match own.personal_access_token_self().await {
                Ok(answer) => {
                    run.summary.push(
                        "asked GET /personal_access_tokens/self with the leaked token (not routable, so its payload names no one); its last-used time now shows this request".into(),
                    );
                    (answer.body.user_id, Some(answer.body.id))
                }
                Err(e) if matches!(e.status(), Some(401)) => {
                    run.summary.push(
                        "GitLab refuses the token (401): already revoked or expired, or from another instance".into(),
                    );
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let owner = match client.user(user_id).await {
        Ok(answer) => answer.body,
        Err(e) => {
            let access = e.is_access_denied();
            run.failed(format!("the token's owner (user {user_id})"), e, access);
            return Ok(());
        }
    };
    let Some(bot) = bot_of(&owner.username) else {
        let mine = run.caller.as_ref().is_some_and(|c| c.id == owner.id);
        match token_id {
            Some(token_id) if mine => run.plan.push(
                Action::RevokePersonalAccessToken { token_id },
                "the leaked token is the responder's own".into(),
                "whatever uses it fails until given a new token".into(),
                None,
                Vec::new(),
            ),
            _ => run.skip(
                format!("revoking {}'s personal access token", owner.username),
                format!(
                    "a personal access token of {}, not a project's or group's: only its owner or an administrator revokes it",
                    owner.username
                ),
            ),
        }
        return Ok(());
    };
    let place = match bot {
        BotOf::Project(id) => client
            .project(&id.to_string())
            .await
            .map(|p| Owner::Project {
                project: p.body.path_with_namespace,
            }),
        BotOf::Group(id) => client.group(&id.to_string()).await.map(|g| Owner::Group {
            group: g.body.full_path,
        }),
    };
    let place = match place {
        Ok(place) => place,
        Err(e) => {
            let access = e.is_access_denied();
            run.failed(
                format!("the project or group of bot {}", owner.username),
                e,
                access,
            );
            return Ok(());
        }
    };
    let (owner_label, req) = match &place {
        Owner::Project { project } => (
            format!("project {project}"),
            client.project_access_tokens(project),
        ),
        Owner::Group { group } => (format!("group {group}"), client.group_access_tokens(group)),
        Owner::Instance => return Ok(()),
    };
    let listed: Vec<PersonalAccessToken> = match client.all(req).await {
        Ok(listed) => listed,
        Err(e) => {
            let access = e.is_access_denied();
            run.failed(format!("the access tokens of {owner_label}"), e, access);
            return Ok(());
        }
    };
    let leaked: Vec<&PersonalAccessToken> = listed
        .iter()
        .filter(|t| t.user_id == user_id && !t.revoked)
        .filter(|t| token_id.is_none_or(|id| id == t.id))
        .collect();
    snapshot(
        run.r.case,
        "leaked-token",
        &format!("access tokens of {owner_label} held by bot user {user_id}"),
        &leaked,
        &run.r.operator,
    )?;
    if leaked.is_empty() {
        run.summary.push(format!(
            "{owner_label} lists no active token of bot {}: already revoked",
            owner.username
        ));
    }
    for t in leaked {
        run.summary.push(format!(
            "the leaked token is {owner_label}'s access token {} \"{}\" (bot {}), scopes {}",
            t.id,
            t.name,
            owner.username,
            t.scopes.join(",")
        ));
        // Something that uses the token keeps working with its successor; an unused one goes.
        let action = match (&place, t.last_used_at.is_some()) {
            (Owner::Project { project }, true) => Action::RotateProjectAccessToken {
                project: project.clone(),
                token_id: t.id,
            },
            (Owner::Project { project }, false) => Action::RevokeProjectAccessToken {
                project: project.clone(),
                token_id: t.id,
            },
            (Owner::Group { group }, true) => Action::RotateGroupAccessToken {
                group: group.clone(),
                token_id: t.id,
            },
            (Owner::Group { group }, false) => Action::RevokeGroupAccessToken {
                group: group.clone(),
                token_id: t.id,
            },
            (Owner::Instance, _) => continue,
        };
        let risk = match t.last_used_at {
            Some(at) => format!(
                "last used {at}: whatever uses \"{}\" fails until it has the new token (in the case's secrets/)",
                t.name
            ),
            None => format!("never used: revoking \"{}\" breaks nothing", t.name),
        };
        run.plan.push(
            action,
            "the guide: revoke or rotate the exposed token".into(),
            risk,
            Some(json!({"active": t.active, "scopes": t.scopes, "last_used_at": t.last_used_at})),
            Vec::new(),
        );
    }
    Ok(())
}

/// The projects this token belongs to (`GET /projects?membership=true`).
async fn my_projects(run: &Run<'_, '_>) -> Result<Vec<glir_gitlab::Project>, Error> {
    let req = offset("/projects", vec![("membership".into(), "true".into())]);
    Ok(run.r.client.all(req).await?)
}

fn offset(path: &str, query: Vec<(String, String)>) -> PageRequest {
    PageRequest {
        path: path.to_string(),
        query,
        paging: Paging::Offset { per_page: 100 },
    }
}

/// A pipeline trigger token, matched whole or by the characters GitLab shows.
async fn trigger(run: &mut Run<'_, '_>, token: &Secret) -> Result<(), Error> {
    let client = run.r.client;
    let mut whole = Vec::new();
    let mut by_start = Vec::new();
    for project in my_projects(run).await? {
        let path = project.path_with_namespace;
        // Only Maintainers list triggers; a 403 elsewhere is expected.
        let Ok(triggers) = client.all::<Trigger>(client.project_triggers(&path)).await else {
            continue;
        };
        for t in triggers {
            let Some(shown) = t.token.as_ref().map(|s| s.expose().to_string()) else {
                continue;
            };
            if shown == token.expose() {
                whole.push((path.clone(), t));
            } else if shown.len() < token.expose().len() && token.expose().starts_with(&shown) {
                by_start.push((path.clone(), t));
            }
        }
    }
    let (found, how) = match (whole.len(), by_start.len()) {
        (1.., _) => (whole, "its whole token"),
        (0, 1) => (
            by_start,
            "the start of its token, the only one that matches",
        ),
        (0, 0) => {
            run.skip(
                "finding the leaked trigger",
                "no trigger of the projects this token maintains matches it",
            );
            return Ok(());
        }
        (0, n) => {
            let names: Vec<String> = by_start
                .iter()
                .map(|(p, t)| format!("{p} trigger {}", t.id))
                .collect();
            run.skip(
                "telling which trigger leaked",
                format!(
                    "{n} triggers start as it does ({}); each one's owner sees its whole token",
                    names.join(", ")
                ),
            );
            return Ok(());
        }
    };
    for (project, t) in found {
        run.summary.push(format!(
            "the leaked token is pipeline trigger {} of {project} (matched by {how})",
            t.id
        ));
        let runs_as = t.owner.as_ref().map(|u| u.username.clone());
        run.plan.push(
            Action::DeleteTrigger {
                project: project.clone(),
                trigger_id: t.id,
            },
            "the guide: revoke the exposed token".into(),
            match t.last_used {
                Some(at) => format!(
                    "last used {at}: whatever starts pipelines with it{} fails until given a new trigger",
                    runs_as.map(|u| format!(" (as {u})")).unwrap_or_default()
                ),
                None => "never used: deleting it breaks nothing".into(),
            },
            Some(json!({"project": project, "description": t.description, "last_used": t.last_used})),
            Vec::new(),
        );
    }
    Ok(())
}

/// A runner token: its runner named by the runner API, reset by its project's Maintainer or
/// group's Owner.
async fn runner(run: &mut Run<'_, '_>, token: &Secret) -> Result<(), Error> {
    match run.r.client.runners_verify(token).await? {
        RunnerTokenCheck::Valid(v) => match v.id {
            Some(runner_id) => run.plan.push(
                Action::ResetRunnerToken { runner_id },
                "the guide: revoke or rotate the exposed credential".into(),
                format!(
                    "runner {runner_id} takes no jobs until it is configured with the new token (in the case's secrets/)"
                ),
                None,
                Vec::new(),
            ),
            None => run.skip(
                "finding the leaked runner",
                "GitLab accepts the token but did not say which runner it is (older versions); an administrator's token finds it (POST /admin/token)",
            ),
        },
        RunnerTokenCheck::Invalid => run.summary.push(
            "GitLab refuses the runner token: already reset, expired or from another instance"
                .into(),
        ),
    }
    Ok(())
}

/// A deploy token: the candidates this token can see, for whoever can tell them apart.
async fn deploy_token(run: &mut Run<'_, '_>) -> Result<(), Error> {
    let client = run.r.client;
    let groups: Vec<glir_gitlab::Group> = client.all(offset("/groups", Vec::new())).await?;
    let mut lists: Vec<(String, PageRequest)> = groups
        .into_iter()
        .map(|g| {
            let req = client.group_deploy_tokens(&g.full_path);
            (format!("group {}", g.full_path), req)
        })
        .collect();
    for project in my_projects(run).await? {
        let path = project.path_with_namespace;
        let req = client.project_deploy_tokens(&path);
        lists.push((format!("project {path}"), req));
    }
    let mut candidates = Vec::new();
    for (owner, req) in lists {
        // Only Maintainers (Owners for a group's) list them; a 403 elsewhere is expected.
        if let Ok(tokens) = client.all::<glir_gitlab::DeployToken>(req).await {
            candidates.extend(
                tokens
                    .into_iter()
                    .filter(|t| !t.revoked && !t.expired)
                    .map(|t| json!({"owner": owner, "id": t.id, "name": t.name, "username": t.username, "scopes": t.scopes})),
            );
        }
    }
    let rel = snapshot(
        run.r.case,
        "deploy-token-candidates",
        "GET /api/v4/groups/:id/deploy_tokens and /projects/:id/deploy_tokens of the responder's groups and projects",
        &candidates,
        &run.r.operator,
    )?;
    run.skip(
        "telling which deploy token leaked",
        format!(
            "GitLab shows no part of a deploy token after creation; {} active ones this token can revoke are in {rel}; an administrator's token identifies it (POST /admin/token)",
            candidates.len()
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{BotOf, bot_of};

    #[test]
    fn a_bot_username_names_its_project_or_group() {
        assert_eq!(bot_of("project_20_bot_3f2a9c"), Some(BotOf::Project(20)));
        assert_eq!(bot_of("group_10_bot_sim"), Some(BotOf::Group(10)));
        assert_eq!(bot_of("project20_bot1"), Some(BotOf::Project(20)));
        assert_eq!(bot_of("projectmanager"), None);
        assert_eq!(bot_of("group_10_robot"), None);
        assert_eq!(bot_of("dana"), None);
    }
}
