use super::{open_store, write_value};
use crate::cli::{GlobalArgs, IngestArgs};
use crate::config::Settings;
use crate::output::status;
use anyhow::{Context, Result};
use glir_ingest::{FileReport, IngestError, IngestOptions, Progress, ingest_file};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &IngestArgs) -> Result<ExitCode> {
    let mut store = open_store(settings)?;
    let opts = IngestOptions {
        layout: args.layout,
        strict: args.strict,
        source: args.source.clone(),
        ..IngestOptions::default()
    };
    let inputs = expand(&args.files)?;
    let mut totals = Totals::default();
    let mut failed = false;
    // For `--format json`: every file's report, and the files that gave no event, and why.
    let mut reports = Vec::new();
    let mut unread = Vec::new();
    for input in &inputs {
        let bar = progress_bar(g.quiet);
        let mut on_progress = |p: &Progress| {
            if let Some(total) = p.total_bytes {
                bar.set_length(total);
            }
            bar.set_position(p.bytes_read);
            bar.set_message(format!("{} records", p.records));
        };
        let result = ingest_file(&mut store, &input.path, &opts, &mut on_progress);
        bar.finish_and_clear();
        match result {
            Ok(report) => {
                print_report(&report);
                totals.add(&report);
                // A file cut short was not read whole: the ingest is not complete.
                failed |= report.truncated.is_some();
                reports.push(report);
            }
            // In a directory, a file of another log is expected: say what it was and go on.
            Err(IngestError::NoEvents { path, reason }) if input.in_directory => {
                status!("{}: skipped: {reason}", path.display());
                totals.files_skipped += 1;
                unread.push(serde_json::json!({"path": path, "skipped": reason}));
            }
            Err(e @ IngestError::NoEvents { .. }) => {
                status!("error: {e}");
                unread.push(serde_json::json!({"path": input.path, "error": e.to_string()}));
                failed = true;
            }
            Err(e) => return Err(e.into()),
        }
    }
    if inputs.len() > 1 {
        status!(
            "total: {} files read, {} skipped; {} records, {} new, {} already stored, {} malformed, {} other lines skipped",
            totals.files_read,
            totals.files_skipped,
            totals.records,
            totals.inserted,
            totals.duplicates,
            totals.malformed,
            totals.skipped
        );
    }
    let value = serde_json::json!({"files": reports, "unread": unread, "total": totals});
    write_value(g.format, &value)?;
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// A file to read, and whether it was found in a directory (rather than named).
struct Input {
    path: PathBuf,
    in_directory: bool,
}

/// Named files as given; directories (`/var/log/gitlab/gitlab-rails/`) walked for every file,
/// sorted, so rotated and compressed logs come along and each is judged by its content.
fn expand(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            if found.is_empty() {
                anyhow::bail!("{}: the directory holds no files", path.display());
            }
            inputs.extend(found.into_iter().map(|path| Input {
                path,
                in_directory: true,
            }));
        } else {
            inputs.push(Input {
                path: path.clone(),
                in_directory: false,
            });
        }
    }
    Ok(inputs)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn progress_bar(quiet: bool) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {msg} ({elapsed}, eta {eta})")
            .expect("static template"),
    );
    bar
}

fn print_report(report: &FileReport) {
    let path = report.path.display();
    for e in &report.errors {
        status!("{e}");
    }
    for r in &report.repairs {
        status!("{r}");
    }
    if report.repaired > report.repairs.len() as u64 {
        status!(
            "{path}: {} more records with invalid UTF-8 replaced",
            report.repaired - report.repairs.len() as u64
        );
    }
    if let Some(why) = &report.truncated {
        status!(
            "error: {path}: {why}: the {} records before it were stored; the rest of the file is lost or damaged",
            report.records
        );
    }
    if report.malformed > report.errors.len() as u64 {
        status!(
            "{path}: {} more malformed records not shown",
            report.malformed - report.errors.len() as u64
        );
    }
    let layouts: Vec<String> = match report.layouts.as_slice() {
        [(layout, _)] => vec![layout.to_string()],
        many => many.iter().map(|(l, n)| format!("{l} {n}")).collect(),
    };
    status!(
        "{path}: {}{}, {} records, {} new, {} already stored, {} malformed",
        layouts.join(", "),
        if report.gzip { " (gzip)" } else { "" },
        report.records,
        report.inserted,
        report.duplicates,
        report.malformed
    );
    for (reason, n) in &report.skipped {
        status!("{path}: skipped {n}: {reason}");
    }
}

#[derive(Default, serde::Serialize)]
struct Totals {
    files_read: u64,
    files_skipped: u64,
    records: u64,
    inserted: u64,
    duplicates: u64,
    malformed: u64,
    skipped: u64,
}

impl Totals {
    fn add(&mut self, r: &FileReport) {
        self.files_read += 1;
        self.records += r.records;
        self.inserted += r.inserted;
        self.duplicates += r.duplicates;
        self.malformed += r.malformed;
        self.skipped += r.skipped.iter().map(|(_, n)| n).sum::<u64>();
    }
}
