//! The `glir-sim` binary: serves the demo or a generated fleet, prints the URL and only redacted
//! tokens.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the binary with `args` and reads its banner up to the "Press Ctrl-C" line.
fn launch(args: &[&str]) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_glir-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn glir-sim");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = line.starts_with("Press Ctrl-C");
                lines.push(line);
                if done {
                    break;
                }
            }
            Err(_) => continue,
        }
    }
    (child, lines)
}

/// The URL the banner's first line announces.
fn url(lines: &[String]) -> Option<String> {
    lines
        .first()
        .and_then(|l| l.strip_prefix("glir-sim listening on "))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
}

async fn status(url: Option<&str>, token: &str, path: &str) -> Option<u16> {
    reqwest::Client::new()
        .get(format!("{}/api/v4{path}", url?))
        .header("PRIVATE-TOKEN", token)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .ok()
}

#[tokio::test]
async fn demo_binary_prints_url_and_redacted_tokens_and_serves() {
    let (mut child, lines) = launch(&["--demo", "--listen", "127.0.0.1:0"]);
    let output = lines.join("\n");
    let url = url(&lines);
    let served = status(url.as_deref(), "glpat-DemoRootAdmin000000", "/version").await;
    let _ = child.kill();
    let _ = child.wait();

    assert!(
        url.as_deref()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "{output}"
    );
    assert_eq!(served, Some(200), "{output}");
    assert!(output.contains("Synthetic drill data"), "{output}");
    assert!(
        output.contains("deploy-automation") && output.contains("glpat-…"),
        "{output}"
    );
    for secret in [
        "DemoRootAdmin",
        "DemoLeakedDana",
        "DemoAliceRead",
        "DemoAttackerBackup",
    ] {
        assert!(
            !output.contains(secret),
            "token {secret} printed in full:\n{output}"
        );
    }
    assert!(output.contains("/-/sim/faults"), "fault hint: {output}");
}

#[tokio::test]
async fn fleet_binary_serves_a_generated_instance_and_lists_few_tokens() {
    let (mut child, lines) = launch(&["--fleet", "200", "--listen", "127.0.0.1:0"]);
    let output = lines.join("\n");
    let url = url(&lines);
    let served = status(
        url.as_deref(),
        "glpat-FleetRootAdmin0000001",
        "/projects/1199",
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(served, Some(200), "{output}");
    assert!(
        output.contains("Synthetic fleet — 200 projects"),
        "{output}"
    );
    assert!(
        output.contains("more"),
        "a long token list is cut short: {output}"
    );
    assert!(!output.contains("FleetRootAdmin"), "{output}");
}

#[test]
fn scenario_and_demo_are_exclusive_and_one_is_required() {
    let none = Command::new(env!("CARGO_BIN_EXE_glir-sim"))
        .output()
        .expect("run");
    assert!(!none.status.success());
    let both = Command::new(env!("CARGO_BIN_EXE_glir-sim"))
        .args(["--demo", "--scenario", "x.json"])
        .output()
        .expect("run");
    assert!(!both.status.success());
    let fleet_and_demo = Command::new(env!("CARGO_BIN_EXE_glir-sim"))
        .args(["--demo", "--fleet", "10"])
        .output()
        .expect("run");
    assert!(!fleet_and_demo.status.success());
    let bad = Command::new(env!("CARGO_BIN_EXE_glir-sim"))
        .args(["--scenario", "/nonexistent/scenario.json"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent/scenario.json"));
}
