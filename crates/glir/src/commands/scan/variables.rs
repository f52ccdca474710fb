//! `--gitlab-variables PROJECT`: the project's and its groups' CI/CD variables, and in which job
//! logs their values appear (as written, URL-encoded, base64, double base64, hex). Values are
//! held as `Secret`s and only their fingerprints are shown.

use super::output;
use crate::cli::{GlobalArgs, OutputFormat, ScanArgs};
use crate::timespec::parse_opt;
use anyhow::{Context, Result};
use futures::TryStreamExt;
use glir_collect::{JobLogRequest, fetch_job_logs};
use glir_gitlab::{Client, Variable};
use glir_scan::{Scanner, ValueLeakFinder, clean_job_log};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::Write;

const DEFAULT_SINCE: SignedDuration = SignedDuration::from_hours(30 * 24);

/// One variable and what the audit found about it.
#[derive(Debug, Serialize)]
pub struct VariableReport {
    pub key: String,
    /// `project acme/app` or `group acme`.
    pub defined_in: String,
    pub environment_scope: String,
    pub masked: bool,
    pub protected: bool,
    pub hidden: bool,
    /// Fingerprint of the value (never the value).
    pub fingerprint: Option<String>,
    pub looks_secret: bool,
    /// Problems in plain words, e.g. "unmasked secret-looking value".
    pub flags: Vec<String>,
    pub leaked_in_jobs: Vec<i64>,
    pub encodings: BTreeSet<String>,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub searched: bool,
}

pub fn audit(
    g: &GlobalArgs,
    client: &Client,
    runtime: &tokio::runtime::Runtime,
    scanner: &Scanner,
    args: &ScanArgs,
    target: &str,
) -> Result<(Vec<VariableReport>, Vec<String>)> {
    let now = Timestamp::now();
    let since = parse_opt(args.since.as_deref(), now)?.unwrap_or(now - DEFAULT_SINCE);
    let mut notes = Vec::new();
    let project = runtime
        .block_on(client.project(target))
        .with_context(|| format!("cannot read project {target}"))?
        .body;
    let mut variables: Vec<(String, Variable)> = runtime
        .block_on(collect(
            client,
            client.project_variables(&project.path_with_namespace),
        ))
        .with_context(|| {
            format!(
                "cannot read the CI/CD variables of {} (needs Maintainer)",
                project.path_with_namespace
            )
        })?
        .into_iter()
        .map(|v| (format!("project {}", project.path_with_namespace), v))
        .collect();
    if project.namespace.kind == "group" {
        for group in ancestors(&project.namespace.full_path) {
            match runtime.block_on(collect(client, client.group_variables(&group))) {
                Ok(vars) => variables.extend(vars.into_iter().map(|v| (format!("group {group}"), v))),
                Err(e) => notes.push(format!(
                    "warning: group {group} variables not read (needs Owner or Maintainer of the group): {e}"
                )),
            }
        }
    }
    let values: Vec<&str> = variables
        .iter()
        .map(|(_, v)| v.value.as_ref().map_or("", |s| s.expose()))
        .collect();
    let finder = ValueLeakFinder::new(&values)?;
    let mut reports: Vec<VariableReport> = variables
        .iter()
        .enumerate()
        .map(|(i, (defined_in, v))| describe(defined_in, v, scanner, finder.searched(i)))
        .collect();
    let spinner = output::spinner(g, "searching job logs for variable values");
    let req = JobLogRequest {
        target: project.path_with_namespace.clone(),
        since: Some(since),
        artifacts: false,
        max_artifact_bytes: 0,
        concurrency: 4,
    };
    let summary = runtime
        .block_on(fetch_job_logs(client, &req, &mut |log| {
            let Ok(raw) = &log.trace else {
                return;
            };
            let clean = clean_job_log(raw);
            finder.find(&clean.text, &mut |hit| {
                let report = &mut reports[hit.value];
                if !report.leaked_in_jobs.contains(&log.job.id) {
                    report.leaked_in_jobs.push(log.job.id);
                }
                report.encodings.insert(hit.encoding.label().to_string());
                if let Some(at) = log.job.created_at {
                    report.first_seen = Some(report.first_seen.map_or(at, |f| f.min(at)));
                    report.last_seen = Some(report.last_seen.map_or(at, |l| l.max(at)));
                }
            });
        }))
        .with_context(|| format!("cannot list the jobs of {}", project.path_with_namespace))?;
    spinner.finish_and_clear();
    for report in &mut reports {
        report.leaked_in_jobs.sort_unstable();
        if !report.leaked_in_jobs.is_empty() {
            report.flags.insert(
                0,
                format!(
                    "value appears in {} job logs: rotate it",
                    report.leaked_in_jobs.len()
                ),
            );
        }
    }
    notes.insert(
        0,
        format!(
            "variables: {} read, values searched in {} job logs since {since}",
            reports.len(),
            summary.jobs
        ),
    );
    Ok((reports, notes))
}

