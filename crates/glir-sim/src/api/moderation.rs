//! `POST /users/:id/{block,unblock,ban,unban,deactivate,activate}` (admin; doc/api/user_moderation.md,
//! lib/api/users.rb). Success is 201 `true`; a state the action cannot leave is 403 with
//! GitLab's message. Repeating block, unblock, deactivate or activate on a user already in the
//! target state is 201 with a `null` body and changes nothing (lib/api/users.rb
//! `break if user.blocked?` and its siblings), so no event is written; ban and unban have no such
//! guard and fail in the service (`BannedUserBaseService#state_error`: "You cannot ban banned users.").

use super::audit_write::{Actor, Entity, Says, Target};
use super::ctx::Ctx;
use super::error::ApiError;
use super::mutation::{admin, path_id};
use super::render::user_name;
use crate::scenario::UserState;
use crate::server::Shared;
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde_json::Value;
use std::sync::Arc;

/// GitLab refuses to deactivate users active within this many days
/// (`User::MINIMUM_DAYS_CREATED` / `can_be_deactivated?`, doc/administration/moderate_users.md).
const DORMANT_DAYS: i64 = 90;

/// The six moderation verbs.
#[derive(Clone, Copy)]
pub(crate) enum Verb {
    Block,
    Unblock,
    Ban,
    Unban,
    Deactivate,
    Activate,
}

impl Verb {
    fn event(self) -> (&'static str, &'static str) {
        match self {
            Verb::Block => ("user_blocked", "Blocked user"),
            Verb::Unblock => ("unblock_user", "Unblocked user"),
            Verb::Ban => ("ban_user", "Banned user"),
            Verb::Unban => ("unban_user", "Unbanned user"),
            Verb::Deactivate => ("user_deactivate", "Deactivated user"),
            Verb::Activate => ("user_activate", "Activated user"),
        }
    }

    /// The next state, `Ok(None)` when the user is already there, or GitLab's refusal.
    fn apply(
        self,
        state: UserState,
        last_activity_recent: bool,
    ) -> Result<Option<UserState>, ApiError> {
        use UserState::*;
        let refuse = |m: &str| Err(ApiError::forbidden_because(m));
        let cannot = |action: &str| {
            Err(ApiError::message(
                StatusCode::FORBIDDEN,
                format!("You cannot {action} {} users.", state.as_str()),
            ))
        };
        match (self, state) {
            (Verb::Block, LdapBlocked) => {
                refuse("LDAP blocked users cannot be modified by the API")
            }
            (Verb::Block, Blocked) => Ok(None),
            (Verb::Block, _) => Ok(Some(Blocked)),
            (Verb::Unblock, LdapBlocked) => {
                refuse("LDAP blocked users cannot be unblocked by the API")
            }
            (Verb::Unblock, Deactivated) => {
                refuse("Deactivated users cannot be unblocked by the API")
            }
            (Verb::Unblock, Active) => Ok(None),
            (Verb::Unblock, _) => Ok(Some(Active)),
            (Verb::Ban, Active) => Ok(Some(Banned)),
            (Verb::Ban, _) => cannot("ban"),
            (Verb::Unban, Banned) => Ok(Some(Active)),
            (Verb::Unban, _) => cannot("unban"),
            (Verb::Deactivate, Deactivated) => Ok(None),
            (Verb::Deactivate, Blocked | LdapBlocked | Banned | BlockedPendingApproval) => {
                refuse("A blocked user cannot be deactivated by the API")
            }
            (Verb::Deactivate, Active) if last_activity_recent => refuse(&format!(
                "The user you are trying to deactivate has been active in the past {DORMANT_DAYS} days and cannot be deactivated"
            )),
            (Verb::Deactivate, Active) => Ok(Some(Deactivated)),
            (Verb::Activate, Active) => Ok(None),
            (Verb::Activate, Blocked | LdapBlocked | Banned | BlockedPendingApproval) => {
                refuse("A blocked user must be unblocked to be activated")
            }
            (Verb::Activate, Deactivated) => Ok(Some(Active)),
        }
    }
}

pub(crate) async fn moderate(
    ctx: Ctx,
    Path((id, verb)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let verb = match verb.as_str() {
        "block" => Verb::Block,
        "unblock" => Verb::Unblock,
        "ban" => Verb::Ban,
        "unban" => Verb::Unban,
        "deactivate" => Verb::Deactivate,
        "activate" => Verb::Activate,
        _ => return Err(ApiError::grape(StatusCode::NOT_FOUND, "404 Not Found")),
    };
    let mut guard = ctx.shared.world_mut();
    let world = &mut *guard;
    let caller = admin(&ctx, world)?;
    let actor = Actor::of(&ctx, world, &caller);
    let id = path_id(&id, "id")?;
    let slot = world
        .user_slot(id)
        .ok_or_else(|| ApiError::not_found("User"))?;
    let user = &world.scenario.users[slot];
    let today = Timestamp::now().to_zoned(TimeZone::UTC).date();
    let cutoff = today.checked_sub(DORMANT_DAYS.days()).unwrap_or(today);
    let recent = user.last_activity_on.is_some_and(|d| d > cutoff);
    let Some(next) = verb.apply(user.state, recent)? else {
        return Ok((StatusCode::CREATED, Json(Value::Null)));
    };
    let entity = Entity::user(user);
    let target = Target {
        kind: "User",
        id: user.id,
        details: user_name(user).to_string(),
    };
    world.scenario_mut().users[slot].state = next;
    let (name, message) = verb.event();
    world.audit(
        &actor,
        name,
        entity,
        target,
        Says::Message(message.to_string()),
    );
    Ok((StatusCode::CREATED, Json(Value::Bool(true))))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/users/{id}/{verb}", routing::post(moderate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ban_needs_an_active_user_and_block_is_idempotent() {
        assert!(Verb::Ban.apply(UserState::Blocked, false).is_err());
        assert!(matches!(
            Verb::Ban.apply(UserState::Active, false),
            Ok(Some(UserState::Banned))
        ));
        assert!(matches!(
            Verb::Block.apply(UserState::Blocked, false),
            Ok(None)
        ));
        assert!(Verb::Block.apply(UserState::LdapBlocked, false).is_err());
        assert!(Verb::Deactivate.apply(UserState::Active, true).is_err());
        assert!(matches!(
            Verb::Deactivate.apply(UserState::Active, false),
            Ok(Some(UserState::Deactivated))
        ));
    }
}
