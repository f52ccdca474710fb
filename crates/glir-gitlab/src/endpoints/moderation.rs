//! User moderation (admin; doc/api/user_moderation.md). Each verb reads the user first: one
//! already in the target state is `changed: false` without a POST, and a 403 is re-checked
//! the same way, since GitLab answers 403 for some repeats (banning a banned user).

use crate::request::Body;
use crate::{Applied, Client, Error, Response, User};
use reqwest::Method;

/// A moderation action and the state it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Block,
    Unblock,
    Ban,
    Unban,
    Deactivate,
    Activate,
}

impl Verb {
    fn path(self) -> &'static str {
        match self {
            Verb::Block => "block",
            Verb::Unblock => "unblock",
            Verb::Ban => "ban",
            Verb::Unban => "unban",
            Verb::Deactivate => "deactivate",
            Verb::Activate => "activate",
        }
    }

    fn target_state(self) -> &'static str {
        match self {
            Verb::Block => "blocked",
            Verb::Ban => "banned",
            Verb::Deactivate => "deactivated",
            Verb::Unblock | Verb::Unban | Verb::Activate => "active",
        }
    }
}

impl Client {
    /// `POST /users/:id/block`: signs the user out of everything; their tokens get 403.
    pub async fn block_user(&self, id: i64) -> Result<Applied<User>, Error> {
        self.moderate(id, Verb::Block).await
    }

    /// `POST /users/:id/unblock`.
    pub async fn unblock_user(&self, id: i64) -> Result<Applied<User>, Error> {
        self.moderate(id, Verb::Unblock).await
    }

    /// `POST /users/:id/ban` (only active users can be banned).
    pub async fn ban_user(&self, id: i64) -> Result<Applied<User>, Error> {
        self.moderate(id, Verb::Ban).await
    }

    /// `POST /users/:id/unban`.
    pub async fn unban_user(&self, id: i64) -> Result<Applied<User>, Error> {
        self.moderate(id, Verb::Unban).await
    }

    /// `POST /users/:id/deactivate`: GitLab refuses (403) users active in the last 90 days.
    pub async fn deactivate_user(&self, id: i64) -> Result<Applied<User>, Error> {
        self.moderate(id, Verb::Deactivate).await
    }

    /// `POST /users/:id/activate`.
    pub async fn activate_user(&self, id: i64) -> Result<Applied<User>, Error> {
        self.moderate(id, Verb::Activate).await
    }

    async fn moderate(&self, id: i64, verb: Verb) -> Result<Applied<User>, Error> {
        let before = self.user(id).await?;
        if in_state(&before, verb) {
            return Ok(Applied::unchanged(
                before.body,
                before.status,
                before.request_id,
            ));
        }
        let path = format!("/users/{id}/{}", verb.path());
        match self.mutate_empty(Method::POST, &path, Body::Empty).await {
            Ok(answer) => {
                let after = self.user(id).await?;
                Ok(Applied::changed(
                    after.body,
                    answer.status,
                    answer.request_id,
                ))
            }
            Err(e) if e.status() == Some(403) => {
                let now = self.user(id).await?;
                if in_state(&now, verb) {
                    Ok(Applied::unchanged(
                        now.body,
                        403,
                        e.request_id().map(str::to_string),
                    ))
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }
}

fn in_state(user: &Response<User>, verb: Verb) -> bool {
    user.body.state.as_deref() == Some(verb.target_state())
}
