//! What each place holds: the instance-wide lists, a group's, a project's and a user's.

use crate::Error;
use crate::coverage::Outcome;
use crate::inventory::Caller;
use crate::kind::Kind;
use crate::record::OwnerKind;
use crate::scope::Place;
use crate::sources::{
    Ctx, Harvest, agents, apps, deploy, hooks, keys, runners, tokens, triggers, variables,
};
use crate::users::Directory;
use std::collections::HashMap;

/// Families only an administrator can list instance-wide, and the list that holds them.
const ADMIN_ONLY: [(Kind, &str); 5] = [
    (
        Kind::DeployKey,
        "instance-wide deploy keys (GET /deploy_keys)",
    ),
    (Kind::Runner, "every runner (GET /runners/all)"),
    (
        Kind::OauthApplication,
        "OAuth applications (GET /applications)",
    ),
    (Kind::Webhook, "system hooks (GET /hooks)"),
    (
        Kind::CiVariable,
        "instance CI/CD variables (GET /admin/ci/variables)",
    ),
];

/// Families listed per group or project: a non-administrator's instance scope holds only the
/// groups and projects it belongs to.
const PER_PLACE: [Kind; 8] = [
    Kind::ProjectAccessToken,
    Kind::GroupAccessToken,
    Kind::DeployToken,
    Kind::DeployKey,
    Kind::Runner,
    Kind::TriggerToken,
    Kind::Webhook,
    Kind::CiVariable,
];

/// The instance-wide lists. A non-administrator gets its own tokens and keys, and each family
/// names what only an administrator sees.
pub(crate) async fn instance(
    ctx: &Ctx<'_>,
    caller: &Caller,
    people: &Directory,
    names: &HashMap<(OwnerKind, i64), String>,
) -> Result<Harvest, Error> {
    let mut h = Harvest::default();
    tokens::instance(ctx, caller, people, names, &mut h).await?;
    if caller.admin {
        deploy::instance_tokens(ctx, &mut h).await?;
        deploy::instance_keys(ctx, &mut h).await?;
        runners::instance(ctx, &mut h).await?;
        apps::instance(ctx, &mut h).await?;
        hooks::system(ctx, &mut h).await?;
        variables::instance(ctx, &mut h).await?;
        return Ok(h);
    }
    for (kind, what) in ADMIN_ONLY {
        if ctx.wants(kind) {
            let why = format!("an administrator sees {what}");
            h.record(kind, "instance", Outcome::Skipped(why));
        }
    }
    for kind in PER_PLACE {
        if ctx.wants(kind) {
            let why = format!(
                "only the groups and projects {} belongs to; an administrator sees every one",
                caller.username
            );
            h.record(
                kind,
                "instance (other groups and projects)",
                Outcome::Skipped(why),
            );
        }
    }
    for kind in [Kind::SshKey, Kind::GpgKey] {
        if ctx.wants(kind) {
            let why = format!(
                "only {}'s own keys; an administrator lists every user's",
                caller.username
            );
            h.record(kind, "instance", Outcome::Partial(why));
        }
    }
    Ok(h)
}

pub(crate) async fn group(ctx: &Ctx<'_>, place: &Place) -> Result<Harvest, Error> {
    let mut h = Harvest::default();
    tokens::group(ctx, place, &mut h).await?;
    deploy::group_tokens(ctx, place, &mut h).await?;
    hooks::group(ctx, place, &mut h).await?;
    variables::group(ctx, place, &mut h).await?;
    Ok(h)
}

pub(crate) async fn project(ctx: &Ctx<'_>, place: &Place) -> Result<Harvest, Error> {
    let mut h = Harvest::default();
    tokens::project(ctx, place, &mut h).await?;
    deploy::project_tokens(ctx, place, &mut h).await?;
    deploy::project_keys(ctx, place, &mut h).await?;
    runners::project(ctx, place, &mut h).await?;
    triggers::project(ctx, place, &mut h).await?;
    agents::project(ctx, place, &mut h).await?;
    hooks::project(ctx, place, &mut h).await?;
    variables::project(ctx, place, &mut h).await?;
    Ok(h)
}

pub(crate) async fn user(ctx: &Ctx<'_>, id: i64, username: &str) -> Result<Harvest, Error> {
    let mut h = Harvest::default();
    keys::user(ctx, id, username, &mut h).await?;
    Ok(h)
}

pub(crate) async fn runner(ctx: &Ctx<'_>, item: &serde_json::Value) -> Result<Harvest, Error> {
    let mut h = Harvest::default();
    runners::details(ctx, item, &mut h).await?;
    Ok(h)
}
