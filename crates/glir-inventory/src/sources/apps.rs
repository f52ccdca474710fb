//! OAuth applications (doc/api/applications.md): administrators only; the secret is never in
//! the answer.

use super::{Ctx, Harvest, Listing, source};
use crate::Error;
use crate::kind::Kind;
use crate::record::{Draft, Owner};
use crate::values::host;
use glir_gitlab::Application;

/// `GET /applications` (administrators).
pub(crate) async fn instance(ctx: &Ctx<'_>, harvest: &mut Harvest) -> Result<(), Error> {
    if !ctx.wants(Kind::OauthApplication) {
        return Ok(());
    }
    let req = ctx.client.applications();
    let from = source(&req);
    let listing = Listing {
        kinds: &[Kind::OauthApplication],
        scope: "instance",
        who_sees: "an administrator".to_string(),
    };
    let apps: Vec<Application> = listing.fetch(ctx, req, harvest).await?;
    for a in &apps {
        let mut d = Draft::new(
            Kind::OauthApplication,
            a.id.to_string(),
            Owner::instance(),
            from.clone(),
        )
        .named(Some(&a.application_name));
        // The client id is public (it travels in every authorization URL); the secret is not
        // shown by GitLab.
        d.fact("client_id", a.application_id.clone());
        if let Some(confidential) = a.confidential {
            d.fact("confidential", confidential);
        }
        // Every redirect URI's host: where authorization codes go.
        let hosts: Vec<String> = a
            .callback_url
            .iter()
            .flat_map(|urls| urls.split_whitespace())
            .filter_map(host)
            .collect();
        if !hosts.is_empty() {
            d.fact("callback_hosts", hosts);
        }
        harvest.credentials.push(d.finish());
    }
    Ok(())
}
