//! A reader that goes away early (`glir … | head`) ends glir quietly with status 0, as in
//! ripgrep: no panic, no "Broken pipe" error.

mod common;

use common::{bare_glir, glir, text};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

/// `n` streamed events, one a second, in a JSONL file.
fn events_file(dir: &Path, n: usize) -> std::path::PathBuf {
    let path = dir.join("events.jsonl");
    let mut text = String::new();
    for i in 0..n {
        let t = jiff::Timestamp::from_second(1_795_000_000 + i as i64).unwrap();
        text.push_str(&format!(
            r#"{{"id":"{i}","created_at":"{t}","event_type":"add_ssh_key","author_id":2,"author_name":"Dana","ip_address":"203.0.113.66","entity_type":"User","entity_path":"dana","details":{{"custom_message":"Added SSH key"}}}}"#
        ));
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `command`, reads its first line of output and closes the pipe while far more output
/// (more than a pipe holds) is still to come; returns how it ended and its stderr.
fn hang_up_after_one_line(command: &mut Command) -> (ExitStatus, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(!first.is_empty(), "{command:?} printed nothing");
    drop(reader);
    let output = child.wait_with_output().unwrap();
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_listing_whose_reader_goes_away_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let input = events_file(dir.path(), 20_000);
    let ingest = glir(dir.path(), &config)
        .arg("ingest")
        .arg(&input)
        .output()
        .unwrap();
    assert!(ingest.status.success(), "{}", text(&ingest));
    for format in ["table", "json", "jsonl", "csv"] {
        let (status, stderr) =
            hang_up_after_one_line(glir(dir.path(), &config).args(["--format", format, "events"]));
        assert_eq!(status.code(), Some(0), "{format}: {stderr}");
        assert_eq!(stderr, "", "{format}");
    }
}

#[test]
fn a_closed_stderr_does_not_stop_an_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let input = events_file(dir.path(), 10);
    let mut child = glir(dir.path(), &config)
        .arg("ingest")
        .arg(&input)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let listed = glir(dir.path(), &config)
        .args(["--format", "jsonl", "events"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).lines().count(),
        10,
        "{}",
        text(&listed)
    );
}

/// Commands that print without a GitLab instance or a store.
const OFFLINE: [&[&str]; 11] = [
    &["completions", "bash"],
    &["completions", "zsh"],
    &["completions", "fish"],
    &["completions", "powershell"],
    &["completions", "elvish"],
    &["man"],
    &["rules", "list"],
    &["demo"],
    &["--format", "json", "demo"],
    &["--format", "json", "rules", "list"],
    &["--help"],
];

#[test]
fn offline_commands_whose_reader_goes_away_end_quietly() {
    for args in OFFLINE {
        let (status, stderr) = hang_up_after_one_line(bare_glir().args(args));
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn offline_commands_without_a_reader_at_all_end_quietly() {
    for args in OFFLINE {
        // Closed before glir starts, so even output a pipe would hold meets a broken pipe.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = bare_glir().args(args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}
