//! `glir releases check | list`: the verdict, its exit code, the version asked of the instance
//! (the simulator), and the releases file from a flag or the profile.

mod common;

use common::{glir, run_against, text};
use glir_sim::Scenario;
use glir_test_support::BlockingSim as Sim;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const ROOT: &str = "glpat-DemoRootAdmin000000";

/// `glir ARGS` offline, with an empty config under `dir`.
fn offline(dir: &Path, args: &[&str]) -> Output {
    let config = dir.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    glir(&dir.join("data"), &config)
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", text(out)))
}

/// The newest version the built-in data knows, as `releases list` reports it.
fn latest(dir: &Path) -> String {
    let list = json_of(&offline(dir, &["--format", "json", "releases", "list"]));
    list["releases"][0]["versions"][0]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_old_version_exits_1_and_names_its_missed_advisories() {
    let dir = tempfile::tempdir().unwrap();
    let out = offline(dir.path(), &["releases", "check", "--version", "17.9.2-ee"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("unsupported line: 17.9"), "{shown}");
    assert!(shown.contains("CVE-"), "{shown}");
    assert!(
        shown.contains("docs.gitlab.com/policy/maintenance"),
        "{shown}"
    );

    let out = offline(
        dir.path(),
        &[
            "--format",
            "json",
            "releases",
            "check",
            "--version",
            "17.9.2-ee",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let verdict = json_of(&out);
    assert_eq!(verdict["status"], "unsupported_line", "{verdict}");
    assert_eq!(verdict["version"], "17.9.2-ee");
    assert_eq!(verdict["version_from"], "--version");
    let missed = verdict["missed"].as_array().unwrap();
    assert!(
        missed
            .iter()
            .any(|m| m["on_line"] == true && m["fixed_in"] == "17.9.3"),
        "{verdict}"
    );
    assert!(
        missed
            .iter()
            .any(|m| !m["advisories"].as_array().unwrap().is_empty())
    );
}

#[test]
fn the_latest_patch_exits_0_and_one_patch_back_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let latest = latest(dir.path());
    let out = offline(dir.path(), &["releases", "check", "--version", &latest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("current"));

    let (line, patch) = latest.rsplit_once('.').unwrap();
    let before = format!("{line}.{}-ee", patch.parse::<u32>().unwrap() - 1);
    let out = offline(
        dir.path(),
        &[
            "--format",
            "json",
            "releases",
            "check",
            "--version",
            &before,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let verdict = json_of(&out);
    assert_eq!(verdict["status"], "behind");
    assert_eq!(verdict["missed"][0]["fixed_in"], latest.as_str());
    assert_eq!(verdict["upgrade"]["on_line"], latest.as_str());
}

#[test]
fn a_version_newer_than_the_data_warns_that_it_may_be_stale() {
    let dir = tempfile::tempdir().unwrap();
    let latest = latest(dir.path());
    let (line, patch) = latest.rsplit_once('.').unwrap();
    let next = format!("{line}.{}", patch.parse::<u32>().unwrap() + 1);
    let out = offline(dir.path(), &["releases", "check", "--version", &next]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("may be stale"),
        "{}",
        text(&out)
    );
}

#[test]
fn without_a_version_it_asks_the_instance() {
    let sim = Sim::start(Scenario::demo());
    let dir = tempfile::tempdir().unwrap();
    let out = run_against(
        dir.path(),
        &sim.url,
        ROOT,
        &["--format", "json", "releases", "check"],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let verdict = json_of(&out);
    assert_eq!(verdict["version"], "17.9.2-ee", "{verdict}");
    assert_eq!(verdict["version_from"], sim.url.as_str());

    // An instance on the newest patch passes.
    let latest = latest(dir.path());
    let mut scenario = Scenario::demo();
    scenario.instance.version = format!("{latest}-ee");
    let current = Sim::start(scenario);
    let out = run_against(dir.path(), &current.url, ROOT, &["releases", "check"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{latest}-ee")));
}

#[test]
fn the_releases_file_comes_from_the_flag_or_the_profile_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("releases.json");
    std::fs::write(
        &file,
        r#"{"updated": "2024-06-12", "sources": ["https://about.gitlab.com/releases/categories/releases/"],
            "releases": [{"date": "2024-06-12",
              "url": "https://about.gitlab.com/releases/2024/06/12/patch-release-gitlab-17-0-2-released/",
              "versions": ["17.0.2", "16.11.4", "16.10.7"], "advisories_unknown": true, "advisories": []}]}"#,
    )
    .unwrap();
    let flag = offline(
        dir.path(),
        &[
            "--format",
            "json",
            "releases",
            "list",
            "--releases",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(json_of(&flag)["updated"], "2024-06-12", "{}", text(&flag));

    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "default_profile = \"lab\"\n[profiles.lab]\nreleases_file = {:?}\n",
            file.display().to_string()
        ),
    )
    .unwrap();
    let profile = offline(
        dir.path(),
        &["releases", "check", "--version", "16.11.3-ee"],
    );
    assert_eq!(profile.status.code(), Some(1), "{}", text(&profile));
    let shown = String::from_utf8_lossy(&profile.stdout);
    assert!(shown.contains("up to 2024-06-12"), "{shown}");
    assert!(shown.contains("16.11.4"), "{shown}");

    std::fs::write(
        &file,
        "{\"updated\": \"2024-06-12\", \"sources\": [], \"releases\": 3}",
    )
    .unwrap();
    let bad = offline(dir.path(), &["releases", "list"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(&file.display().to_string()) && err.contains("releases:"),
        "{err}"
    );
}

#[test]
fn a_malformed_version_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = offline(dir.path(), &["releases", "check", "--version", "18.x"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a GitLab version"));
}
