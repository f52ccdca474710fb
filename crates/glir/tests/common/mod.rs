//! What every CLI test file needs: a `glir` command isolated from the caller's environment.
// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

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

/// `glir ARGS` against the GitLab at `url` presenting `token`, with `stdin` piped in; its store
/// and an empty config under `dir`.
pub fn run_against(dir: &Path, url: &str, token: &str, args: &[&str], stdin: &str) -> Output {
    let config = dir.join("config.toml");
    std::fs::write(&config, "").unwrap();
    let mut child = glir(&dir.join("data"), &config)
        .env("GLIR_URL", url)
        .env("GLIR_TOKEN", token)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// stdout then stderr, as one string.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
