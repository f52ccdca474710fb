//! Repository history (doc/api/commits.md).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A commit as `GET /projects/:id/repository/commits` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub id: String,
    #[serde(default)]
    pub short_id: Option<String>,
    pub title: String,
    pub author_name: String,
    pub author_email: String,
    pub authored_date: Timestamp,
    #[serde(default)]
    pub committer_name: Option<String>,
    #[serde(default)]
    pub committed_date: Option<Timestamp>,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// One changed file of a commit's diff (the diff text itself is not kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFile {
    pub old_path: String,
    pub new_path: String,
    #[serde(default)]
    pub new_file: bool,
    #[serde(default)]
    pub renamed_file: bool,
    #[serde(default)]
    pub deleted_file: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitlab_documentation_example_parses() {
        // doc/api/commits.md, "List repository commits".
        let c: Commit = serde_json::from_str(
            r#"{"id":"ed899a2f4b50b4370feeea94676502b42383c746","short_id":"ed899a2f4b5","title":"Replace sanitize with escape once","author_name":"Example User","author_email":"user@example.com","authored_date":"2021-09-20T11:50:22.001+03:00","committer_name":"Administrator","committer_email":"admin@example.com","committed_date":"2021-09-20T11:50:22.001+03:00","created_at":"2021-09-20T11:50:22.001+03:00","message":"Replace sanitize with escape once","parent_ids":["6104942438c14ec7bd21c6cd5bd995272b3faff6"],"web_url":"https://gitlab.example.com/janedoe/gitlab-foss/-/commit/ed899a2f4b50b4370feeea94676502b42383c746","trailers":{},"extended_trailers":{}}"#,
        )
        .unwrap();
        assert_eq!(c.author_email, "user@example.com");
        assert_eq!(c.authored_date.to_string(), "2021-09-20T08:50:22.001Z");
    }
}
