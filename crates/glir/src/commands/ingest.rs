use super::open_store;
use crate::cli::{GlobalArgs, IngestArgs, LayoutArg};
use crate::config::Settings;
use crate::output::status;
use anyhow::Result;
use glir_events::Layout;
use glir_ingest::{IngestOptions, Progress, ingest_file};
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &IngestArgs) -> Result<ExitCode> {
    let mut store = open_store(settings)?;
    let opts = IngestOptions {
        layout: args.layout.map(|l| match l {
            LayoutArg::Rest => Layout::Rest,
            LayoutArg::Stream => Layout::Stream,
            LayoutArg::AuditLog => Layout::AuditLog,
        }),
        strict: args.strict,
        source: args.source.clone(),
        ..IngestOptions::default()
    };
    let (mut records, mut inserted, mut duplicates, mut malformed) = (0, 0, 0, 0);
    for path in &args.files {
        let bar = if g.quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {msg} ({elapsed}, eta {eta})",
            )
            .expect("static template"),
        );
        let mut on_progress = |p: &Progress| {
            if let Some(total) = p.total_bytes {
                bar.set_length(total);
            }
            bar.set_position(p.bytes_read);
            bar.set_message(format!("{} records", p.records));
        };
        let report = ingest_file(&mut store, path, &opts, &mut on_progress);
        bar.finish_and_clear();
        let report = report?;
        for e in &report.errors {
            status!("{e}");
        }
        if report.malformed > report.errors.len() as u64 {
            status!(
                "{}: {} more malformed records not shown",
                path.display(),
                report.malformed - report.errors.len() as u64
            );
        }
        let layout = report.layout.map_or("empty".to_string(), |l| l.to_string());
        status!(
            "{}: {layout}{}, {} records, {} new, {} already stored, {} malformed",
            path.display(),
            if report.gzip { " (gzip)" } else { "" },
            report.records,
            report.inserted,
            report.duplicates,
            report.malformed
        );
        records += report.records;
        inserted += report.inserted;
        duplicates += report.duplicates;
        malformed += report.malformed;
    }
    if args.files.len() > 1 {
        status!(
            "total: {records} records, {inserted} new, {duplicates} already stored, {malformed} malformed"
        );
    }
    Ok(ExitCode::SUCCESS)
}
