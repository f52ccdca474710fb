//! `glir token identify` reads tokens from stdin and prints no secret.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The v1 PAT fixture of gitlab-api.md §2.3: o=1, u=42.
const V1_PAT: &str = "glpat-paWlpaWlpaWlpaWlpaWlpW86MQp1OjE2CA.01.0y17pox0b";
const LEGACY_DEPLOY: &str = "gldt-Zq3vB7xk_pT2mW9sN4rA";

fn identify(stdin: &str, extra: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_glir"))
        .env_clear()
        .args(["token", "identify"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("glir runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("glir finishes")
}

fn assert_no_secret(output: &Output) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for secret in [V1_PAT, LEGACY_DEPLOY] {
        let body = &secret[secret.find('-').unwrap() + 1..secret.len() - 4];
        assert!(!all.contains(body), "secret body printed:\n{all}");
    }
}

#[test]
fn jsonl_has_one_record_per_stdin_line() {
    let output = identify(
        &format!("{V1_PAT}\n\n{LEGACY_DEPLOY}\n"),
        &["--format", "jsonl"],
    );
    assert!(output.status.success(), "{output:?}");
    assert_no_secret(&output);
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["family"], "personal_access_token");
    assert_eq!(records[0]["layout"]["kind"], "routable_v1");
    assert_eq!(records[0]["structurally_valid"], true);
    assert_eq!(records[0]["routing"]["u"], 42);
    assert_eq!(records[1]["family"], "deploy_token");
    assert_eq!(records[1]["layout"]["kind"], "legacy");
}

#[test]
fn table_shows_family_crc_and_routing() {
    let output = identify(V1_PAT, &[]);
    assert!(output.status.success(), "{output:?}");
    assert_no_secret(&output);
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(stdout.contains("routable v1"), "{stdout}");
    assert!(stdout.contains("CRC32 matches"), "{stdout}");
    assert!(stdout.contains("routing             o=1 u=42"), "{stdout}");
}

#[test]
fn instance_prefix_flag_is_passed_through() {
    let output = identify(
        "acme-glpat-Zq3vB7xk_pT2mW9sN4rA",
        &["--format", "jsonl", "--instance-prefix", "acme"],
    );
    assert!(output.status.success(), "{output:?}");
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["prefix"], "acme-glpat-");
    assert!(
        record["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "instance-wide prefix \"acme\"")
    );
}

#[test]
fn empty_stdin_is_an_error_and_argv_tokens_are_refused() {
    let output = identify("", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no token on stdin"));

    let output = identify("", &[V1_PAT]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not as arguments"));
    assert_no_secret(&output);
}
