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

/// One POST of `body` to `glir serve`'s `instance` destination on its own connection, as
/// GitLab streams it; `Some(status)` when an answer came.
pub fn post_stream(port: u16, token: &str, content_type: &str, body: &str) -> Option<u16> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    let request = format!(
        "POST /v1/streams/instance HTTP/1.1\r\nHost: x\r\nX-Gitlab-Event-Streaming-Token: {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.get(9..12)?.parse().ok()
}

/// `child` (a `glir serve` on `port`) once it answers `/healthz`; killed, and the test failed,
/// when it has not within 30 s.
pub fn when_healthy(mut child: std::process::Child, port: u16) -> std::process::Child {
    use std::io::Read;
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(30) {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            if s.read_to_string(&mut answer).is_ok() && answer.starts_with("HTTP/1.1 200") {
                return child;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("glir serve did not come up");
}
