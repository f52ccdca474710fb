//! `--actor`, for every command that filters events by it: resolved by
//! `glir_analyze::resolve_actor`, its note said on stderr.

use super::{client, runtime};
use crate::config::Settings;
use crate::output::status;
use anyhow::Result;
use glir_store::Store;
use std::time::Duration;

/// Replaces a username-looking `actor` with the user id audit events carry, when it can.
pub(super) fn resolve_actor(
    settings: &Settings,
    store: &Store,
    actor: &mut Option<String>,
) -> Result<()> {
    let Some(name) = actor.clone() else {
        return Ok(());
    };
    let gitlab = match settings.url {
        Some(_) => Some(client(settings, Duration::ZERO)?),
        None => None,
    };
    let resolved =
        runtime()?.block_on(glir_analyze::resolve_actor(store, gitlab.as_ref(), &name))?;
    if let Some(note) = &resolved.note {
        status!("note: {note}");
    }
    *actor = Some(resolved.actor);
    Ok(())
}