pub fn write(g: &GlobalArgs, reports: &[VariableReport]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if g.format == OutputFormat::Jsonl {
        for r in reports {
            serde_json::to_writer(&mut out, r)?;
            writeln!(out)?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "{:<26} {:<22} {:<7} {:<9} {:<6} {:<26} FLAGS",
        "VARIABLE", "DEFINED IN", "MASKED", "PROTECTED", "HIDDEN", "LEAKED IN JOBS"
    )?;
    for r in reports {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let jobs = if r.leaked_in_jobs.is_empty() {
            "-".to_string()
        } else {
            let ids: Vec<String> = r.leaked_in_jobs.iter().map(i64::to_string).collect();
            format!(
                "{} ({})",
                ids.join(","),
                r.encodings.iter().cloned().collect::<Vec<_>>().join("+")
            )
        };
        writeln!(
            out,
            "{:<26} {:<22} {:<7} {:<9} {:<6} {:<26} {}",
            r.key,
            r.defined_in,
            yes(r.masked),
            yes(r.protected),
            yes(r.hidden),
            jobs,
            r.flags.join("; ")
        )?;
    }
    Ok(())
}

fn describe(defined_in: &str, v: &Variable, scanner: &Scanner, searched: bool) -> VariableReport {
    let value = v.value.as_ref().map(|s| s.expose()).unwrap_or_default();
    let looks_secret = looks_secret(&v.key, value, scanner);
    let hidden = v.hidden.unwrap_or(false);
    let mut flags = Vec::new();
    if looks_secret && !v.masked && !hidden {
        flags.push("unmasked secret-looking value: job logs can print it".to_string());
    }
    if looks_secret && !v.protected {
        flags.push("unprotected: every branch's pipelines can read it".to_string());
    }
    if !searched && !hidden && !value.is_empty() {
        flags.push("value too short to search for".to_string());
    }
    VariableReport {
        key: v.key.clone(),
        defined_in: defined_in.to_string(),
        environment_scope: v.environment_scope.clone().unwrap_or_else(|| "*".into()),
        masked: v.masked,
        protected: v.protected,
        hidden,
        fingerprint: v.value.as_ref().map(|s| s.fingerprint()),
        looks_secret,
        flags,
        leaked_in_jobs: Vec::new(),
        encodings: BTreeSet::new(),
        first_seen: None,
        last_seen: None,
        searched,
    }
}

/// A name that says secret, a value a secret rule recognises, or a long random-looking value.
fn looks_secret(key: &str, value: &str, scanner: &Scanner) -> bool {
    let key = key.to_ascii_lowercase();
    let named = [
        "token",
        "secret",
        "passw",
        "pwd",
        "key",
        "private",
        "credential",
        "auth",
    ]
    .iter()
    .any(|w| key.contains(w));
    let mut recognised = false;
    scanner.scan(value.as_bytes(), &mut |_| recognised = true);
    named || recognised || (value.len() >= 16 && entropy(value) >= 3.5)
}

fn entropy(text: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in text.bytes() {
        counts[b as usize] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// `a/b/c` → `a`, `a/b`, `a/b/c`: variables are inherited from every ancestor group.
fn ancestors(full_path: &str) -> Vec<String> {
    let parts: Vec<&str> = full_path.split('/').collect();
    (1..=parts.len()).map(|n| parts[..n].join("/")).collect()
}

async fn collect(
    client: &Client,
    req: glir_gitlab::PageRequest,
) -> Result<Vec<Variable>, glir_gitlab::Error> {
    let mut out = Vec::new();
    let mut pages = std::pin::pin!(client.pages::<Variable>(req));
    while let Some(page) = pages.try_next().await? {
        out.extend(page.items);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::ancestors;

    #[test]
    fn every_ancestor_group_is_listed() {
        assert_eq!(ancestors("a/b/c"), ["a", "a/b", "a/b/c"]);
        assert_eq!(ancestors("acme"), ["acme"]);
    }
}
