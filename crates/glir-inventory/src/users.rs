//! The user review: every account GitLab shows this token, administrators first, with what an
//! investigation asks of each (2FA, sign-ins and their addresses, who created it, identities,
//! bot or human), and what a non-administrator cannot see.

use crate::coverage::outcome_of;
use crate::inventory::{Caller, caller};
use crate::record::OwnerKind;
use crate::{Error, Progress};
use futures::StreamExt;
use glir_gitlab::{Client, Identity, User, UserFilter};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// One account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub name: String,
    /// `active`, `blocked`, `banned`, `deactivated`, `ldap_blocked`, …
    pub state: Option<String>,
    /// `None` where GitLab does not show it to this token (administrators only).
    pub admin: Option<bool>,
    pub auditor: Option<bool>,
    /// `human`, `bot`, `project_bot` (project and group access tokens' users),
    /// `service_account`, or another type GitLab names.
    pub kind: String,
    pub two_factor: Option<bool>,
    pub external: Option<bool>,
    pub locked: bool,
    pub created_at: Option<Timestamp>,
    /// The administrator who made the account, when one did (doc/api/users.md, admins only).
    pub created_by: Option<String>,
    pub last_sign_in_at: Option<Timestamp>,
    pub last_sign_in_ip: Option<String>,
    pub current_sign_in_at: Option<Timestamp>,
    pub current_sign_in_ip: Option<String>,
    pub last_activity_on: Option<Date>,
    /// LDAP, SAML and OAuth identities: provider and the user's id there.
    pub identities: Vec<Identity>,
    /// Secondary email addresses (`GET /users/:id/emails`, administrators only).
    pub emails: Option<usize>,
}

impl UserRecord {
    fn from_gitlab(u: User, user_type: Option<&str>) -> UserRecord {
        let kind = user_kind(user_type, u.bot, &u.username);
        UserRecord {
            id: u.id,
            kind,
            username: u.username,
            name: u.name,
            state: u.state,
            admin: u.is_admin,
            auditor: u.is_auditor,
            two_factor: u.two_factor_enabled,
            external: u.external,
            locked: u.locked,
            created_at: u.created_at,
            created_by: u.created_by.map(|c| c.username),
            last_sign_in_at: u.last_sign_in_at,
            last_sign_in_ip: u.last_sign_in_ip,
            current_sign_in_at: u.current_sign_in_at,
            current_sign_in_ip: u.current_sign_in_ip,
            last_activity_on: u.last_activity_on,
            identities: u.identities,
            emails: None,
        }
    }
}

/// The user review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserReport {
    pub generated_at: Timestamp,
    pub instance: String,
    pub caller: Caller,
    /// Every account with every field: an administrator's view, nothing failed.
    pub complete: bool,
    /// What this review does not show, in words.
    pub lacks: Vec<String>,
    /// Administrators first, then by username.
    pub users: Vec<UserRecord>,
}

/// What a non-administrator's `GET /users` leaves out (doc/api/users.md: the admin-only
/// fields; app/models/user.rb `FORBIDDEN_SEARCH_STATES` hides blocked, banned and LDAP-blocked
/// accounts from others).
const NOT_ADMIN: &str = "not an administrator: GitLab hides blocked, banned and LDAP-blocked \
    accounts, and shows no admin or auditor flag, 2FA, sign-in times or addresses, identities, \
    creator or emails of others";

/// Every user this token can list, with secondary email counts for an administrator.
pub async fn list_users(
    client: &Client,
    concurrency: usize,
    progress: &dyn Progress,
) -> Result<UserReport, Error> {
    let generated_at = Timestamp::now();
    let me = caller(client).await?;
    let listed = client
        .all::<Value>(client.users(&UserFilter::default()))
        .await
        .map_err(|source| Error::gitlab("listing users", source))?;
    let mut lacks = Vec::new();
    if !me.admin {
        lacks.push(NOT_ADMIN.to_string());
    }
    let mut users = Vec::new();
    for v in listed {
        let user_type = v["user_type"].as_str().map(str::to_string);
        match serde_json::from_value::<User>(v.clone()) {
            Ok(u) => users.push(UserRecord::from_gitlab(u, user_type.as_deref())),
            Err(e) => lacks.push(format!(
                "user {} could not be read: {e}",
                v["id"]
                    .as_i64()
                    .map_or_else(|| "?".into(), |id| id.to_string())
            )),
        }
    }
    if me.admin {
        progress.planned(users.len());
        let counts = email_counts(client, &users, concurrency.max(1), progress).await?;
        for u in &mut users {
            match counts.get(&u.id) {
                Some(Ok(n)) => u.emails = Some(*n),
                Some(Err(e)) => lacks.push(format!("emails of {}: {e}", u.username)),
                None => {}
            }
        }
    }
    users.sort_by(|a, b| {
        let admin = |u: &UserRecord| u.admin != Some(true);
        admin(a)
            .cmp(&admin(b))
            .then_with(|| a.username.cmp(&b.username))
    });
    Ok(UserReport {
        generated_at,
        instance: client.base_url().to_string(),
        caller: me,
        complete: lacks.is_empty(),
        lacks,
        users,
    })
}

