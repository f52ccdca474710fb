//! `glir scan`: secrets in files, git history, GitLab job logs and artifacts, and the CI
//! variable leak audit; findings printed redacted, optionally verified against the instance,
//! optionally kept in the store where the shards of one scan merge.

mod git;
mod jobs;
mod mirrors;
mod output;
mod stored;
mod variables;
mod verify;

pub use jobs::scan_job;

use crate::cli::{GlobalArgs, ScanArgs};
use crate::config::Settings;
use crate::output::status;
use anyhow::{Context, Result, bail};
use glir_collect::Shard;
use glir_scan::{Baseline, PathOptions, RuleOptions, RuleSet, Scanner, scan_paths};
use glir_scan::{Collector, Policy};
use glir_tokens::IdentifyOptions;
use glir_verify::Verification;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

/// Exit code when at least one finding was verified live: distinct from 1 so a pipeline can
/// page someone only for live credentials.
const EXIT_VERIFIED_LIVE: u8 = 3;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &ScanArgs) -> Result<ExitCode> {
    if args.paths.is_empty()
        && args.git.is_none()
        && args.git_mirrors.is_none()
        && args.gitlab_jobs.is_none()
        && args.gitlab_variables.is_none()
        && !args.stored
    {
        bail!(
            "nothing to scan: give paths, --git REPO, --git-mirrors DIR, --gitlab-jobs PROJECT or --gitlab-variables PROJECT (or --stored for the stored findings)"
        );
    }
    if args.since.is_some() && args.gitlab_jobs.is_none() && args.gitlab_variables.is_none() {
        bail!("--since applies to --gitlab-jobs and --gitlab-variables");
    }
    if args.shard.is_some() && args.gitlab_jobs.is_none() && args.git_mirrors.is_none() {
        bail!("--shard applies to --gitlab-jobs and --git-mirrors");
    }
    if args.unreachable && args.git.is_none() && args.git_mirrors.is_none() {
        bail!("--unreachable applies to --git and --git-mirrors");
    }
    if args.stored {
        return stored::list(g, settings, args);
    }
    // Opened first: a store that cannot be used fails the run before a long scan, not after.
    let mut store = if args.save {
        Some(super::open_store(settings)?)
    } else {
        None
    };
    let started = jiff::Timestamp::now();
    let rules = RuleSet::builtin(&RuleOptions {
        custom_pat_prefix: args.pat_prefix.clone(),
        instance_prefix: args.instance_prefix.clone(),
        generic: args.generic,
    })?;
    let scanner = Scanner::new(rules)?;
    let baseline = args
        .baseline
        .as_deref()
        .map(Baseline::load)
        .transpose()
        .context("cannot use the baseline")?;
    let policy = Policy {
        include_suppressed: args.include_suppressed,
        include_invalid: args.include_invalid,
    };
    let mut collector = Collector::new(baseline, policy, args.verify);
    let max_size = args.max_file_size << 20;
    let mut notes = Vec::new();
    if !args.paths.is_empty() {
        let opts = PathOptions {
            no_ignore: args.no_ignore,
            max_file_size: max_size,
            threads: args.threads,
        };
        let spinner = output::spinner(g, "scanning files");
        let stats = scan_paths(&scanner, &args.paths, &opts, &mut |finding, m| {
            collector.add(finding, m);
        })?;
        spinner.finish_and_clear();
        notes.push(format!(
            "files: {} scanned ({}), {} binary and {} over {} MiB skipped",
            stats.files,
            output::bytes(stats.bytes),
            stats.skipped_binary,
            stats.skipped_large,
            args.max_file_size
        ));
        notes.extend(stats.errors.iter().map(|e| format!("warning: {e}")));
    }
    if let Some(repo) = &args.git {
        let stats = git::scan(g, &scanner, repo, None, args, max_size, &mut collector)?;
        notes.push(format!("git: {}", git::note(&stats, args)));
    }
    // Repositories that could not be read.
    let mut unread_repositories = 0;
    if let Some(dir) = &args.git_mirrors {
        let scanned = mirrors::scan(g, &scanner, dir, args, max_size, &mut collector)?;
        notes.extend(scanned.notes);
        unread_repositories = scanned.unread;
    }
    let online = args.gitlab_jobs.is_some() || args.gitlab_variables.is_some() || args.verify;
    let runtime = if online {
        Some(super::runtime()?)
    } else {
        None
    };
    let client = if args.gitlab_jobs.is_some() || args.gitlab_variables.is_some() {
        Some(super::client(settings, Duration::from_millis(50))?)
    } else if args.verify && settings.has_token() {
        Some(super::client(settings, Duration::from_millis(200))?)
    } else {
        None
    };
    // Job logs and archives that could not be read: the answer is not whole.
    let mut unread = 0;
    if let (Some(target), Some(client), Some(rt)) = (&args.gitlab_jobs, &client, &runtime) {
        let (more, missed) = jobs::scan(g, client, rt, &scanner, args, target, &mut collector)?;
        notes.extend(more);
        unread = missed;
    }
    let mut variable_reports = Vec::new();
    if let (Some(target), Some(client), Some(rt)) = (&args.gitlab_variables, &client, &runtime) {
        let (reports, more) = variables::audit(g, client, rt, &scanner, args, target)?;
        variable_reports = reports;
        notes.extend(more);
    }
    let finished = jiff::Timestamp::now();
    let mut report = collector.finish();
    let mut verifications = Verifications::new();
    if args.verify
        && let Some(rt) = &runtime
    {
        let opts = IdentifyOptions {
            custom_pat_prefix: args.pat_prefix.clone(),
            instance_prefix: args.instance_prefix.clone(),
        };
        let (verified, note) =
            verify::verify(settings, client.as_ref(), rt, &report.secrets, &opts)?;
        verifications = verified;
        notes.push(note);
    }
    // Plaintexts are not needed past verification.
    report.secrets.clear();
    output::write(g, args, &report, &verifications, started, finished)?;
    let saved = match &mut store {
        Some(store) => stored::save(store, &report.findings)?,
        None => String::new(),
    };
    if !variable_reports.is_empty() {
        variables::write(g, &variable_reports)?;
    }
    let leaked_variables = variable_reports
        .iter()
        .filter(|r| !r.leaked_in_jobs.is_empty())
        .count();
    if let Some(path) = &args.write_baseline {
        Baseline::from_findings(&report.findings)
            .write(path)
            .with_context(|| format!("cannot write the baseline {}", path.display()))?;
        notes.push(format!(
            "baseline: {} findings written to {}",
            report.findings.len(),
            path.display()
        ));
    }
    if !g.quiet {
        for note in &notes {
            status!("{note}");
        }
        // A variable leaked into job logs is a finding too: the summary never reads "0 findings"
        // over a listed leak.
        let variables = match leaked_variables {
            0 => String::new(),
            n => format!("; {n} CI/CD variables found in job logs"),
        };
        status!(
            "{}{}{variables}{saved}",
            report.summary(),
            verified_summary(&verifications)
        );
        if unread > 0 {
            status!(
                "coverage: partial: {unread} job logs or artifact archives could not be read (see the warnings)"
            );
        }
        if unread_repositories > 0 {
            status!(
                "coverage: partial: {unread_repositories} repositories could not be read (see the warnings)"
            );
        }
    }
    let nothing_found = report.findings.is_empty() && leaked_variables == 0;
    Ok(
        if args.write_baseline.is_some()
            || (nothing_found && unread == 0 && unread_repositories == 0)
        {
            ExitCode::SUCCESS
        } else if nothing_found {
            // Nothing in what could be read is not "nothing": say the answer is not whole.
            ExitCode::from(super::EXIT_PARTIAL)
        } else if verifications.values().any(|v| v.verdict.is_live()) {
            ExitCode::from(EXIT_VERIFIED_LIVE)
        } else {
            ExitCode::from(1)
        },
    )
}

/// " (shard I/N; M left to the other shards)", or nothing without a shard.
fn shard_note(shard: Option<Shard>, others: u64) -> String {
    shard.map_or_else(String::new, |s| {
        format!(" (shard {s}; {others} left to the other shards)")
    })
}

/// Verdicts per finding id (`--verify`).
type Verifications = BTreeMap<String, Verification>;

/// The summary's verification part: how many were verified and how many are live.
fn verified_summary(verifications: &Verifications) -> String {
    if verifications.is_empty() {
        return String::new();
    }
    let live = verifications
        .values()
        .filter(|v| v.verdict.is_live())
        .count();
    format!("; verified {}: {live} live", verifications.len())
}
