//! Pipeline trigger tokens (doc/api/pipeline_triggers.md). GitLab shows a trigger's whole token
//! to its owner; the inventory keeps none of it.

use super::{Ctx, Harvest, Listing, source};
use crate::Error;
use crate::kind::Kind;
use crate::record::{Draft, Owner, State};
use crate::scope::Place;
use glir_gitlab::Trigger;

/// `GET /projects/:id/triggers` (Maintainer+).
pub(crate) async fn project(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::TriggerToken) {
        return Ok(());
    }
    let scope = format!("project {}", place.path);
    let req = ctx.client.project_triggers(&place.id.to_string());
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::TriggerToken],
        scope: &scope,
        who_sees: format!("a Maintainer of {scope}"),
    };
    let triggers: Vec<Trigger> = listing.fetch(ctx, req, harvest).await?;
    for t in &triggers {
        let owner = Owner::project(place.id, &place.path);
        let mut d = Draft::new(Kind::TriggerToken, t.id.to_string(), owner, from.clone())
            .named(t.description.as_deref());
        d.created_at = t.created_at;
        d.expires_at = t.expires_at;
        d.last_used_at = t.last_used;
        d.state = State::of(false, t.expires_at, ctx.now);
        // Pipelines it starts run as this user, with that user's access.
        if let Some(user) = &t.owner {
            d.fact("runs_as", user.username.clone());
        }
        harvest.credentials.push(d.finish());
    }
    Ok(())
}
