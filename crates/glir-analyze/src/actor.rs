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

/// Audit events name their author by display name, email and id, never by username
/// (<https://docs.gitlab.com/user/compliance/audit_event_schema/>). When a username-looking
/// `name` names no stored author, it is turned into the user's id: from stored events about
/// that user first, else by asking `gitlab`. When neither can, the note says why nothing will
/// match, so a command does not quietly find nothing.
pub async fn resolve_actor(
    store: &Store,
    gitlab: Option<&Client>,
    name: &str,
) -> Result<ActorResolution, Error> {
    let as_typed = |note: Option<String>| ActorResolution {
        actor: name.to_string(),
        note,
    };
    let looks_like_username =
        !name.contains('@') && !name.contains(' ') && !name.chars().all(|c| c.is_ascii_digit());
    let by_author = EventFilter {
        actor: Some(name.to_string()),
        ..EventFilter::default()
    };
    if !looks_like_username || store.count_events(&by_author)? > 0 {
        return Ok(as_typed(None));
    }
    let stored = store.user_ids_by_username(name)?;
    if let [id] = stored.as_slice() {
        return Ok(ActorResolution {
            actor: id.to_string(),
            note: Some(format!(
                "`{name}` is user id {id} (stored events about that user); showing that id's events"
            )),
        });
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
    let Some(client) = gitlab else {
        return Ok(as_typed(Some(format!(
            "{ambiguous}no stored event's author is named `{name}`, and no GitLab is configured to look the username up: nothing will match. Audit events carry the display name, email and id, not the username: pass one of those, or --url"
        ))));
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
        _ => as_typed(Some(format!(
            "{ambiguous}no stored event's author is named `{name}` and GitLab has no user `{name}`: nothing will match"
        ))),
    })
}
