//! `--gitlab-variables PROJECT`: prints glir-collect's variable leak audit. Values never leave
//! the library; only fingerprints and flags are shown.

use super::output;
use crate::cli::{GlobalArgs, OutputFormat, ScanArgs};
use crate::output::stdout;
use crate::timespec::resolve;
use anyhow::{Context, Result};
use glir_gitlab::Client;
use glir_respond::{VariableReport, audit_variables};
use glir_scan::Scanner;
use jiff::{SignedDuration, Timestamp};
use std::io::Write;

const DEFAULT_SINCE: SignedDuration = SignedDuration::from_hours(30 * 24);

pub fn audit(
    g: &GlobalArgs,
    client: &Client,
    runtime: &tokio::runtime::Runtime,
    scanner: &Scanner,
    args: &ScanArgs,
    target: &str,
) -> Result<(Vec<VariableReport>, Vec<String>)> {
    let now = Timestamp::now();
    let since = resolve(args.since, now).unwrap_or(now - DEFAULT_SINCE);
    let spinner = output::spinner(g, "searching job logs for variable values");
    let audit = runtime
        .block_on(audit_variables(client, scanner, target, Some(since)))
        .with_context(|| {
            format!("cannot audit the CI/CD variables of {target} (needs Maintainer)")
        })?;
    spinner.finish_and_clear();
    let mut notes = vec![format!(
        "variables: {} read, values searched in {} job logs since {since}",
        audit.variables.len(),
        audit.jobs_searched
    )];
    if audit.public_jobs == Some(true) {
        notes.push(format!(
            "warning: {}'s job logs are visible to non-members (public pipelines)",
            audit.project
        ));
    }
    notes.extend(audit.warnings.iter().map(|w| format!("warning: {w}")));
    Ok((audit.variables, notes))
}

pub fn write(g: &GlobalArgs, reports: &[VariableReport]) -> Result<()> {
    let mut out = stdout();
    match g.format {
        OutputFormat::Jsonl => {
            for r in reports {
                serde_json::to_writer(&mut out, r)?;
                writeln!(out)?;
            }
            return Ok(());
        }
        OutputFormat::Json => {
            glir_report::write_json(&mut out, &reports)?;
            return Ok(());
        }
        _ => {}
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
            let encodings: Vec<&str> = r.encodings.iter().map(String::as_str).collect();
            format!("{} ({})", ids.join(","), encodings.join("+"))
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
