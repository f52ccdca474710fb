//! CI job logs and artifacts of a project, or of every project of a group: jobs paged newest
//! first down to `since`, traces (and artifact archives) fetched a few at a time. The client's
//! pacing and retry rules apply to every request, so concurrency never outruns the rate limit.

use crate::shard::Shard;
use futures::{StreamExt, TryStreamExt};
use glir_gitlab::{Client, Error, Job, JobFilter, Project};
use jiff::Timestamp;

/// What to fetch.
#[derive(Debug, Clone)]
pub struct JobLogRequest {
    /// A project or a group (full path or numeric id).
    pub target: String,
    /// Only jobs created at or after this time.
    pub since: Option<Timestamp>,
    /// Also download each job's artifacts archive.
    pub artifacts: bool,
    /// Archives larger than this are skipped and reported.
    pub max_artifact_bytes: u64,
    /// Traces fetched at once.
    pub concurrency: usize,
    /// Only the projects of this part: those whose id gives `id mod N + 1 == I`. Project ids
    /// never change and are spread evenly, so runs of every part of one listing split a group
    /// between them with nothing left out and nothing scanned twice.
    pub shard: Option<Shard>,
}

/// One job with what could be fetched of it.
#[derive(Debug)]
pub struct JobLog {
    /// `path_with_namespace` of the job's project.
    pub project: String,
    pub job: Job,
    pub trace: Result<Vec<u8>, Error>,
    /// `None` when artifacts were not asked for or the job has no archive.
    pub artifacts: Option<Result<Vec<u8>, Error>>,
}

/// Totals for the closing summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobLogSummary {
    pub projects: u64,
    /// Projects listed but left to the other parts of a [`JobLogRequest::shard`].
    pub other_shards: u64,
    pub jobs: u64,
    pub trace_bytes: u64,
    pub artifact_bytes: u64,
}

/// Hands each job to `on_log` in newest-first order per project. A failing trace or archive is
/// reported on its `JobLog`; only a failure to list projects or jobs ends the run.
pub async fn fetch_job_logs(
    client: &Client,
    req: &JobLogRequest,
    on_log: &mut (dyn FnMut(JobLog) + Send),
) -> Result<JobLogSummary, Error> {
    let mut summary = JobLogSummary::default();
    for project in projects(client, &req.target).await? {
        if req
            .shard
            .is_some_and(|s| !s.owns(project.id.unsigned_abs()))
        {
            summary.other_shards += 1;
            continue;
        }
        summary.projects += 1;
        let path = project.path_with_namespace.clone();
        let mut pages =
            std::pin::pin!(client.pages::<Job>(client.project_jobs(&path, &JobFilter::default())));
        'pages: while let Some(page) = pages.try_next().await? {
            let mut jobs = Vec::with_capacity(page.items.len());
            let mut reached_since = false;
            for job in page.items {
                let too_old = match (req.since, job.created_at) {
                    (Some(since), Some(created)) => created < since,
                    _ => false,
                };
                if too_old {
                    reached_since = true;
                    continue;
                }
                jobs.push(job);
            }
            let mut fetched = futures::stream::iter(jobs)
                .map(|job| fetch_one(client, &path, job, req))
                .buffered(req.concurrency.max(1));
            while let Some(log) = fetched.next().await {
                summary.jobs += 1;
                if let Ok(trace) = &log.trace {
                    summary.trace_bytes += trace.len() as u64;
                }
                if let Some(Ok(archive)) = &log.artifacts {
                    summary.artifact_bytes += archive.len() as u64;
                }
                on_log(log);
            }
            // Jobs come newest first: once one is older than `since`, the rest are too.
            if reached_since {
                break 'pages;
            }
        }
    }
    Ok(summary)
}

async fn fetch_one(client: &Client, project: &str, job: Job, req: &JobLogRequest) -> JobLog {
    let trace = client.job_trace(project, job.id).await.map(|r| r.body);
    let has_archive = job.artifacts.iter().any(|a| a.file_type == "archive");
    let artifacts = if req.artifacts && has_archive {
        Some(
            client
                .job_artifacts(project, job.id, req.max_artifact_bytes)
                .await
                .map(|r| r.body),
        )
    } else {
        None
    };
    JobLog {
        project: project.to_string(),
        job,
        trace,
        artifacts,
    }
}

/// The target as a project, or else every project of the group (subgroups included).
async fn projects(client: &Client, target: &str) -> Result<Vec<Project>, Error> {
    match client.project(target).await {
        Ok(project) => Ok(vec![project.body]),
        Err(e) if e.status() == Some(404) => {
            let group = client.group(target).await?;
            client
                .all::<Project>(client.group_projects(&group.body.full_path, true))
                .await
        }
        Err(e) => Err(e),
    }
}
