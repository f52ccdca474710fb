//! Group and project members (doc/api/members.md).

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A user's membership of a group or project, direct or inherited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The user's id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Display name.
    pub name: String,
    /// The user's state (`active`, `blocked`, …).
    pub state: String,
    /// 0 none, 5 minimal, 10 guest, 15 planner, 20 reporter, 30 developer, 40 maintainer, 50 owner.
    pub access_level: u32,
    /// Membership expiry day.
    #[serde(default)]
    pub expires_at: Option<Date>,
    /// When the membership was created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// `active` or `awaiting` (pending approval).
    #[serde(default)]
    pub membership_state: Option<String>,
    /// Link to the user's profile.
    #[serde(default)]
    pub web_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_from_gitlab_doc_shape() {
        let m: Member = serde_json::from_str(
            r#"{"id":1,"username":"raymond_smith","name":"Raymond Smith","state":"active","avatar_url":"https://www.gravatar.com/avatar/c2525a7f58ae3776070e44c106c48e15?s=80&d=identicon","web_url":"http://192.168.1.8:3000/root","expires_at":"2012-10-22","access_level":30,"email":"john@example.com","created_at":"2012-10-22T14:13:35Z","created_by":{"id":2,"username":"john_doe","name":"John Doe","state":"active","avatar_url":null,"web_url":"http://192.168.1.8:3000/root"},"group_saml_identity":null,"membership_state":"active"}"#,
        )
        .unwrap();
        assert_eq!(m.access_level, 30);
        assert_eq!(m.expires_at, Some(jiff::civil::date(2012, 10, 22)));
        assert_eq!(m.membership_state.as_deref(), Some("active"));
    }
}
