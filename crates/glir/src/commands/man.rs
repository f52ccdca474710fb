//! `glir man [--out DIR]`: roff pages from the `Command` glir parses with, so they cannot fall
//! behind the flags.

use crate::cli::ManArgs;
use crate::output::stdout;
use anyhow::{Context, Result};
use clap_mangen::Man;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: &ManArgs) -> Result<ExitCode> {
    // `glir help` would only repeat --help; built so subcommands carry their full names
    // (glir-case-verify), which name their pages.
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    match &args.out {
        None => {
            let mut out = stdout();
            out.write_all(&render(&Man::new(cmd))?)?;
            out.flush()?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            write_pages(&cmd, dir)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn render(man: &Man) -> Result<Vec<u8>> {
    let mut page = Vec::new();
    man.render(&mut page)?;
    Ok(page)
}

/// The page of `cmd` and of every visible command below it.
fn write_pages(cmd: &clap::Command, dir: &Path) -> Result<()> {
    let man = Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    write_atomically(&path, &render(&man)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    Ok(())
}

/// A reader (`man`, a packaging script) sees the old page or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".glir-man-");
    // Man pages are for every user of the machine; a temporary file starts private.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(path)?;
    Ok(())
}
