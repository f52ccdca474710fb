//! Token introspection: personal, impersonation, project and group access tokens, and the admin
//! token lookup that identifies a token of any family.

use super::MAX_PER_PAGE;
use crate::base_url::encode_segment;
use crate::{Client, Error, PageRequest, Paging, PersonalAccessToken, Response, TokenLookup};
use glir_redact::Secret;
use serde_json::{Value, json};

/// Filters for the personal access token list (doc/api/personal_access_tokens.md).
#[derive(Debug, Clone, Default)]
pub struct PatFilter {
    /// Only this user's tokens (admins; others see only their own anyway).
    pub user_id: Option<i64>,
    /// `active` or `inactive`.
    pub state: Option<String>,
    /// Only revoked (`Some(true)`) or unrevoked tokens.
    pub revoked: Option<bool>,
    /// Substring of the name.
    pub search: Option<String>,
    /// Page size; `None` means 100.
    pub per_page: Option<u32>,
}

impl PatFilter {
    fn query(&self) -> Vec<(String, String)> {
        let mut query = Vec::new();
        if let Some(id) = self.user_id {
            query.push(("user_id".to_string(), id.to_string()));
        }
        if let Some(state) = &self.state {
            query.push(("state".to_string(), state.clone()));
        }
        if let Some(revoked) = self.revoked {
            query.push(("revoked".to_string(), revoked.to_string()));
        }
        if let Some(search) = &self.search {
            query.push(("search".to_string(), search.clone()));
        }
        query
    }
}

impl Client {
    /// `GET /personal_access_tokens/self`: the token in use, its scopes and expiry (15.5+).
    /// Build the client with the token under inspection; GitLab then updates its last-used time.
    pub async fn personal_access_token_self(&self) -> Result<Response<PersonalAccessToken>, Error> {
        self.get("/personal_access_tokens/self", &[]).await
    }

    /// The same as [`Client::personal_access_token_self`]; kept for `whoami`.
    pub async fn pat_self(&self) -> Result<Response<PersonalAccessToken>, Error> {
        self.personal_access_token_self().await
    }

    /// `GET /personal_access_tokens/:id`: 401 when not yours (non-admin), 404 when unknown (admin).
    pub async fn personal_access_token(
        &self,
        id: i64,
    ) -> Result<Response<PersonalAccessToken>, Error> {
        self.get(&format!("/personal_access_tokens/{id}"), &[])
            .await
    }

    /// `GET /personal_access_tokens`: every token for admins, the caller's own otherwise.
    pub fn personal_access_tokens(&self, filter: &PatFilter) -> PageRequest {
        PageRequest {
            path: "/personal_access_tokens".to_string(),
            query: filter.query(),
            paging: offset(filter.per_page),
        }
    }

    /// `GET /personal_access_tokens?user_id=…` (admin): every token of one user, revoked and
    /// expired ones included, for the evidence of an account compromise.
    pub fn user_personal_access_tokens(&self, user_id: i64) -> PageRequest {
        self.personal_access_tokens(&PatFilter {
            user_id: Some(user_id),
            ..PatFilter::default()
        })
    }

    /// `GET /projects/:id/access_tokens` (Maintainer+).
    pub fn project_access_tokens(&self, project: &str) -> PageRequest {
        list(format!(
            "/projects/{}/access_tokens",
            encode_segment(project)
        ))
    }

    /// `GET /groups/:id/access_tokens` (Owner).
    pub fn group_access_tokens(&self, group: &str) -> PageRequest {
        list(format!("/groups/{}/access_tokens", encode_segment(group)))
    }

    /// `POST /admin/token` with `{"token": …}` (admin, 17.8 GA; doc/api/admin/token.md).
    /// 403 not admin, 404 unknown token, 422 a family the instance cannot look up: tell them
    /// apart with [`Error::status`].
    pub async fn admin_token_lookup(&self, token: &Secret) -> Result<Response<TokenLookup>, Error> {
        let answer: Response<Value> = self
            .post_json("/admin/token", json!({ "token": token.expose() }))
            .await?;
        Ok(Response {
            body: TokenLookup::from_json(answer.body),
            status: answer.status,
            request_id: answer.request_id,
        })
    }
}

/// Offset paging with GitLab's largest page unless asked otherwise.
pub(crate) fn offset(per_page: Option<u32>) -> Paging {
    Paging::Offset {
        per_page: per_page.unwrap_or(MAX_PER_PAGE).clamp(1, MAX_PER_PAGE),
    }
}

/// An unfiltered list at 100 per page.
pub(crate) fn list(path: String) -> PageRequest {
    PageRequest {
        path,
        query: Vec::new(),
        paging: offset(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pat_filter_sends_only_what_is_set() {
        let filter = PatFilter {
            user_id: Some(7),
            revoked: Some(false),
            ..PatFilter::default()
        };
        assert_eq!(
            filter.query(),
            [
                ("user_id".to_string(), "7".to_string()),
                ("revoked".to_string(), "false".to_string()),
            ]
        );
        assert!(PatFilter::default().query().is_empty());
        assert_eq!(offset(Some(500)), Paging::Offset { per_page: 100 });
    }
}
