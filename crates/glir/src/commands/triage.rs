//! `glir triage host` and `glir triage verify`: a GitLab server's evidence read into a
//! verifiable bundle, and the bundle checked.

use super::{operator, write_value};
use crate::cli::{GlobalArgs, TriageCommand, TriageHostArgs};
use crate::output::{status, stdout};
use anyhow::{Context, Result};
use glir_triage::{Level, Options, Summary};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, command: &TriageCommand) -> Result<ExitCode> {
    match command {
        TriageCommand::Host(args) => host(g, args),
        TriageCommand::Verify(args) => verify(g, &args.bundle),
    }
}

fn host(g: &GlobalArgs, args: &TriageHostArgs) -> Result<ExitCode> {
    let now = jiff::Timestamp::now();
    let output = args.output.clone().unwrap_or_else(|| default_output(now));
    let options = Options {
        root: args.root.clone(),
        proc_dir: args.proc_dir.clone(),
        output,
        copy_to: args.copy_to.clone(),
        since: args.since.at(now),
        hash_max: args.hash_max_mib.saturating_mul(1 << 20),
        include_objects: args.include_objects,
        operator: operator(),
        command_line: std::env::args().collect(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    if !g.quiet && g.format != crate::cli::OutputFormat::Json {
        status!(
            "reading {} into {} …",
            options.root.display(),
            options.output.display()
        );
    }
    let summary = glir_triage::triage_host(&options).context("triage failed")?;
    if write_value(g.format, &summary)? {
        return Ok(ExitCode::SUCCESS);
    }
    print_summary(&summary)?;
    Ok(ExitCode::SUCCESS)
}

/// `glir-triage-<host>-<UTC time>.tar.zst` in the current directory.
fn default_output(now: jiff::Timestamp) -> PathBuf {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        })
        .unwrap_or_else(|| "host".to_string());
    PathBuf::from(format!(
        "glir-triage-{host}-{}.tar.zst",
        now.strftime("%Y%m%dT%H%M%SZ")
    ))
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

fn print_summary(s: &Summary) -> Result<()> {
    let mut out = stdout();
    let mut rows = vec![
        (
            "bundle",
            format!("{} ({})", s.bundle.display(), mib(s.bundle_bytes)),
        ),
        (
            "sha256",
            format!("{} ({})", s.sha256, s.sha256_file.display()),
        ),
        (
            "copied",
            format!("{} files, {}", s.stats.files, mib(s.stats.bytes)),
        ),
        (
            "listed",
            format!(
                "{} files described with their hashes, not copied",
                s.stats.listed
            ),
        ),
        (
            "skipped",
            format!(
                "{} ({} unreadable: see manifest.json)",
                s.stats.skipped, s.stats.unreadable
            ),
        ),
        (
            "recent",
            format!("{} files changed in the window (recent.jsonl)", s.recent),
        ),
    ];
    if let Some(live) = &s.live {
        rows.push((
            "live",
            format!(
                "{} processes ({} unreadable), {} listening sockets",
                live.processes, live.processes_unreadable, live.listeners
            ),
        ));
    }
    rows.push((
        "findings",
        format!(
            "{} high, {} medium, {} low",
            s.count(Level::High),
            s.count(Level::Medium),
            s.count(Level::Low)
        ),
    ));
    if let Some(copy) = &s.copy {
        rows.push((
            "copy",
            format!("{} (read-only, hash verified)", copy.bundle.display()),
        ));
    }
    for (label, value) in rows {
        writeln!(out, "{label:<9} {value}")?;
    }
    if !s.findings.is_empty() {
        writeln!(out)?;
        let header: Vec<String> = ["LEVEL", "KIND", "SUBJECT", "WHY"]
            .map(String::from)
            .to_vec();
        let cells: Vec<Vec<String>> = s
            .findings
            .iter()
            .map(|f| {
                vec![
                    f.level.name().to_string(),
                    f.kind.name().to_string(),
                    f.subject.clone(),
                    f.reasons.join("; "),
                ]
            })
            .collect();
        glir_report::write_table(&mut out, &header, &cells)?;
    }
    for note in &s.notes {
        writeln!(out, "note: {note}")?;
    }
    out.flush()?;
    Ok(())
}

fn verify(g: &GlobalArgs, bundle: &std::path::Path) -> Result<ExitCode> {
    let report = glir_triage::verify(bundle)
        .with_context(|| format!("cannot verify {}", bundle.display()))?;
    let code = if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if write_value(g.format, &report)? {
        return Ok(code);
    }
    let mut out = stdout();
    for problem in &report.problems {
        writeln!(out, "problem: {problem}")?;
    }
    if report.is_ok() {
        writeln!(
            out,
            "OK: {} matches its .sha256; {} members, {} copied files match the manifest",
            bundle.display(),
            report.members,
            report.files
        )?;
    } else {
        writeln!(
            out,
            "{}: NOT intact ({} problems)",
            bundle.display(),
            report.problems.len()
        )?;
    }
    Ok(code)
}
