//! Users: the token's own user, one user, the user list, and the two account controls of
//! doc/api/users.md a responder needs (a password no one knows, two-factor authentication off).

use crate::request::Body;
use crate::{Applied, Client, Error, PageRequest, Paging, Response, User};
use glir_redact::Secret;
use jiff::Timestamp;
use rand::seq::{IndexedRandom, SliceRandom};
use reqwest::Method;
use serde_json::json;

/// GitLab's largest page (doc/api/rest/_index.md).
const MAX_PER_PAGE: u32 = 100;

/// Filters for `GET /users` (doc/api/users.md); `Default` lists everyone visible.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Exact username.
    pub username: Option<String>,
    /// Substring of name, username or public email.
    pub search: Option<String>,
    /// Only active users.
    pub active: bool,
    /// Only blocked users.
    pub blocked: bool,
    /// Only external users.
    pub external: bool,
    /// Only humans (no bots or internal users).
    pub humans: bool,
    /// Leave out internal users such as the ghost user.
    pub exclude_internal: bool,
    /// Leave out project bots.
    pub without_project_bots: bool,
    /// Only administrators (admin token).
    pub admins: bool,
    /// Only users with (`Some(true)`) or without 2FA (admin token).
    pub two_factor: Option<bool>,
    /// Created at or after.
    pub created_after: Option<Timestamp>,
    /// Created at or before.
    pub created_before: Option<Timestamp>,
    /// Page size; `None` means 100, GitLab's maximum.
    pub per_page: Option<u32>,
}

impl UserFilter {
    fn query(&self) -> Vec<(String, String)> {
        let mut query = Vec::new();
        let mut text = |name: &str, value: &Option<String>| {
            if let Some(value) = value {
                query.push((name.to_string(), value.clone()));
            }
        };
        text("username", &self.username);
        text("search", &self.search);
        let flags = [
            ("active", self.active),
            ("blocked", self.blocked),
            ("external", self.external),
            ("humans", self.humans),
            ("exclude_internal", self.exclude_internal),
            ("without_project_bots", self.without_project_bots),
            ("admins", self.admins),
        ];
        for (name, on) in flags {
            if on {
                query.push((name.to_string(), "true".to_string()));
            }
        }
        if let Some(enabled) = self.two_factor {
            let value = if enabled { "enabled" } else { "disabled" };
            query.push(("two_factor".to_string(), value.to_string()));
        }
        if let Some(at) = self.created_after {
            query.push(("created_after".to_string(), at.to_string()));
        }
        if let Some(at) = self.created_before {
            query.push(("created_before".to_string(), at.to_string()));
        }
        query
    }
}

impl Client {
    /// `GET /user`: the user the token belongs to.
    pub async fn current_user(&self) -> Result<Response<User>, Error> {
        self.get("/user", &[]).await
    }

    /// `GET /users/:id`.
    pub async fn user(&self, id: i64) -> Result<Response<User>, Error> {
        self.get(&format!("/users/{id}"), &[]).await
    }

