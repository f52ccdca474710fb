//! `--actor`, for every command that filters events by it: resolved by `glir_analyze`, its note
//! said on stderr.

use super::{client, runtime};
use crate::config::Settings;
use crate::output::status;
use anyhow::Result;
use glir_analyze::StoredActor;
use glir_store::Store;
use std::time::Duration;

/// Replaces a username-looking `actor` with the user id audit events carry, when it can. GitLab
/// (and so the token) is asked only when the store cannot settle it.
pub(super) fn resolve_actor(
    settings: &Settings,
    store: &Store,
    actor: &mut Option<String>,
) -> Result<()> {
    let Some(name) = actor.clone() else {
        return Ok(());
    };
    let resolved = match glir_analyze::resolve_stored_actor(store, &name)? {
        StoredActor::Resolved(resolved) => resolved,
        StoredActor::AskGitLab { stored_ids } => {
            let gitlab = match settings.url {
                Some(_) => Some(client(settings, Duration::ZERO)?),
                None => None,
            };
            runtime()?.block_on(glir_analyze::resolve_actor(
                &name,
                &stored_ids,
                gitlab.as_ref(),
            ))?
        }
    };
    if let Some(note) = &resolved.note {
        status!("note: {note}");
    }
    *actor = Some(resolved.actor);
    Ok(())
}
