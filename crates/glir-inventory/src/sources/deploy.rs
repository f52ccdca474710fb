//! Deploy tokens (doc/api/deploy_tokens.md) and deploy keys (doc/api/deploy_keys.md): per
//! project and group for whoever maintains them, instance-wide for an administrator.

use super::{Ctx, Harvest, Listing, source};
use crate::Error;
use crate::kind::Kind;
use crate::record::{Credential, Draft, Owner, OwnerKind, State};
use crate::scope::Place;
use crate::values::{flag, number, text, time};
use glir_gitlab::{DeployToken, PageRequest, Paging};
use serde_json::{Value, json};

/// `GET /projects/:id/deploy_tokens` (Maintainer+).
pub(crate) async fn project_tokens(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let req = ctx.client.project_deploy_tokens(&place.id.to_string());
    let owner = Owner::project(place.id, &place.path);
    tokens(ctx, req, owner, "a Maintainer", harvest).await
}

/// `GET /groups/:id/deploy_tokens` (Maintainer+).
pub(crate) async fn group_tokens(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let req = ctx.client.group_deploy_tokens(&place.id.to_string());
    let owner = Owner::group(place.id, &place.path);
    tokens(ctx, req, owner, "a Maintainer", harvest).await
}

async fn tokens(
    ctx: &Ctx<'_>,
    req: PageRequest,
    owner: Owner,
    role: &str,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::DeployToken) {
        return Ok(());
    }
    let scope = owner.to_string();
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::DeployToken],
        scope: &scope,
        who_sees: format!("{role} of {scope}"),
    };
    let items: Vec<DeployToken> = listing.fetch(ctx, req, harvest).await?;
    for t in &items {
        harvest
            .credentials
            .push(token(ctx, t, owner.clone(), &from));
    }
    Ok(())
}

/// `GET /deploy_tokens` (administrators): every deploy token, without saying whose, so each
/// is kept only when no project or group list showed it.
pub(crate) async fn instance_tokens(ctx: &Ctx<'_>, harvest: &mut Harvest) -> Result<(), Error> {
    if !ctx.wants(Kind::DeployToken) {
        return Ok(());
    }
    let req = ctx.client.deploy_tokens();
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::DeployToken],
        scope: "instance",
        who_sees: "an administrator".to_string(),
    };
    let items: Vec<DeployToken> = listing.fetch(ctx, req, harvest).await?;
    for t in &items {
        let owner = Owner {
            kind: OwnerKind::Unknown,
            id: None,
            name: "not shown by GET /deploy_tokens".to_string(),
        };
        harvest.fallbacks.push(token(ctx, t, owner, &from));
    }
    Ok(())
}

fn token(ctx: &Ctx<'_>, t: &DeployToken, owner: Owner, from: &str) -> Credential {
    let mut d = Draft::new(Kind::DeployToken, t.id.to_string(), owner, from.to_string())
        .named(Some(&t.name));
    d.scopes = t.scopes.clone();
    d.expires_at = t.expires_at;
    d.state = match State::of(t.revoked, t.expires_at, ctx.now) {
        State::Active if t.expired => State::Expired,
        state => state,
    };
    d.fact("username", t.username.clone());
    d.finish()
}

/// `GET /projects/:id/deploy_keys` (Maintainer+).
pub(crate) async fn project_keys(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::DeployKey) {
        return Ok(());
    }
    let scope = format!("project {}", place.path);
    let req = ctx.client.project_deploy_keys(&place.id.to_string());
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::DeployKey],
        scope: &scope,
        who_sees: format!("a Maintainer of {scope}"),
    };
    let items: Vec<Value> = listing.fetch(ctx, req, harvest).await?;
    for k in &items {
        let owner = Owner::project(place.id, &place.path);
        if let Some(c) = key(ctx, k, owner, flag(k, "can_push"), &from) {
            harvest.credentials.push(c);
        }
    }
    Ok(())
}

/// `GET /deploy_keys` (administrators): every deploy key with the projects that may write or
/// only read with it (`projects_with_write_access`, `projects_with_readonly_access`, 16.x);
/// a key in no project is an instance-wide (public) one.
pub(crate) async fn instance_keys(ctx: &Ctx<'_>, harvest: &mut Harvest) -> Result<(), Error> {
    if !ctx.wants(Kind::DeployKey) {
        return Ok(());
    }
    let req = PageRequest {
        path: "/deploy_keys".to_string(),
        query: Vec::new(),
        paging: Paging::Offset { per_page: 100 },
    };
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::DeployKey],
        scope: "instance",
        who_sees: "an administrator".to_string(),
    };
    let items: Vec<Value> = listing.fetch(ctx, req, harvest).await?;
    for k in &items {
        let mut in_a_project = false;
        for (field, can_push) in [
            ("projects_with_write_access", true),
            ("projects_with_readonly_access", false),
        ] {
            for p in k[field].as_array().into_iter().flatten() {
                let (Some(id), Some(path)) = (number(p, "id"), text(p, "path_with_namespace"))
                else {
                    continue;
                };
                in_a_project = true;
                if let Some(c) = key(ctx, k, Owner::project(id, path), Some(can_push), &from) {
                    harvest.fallbacks.push(c);
                }
            }
        }
        if !in_a_project && let Some(c) = key(ctx, k, Owner::instance(), None, &from) {
            harvest.credentials.push(c);
        }
    }
    Ok(())
}

fn key(
    ctx: &Ctx<'_>,
    k: &Value,
    owner: Owner,
    can_push: Option<bool>,
    from: &str,
) -> Option<Credential> {
    let id = number(k, "id")?;
    let mut d = Draft::new(Kind::DeployKey, id.to_string(), owner, from.to_string())
        .named(text(k, "title"));
    d.access = can_push.map(|push| if push { "write" } else { "read" }.to_string());
    d.created_at = time(k, "created_at");
    d.expires_at = time(k, "expires_at");
    d.last_used_at = time(k, "last_used_at");
    d.state = State::of(false, d.expires_at, ctx.now);
    for field in ["fingerprint_sha256", "fingerprint", "usage_type"] {
        d.fact(field, json!(text(k, field)));
    }
    Some(d.finish())
}
