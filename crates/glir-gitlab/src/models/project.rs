//! Projects (doc/api/projects.md).

use serde::{Deserialize, Serialize};

/// A project, with the fields glir reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Project id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Last path segment.
    pub path: String,
    /// Full path, such as `acme/app`.
    pub path_with_namespace: String,
    /// `private`, `internal` or `public`.
    pub visibility: String,
    /// The group or user namespace holding it.
    pub namespace: Namespace,
    /// Link to the project page.
    pub web_url: String,
    /// Job logs and artifacts visible to non-members (`public_jobs`); absent for some roles.
    #[serde(default)]
    pub public_jobs: Option<bool>,
}

/// Who can see a project or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Members only.
    Private,
    /// Any signed-in user.
    Internal,
    /// Everyone, signed in or not.
    Public,
}

impl Visibility {
    /// GitLab's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Internal => "internal",
            Visibility::Public => "public",
        }
    }
}

/// The namespace a project lives in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    /// Namespace id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Last path segment.
    pub path: String,
    /// `group` or `user`.
    pub kind: String,
    /// Full path.
    pub full_path: String,
    /// Parent group id, for subgroups.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// Link to the namespace page.
    #[serde(default)]
    pub web_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_from_gitlab_doc_shape() {
        let p: Project = serde_json::from_str(
            r#"{"id":3,"description":null,"default_branch":"main","visibility":"private","ssh_url_to_repo":"git@example.com:diaspora/diaspora-project-site.git","web_url":"http://example.com/diaspora/diaspora-project-site","name":"Diaspora Project Site","name_with_namespace":"Diaspora / Diaspora Project Site","path":"diaspora-project-site","path_with_namespace":"diaspora/diaspora-project-site","namespace":{"id":3,"name":"Diaspora","path":"diaspora","kind":"group","full_path":"diaspora","avatar_url":"http://localhost:3000/uploads/group/avatar/3/foo.jpg","web_url":"http://localhost:3000/groups/diaspora"},"archived":false}"#,
        )
        .unwrap();
        assert_eq!(p.path_with_namespace, "diaspora/diaspora-project-site");
        assert_eq!(p.namespace.kind, "group");
        assert_eq!(p.namespace.parent_id, None);
    }
}
