//! CI jobs (doc/api/jobs.md, `API::Entities::Ci::Job`).

use super::user::UserRef;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A CI job, with the fields a log or artifact scan needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// Job name from `.gitlab-ci.yml`.
    pub name: String,
    /// Stage name.
    #[serde(default)]
    pub stage: Option<String>,
    /// `created`, `pending`, `running`, `success`, `failed`, `canceled`, `skipped`, `manual`, …
    pub status: String,
    /// Branch or tag.
    #[serde(default, rename = "ref")]
    pub git_ref: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Start time; `None` until a runner picks it up.
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    /// End time.
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// Link to the job page.
    #[serde(default)]
    pub web_url: Option<String>,
    /// The pipeline it belongs to.
    #[serde(default)]
    pub pipeline: Option<JobPipeline>,
    /// Who started it.
    #[serde(default)]
    pub user: Option<UserRef>,
    /// Its artifact files (archive, metadata, trace, reports).
    #[serde(default)]
    pub artifacts: Vec<JobArtifact>,
    /// When its artifacts expire.
    #[serde(default)]
    pub artifacts_expire_at: Option<Timestamp>,
}

/// The pipeline of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobPipeline {
    /// Pipeline id.
    pub id: i64,
    /// Project id.
    #[serde(default)]
    pub project_id: Option<i64>,
    /// Branch or tag.
    #[serde(default, rename = "ref")]
    pub git_ref: Option<String>,
    /// Commit SHA.
    #[serde(default)]
    pub sha: Option<String>,
    /// Pipeline status.
    #[serde(default)]
    pub status: Option<String>,
    /// `push`, `web`, `trigger`, `schedule`, `api`, … (newer versions).
    #[serde(default)]
    pub source: Option<String>,
}

/// One artifact file of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobArtifact {
    /// `archive`, `metadata`, `trace`, `dotenv`, `junit`, …
    pub file_type: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// File name, e.g. `artifacts.zip`.
    #[serde(default)]
    pub filename: Option<String>,
    /// `zip`, `gzip` or `raw`.
    #[serde(default)]
    pub file_format: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_from_gitlab_doc_shape() {
        // Shape of doc/api/jobs.md, "List project jobs" (trimmed).
        let job: Job = serde_json::from_str(
            r#"{"commit":{"id":"0ff3ae19"},"coverage":null,"allow_failure":false,"created_at":"2015-12-24T15:51:21.880Z","started_at":"2015-12-24T17:54:30.733Z","finished_at":"2015-12-24T17:54:31.198Z","erased_at":null,"duration":0.465,"queued_duration":0.010,"artifacts_file":{"filename":"artifacts.zip","size":1000},"artifacts":[{"file_type":"archive","size":1000,"filename":"artifacts.zip","file_format":"zip"},{"file_type":"trace","size":1500,"filename":"job.log","file_format":"raw"}],"artifacts_expire_at":"2016-01-23T17:54:31.198Z","tag_list":["docker runner"],"id":7,"name":"teaspoon","pipeline":{"id":6,"project_id":1,"ref":"main","sha":"0ff3ae19","status":"pending"},"ref":"main","runner":null,"stage":"test","status":"failed","failure_reason":"script_failure","tag":false,"web_url":"https://example.com/foo/bar/-/jobs/7","project":{"ci_job_token_scope_enabled":false},"user":{"id":1,"name":"Administrator","username":"root","state":"active"}}"#,
        )
        .unwrap();
        assert_eq!(job.git_ref.as_deref(), Some("main"));
        assert_eq!(job.pipeline.as_ref().map(|p| p.id), Some(6));
        assert_eq!(job.user.as_ref().map(|u| u.username.as_str()), Some("root"));
        assert_eq!(job.artifacts[1].file_type, "trace");
        assert_eq!(job.artifacts[0].size, Some(1000));
    }
}
