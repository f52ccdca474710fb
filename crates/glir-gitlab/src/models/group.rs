//! Groups (doc/api/groups.md).

use serde::{Deserialize, Serialize};

/// A group, with the fields glir reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Group id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Last path segment.
    pub path: String,
    /// Path from the top-level group, such as `acme/platform`.
    pub full_path: String,
    /// `private`, `internal` or `public`.
    pub visibility: String,
    /// Parent group id; `None` for a top-level group.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// Link to the group page.
    pub web_url: String,
    /// Members must enrol in two-factor authentication.
    #[serde(default)]
    pub require_two_factor_authentication: Option<bool>,
    /// Hours members have to enrol once 2FA is required.
    #[serde(default)]
    pub two_factor_grace_period: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_from_gitlab_doc_shape() {
        let g: Group = serde_json::from_str(
            r#"{"id":4,"name":"Twitter","path":"twitter","description":"","visibility":"public","share_with_group_lock":false,"require_two_factor_authentication":false,"full_name":"Twitter","full_path":"twitter","parent_id":null,"web_url":"http://localhost:3000/groups/twitter","created_at":"2020-01-15T12:36:29.590Z"}"#,
        )
        .unwrap();
        assert_eq!(g.full_path, "twitter");
        assert_eq!(g.parent_id, None);
    }
}
