//! Personal, impersonation, project and group access tokens: one table in GitLab
//! (doc/api/personal_access_tokens.md, project_access_tokens.md, group_access_tokens.md), so
//! one id space. An administrator's `GET /personal_access_tokens` holds all of them, bots'
//! included but without the project or group; the resource lists say whose they are.

use super::{Ctx, Harvest, Listing, source};
use crate::Error;
use crate::coverage::Outcome;
use crate::inventory::Caller;
use crate::kind::Kind;
use crate::record::{Credential, Draft, Owner, OwnerKind, State, role};
use crate::scope::Place;
use crate::users::{Directory, bot_resource};
use crate::values::day_start;
use glir_gitlab::{PatFilter, PersonalAccessToken};
use serde_json::json;
use std::collections::HashMap;

/// `GET /personal_access_tokens`: every token for an administrator; a non-administrator gets
/// only their own, which is named as partial.
pub(crate) async fn instance(
    ctx: &Ctx<'_>,
    caller: &Caller,
    people: &Directory,
    places: &HashMap<(OwnerKind, i64), String>,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let kinds = [Kind::PersonalAccessToken, Kind::ImpersonationToken];
    if !ctx.wants_any(&kinds) {
        return Ok(());
    }
    let req = ctx.client.personal_access_tokens(&PatFilter::default());
    let from = source(&req);
    let mut listed = Harvest::default();
    let listing = Listing {
        kinds: &kinds,
        scope: "instance",
        who_sees: "an administrator".to_string(),
    };
    let tokens: Vec<PersonalAccessToken> = listing.fetch(ctx, req, &mut listed).await?;
    if caller.admin {
        harvest.absorb(listed);
    } else {
        let only_own = listed
            .outcomes
            .iter()
            .all(|(_, _, o)| *o == Outcome::Complete);
        for (kind, scope, outcome) in listed.outcomes {
            let outcome = if only_own {
                Outcome::Partial(format!(
                    "only {}'s own tokens; an administrator sees every user's",
                    caller.username
                ))
            } else {
                outcome
            };
            harvest.record(kind, &scope, outcome);
        }
    }
    for t in &tokens {
        let person = people.get(t.user_id);
        let mut bot = false;
        let username = match person {
            Some(p) => p.username.clone(),
            // A non-administrator's list holds only the caller's own.
            None if t.user_id == caller.id => caller.username.clone(),
            None => format!("#{}", t.user_id),
        };
        let (kind, owner) = if t.impersonation == Some(true) {
            (Kind::ImpersonationToken, Owner::user(t.user_id, &username))
        } else if let Some((owner_kind, id)) = bot_resource(&username) {
            // A bot's token, listed again with its project or group by the resource lists.
            bot = true;
            let kind = match owner_kind {
                OwnerKind::Group => Kind::GroupAccessToken,
                _ => Kind::ProjectAccessToken,
            };
            let name = places
                .get(&(owner_kind, id))
                .cloned()
                .unwrap_or_else(|| format!("#{id}"));
            let owner = match owner_kind {
                OwnerKind::Group => Owner::group(id, &name),
                _ => Owner::project(id, &name),
            };
            (kind, owner)
        } else {
            (Kind::PersonalAccessToken, Owner::user(t.user_id, &username))
        };
        if !ctx.wants(kind) {
            continue;
        }
        let mut c = credential(ctx, t, kind, owner, &from);
        // A blocked owner's token is refused by GitLab yet still listed as active.
        if let Some(state) = person
            .and_then(|p| p.state.as_deref())
            .filter(|s| *s != "active")
        {
            c.facts.insert("owner_state".into(), json!(state));
        }
        if let Some(kind) = person.map(|p| &p.kind).filter(|k| *k != "human") {
            c.facts.insert("owner_type".into(), json!(kind));
        }
        if bot {
            harvest.fallbacks.push(c);
        } else {
            harvest.credentials.push(c);
        }
    }
    Ok(())
}

/// `GET /projects/:id/access_tokens` (Maintainer+).
pub(crate) async fn project(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::ProjectAccessToken) {
        return Ok(());
    }
    let scope = format!("project {}", place.path);
    let req = ctx.client.project_access_tokens(&place.id.to_string());
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::ProjectAccessToken],
        scope: &scope,
        who_sees: format!("a Maintainer of {scope}"),
    };
    let tokens: Vec<PersonalAccessToken> = listing.fetch(ctx, req, harvest).await?;
    for t in &tokens {
        let owner = Owner::project(place.id, &place.path);
        harvest
            .credentials
            .push(credential(ctx, t, Kind::ProjectAccessToken, owner, &from));
    }
    Ok(())
}

/// `GET /groups/:id/access_tokens` (Owner).
pub(crate) async fn group(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::GroupAccessToken) {
        return Ok(());
    }
    let scope = format!("group {}", place.path);
    let req = ctx.client.group_access_tokens(&place.id.to_string());
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::GroupAccessToken],
        scope: &scope,
        who_sees: format!("an Owner of {scope}"),
    };
    let tokens: Vec<PersonalAccessToken> = listing.fetch(ctx, req, harvest).await?;
    for t in &tokens {
        let owner = Owner::group(place.id, &place.path);
        harvest
            .credentials
            .push(credential(ctx, t, Kind::GroupAccessToken, owner, &from));
    }
    Ok(())
}

fn credential(
    ctx: &Ctx<'_>,
    t: &PersonalAccessToken,
    kind: Kind,
    owner: Owner,
    from: &str,
) -> Credential {
    let mut d = Draft::new(kind, t.id.to_string(), owner, from.to_string()).named(Some(&t.name));
    d.scopes = t.scopes.clone();
    d.access = t.access_level.map(|level| role(level.into()));
    d.created_at = t.created_at;
    d.expires_at = t.expires_at.and_then(day_start);
    d.last_used_at = t.last_used_at;
    d.state = match State::of(t.revoked, d.expires_at, ctx.now) {
        // `active` is GitLab's own "neither revoked nor expired"; false otherwise is its word.
        State::Active if !t.active => State::Inactive,
        state => state,
    };
    d.fact("user_id", t.user_id);
    if let Some(text) = &t.description {
        d.fact("description", glir_redact::scrub(text).into_owned());
    }
    if let Some(ips) = &t.last_used_ips {
        d.fact("last_used_ips", json!(ips));
    }
    d.finish()
}
