//! `--gitlab-jobs`: CI job logs (and with `--artifacts` their archives) of a project or group,
//! cleaned of ANSI and section markers and scanned through every decoding layer.

use super::output;
use crate::cli::{GlobalArgs, ScanArgs};
use crate::timespec::resolve;
use anyhow::{Context, Result};
use glir_collect::{JobLog, JobLogRequest, fetch_job_logs};
use glir_gitlab::Client;
use glir_scan::Collector;
use glir_scan::{ArchiveLimits, Finding, Location, RawMatch, Scanner, scan_zip};
use jiff::{SignedDuration, Timestamp};

/// Default look-back when --since is not given.
const DEFAULT_SINCE: SignedDuration = SignedDuration::from_hours(30 * 24);

pub fn scan(
    g: &GlobalArgs,
    client: &Client,
    runtime: &tokio::runtime::Runtime,
    scanner: &Scanner,
    args: &ScanArgs,
    target: &str,
    collector: &mut Collector,
) -> Result<(Vec<String>, usize)> {
    let now = Timestamp::now();
    let since = resolve(args.since, now).unwrap_or(now - DEFAULT_SINCE);
    let req = JobLogRequest {
        target: target.to_string(),
        since: Some(since),
        artifacts: args.artifacts,
        max_artifact_bytes: args.max_file_size << 20,
        concurrency: 4,
        shard: args.shard,
    };
    let spinner = output::spinner(g, "scanning job logs");
    let mut notes = Vec::new();
    let mut masked = 0usize;
    let mut unread = 0usize;
    let limits = ArchiveLimits {
        max_entry_size: args.max_file_size << 20,
        ..ArchiveLimits::default()
    };
    let summary = runtime
        .block_on(fetch_job_logs(client, &req, &mut |log| {
            spinner.set_message(format!(
                "scanning job logs: {} job {}",
                log.project, log.job.id
            ));
            let scanned = scan_job(scanner, &log, &limits, &mut |finding, m| {
                collector.add(finding, m);
            });
            masked += scanned.masked;
            unread += scanned.unread;
            notes.extend(scanned.notes);
        }))
        .with_context(|| format!("cannot list the jobs of {target}"))?;
    spinner.finish_and_clear();
    notes.insert(
        0,
        format!(
            "job logs: {} jobs in {} projects{} since {since} ({} of logs{}), {masked} [MASKED] values seen",
            summary.jobs,
            summary.projects,
            super::shard_note(args.shard, summary.other_shards),
            output::bytes(summary.trace_bytes),
            if args.artifacts {
                format!(", {} of artifacts", output::bytes(summary.artifact_bytes))
            } else {
                String::new()
            }
        ),
    );
    Ok((notes, unread))
}

/// What scanning one job gave besides its findings.
pub struct JobScan {
    /// `[MASKED]` runs in the log.
    pub masked: usize,
    /// Unreadable logs and archives, and archives only partly scanned.
    pub notes: Vec<String>,
    /// Logs and archives that could not be read: the scan did not see everything.
    pub unread: usize,
}

/// Scans one job's cleaned and decoded log and its artifact archive; each finding goes to
/// `sink` with the match that holds its plaintext.
pub fn scan_job(
    scanner: &Scanner,
    log: &JobLog,
    limits: &ArchiveLimits,
    sink: &mut dyn FnMut(Finding, &RawMatch<'_>),
) -> JobScan {
    let job = &log.job;
    let mut scanned = JobScan {
        unread: 0,
        masked: 0,
        notes: Vec::new(),
    };
    match &log.trace {
        Ok(raw) => {
            scanned.masked = scanner.scan_content(raw, &mut |m| {
                let location = Location::JobLog {
                    project: log.project.clone(),
                    job_id: job.id as u64,
                    job_name: job.name.clone(),
                    pipeline_id: job.pipeline.as_ref().map_or(0, |p| p.id as u64),
                    stage: job.stage.clone().unwrap_or_default(),
                    web_url: job.web_url.clone().unwrap_or_default(),
                    line: m.line,
                };
                sink(Finding::new(&m, location), &m);
            });
        }
        Err(e) => {
            scanned.unread += 1;
            scanned
                .notes
                .push(format!("warning: job {} log: {e}", job.id));
        }
    }
    match &log.artifacts {
        Some(Ok(archive)) => {
            let stats = scan_zip(scanner, archive, limits, &mut |entry, m| {
                let location = Location::Artifact {
                    project: log.project.clone(),
                    job_id: job.id as u64,
                    entry: entry.to_string(),
                    line: m.line,
                };
                sink(Finding::new(&m, location), &m);
            });
            scanned.notes.extend(
                stats
                    .errors
                    .iter()
                    .map(|e| format!("warning: job {} artifacts: {e}", job.id)),
            );
            if stats.truncated || stats.skipped_large + stats.skipped_too_deep > 0 {
                scanned.notes.push(format!(
                    "note: job {} artifacts only partly scanned ({} entries too large, {} nested too deep{})",
                    job.id,
                    stats.skipped_large,
                    stats.skipped_too_deep,
                    if stats.truncated { ", size or entry cap reached" } else { "" }
                ));
            }
        }
        Some(Err(e)) => {
            scanned.unread += 1;
            scanned
                .notes
                .push(format!("warning: job {} artifacts: {e}", job.id));
        }
        None => {}
    }
    scanned
}
