//! `--actor`, for every command that filters events by it.

use crate::error::Error;
use glir_gitlab::{Client, User, UserFilter};
use glir_store::{EventFilter, Store};

/// What `--actor NAME` turned into, and what a person should be told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorResolution {
    /// The actor to filter by: `NAME` itself, or the user id it stands for.
    pub actor: String,
    /// Why the actor changed, or why nothing will match; `None` when `NAME` matched as typed.
    pub note: Option<String>,
}

/// What the store alone says of `--actor NAME`: the resolution, or the user ids stored events
/// give the username (none or several) when only GitLab can settle it.
pub enum StoredActor {
    Resolved(ActorResolution),
    AskGitLab { stored_ids: Vec<i64> },
}

/// Audit events name their author by display name, email and id, never by username
/// (<https://docs.gitlab.com/user/compliance/audit_event_schema/>). A username-looking `name`
/// that names no stored author is turned into the user's id from stored events about that user;
/// when they do not settle it, [`resolve_actor`] asks GitLab.
pub fn resolve_stored_actor(store: &Store, name: &str) -> Result<StoredActor, Error> {
    let looks_like_username =
        !name.contains('@') && !name.contains(' ') && !name.chars().all(|c| c.is_ascii_digit());
    let by_author = EventFilter {
        actor: Some(name.to_string()),
        ..EventFilter::default()
    };
    if !looks_like_username || store.count_events(&by_author)? > 0 {
        return Ok(StoredActor::Resolved(ActorResolution {
            actor: name.to_string(),
            note: None,
        }));
    }
    let stored = store.user_ids_by_username(name)?;
    if let [id] = stored.as_slice() {
        return Ok(StoredActor::Resolved(ActorResolution {
            actor: id.to_string(),
            note: Some(format!(
                "`{name}` is user id {id} (stored events about that user); showing that id's events"
            )),
        }));
    }
    Ok(StoredActor::AskGitLab { stored_ids: stored })
}

/// [`resolve_stored_actor`]'s open case settled by `gitlab`; without one, the note says why
/// nothing will match, so a command does not quietly find nothing.
pub async fn resolve_actor(
    name: &str,
    stored_ids: &[i64],
    gitlab: Option<&Client>,
) -> Result<ActorResolution, Error> {
    let as_typed = |note: String| ActorResolution {
        actor: name.to_string(),
        note: Some(note),
    };
    let ambiguous = match stored_ids {
        [] => String::new(),
        ids => format!(
            "stored events give `{name}` more than one user id ({}); ",
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let Some(client) = gitlab else {
        return Ok(as_typed(format!(
            "{ambiguous}no stored event's author is named `{name}`, and no GitLab is configured to look the username up: nothing will match. Audit events carry the display name, email and id, not the username: pass one of those, or --url"
        )));
    };
    let req = client.users(&UserFilter {
        username: Some(name.to_string()),
        ..UserFilter::default()
    });
    let page = client
        .get_page::<User>(&req, None)
        .await
        .map_err(|e| Error::UserLookup {
            username: name.to_string(),
            source: Box::new(e),
        })?;
    Ok(match page.items.as_slice() {
        [user] => ActorResolution {
            actor: user.id.to_string(),
            note: Some(format!(
                "{ambiguous}`{name}` is user id {} on {}; showing that id's events",
                user.id,
                client.host()
            )),
        },
        _ => as_typed(format!(
            "{ambiguous}no stored event's author is named `{name}` and GitLab has no user `{name}`: nothing will match"
        )),
    })
}
