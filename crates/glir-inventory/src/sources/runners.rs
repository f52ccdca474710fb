//! Runners and their authentication tokens (doc/api/runners.md). Lists show little (no dates,
//! no owner), so each runner's own page is read once: its projects or groups, creation, last
//! contact and token expiry.

use super::{Ctx, Harvest, Listing};
use crate::Error;
use crate::coverage::{Outcome, outcome_of};
use crate::kind::Kind;
use crate::record::{Credential, Draft, Owner, OwnerKind, State};
use crate::scope::Place;
use crate::values::{flag, number, text, time};
use serde_json::{Value, json};

/// `GET /runners/all` (administrators): every runner of the instance.
pub(crate) async fn instance(ctx: &Ctx<'_>, harvest: &mut Harvest) -> Result<(), Error> {
    if !ctx.wants(Kind::Runner) {
        return Ok(());
    }
    let req = ctx.client.runners_all();
    let listing = Listing {
        kinds: &[Kind::Runner],
        scope: "instance",
        who_sees: "an administrator".to_string(),
    };
    let items: Vec<Value> = listing.fetch(ctx, req, harvest).await?;
    harvest.runners.extend(items);
    Ok(())
}

/// `GET /projects/:id/runners` (Maintainer+): the runners the project may use. Instance
/// runners are every project's, so they belong to the instance's inventory, not a subtree's.
pub(crate) async fn project(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::Runner) {
        return Ok(());
    }
    let scope = format!("project {}", place.path);
    let req = ctx.client.project_runners(&place.id.to_string());
    let listing = Listing {
        kinds: &[Kind::Runner],
        scope: &scope,
        who_sees: format!("a Maintainer of {scope}"),
    };
    let items: Vec<Value> = listing.fetch(ctx, req, harvest).await?;
    harvest.runners.extend(
        items
            .into_iter()
            .filter(|r| text(r, "runner_type") != Some("instance_type")),
    );
    Ok(())
}

/// `GET /runners/:id` for a listed runner: a credential from its page, or from the list item
/// with the gap recorded when the page cannot be read.
pub(crate) async fn details(
    ctx: &Ctx<'_>,
    item: &Value,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let Some(id) = number(item, "id") else {
        return Ok(());
    };
    let path = format!("/runners/{id}");
    let from = format!("GET /api/v4{path}");
    let scope = format!("runner {id}");
    let page = match ctx.client.get::<Value>(&path, &[]).await {
        Ok(answer) => {
            harvest.record(Kind::Runner, &scope, Outcome::Complete);
            answer.body
        }
        Err(e) => {
            let who_sees = "an administrator, the runner's project Maintainer or group Owner";
            let outcome = outcome_of(e, &from, who_sees)?;
            harvest.record(Kind::Runner, &scope, outcome);
            item.clone()
        }
    };
    harvest.credentials.push(credential(ctx, id, &page, &from));
    Ok(())
}

fn credential(ctx: &Ctx<'_>, id: i64, r: &Value, from: &str) -> Credential {
    let projects: Vec<(i64, &str)> = r["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((number(p, "id")?, text(p, "path_with_namespace")?)))
        .collect();
    let groups: Vec<(i64, &str)> = r["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| Some((number(g, "id")?, text(g, "full_path")?)))
        .collect();
    let runner_type = text(r, "runner_type");
    let owner = match (runner_type, projects.first(), groups.first()) {
        (Some("instance_type"), _, _) => Owner::instance(),
        (Some("project_type"), Some((pid, path)), _) => Owner::project(*pid, path),
        (Some("group_type"), _, Some((gid, path))) => Owner::group(*gid, path),
        (kind, _, _) => Owner {
            kind: OwnerKind::Unknown,
            id: None,
            name: kind.unwrap_or("runner type not shown").to_string(),
        },
    };
    let mut d = Draft::new(Kind::Runner, id.to_string(), owner, from.to_string())
        .named(text(r, "description"));
    d.access = text(r, "access_level").map(str::to_string);
    d.created_at = time(r, "created_at");
    d.expires_at = time(r, "token_expires_at");
    d.last_used_at = time(r, "contacted_at");
    d.state = State::of(false, d.expires_at, ctx.now);
    d.fact("runner_type", json!(runner_type));
    d.fact("paused", json!(flag(r, "paused")));
    d.fact("status", json!(text(r, "status")));
    d.fact("locked", json!(flag(r, "locked")));
    d.fact("run_untagged", json!(flag(r, "run_untagged")));
    if let Some(tags) = r["tag_list"].as_array().filter(|t| !t.is_empty()) {
        d.fact("tags", json!(tags));
    }
    if projects.len() > 1 {
        let paths: Vec<&str> = projects.iter().map(|(_, p)| *p).collect();
        d.fact("projects", json!(paths));
    }
    d.finish()
}
