//! `--actor`, for every command that filters events by it.

use super::{client, runtime};
use crate::config::Settings;
use crate::output::status;
use anyhow::{Context, Result};
use glir_gitlab::{User, UserFilter};
use glir_store::{EventFilter, Store};
use std::time::Duration;

/// Audit events name their author by display name, email and id, never by username
/// (<https://docs.gitlab.com/user/compliance/audit_event_schema/>). When a username-looking
/// `actor` names no stored author, it is turned into the user's id: from stored events about
/// that user first, else by asking the configured GitLab. When neither can, stderr says why
/// nothing will match, rather than the command quietly finding nothing.
pub(super) fn resolve_actor(
    settings: &Settings,
    store: &Store,
    actor: &mut Option<String>,
) -> Result<()> {
    let Some(name) = actor.clone() else {
        return Ok(());
    };
    let looks_like_username =
        !name.contains('@') && !name.contains(' ') && !name.chars().all(|c| c.is_ascii_digit());
    let by_author = EventFilter {
        actor: Some(name.clone()),
        ..EventFilter::default()
    };
    if !looks_like_username || store.count_events(&by_author)? > 0 {
        return Ok(());
    }
    let stored = store.user_ids_by_username(&name)?;
    if let [id] = stored.as_slice() {
        status!(
            "note: `{name}` is user id {id} (stored events about that user); showing that id's events"
        );
        *actor = Some(id.to_string());
        return Ok(());
    }
    let ambiguous = match stored.as_slice() {
        [] => String::new(),
        ids => format!(
            "stored events give `{name}` more than one user id ({}); ",
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if settings.url.is_none() {
        status!(
            "note: {ambiguous}no stored event's author is named `{name}`, and no GitLab is configured to look the username up: nothing will match. Audit events carry the display name, email and id, not the username: pass one of those, or --url"
        );
        return Ok(());
    }
    let client = client(settings, Duration::ZERO)?;
    let req = client.users(&UserFilter {
        username: Some(name.clone()),
        ..UserFilter::default()
    });
    let page = runtime()?
        .block_on(client.get_page::<User>(&req, None))
        .with_context(|| format!("looking up username `{name}`"))?;
    match page.items.as_slice() {
        [user] => {
            status!(
                "note: {ambiguous}`{name}` is user id {} on {}; showing that id's events",
                user.id,
                client.host()
            );
            *actor = Some(user.id.to_string());
        }
        _ => status!(
            "note: {ambiguous}no stored event's author is named `{name}` and GitLab has no user `{name}`: nothing will match"
        ),
    }
    Ok(())
}
