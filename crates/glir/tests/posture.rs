//! `glir posture` as users run it, against the simulator: every check listed in JSON with its
//! status, exit codes by severity, an incomplete run said so, the other formats, and fixes
//! planned, applied with `glir apply` and seen to pass on the next run.

mod common;

use common::{run_against, text};
use glir_sim::Scenario;
use glir_test_support::BlockingSim as Sim;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const ROOT: &str = "glpat-SimAdminToken0000001";
const DEV: &str = "glpat-SimDevToken100000001";

fn sim() -> Sim {
    Sim::start(Scenario::synthetic(
        0,
        "2026-11-01T00:00:00Z".parse().unwrap(),
    ))
}

fn posture(dir: &Path, sim: &Sim, token: &str, args: &[&str]) -> Output {
    run_against(dir, &sim.url, token, &[&["posture"], args].concat(), "")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", text(out)))
}

#[test]
fn json_lists_every_check_on_every_target_with_its_status() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let out = run_against(
        dir.path(),
        &sim.url,
        ROOT,
        &["--format", "json", "posture"],
        "",
    );
    let report = json_of(&out);
    let checks = report["checks"].as_array().unwrap();
    let results = report["results"].as_array().unwrap();
    assert!(checks.len() >= 90, "{} checks", checks.len());
    for r in results {
        for field in ["id", "status", "severity", "scope", "target"] {
            assert!(r[field].is_string(), "{field} missing in {r}");
        }
        assert!(["PASS", "FAIL", "SKIP", "ERROR"].contains(&r["status"].as_str().unwrap()));
    }
    // Every check answered for each target of its scope: 1 instance, 1 group, 1 project.
    for c in checks {
        let id = c["id"].as_str().unwrap();
        let n = results.iter().filter(|r| r["id"] == id).count();
        assert_eq!(n, 1, "{id} answered {n} times");
    }
    assert_eq!(report["complete"], true, "{}", report["incomplete"]);
    let worst = results
        .iter()
        .filter(|r| r["status"] == "FAIL")
        .map(|r| match r["severity"].as_str().unwrap() {
            "critical" => 14,
            "high" => 13,
            "medium" => 12,
            "low" => 11,
            _ => 10,
        })
        .max()
        .unwrap();
    assert_eq!(out.status.code(), Some(worst), "{}", text(&out));
    // Nothing failed at or above critical: with --fail-on critical the run is a success.
    let out = posture(dir.path(), &sim, ROOT, &["--fail-on", "critical"]);
    assert_eq!(
        out.status.code(),
        Some(if worst == 14 { 14 } else { 0 }),
        "{}",
        text(&out)
    );
}

#[test]
fn a_developers_run_says_what_it_could_not_see() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let out = posture(dir.path(), &sim, DEV, &["--scope", "instance"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("INCOMPLETE"), "{shown}");
    assert!(shown.contains("needs an administrator"), "{shown}");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
}

#[test]
fn markdown_and_sarif_carry_the_failures() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let out = run_against(
        dir.path(),
        &sim.url,
        ROOT,
        &["--format", "md", "posture", "--project", "acme/app"],
        "",
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("# GitLab posture"), "{md}");
    assert!(md.contains("## Failed"), "{md}");
    assert!(md.contains("project-pipeline-must-succeed"), "{md}");
    let sarif_file = dir.path().join("posture.sarif");
    let out = run_against(
        dir.path(),
        &sim.url,
        ROOT,
        &[
            "--format",
            "sarif",
            "posture",
            "--project",
            "acme/app",
            "--sarif",
            sarif_file.to_str().unwrap(),
        ],
        "",
    );
    let log = json_of(&out);
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "project-pipeline-must-succeed")
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "project-pipeline-must-succeed")
    );
    let written: Value = serde_json::from_slice(&std::fs::read(sarif_file).unwrap()).unwrap();
    assert_eq!(written, log);
}

#[test]
fn planned_fixes_applied_with_consent_pass_on_the_next_run() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let before = json_of(&run_against(
        d,
        &sim.url,
        ROOT,
        &[
            "--format",
            "json",
            "posture",
            "--project",
            "acme/app",
            "--plan-fixes",
            "--case",
            "harden",
        ],
        "",
    ));
    let fixed: Vec<String> = before["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "FAIL" && r["fixes"].as_array().is_some_and(|f| !f.is_empty()))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(fixed.len() >= 3, "{fixed:?}");
    // Without --yes and without a terminal nothing is applied.
    let refused = run_against(d, &sim.url, ROOT, &["apply", "harden"], "");
    assert_ne!(refused.status.code(), Some(0), "{}", text(&refused));
    let applied = run_against(d, &sim.url, ROOT, &["apply", "harden", "--yes"], "");
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let after = json_of(&run_against(
        d,
        &sim.url,
        ROOT,
        &["--format", "json", "posture", "--project", "acme/app"],
        "",
    ));
    for id in fixed {
        let r = after["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap();
        assert_eq!(r["status"], "PASS", "{r}");
    }
    let verify = run_against(d, &sim.url, ROOT, &["case", "verify", "harden"], "");
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
}

#[test]
fn the_list_needs_no_gitlab_and_a_bad_user_check_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_against(
        dir.path(),
        "http://127.0.0.1:9",
        ROOT,
        &["posture", "--list"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("instance-git-abuse-download-limit"));
    let checks = dir.path().join("mine");
    std::fs::create_dir_all(&checks).unwrap();
    std::fs::write(checks.join("x.yml"), "id: mine\ntitle: t\nseverity: low\nscope: project\nsource: {target: true}\ncondition: item.nope ==\nthreat: t\nremediation: r\n").unwrap();
    let out = run_against(
        dir.path(),
        "http://127.0.0.1:9",
        ROOT,
        &["posture", "--list", "--checks", checks.to_str().unwrap()],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("x.yml") && err.contains("condition"), "{err}");
}
