//! What every CLI test file needs: a `glir` command isolated from the caller's environment.
// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `glir` with an empty environment apart from PATH.
pub fn bare_glir() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glir"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

/// `glir --data-dir DATA --config CONFIG` with an empty environment apart from PATH.
pub fn glir(data_dir: &Path, config: &Path) -> Command {
    let mut cmd = bare_glir();
    cmd.arg("--data-dir")
        .arg(data_dir)
        .arg("--config")
        .arg(config);
    cmd
}

/// stdout then stderr, as one string.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
