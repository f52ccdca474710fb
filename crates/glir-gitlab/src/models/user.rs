//! Users (doc/api/users.md; entities lib/api/entities/user*.rb). Admin tokens see more fields.

use super::boolean::null_as_false;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A user account. Fields after `bot` appear only for admins or for the user themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    pub id: i64,
    /// Username (login).
    pub username: String,
    /// Display name.
    pub name: String,
    /// `active`, `blocked`, `banned`, `deactivated`, `ldap_blocked`, `blocked_pending_approval`.
    #[serde(default)]
    pub state: Option<String>,
    /// Locked after failed sign-ins.
    #[serde(default, deserialize_with = "null_as_false")]
    pub locked: bool,
    /// Link to the profile.
    #[serde(default)]
    pub web_url: Option<String>,
    /// Avatar image.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Account creation time (hidden for private profiles).
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Public email on the profile.
    #[serde(default)]
    pub public_email: Option<String>,
    /// A bot account (project/group access token users, service accounts).
    #[serde(default, deserialize_with = "null_as_false")]
    pub bot: bool,
    /// Primary email.
    #[serde(default)]
    pub email: Option<String>,
    /// Instance administrator.
    #[serde(default)]
    pub is_admin: Option<bool>,
    /// Auditor (Premium).
    #[serde(default)]
    pub is_auditor: Option<bool>,
    /// Two-factor authentication enabled.
    #[serde(default)]
    pub two_factor_enabled: Option<bool>,
    /// External user.
    #[serde(default)]
    pub external: Option<bool>,
    /// Profile hidden from others.
    #[serde(default)]
    pub private_profile: Option<bool>,
    /// Email confirmation time.
    #[serde(default)]
    pub confirmed_at: Option<Timestamp>,
    /// Previous sign-in time.
    #[serde(default)]
    pub last_sign_in_at: Option<Timestamp>,
    /// Latest sign-in time.
    #[serde(default)]
    pub current_sign_in_at: Option<Timestamp>,
    /// Previous sign-in address.
    #[serde(default)]
    pub last_sign_in_ip: Option<String>,
    /// Latest sign-in address.
    #[serde(default)]
    pub current_sign_in_ip: Option<String>,
    /// Number of sign-ins.
    #[serde(default)]
    pub sign_in_count: Option<u64>,
    /// Last day with activity.
    #[serde(default)]
    pub last_activity_on: Option<Date>,
    /// External identities (LDAP, SAML, OAuth).
    #[serde(default)]
    pub identities: Vec<Identity>,
    /// SCIM identities; kept as GitLab sends them.
    #[serde(default)]
    pub scim_identities: Vec<serde_json::Value>,
    /// The admin who created the account, if created by one.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Group that provisioned the account (SCIM/SAML).
    #[serde(default)]
    pub provisioned_by_group_id: Option<i64>,
    /// The user's personal namespace.
    #[serde(default)]
    pub namespace_id: Option<i64>,
    /// Admin note on the account.
    #[serde(default)]
    pub note: Option<String>,
    /// When an email reset was offered.
    #[serde(default)]
    pub email_reset_offered_at: Option<Timestamp>,
    /// Occupies a license seat.
    #[serde(default)]
    pub using_license_seat: Option<bool>,
}

/// A link between a user and an external identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Provider name, such as `ldapmain` or `group_saml`.
    pub provider: String,
    /// The user's id at the provider.
    pub extern_uid: String,
    /// SAML provider id, for group SAML.
    #[serde(default)]
    pub saml_provider_id: Option<i64>,
}

/// A short reference to another user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    /// User id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_user_as_seen_without_admin() {
        let u: User = serde_json::from_str(
            r#"{"id":1,"username":"john_smith","name":"John Smith","state":"active","locked":false,"avatar_url":"http://localhost:3000/uploads/user/avatar/1/cd8.jpeg","web_url":"http://localhost:3000/john_smith","created_at":"2012-05-23T08:00:58Z","bio":"","bot":false,"public_email":"john@example.com","followers":0,"following":0}"#,
        )
        .unwrap();
        assert_eq!(u.username, "john_smith");
        assert_eq!(u.is_admin, None, "absent admin flag must stay unknown");
        assert_eq!(u.two_factor_enabled, None);
        assert!(u.identities.is_empty());
    }

    #[test]
    fn admin_view_keeps_triage_fields() {
        // Shape of doc/api/users.md "For administrators" example.
        let u: User = serde_json::from_str(
            r#"{"id":1,"username":"john_smith","email":"john@example.com","name":"John Smith","state":"active","locked":null,"avatar_url":null,"web_url":"http://localhost:3000/john_smith","created_at":"2012-05-23T08:00:58Z","is_admin":false,"bio":"","bot":null,"last_sign_in_at":"2012-06-01T11:41:01Z","confirmed_at":"2012-05-23T09:05:22Z","last_activity_on":"2012-05-23","identities":[{"provider":"github","extern_uid":"2435223452345"},{"provider":"group_saml","extern_uid":"123789","saml_provider_id":10}],"can_create_group":true,"two_factor_enabled":true,"external":false,"private_profile":false,"current_sign_in_at":"2012-06-02T06:36:55Z","current_sign_in_ip":"198.51.100.7","last_sign_in_ip":"203.0.113.9","sign_in_count":1001,"namespace_id":1,"created_by":null,"note":"DMCA Request: 2018-11-05 | DMCA Violation | Abuse | https://gitlab.zendesk.com/agent/tickets/123","using_license_seat":true,"is_auditor":false,"provisioned_by_group_id":null,"scim_identities":[{"extern_uid":"2435223452345","group_id":4,"active":true}]}"#,
        )
        .unwrap();
        assert_eq!(u.is_admin, Some(false));
        assert_eq!(u.two_factor_enabled, Some(true));
        assert!(!u.locked && !u.bot, "null booleans read as false");
        assert_eq!(u.current_sign_in_ip.as_deref(), Some("198.51.100.7"));
        assert_eq!(u.last_activity_on, Some(jiff::civil::date(2012, 5, 23)));
        assert_eq!(u.identities[1].saml_provider_id, Some(10));
        assert_eq!(u.sign_in_count, Some(1001));
        assert_eq!(u.scim_identities.len(), 1);
    }

    #[test]
    fn created_by_is_a_user_reference() {
        let u: User = serde_json::from_str(
            r#"{"id":7,"username":"svc","name":"Svc","created_by":{"id":1,"username":"root","name":"Administrator","state":"active","avatar_url":null,"web_url":"https://h/root"}}"#,
        )
        .unwrap();
        assert_eq!(u.created_by.unwrap().username, "root");
    }
}
