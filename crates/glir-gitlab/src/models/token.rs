//! Personal access tokens (doc/api/personal_access_tokens.md).

use super::boolean::null_as_false;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A personal access token's metadata, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalAccessToken {
    /// Token id.
    pub id: i64,
    /// The name its owner gave it.
    pub name: String,
    /// Revoked by someone.
    #[serde(default, deserialize_with = "null_as_false")]
    pub revoked: bool,
    /// Neither revoked nor expired.
    #[serde(default, deserialize_with = "null_as_false")]
    pub active: bool,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// Expiry day (`YYYY-MM-DD`); `None` for tokens that never expire.
    pub expires_at: Option<Date>,
    /// Last use; GitLab updates it at most every 10 minutes.
    pub last_used_at: Option<Timestamp>,
    /// Scopes such as `api`, `read_api`, `sudo`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The owner's user id.
    pub user_id: i64,
    /// Free-text description (17.x+).
    #[serde(default)]
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_response_from_gitlab_doc() {
        // Shape of doc/api/personal_access_tokens.md, "Get single personal access token".
        let t: PersonalAccessToken = serde_json::from_str(
            r#"{"id":1,"name":"Test Token","revoked":false,"created_at":"2020-07-23T14:31:47.729Z","description":"Test Token description","scopes":["api"],"user_id":3,"last_used_at":"2021-10-06T17:58:37.550Z","active":true,"expires_at":null}"#,
        )
        .unwrap();
        assert_eq!(t.scopes, ["api"]);
        assert_eq!(t.expires_at, None);
        assert!(t.active && !t.revoked);
        assert_eq!(
            t.last_used_at.unwrap().to_string(),
            "2021-10-06T17:58:37.55Z"
        );
    }

    #[test]
    fn expiry_is_a_date_and_null_booleans_are_false() {
        let t: PersonalAccessToken = serde_json::from_str(
            r#"{"id":2,"name":"ci","revoked":null,"active":null,"created_at":null,"expires_at":"2025-06-30","last_used_at":null,"scopes":["read_api"],"user_id":9,"impersonation":false,"organization_id":1}"#,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(jiff::civil::date(2025, 6, 30)));
        assert!(!t.revoked && !t.active);
    }
}
