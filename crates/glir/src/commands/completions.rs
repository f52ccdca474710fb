//! `glir completions SHELL`: the script comes from the `Command` glir parses with, so it
//! cannot fall behind the flags.

use crate::cli::CompletionsArgs;
use crate::output::stdout;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut cmd = crate::cli::command();
    let name = cmd.get_name().to_owned();
    // clap_complete panics when its writer fails; a buffer does not, and a closed stdout
    // (`glir completions zsh | head`) then ends glir quietly like any other listing.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, name, &mut script);
    let mut out = stdout();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
