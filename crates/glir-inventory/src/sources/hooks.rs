//! Webhooks: project (doc/api/project_webhooks.md), group (doc/api/group_webhooks.md) and
//! system hooks (doc/api/system_hooks.md). Their secret token is never returned; newer GitLab
//! says whether one is set (`token_present`, gitlab-org/gitlab!231325), older GitLab does not.

use super::{Ctx, Harvest, Listing, source};
use crate::Error;
use crate::kind::Kind;
use crate::record::{Draft, Owner};
use crate::scope::Place;
use crate::values::{flag, number, text, time};
use glir_gitlab::PageRequest;
use serde_json::{Value, json};

/// `GET /projects/:id/hooks` (Maintainer+).
pub(crate) async fn project(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let req = ctx.client.project_hooks(&place.id.to_string());
    let owner = Owner::project(place.id, &place.path);
    let who_sees = format!("a Maintainer of {owner}");
    hooks(ctx, req, owner, who_sees, harvest).await
}

/// `GET /groups/:id/hooks` (Owner; Premium).
pub(crate) async fn group(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let req = ctx.client.group_hooks(&place.id.to_string());
    let owner = Owner::group(place.id, &place.path);
    let who_sees = format!("an Owner of {owner} (Premium and above)");
    hooks(ctx, req, owner, who_sees, harvest).await
}

/// `GET /hooks` (administrators): system hooks.
pub(crate) async fn system(ctx: &Ctx<'_>, harvest: &mut Harvest) -> Result<(), Error> {
    let req = ctx.client.system_hooks();
    hooks(
        ctx,
        req,
        Owner::instance(),
        "an administrator".to_string(),
        harvest,
    )
    .await
}

async fn hooks(
    ctx: &Ctx<'_>,
    req: PageRequest,
    owner: Owner,
    who_sees: String,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::Webhook) {
        return Ok(());
    }
    let scope = owner.to_string();
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::Webhook],
        scope: &scope,
        who_sees,
    };
    let items: Vec<Value> = listing.fetch(ctx, req, harvest).await?;
    for h in &items {
        let Some(id) = number(h, "id") else {
            continue;
        };
        let mut d = Draft::new(Kind::Webhook, id.to_string(), owner.clone(), from.clone())
            .named(text(h, "name"));
        d.created_at = time(h, "created_at");
        // Only the host: a hook's path and query often carry a credential of the receiver.
        if let Some(url) = text(h, "url").and_then(|u| url::Url::parse(u).ok()) {
            d.fact("url_scheme", url.scheme().to_string());
            d.fact("url_host", json!(url.host_str()));
        }
        d.fact("secret_token", json!(flag(h, "token_present")));
        d.fact("signing_token", json!(flag(h, "signing_token_present")));
        d.fact(
            "tls_verification",
            json!(flag(h, "enable_ssl_verification")),
        );
        d.fact("alert_status", json!(text(h, "alert_status")));
        d.fact("disabled_until", json!(text(h, "disabled_until")));
        if let Some(text) = text(h, "description").filter(|t| !t.is_empty()) {
            d.fact("description", glir_redact::scrub(text).into_owned());
        }
        let events: Vec<&str> = h
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, v)| k.ends_with("_events") && v.as_bool() == Some(true))
            .map(|(k, _)| k.as_str())
            .collect();
        d.fact("events", json!(events));
        harvest.credentials.push(d.finish());
    }
    Ok(())
}
