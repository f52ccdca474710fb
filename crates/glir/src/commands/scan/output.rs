//! How findings leave glir: a table or JSONL on stdout, SARIF and GitLab's secret-detection
//! report as files. Every form carries the redacted secret and its fingerprint only.

use super::Verifications;
use crate::cli::{GlobalArgs, OutputFormat, ScanArgs};
use crate::output::stdout;
use anyhow::{Context, Result};
use glir_report::{Row, Sink, WriterSink};
use glir_scan::output::to_gitlab_secret_detection;
use glir_scan::{Finding, ScanReport};
use glir_verify::Verification;
use indicatif::ProgressBar;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// A finding as one JSONL line: `path` and `line` at the top for tools that expect them
/// (gitleaks-style consumers), the full location kept under `location`.
#[derive(Serialize)]
struct Reported<'a> {
    path: &'a str,
    line: usize,
    #[serde(flatten)]
    finding: &'a Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a Verification>,
}

pub fn write(
    g: &GlobalArgs,
    args: &ScanArgs,
    report: &ScanReport,
    verifications: &Verifications,
    started: jiff::Timestamp,
    finished: jiff::Timestamp,
) -> Result<()> {
    let mut out = stdout();
    if g.format == OutputFormat::Table {
        write_table(&mut out, report, verifications)?;
        out.flush()?;
    } else {
        let mut listing = WriterSink::new(out, super::super::report_format(g.format));
        for finding in &report.findings {
            listing.emit(&Reported {
                path: finding.location.path(),
                line: finding.location.line(),
                finding,
                verification: verifications.get(&finding.finding_id),
            })?;
        }
        listing.finish()?;
    }
    if let Some(path) = &args.sarif {
        write_json(path, &glir_report::findings_to_sarif(&report.findings))?;
    }
    if let Some(path) = &args.gitlab_report {
        // GitLab's report schema wants times without zone or fraction.
        let format = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
        let value =
            to_gitlab_secret_detection(&report.findings, &format(started), &format(finished));
        write_json(path, &value)?;
    }
    Ok(())
}

impl Row for Reported<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "rule",
        "secret",
        "fingerprint",
        "confidence",
        "verdict",
        "location",
    ];

    fn record(&self) -> Vec<String> {
        let f = self.finding;
        vec![
            f.rule.clone(),
            f.secret.clone(),
            f.fingerprint.clone(),
            confidence(f).to_string(),
            self.verification
                .map_or("-", |v| v.verdict.as_str())
                .to_string(),
            location_text(f),
        ]
    }
}

fn confidence(f: &Finding) -> &'static str {
    match f.confidence {
        glir_scan::Confidence::High => "high",
        glir_scan::Confidence::Medium => "medium",
        glir_scan::Confidence::Low => "low",
    }
}

/// Findings for a person: the verdict column only when `--verify` asked for verdicts.
fn write_table(
    out: &mut impl Write,
    report: &ScanReport,
    verifications: &Verifications,
) -> Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    let verify = !verifications.is_empty();
    write!(out, "{:<30} {:<22} {:<10} ", "RULE", "SECRET", "CONFIDENCE")?;
    if verify {
        write!(out, "{:<19} ", "VERIFIED")?;
    }
    writeln!(out, "LOCATION")?;
    for f in &report.findings {
        write!(
            out,
            "{:<30} {:<22} {:<10} ",
            f.rule,
            f.secret,
            confidence(f)
        )?;
        if verify {
            let verdict = verifications
                .get(&f.finding_id)
                .map_or("-", |v| v.verdict.as_str());
            write!(out, "{verdict:<19} ")?;
        }
        match &f.invalid {
            Some(why) => writeln!(out, "{}  invalid: {why}", location_text(f))?,
            None => writeln!(out, "{}", location_text(f))?,
        }
    }
    Ok(())
}

fn location_text(f: &Finding) -> String {
    use glir_scan::Location;
    let encoded = if f.encoding.is_plain() {
        String::new()
    } else {
        format!(" [{}]", f.encoding)
    };
    let place = match &f.location {
        Location::File { path, line, .. } => format!("{path}:{line}"),
        Location::Git {
            commit,
            author,
            date,
            path,
            line,
            ..
        } => format!(
            "{path}:{line} @{} {author} {date}",
            &commit[..commit.len().min(12)]
        ),
        Location::JobLog {
            project,
            job_id,
            job_name,
            line,
            ..
        } => format!("{project} job {job_id} ({job_name}) log line {line}"),
        Location::Artifact {
            project,
            job_id,
            entry,
            line,
        } => format!("{project} job {job_id} artifact {entry}:{line}"),
    };
    format!("{place}{encoded}")
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

pub fn spinner(g: &GlobalArgs, message: &str) -> ProgressBar {
    if g.quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

pub fn bytes(n: u64) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    if n >= 1 << 30 {
        format!("{:.2} GiB", n as f64 / (MIB * 1024.0))
    } else {
        format!("{:.1} MiB", n as f64 / MIB)
    }
}
