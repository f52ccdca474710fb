//! `glir report CASE --format md|html|json|timesketch`: the case report, built from the case
//! directory (times, journal, manifest, the playbook's saved findings) and the store (events,
//! alerts).

use super::case::cases;
use super::read_store;
use crate::cli::{GlobalArgs, OutputFormat, ReportArgs};
use crate::config::Settings;
use crate::output::stdout;
use anyhow::{Context, Result};
use glir_case::StepKind;
use glir_report::{CaseReport, Integrity, ReportFinding, SkippedCheck};
use glir_store::{AlertFilter, EventFilter};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &ReportArgs) -> Result<ExitCode> {
    let case = cases(settings, &args.dir).load(&args.case)?;
    let store = read_store(settings)?;
    let path = write_report(&case, &store, g.format, args.output.clone())?;
    writeln!(stdout(), "{}", path.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Builds the report of `case` and writes it in `format` (Markdown unless a report format is
/// asked for) to `output` or `<case dir>/report.<ext>`; returns the path.
pub fn write_report(
    case: &glir_case::Case,
    store: &glir_store::Store,
    format: OutputFormat,
    output: Option<std::path::PathBuf>,
) -> Result<std::path::PathBuf> {
    let verify = case.verify()?;
    let investigation = glir_respond::latest_investigation(case)?;
    let mut timeline = Vec::new();
    let mut events = Vec::new();
    let mut alerts = Vec::new();
    if let Some(inv) = &investigation {
        let wanted: BTreeSet<&str> = inv.timeline.iter().map(String::as_str).collect();
        let linked: BTreeSet<String> = store
            .case_links(&case.info().name, "event")?
            .into_iter()
            .collect();
        events = store
            .query_events(&EventFilter {
                since: Some(inv.since),
                until: Some(inv.until),
                ..EventFilter::default()
            })?
            .into_iter()
            .filter(|e| linked.contains(&e.event_id) || wanted.contains(e.event_id.as_str()))
            .collect();
        timeline = events
            .iter()
            .filter(|e| wanted.contains(e.event_id.as_str()))
            .cloned()
            .collect();
        alerts = store
            .query_alerts(&AlertFilter {
                since: Some(inv.since),
                until: Some(inv.until),
                ..AlertFilter::default()
            })?
            .into_iter()
            .filter(|a| a.event_ids.iter().any(|id| wanted.contains(id.as_str())))
            .collect();
    }
    let actions = case
        .journal()
        .records()?
        .into_iter()
        .filter(|r| matches!(r.entry.kind, Some(StepKind::Plan | StepKind::Change)))
        .collect();
    let mut summary = investigation
        .as_ref()
        .map(|i| i.summary.clone())
        .unwrap_or_else(|| vec!["no playbook has run in this case".to_string()]);
    // The first thing a reader learns is whether the investigation saw everything.
    if let Some(coverage) = investigation.as_ref().and_then(|i| i.coverage.as_ref()) {
        summary.insert(0, format!("coverage: {coverage}"));
    }
    summary.insert(
        0,
        format!(
            "{} case {}: {} findings, {} detections",
            case.info().scenario.as_deref().unwrap_or("incident"),
            case.info().name,
            investigation.as_ref().map_or(0, |i| i.findings.len()),
            alerts.len()
        ),
    );
    let report = CaseReport {
        generated_at: jiff::Timestamp::now(),
        glir_version: env!("CARGO_PKG_VERSION").to_string(),
        case: case.info().clone(),
        summary,
        timeline,
        events,
        alerts,
        findings: investigation
            .as_ref()
            .map(|i| {
                i.findings
                    .iter()
                    .map(|f| ReportFinding {
                        kind: f.kind.clone(),
                        title: f.title.clone(),
                        severity: f.severity.clone(),
                        time: Some(f.time),
                        event_ids: f.event_ids.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        actions,
        skipped: investigation
            .as_ref()
            .map(|i| {
                i.skipped
                    .iter()
                    .map(|s| SkippedCheck {
                        check: s.check.clone(),
                        reason: s.reason.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        evidence: case.manifest()?,
        integrity: Integrity {
            verified: verify.ok(),
            journal_records: verify.journal_records,
            evidence_files: verify.evidence_files,
            problems: verify.problems.iter().map(ToString::to_string).collect(),
            journal_head: case.info().journal_head.hash.clone(),
        },
    };
    let (bytes, ext) = match format {
        OutputFormat::Html => (glir_report::to_html(&report).into_bytes(), "html"),
        OutputFormat::Json => (
            serde_json::to_vec_pretty(&glir_report::to_json(&report))?,
            "json",
        ),
        OutputFormat::Timesketch => {
            let mut buf = Vec::new();
            glir_report::write_timesketch(&report, &mut buf)?;
            (buf, "timesketch.jsonl")
        }
        _ => (glir_report::to_markdown(&report).into_bytes(), "md"),
    };
    let path = output.unwrap_or_else(|| case.dir().join(format!("report.{ext}")));
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}
