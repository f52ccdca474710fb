//! `glir`: the command-line face of the glir libraries. Parsing, settings and printing live
//! here; everything that knows GitLab, events or storage lives in the library crates.

mod cli;
mod commands;
mod output;
mod timespec;

use glir_config as config;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Exit code for any error; 0 is success and 130 an interrupted run (as shells report Ctrl-C).
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = cli::parse();
    init_logging(cli.global.verbose, cli.global.quiet);
    match commands::run(cli) {
        Ok(code) => code,
        // The reader of stdout went away (`glir events | head`): it has what it wanted.
        Err(_) if output::stdout_closed() => ExitCode::SUCCESS,
        Err(err) => {
            output::status!("error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GLIR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
