//! `glir archive verify` and `glir archive mirror`: the receiver's write-once archive checked
//! and copied.

use super::write_value;
use crate::cli::{ArchiveCommand, ArchiveDirArg, GlobalArgs};
use crate::config::Settings;
use crate::output::{status, stdout};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, settings: &Settings, command: &ArchiveCommand) -> Result<ExitCode> {
    match command {
        ArchiveCommand::Verify(dir) => verify(g, &archive_dir(settings, dir)?),
        ArchiveCommand::Mirror(args) => {
            let from = archive_dir(settings, &args.dir)?;
            let stats = glir_archive::mirror(&from, &args.dest).with_context(|| {
                format!(
                    "cannot mirror {} to {}",
                    from.display(),
                    args.dest.display()
                )
            })?;
            if !write_value(g.format, &stats)? {
                status!(
                    "{}: {} file(s) copied, {} already there and unchanged",
                    args.dest.display(),
                    stats.copied,
                    stats.already_present
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn archive_dir(settings: &Settings, dir: &ArchiveDirArg) -> Result<PathBuf> {
    let path = dir.archive.clone().unwrap_or_else(|| {
        settings
            .serve
            .archive_dir
            .clone()
            .unwrap_or_else(|| settings.data_dir.join("archive"))
    });
    if !path.is_dir() {
        bail!(
            "no archive at {}: glir serve writes one (or pass --archive DIR)",
            path.display()
        );
    }
    Ok(path)
}

fn verify(g: &GlobalArgs, dir: &std::path::Path) -> Result<ExitCode> {
    let report = glir_archive::verify(dir)
        .with_context(|| format!("cannot verify the archive at {}", dir.display()))?;
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
    writeln!(
        out,
        "{}: {} sealed segment(s), {} record(s): {}",
        dir.display(),
        report.segments,
        report.records,
        if report.is_ok() {
            "intact"
        } else {
            "NOT intact"
        }
    )?;
    Ok(code)
}