    /// `PUT /users/:id` with a `password` made here at random, sent once and dropped: no one
    /// ever sees it, so the account's old password stops working and its owner sets a new one
    /// through "forgot password". (`force_random_password` is a parameter of user creation only:
    /// the update endpoint does not declare it and Grape drops it, lib/api/users.rb.) Because an
    /// administrator set it, GitLab expires it at once and emails the owner that it changed;
    /// EE audits it as `user_password_updated` (ee/app/services/ee/users/update_service.rb).
    pub async fn reset_password_randomly(&self, id: i64) -> Result<Applied<User>, Error> {
        let user = self.user(id).await?.body;
        let password = random_password(&user);
        let body = json!({ "password": password.expose() });
        let answer: Response<User> = self
            .mutate_json(
                Method::PUT,
                &format!("/users/{id}"),
                &[],
                Body::Json(body),
                true,
            )
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// `PATCH /users/:id/disable_two_factor` (admin, 15.2): 204, 400 when the user has no 2FA,
    /// 403 for an administrator's (doc/api/users.md). A user already without 2FA is
    /// `changed: false` without the PATCH. Audited as `user_disable_two_factor`
    /// (ee/app/services/ee/two_factor/destroy_service.rb).
    pub async fn disable_two_factor(&self, id: i64) -> Result<Applied<User>, Error> {
        let before = self.user(id).await?;
        if before.body.two_factor_enabled == Some(false) {
            return Ok(Applied::unchanged(
                before.body,
                before.status,
                before.request_id,
            ));
        }
        let path = format!("/users/{id}/disable_two_factor");
        match self.mutate_empty(Method::PATCH, &path, Body::Empty).await {
            Ok(answer) => {
                let after = self.user(id).await?;
                Ok(Applied::changed(
                    after.body,
                    answer.status,
                    answer.request_id,
                ))
            }
            // Someone turned it off between the read and the PATCH.
            Err(e) if e.status() == Some(400) => {
                let now = self.user(id).await?;
                if now.body.two_factor_enabled == Some(false) {
                    Ok(Applied::unchanged(
                        now.body,
                        400,
                        e.request_id().map(str::to_string),
                    ))
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /users`, keyset-paged by ascending id: offset paging there is deprecated (16.5)
    /// and refused past 50,000 results (doc/api/users.md).
    pub fn users(&self, filter: &UserFilter) -> PageRequest {
        PageRequest {
            path: "/users".to_string(),
            query: filter.query(),
            paging: Paging::Keyset {
                per_page: filter
                    .per_page
                    .unwrap_or(MAX_PER_PAGE)
                    .clamp(1, MAX_PER_PAGE),
                order_by: "id".to_string(),
                sort: "asc".to_string(),
            },
        }
    }
}

/// Long enough for any `minimum_password_length` short of GitLab's 128-character ceiling.
const PASSWORD_LENGTH: usize = 64;

/// One character of each class, as the Premium complexity settings require
/// (`password_{lowercase,uppercase,number,symbol}_required`, doc/administration/settings/sign_up_restrictions.md).
const PASSWORD_CLASSES: [&[u8]; 4] = [
    b"abcdefghijkmnopqrstuvwxyz",
    b"ABCDEFGHJKLMNPQRSTUVWXYZ",
    b"23456789",
    b"!#%+-.=@^_~",
];

/// A password from the thread's CSPRNG with every character class, that holds none of the
/// user's names (GitLab refuses a password containing them).
fn random_password(user: &User) -> Secret {
    let names: Vec<String> = [user.username.as_str(), user.name.as_str()]
        .iter()
        .flat_map(|n| n.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.len() >= 3)
        .map(str::to_lowercase)
        .collect();
    let mut rng = rand::rng();
    let all: Vec<u8> = PASSWORD_CLASSES.concat();
    loop {
        let mut chars: Vec<u8> = PASSWORD_CLASSES
            .iter()
            .filter_map(|class| class.choose(&mut rng).copied())
            .collect();
        while chars.len() < PASSWORD_LENGTH {
            if let Some(c) = all.choose(&mut rng) {
                chars.push(*c);
            }
        }
        chars.shuffle(&mut rng);
        let password: String = chars.into_iter().map(char::from).collect();
        let lower = password.to_lowercase();
        if !names.iter().any(|n| lower.contains(n.as_str())) {
            return Secret::new(password);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_password_has_every_class_and_differs_each_time() {
        let user: User =
            serde_json::from_str(r#"{"id":2,"username":"dev","name":"Dev Eloper"}"#).unwrap();
        let a = random_password(&user);
        let b = random_password(&user);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), PASSWORD_LENGTH);
        for class in PASSWORD_CLASSES {
            assert!(a.expose().bytes().any(|c| class.contains(&c)), "{class:?}");
        }
        assert!(!a.expose().to_lowercase().contains("dev"));
        assert!(!format!("{a:?}{a}").contains(a.expose()));
    }

    #[test]
    fn filter_sends_only_what_is_set() {
        let filter = UserFilter {
            search: Some("mallory".into()),
            active: true,
            two_factor: Some(false),
            created_after: Some("2025-03-01T00:00:00Z".parse().unwrap()),
            ..UserFilter::default()
        };
        assert_eq!(
            filter.query(),
            [
                ("search".to_string(), "mallory".to_string()),
                ("active".to_string(), "true".to_string()),
                ("two_factor".to_string(), "disabled".to_string()),
                (
                    "created_after".to_string(),
                    "2025-03-01T00:00:00Z".to_string()
                ),
            ]
        );
        assert!(UserFilter::default().query().is_empty());
    }

    #[test]
    fn users_are_keyset_paged_by_id() {
        let client = Client::builder("https://h").unwrap().build().unwrap();
        let req = client.users(&UserFilter {
            per_page: Some(500),
            ..UserFilter::default()
        });
        assert_eq!(req.path, "/users");
        assert_eq!(
            req.paging,
            Paging::Keyset {
                per_page: 100,
                order_by: "id".into(),
                sort: "asc".into(),
            }
        );
    }
}
