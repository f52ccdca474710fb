//! Personal, impersonation, project and group access tokens (doc/api/personal_access_tokens.md,
//! doc/api/project_access_tokens.md, doc/api/group_access_tokens.md): one entity, as in GitLab.

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
    /// Recent client IPs that used it (19.4+ in `user_tokens.md`; absent before).
    #[serde(default)]
    pub last_used_ips: Option<Vec<String>>,
    /// An impersonation token (admin-created, acts as the user); absent on older versions.
    #[serde(default)]
    pub impersonation: Option<bool>,
    /// Role of a project or group access token's bot user (10 Guest … 50 Owner).
    #[serde(default)]
    pub access_level: Option<u8>,
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
        assert_eq!(t.impersonation, Some(false));
        assert_eq!(t.last_used_ips, None);
    }

    #[test]
    fn access_token_level_and_last_used_ips() {
        let t: PersonalAccessToken = serde_json::from_str(
            r#"{"id":3,"name":"bot","revoked":false,"active":true,"created_at":"2025-01-01T00:00:00Z","expires_at":"2026-01-01","last_used_at":null,"scopes":["api"],"user_id":9,"access_level":40,"last_used_ips":["203.0.113.9","198.51.100.1"]}"#,
        )
        .unwrap();
        assert_eq!(t.access_level, Some(40));
        assert_eq!(
            t.last_used_ips.as_deref(),
            Some(&["203.0.113.9".to_string(), "198.51.100.1".to_string()][..])
        );
    }
}
