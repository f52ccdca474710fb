//! CI jobs: lists, logs, artifact archives, and the job a job token belongs to.

use super::tokens::offset;
use crate::base_url::encode_segment;
use crate::request::Body;
use crate::{Applied, Client, Error, Job, PageRequest, Response};
use reqwest::Method;

/// Filters for `GET /projects/:id/jobs` (doc/api/jobs.md).
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Statuses to include, such as `success`, `failed`, `running`; empty means all.
    pub scope: Vec<String>,
    /// Page size; `None` means 100.
    pub per_page: Option<u32>,
}

/// Job states GitLab can still cancel (`Ci::HasStatus::CANCELABLE_STATUSES`).
const CANCELABLE: &[&str] = &[
    "created",
    "pending",
    "running",
    "waiting_for_resource",
    "preparing",
    "scheduled",
];

impl Client {
    /// `GET /projects/:id/jobs/:job_id`.
    pub async fn job(&self, project: &str, job_id: i64) -> Result<Response<Job>, Error> {
        self.get(
            &format!("/projects/{}/jobs/{job_id}", encode_segment(project)),
            &[],
        )
        .await
    }

    /// `POST /projects/:id/jobs/:job_id/cancel` (Developer): ends a job, and with it its job
    /// token. A job that already finished is left as it is (`changed: false`).
    pub async fn cancel_job(&self, project: &str, job_id: i64) -> Result<Applied<Job>, Error> {
        let before = self.job(project, job_id).await?;
        if !CANCELABLE.contains(&before.body.status.as_str()) {
            return Ok(Applied::unchanged(
                before.body,
                before.status,
                before.request_id,
            ));
        }
        let path = format!("/projects/{}/jobs/{job_id}/cancel", encode_segment(project));
        let answer: Response<Job> = self
            .mutate_json(Method::POST, &path, &[], Body::Empty, true)
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// `GET /projects/:id/jobs`, newest first, offset-paged.
    pub fn project_jobs(&self, project: &str, filter: &JobFilter) -> PageRequest {
        PageRequest {
            path: format!("/projects/{}/jobs", encode_segment(project)),
            query: filter
                .scope
                .iter()
                .map(|s| ("scope[]".to_string(), s.clone()))
                .collect(),
            paging: offset(filter.per_page),
        }
    }

    /// `GET /projects/:id/jobs/:job_id/trace`: the raw log, ANSI codes and section markers
    /// included; 404 when the job or its log is missing.
    pub async fn job_trace(&self, project: &str, job_id: i64) -> Result<Response<Vec<u8>>, Error> {
        let path = format!("/projects/{}/jobs/{job_id}/trace", encode_segment(project));
        self.get_bytes(&path, None).await
    }

    /// `GET /projects/:id/jobs/:job_id/artifacts`: the zip archive, refused with
    /// [`Error::TooLarge`] when over `max_bytes`.
    pub async fn job_artifacts(
        &self,
        project: &str,
        job_id: i64,
        max_bytes: u64,
    ) -> Result<Response<Vec<u8>>, Error> {
        let path = format!(
            "/projects/{}/jobs/{job_id}/artifacts",
            encode_segment(project)
        );
        self.get_bytes(&path, Some(max_bytes)).await
    }

    /// `GET /job`: the job a CI job token belongs to (build the client with
    /// [`crate::Auth::JobToken`]); 401 once the job has finished.
    pub async fn current_job(&self) -> Result<Response<Job>, Error> {
        self.get("/job", &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paging;

    #[test]
    fn scopes_are_repeated_array_parameters() {
        let client = Client::builder("https://h").unwrap().build().unwrap();
        let req = client.project_jobs(
            "acme/app",
            &JobFilter {
                scope: vec!["success".into(), "failed".into()],
                per_page: None,
            },
        );
        assert_eq!(req.path, "/projects/acme%2Fapp/jobs");
        assert_eq!(
            req.query,
            [
                ("scope[]".to_string(), "success".to_string()),
                ("scope[]".to_string(), "failed".to_string()),
            ]
        );
        assert_eq!(req.paging, Paging::Offset { per_page: 100 });
    }
}
