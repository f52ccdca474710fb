//! Users' SSH and GPG keys (doc/api/user_keys.md, doc/api/user_gpg_keys.md): readable by
//! anyone, but listed per user, so an inventory reads every user's.

use super::{Ctx, Harvest, Listing, source};
use crate::Error;
use crate::kind::Kind;
use crate::record::{Draft, Owner, State};
use glir_gitlab::{GpgKey, SshKey};
use serde_json::json;

/// `GET /users/:id/keys` and `GET /users/:id/gpg_keys` of one user.
pub(crate) async fn user(
    ctx: &Ctx<'_>,
    id: i64,
    username: &str,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    let scope = format!("user {username}");
    let owner = Owner::user(id, username);
    let who_sees = format!("anyone who can see {scope}");
    if ctx.wants(Kind::SshKey) {
        let req = ctx.client.user_ssh_keys(&id.to_string());
        let from = source(&req);
        let listing = Listing {
            kinds: &[Kind::SshKey],
            scope: &scope,
            who_sees: who_sees.clone(),
        };
        let keys: Vec<SshKey> = listing.fetch(ctx, req, harvest).await?;
        for k in &keys {
            let mut d = Draft::new(Kind::SshKey, k.id.to_string(), owner.clone(), from.clone())
                .named(Some(&k.title));
            d.created_at = k.created_at;
            d.expires_at = k.expires_at;
            d.last_used_at = k.last_used_at;
            d.state = State::of(false, k.expires_at, ctx.now);
            d.fact("usage_type", json!(k.usage_type));
            harvest.credentials.push(d.finish());
        }
    }
    if ctx.wants(Kind::GpgKey) {
        let req = ctx.client.user_gpg_keys(&id.to_string());
        let from = source(&req);
        let listing = Listing {
            kinds: &[Kind::GpgKey],
            scope: &scope,
            who_sees,
        };
        let keys: Vec<GpgKey> = listing.fetch(ctx, req, harvest).await?;
        for k in &keys {
            let mut d = Draft::new(Kind::GpgKey, k.id.to_string(), owner.clone(), from.clone());
            d.created_at = k.created_at;
            harvest.credentials.push(d.finish());
        }
    }
    Ok(())
}
