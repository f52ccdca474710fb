//! `glir respond`, `glir apply` and `glir report` from the command line against the demo
//! incident: confirmation rules, idempotent re-apply, every report format, and no secret in
//! any report, journal, evidence file or output.

mod common;

use common::{run_against, text};
use glir_sim::Scenario;
use glir_test_support::BlockingSim as Sim;
use std::path::Path;
use std::process::Output;

const ROOT: &str = "glpat-DemoRootAdmin000000";
const LEAKED: &str = "glpat-DemoLeakedDana0001";
const ATTACKER: &str = "glpat-DemoAttackerBackup01";

fn start() -> Sim {
    Sim::start(Scenario::demo())
}

fn run(dir: &Path, sim: &Sim, args: &[&str], stdin: &str) -> Output {
    run_against(dir, &sim.url, ROOT, args, stdin)
}

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn respond_plans_apply_needs_consent_and_reports_hold_no_secret() {
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = String::new();
    let since = ["--since", "2026-11-01"];
    let o = run(
        dir.path(),
        &sim,
        &[
            "respond",
            "token-exposure",
            "--case",
            "leak",
            since[0],
            since[1],
        ],
        &format!("{LEAKED}\n"),
    );
    outputs.push_str(&text(&o));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Nothing was changed"), "{}", text(&o));
    assert!(
        text(&o).contains("revoke personal access token 2"),
        "{}",
        text(&o)
    );

    // Not interactive and no --yes: refused, nothing applied.
    let o = run(dir.path(), &sim, &["apply", "leak"], "");
    outputs.push_str(&text(&o));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("pass --yes"), "{}", text(&o));
    let o = run(
        dir.path(),
        &sim,
        &["token", "inspect"],
        &format!("{LEAKED}\n"),
    );
    assert!(
        text(&o).contains("state               active"),
        "{}",
        text(&o)
    );

    let o = run(dir.path(), &sim, &["apply", "leak", "--yes"], "");
    outputs.push_str(&text(&o));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("journal: "), "{}", text(&o));
    assert!(text(&o).contains("verified"), "{}", text(&o));
    let o = run(
        dir.path(),
        &sim,
        &["token", "inspect"],
        &format!("{LEAKED}\n"),
    );
    assert!(
        text(&o).contains("state               revoked"),
        "{}",
        text(&o)
    );

    let o = run(dir.path(), &sim, &["apply", "leak", "--yes"], "");
    outputs.push_str(&text(&o));
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !text(&o).contains(" applied "),
        "second apply changed something:\n{}",
        text(&o)
    );
    assert!(text(&o).contains("already done"), "{}", text(&o));

    let o = run(dir.path(), &sim, &["case", "verify", "leak"], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    for format in ["md", "html", "json", "timesketch"] {
        let o = run(
            dir.path(),
            &sim,
            &["--format", format, "report", "leak"],
            "",
        );
        outputs.push_str(&text(&o));
        assert!(o.status.success(), "{format}: {}", text(&o));
    }
    let case_dir = dir.path().join("data/cases/leak");
    let md = std::fs::read_to_string(case_dir.join("report.md")).unwrap();
    for needle in [
        "## Exposure window",
        "## Attacker timeline",
        "203.0.113.66",
        "revoke_personal_access_token",
        "## Evidence manifest",
    ] {
        assert!(md.contains(needle), "report.md lacks {needle}");
    }
    let html = std::fs::read_to_string(case_dir.join("report.html")).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
        "{}",
        &html[..80]
    );
    for line in std::fs::read_to_string(case_dir.join("report.timesketch.jsonl"))
        .unwrap()
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in ["message", "datetime", "timestamp_desc"] {
            assert!(v.get(key).is_some(), "{key} missing in {line}");
        }
    }
    // Every file glir wrote (case, store, reports) and everything it printed: no token.
    for path in files(&dir.path().join("data")) {
        let bytes = std::fs::read(&path).unwrap();
        let hay = String::from_utf8_lossy(&bytes);
        for token in [ROOT, LEAKED, ATTACKER] {
            assert!(!hay.contains(token), "{} holds {token}", path.display());
        }
    }
    for token in [ROOT, LEAKED, ATTACKER] {
        assert!(!outputs.contains(token), "output holds {token}");
    }
}

#[test]
fn report_formats_are_refused_elsewhere_and_playbooks_name_missing_inputs() {
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &sim, &["--format", "html", "events"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("`glir events` writes --format table, json, jsonl, csv, not html"),
        "{}",
        text(&o)
    );
    // And the other way: a listing format is no report format (it used to write Markdown).
    let o = run(dir.path(), &sim, &["report", "leak", "--format", "csv"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("`glir report` writes --format md, html, json, timesketch, not csv"),
        "{}",
        text(&o)
    );
    let o = run(dir.path(), &sim, &["respond", "account-compromise"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("needs --user"), "{}", text(&o));
    let o = run(dir.path(), &sim, &["respond", "token-exposure"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("reads the leaked token from stdin"),
        "{}",
        text(&o)
    );
}
