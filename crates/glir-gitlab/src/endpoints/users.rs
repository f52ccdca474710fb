//! Users: the token's own user, one user, and the user list.

use crate::{Client, Error, PageRequest, Paging, Response, User};
use jiff::Timestamp;

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

#[cfg(test)]
mod tests {
    use super::*;

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
