//! Repository history: who changed which files when (doc/api/commits.md).

use super::tokens::offset;
use crate::base_url::encode_segment;
use crate::{ChangedFile, Client, Error, PageRequest, Response};
use jiff::Timestamp;

impl Client {
    /// `GET /projects/:id/repository/commits` between `since` and `until`, newest first.
    pub fn project_commits(
        &self,
        project: &str,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> PageRequest {
        let mut query = Vec::new();
        if let Some(since) = since {
            query.push(("since".to_string(), since.to_string()));
        }
        if let Some(until) = until {
            query.push(("until".to_string(), until.to_string()));
        }
        PageRequest {
            path: format!("/projects/{}/repository/commits", encode_segment(project)),
            query,
            paging: offset(None),
        }
    }

    /// `GET /projects/:id/repository/commits/:sha/diff`: the files a commit changed.
    pub async fn commit_files(
        &self,
        project: &str,
        sha: &str,
    ) -> Result<Response<Vec<ChangedFile>>, Error> {
        self.get(
            &format!(
                "/projects/{}/repository/commits/{}/diff",
                encode_segment(project),
                encode_segment(sha)
            ),
            &[],
        )
        .await
    }
}
