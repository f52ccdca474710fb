//! `glir case`: open, list, show, close, verify and mirror incident cases.

use super::{operator, report_format, write_value};
use crate::cli::{CaseCommand, CaseDirArg, GlobalArgs};
use crate::config::Settings;
use crate::output::stdout;
use crate::timespec::resolve;
use anyhow::{Result, bail};
use glir_case::{Case, CaseInfo, Cases, NewCase};
use glir_report::{Row, Sink, WriterSink};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, settings: &Settings, command: &CaseCommand) -> Result<ExitCode> {
    match command {
        CaseCommand::Open(args) => {
            let cases = cases(settings, &args.dir);
            let exposed_at = resolve(args.exposed_at, Timestamp::now());
            let case = cases.open_new(
                &args.name,
                NewCase {
                    scenario: args.scenario.map(|s| s.name().to_string()),
                    exposed_at,
                    operator: operator(),
                    glir_version: env!("CARGO_PKG_VERSION").to_string(),
                    gitlab_url: settings.url.clone(),
                },
            )?;
            if !write_value(g.format, &json!({"case": case.info(), "dir": case.dir()}))? {
                writeln!(
                    stdout(),
                    "opened case {} in {}",
                    args.name,
                    case.dir().display()
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::List(dir) => {
            let list = cases(settings, dir).list()?;
            let mut listing = WriterSink::new(stdout(), report_format(g.format));
            for info in &list {
                listing.emit(&CaseRow(info))?;
            }
            listing.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::Show(args) => {
            let case = cases(settings, &args.dir).load(&args.name)?;
            show(g, &case)?;
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::Close(args) => {
            let mut case = cases(settings, &args.dir).load(&args.name)?;
            case.close(&operator())?;
            if !write_value(g.format, case.info())? {
                writeln!(stdout(), "closed case {}", args.name)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::Reopen(args) => {
            let mut case = cases(settings, &args.dir).load(&args.name)?;
            case.reopen(&operator(), &args.reason)?;
            if !write_value(g.format, case.info())? {
                writeln!(stdout(), "reopened case {}", args.name)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        CaseCommand::Verify(args) => {
            let case = cases(settings, &args.dir).load(&args.name)?;
            let report = match &args.against {
                Some(mirror) => case.verify_against(mirror)?,
                None => case.verify()?,
            };
            if !write_value(g.format, &report)? {
                for problem in &report.problems {
                    writeln!(stdout(), "FAIL  {problem}")?;
                }
                let verdict = if report.ok() { "OK" } else { "FAILED" };
                writeln!(
                    stdout(),
                    "{verdict}: {} journal records, {} evidence files, {} problems",
                    report.journal_records,
                    report.evidence_files,
                    report.problems.len()
                )?;
            }
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        CaseCommand::Mirror(args) => {
            let case = cases(settings, &args.dir).load(&args.name)?;
            let report = case.verify()?;
            if !report.ok() {
                bail!(
                    "case {} does not verify ({} problems); run `glir case verify {}` before mirroring",
                    args.name,
                    report.problems.len(),
                    args.name
                );
            }
            let stats = case.mirror_to(&args.copy_to)?;
            let value = json!({
                "case": args.name,
                "copied": stats.copied,
                "already_present": stats.already_present,
                "snapshot": stats.snapshot,
            });
            if write_value(g.format, &value)? {
                return Ok(ExitCode::SUCCESS);
            }
            writeln!(
                stdout(),
                "mirrored case {}: {} files copied, {} already present; journal snapshot in {}",
                args.name,
                stats.copied,
                stats.already_present,
                stats.snapshot.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn cases(settings: &Settings, dir: &CaseDirArg) -> Cases {
    Cases::new(case_root(settings, dir))
}

fn case_root(settings: &Settings, dir: &CaseDirArg) -> PathBuf {
    dir.case_dir
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("cases"))
}

fn show(g: &GlobalArgs, case: &Case) -> Result<()> {
    let info = case.info();
    let manifest = case.manifest()?;
    let records = case.journal().records()?;
    let value = json!({
        "case": info,
        "dir": case.dir(),
        "evidence": manifest.files,
        "journal_records": records.len(),
    });
    if write_value(g.format, &value)? {
        return Ok(());
    }
    let mut out = stdout();
    let row = |out: &mut dyn Write, k: &str, v: &str| writeln!(out, "{k:<16}{v}");
    row(&mut out, "case", &info.name)?;
    row(&mut out, "directory", &case.dir().display().to_string())?;
    row(&mut out, "status", status(info))?;
    row(
        &mut out,
        "scenario",
        info.scenario.as_deref().unwrap_or("-"),
    )?;
    row(
        &mut out,
        "gitlab",
        info.gitlab_url.as_deref().unwrap_or("-"),
    )?;
    row(
        &mut out,
        "opened",
        &format!("{} by {}", info.opened_at, info.opened_by),
    )?;
    row(&mut out, "exposed", &time_or_dash(info.times.exposed_at))?;
    row(&mut out, "detected", &time_or_dash(info.times.detected_at))?;
    row(
        &mut out,
        "contained",
        &time_or_dash(info.times.contained_at),
    )?;
    row(&mut out, "revoked", &time_or_dash(info.times.revoked_at))?;
    row(&mut out, "closed", &time_or_dash(info.closed_at))?;
    writeln!(out, "\nevidence ({} files)", manifest.files.len())?;
    for file in &manifest.files {
        writeln!(
            out,
            "  {}  {:>10}  {}  ({})",
            &file.sha256[..16],
            file.bytes,
            file.path,
            file.source
        )?;
    }
    writeln!(out, "\njournal ({} records, last 10)", records.len())?;
    for record in records.iter().rev().take(10).rev() {
        let target = record
            .entry
            .target
            .as_ref()
            .map(|t| format!(" {} {}", t.kind, t.id))
            .unwrap_or_default();
        writeln!(
            out,
            "  #{:<4} {}  {}{}  {}",
            record.seq,
            record.time.strftime("%Y-%m-%d %H:%M:%SZ"),
            record.entry.action,
            target,
            &record.hash[..12]
        )?;
    }
    Ok(())
}

/// A case as `case list` shows it: all of `case.json` in JSON, the essentials in a table.
#[derive(Serialize)]
#[serde(transparent)]
struct CaseRow<'a>(&'a CaseInfo);

impl Row for CaseRow<'_> {
    const COLUMNS: &'static [&'static str] = &["name", "status", "scenario", "opened", "revoked"];

    fn record(&self) -> Vec<String> {
        let info = self.0;
        vec![
            info.name.clone(),
            status(info).to_string(),
            info.scenario.clone().unwrap_or_else(|| "-".into()),
            info.opened_at.strftime("%Y-%m-%d %H:%M:%SZ").to_string(),
            time_or_dash(info.times.revoked_at),
        ]
    }
}

fn status(info: &CaseInfo) -> &'static str {
    match info.status {
        glir_case::CaseStatus::Open => "open",
        glir_case::CaseStatus::Closed => "closed",
    }
}

fn time_or_dash(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.to_string())
}