/// Each user's number of secondary emails, or why it could not be read. A refused token or an
/// unreachable GitLab ends the run as everywhere else.
async fn email_counts(
    client: &Client,
    users: &[UserRecord],
    concurrency: usize,
    progress: &dyn Progress,
) -> Result<HashMap<i64, Result<usize, String>>, Error> {
    let mut counts = HashMap::new();
    let mut asked = futures::stream::iter(users.iter().map(|u| async move {
        let listed = client.all::<Value>(client.user_emails(u.id)).await;
        (u, listed)
    }))
    .buffer_unordered(concurrency);
    while let Some((u, listed)) = asked.next().await {
        progress.finished(&u.username);
        let count = match listed {
            Ok(emails) => Ok(emails.len()),
            Err(e) => {
                let what = format!("GET /users/{}/emails", u.id);
                let outcome = outcome_of(e, &what, "an administrator")?;
                Err(outcome.reason().unwrap_or("no answer").to_string())
            }
        };
        counts.insert(u.id, count);
    }
    Ok(counts)
}

/// A user as the inventory needs to know an owner: name, state, kind.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub username: String,
    pub state: Option<String>,
    pub kind: String,
}

/// Users by id, for naming owners and telling bots' tokens apart.
#[derive(Debug, Default)]
pub(crate) struct Directory(HashMap<i64, Person>);

impl Directory {
    pub fn from_listing(users: &[Value]) -> Directory {
        let people = users
            .iter()
            .filter_map(|v| {
                let id = v["id"].as_i64()?;
                let username = v["username"].as_str()?.to_string();
                let bot = v["bot"].as_bool().unwrap_or(false);
                let kind = user_kind(v["user_type"].as_str(), bot, &username);
                let state = v["state"].as_str().map(str::to_string);
                Some((
                    id,
                    Person {
                        username,
                        state,
                        kind,
                    },
                ))
            })
            .collect();
        Directory(people)
    }

    pub fn get(&self, id: i64) -> Option<&Person> {
        self.0.get(&id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (i64, &Person)> {
        self.0.iter().map(|(id, p)| (*id, p))
    }
}

/// GitLab's `user_type` where it shows one; otherwise what the bot flag and GitLab's generated
/// usernames say: a project or group access token's bot is `project_{id}_bot…` or
/// `group_{id}_bot…` (gitlab-org/gitlab:app/services/resource_access_tokens/create_service.rb),
/// a service account `service_account_…`
/// (gitlab-org/gitlab:app/services/users/service_accounts/create_service.rb).
pub(crate) fn user_kind(user_type: Option<&str>, bot: bool, username: &str) -> String {
    if let Some(t) = user_type.filter(|t| !t.is_empty()) {
        return t.to_string();
    }
    let kind = if !bot {
        "human"
    } else if bot_resource(username).is_some() {
        "project_bot"
    } else if username.starts_with("service_account") {
        "service_account"
    } else {
        "bot"
    };
    kind.to_string()
}

/// The project or group whose access token's bot `username` is, by GitLab's naming:
/// `project_20_bot_…` → project 20, `group_10_bot_…` → group 10.
pub(crate) fn bot_resource(username: &str) -> Option<(OwnerKind, i64)> {
    let (kind, rest) = if let Some(rest) = username.strip_prefix("project_") {
        (OwnerKind::Project, rest)
    } else {
        (OwnerKind::Group, username.strip_prefix("group_")?)
    };
    let (id, tail) = rest.split_once('_')?;
    if !tail.starts_with("bot") {
        return None;
    }
    Some((kind, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_of_projects_and_groups_are_told_by_their_names() {
        assert_eq!(
            bot_resource("project_20_bot_3f2a"),
            Some((OwnerKind::Project, 20))
        );
        assert_eq!(bot_resource("group_10_bot"), Some((OwnerKind::Group, 10)));
        assert_eq!(bot_resource("project_x_bot"), None);
        assert_eq!(bot_resource("project_20_dev"), None);
        assert_eq!(bot_resource("dev"), None);
    }

    #[test]
    fn gitlabs_user_type_wins_over_the_name() {
        assert_eq!(
            user_kind(Some("service_account"), true, "ci"),
            "service_account"
        );
        assert_eq!(user_kind(None, true, "project_20_bot_ab"), "project_bot");
        assert_eq!(
            user_kind(None, true, "service_account_9f"),
            "service_account"
        );
        assert_eq!(user_kind(None, true, "alert-bot"), "bot");
        assert_eq!(user_kind(None, false, "project_20_bot_ab"), "human");
    }
}
