//! `glir detect` and `glir rules` end to end, on files, the store and the bundled pack.

mod common;

use common::text;
use std::path::{Path, PathBuf};
use std::process::Command;

const PACK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/gitlab");
const TOKEN: &str = "glpat-PlantedInDetect00000001";

const RULE: &str = "title: SSH key added\nid: ssh-key-added\nlevel: medium\ntags: [attack.persistence]\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: add_ssh_key\n  condition: sel\n";

/// `glir` run inside `dir`, with its store in `dir/data` and an empty config.
fn glir(dir: &Path) -> Command {
    let config = dir.join("none.toml");
    std::fs::write(&config, "").unwrap();
    let mut cmd = common::glir(&dir.join("data"), &config);
    cmd.current_dir(dir);
    cmd
}

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("ssh.yml"), RULE).unwrap();
    // Streamed events, newest first as an export might be; one carries a token in free text.
    let events = dir.path().join("events.jsonl");
    let lines = [
        format!(
            r#"{{"id":"3","created_at":"2026-11-25T02:20:00Z","event_type":"add_ssh_key","author_id":2,"author_name":"Dana","ip_address":"203.0.113.66","entity_type":"User","entity_path":"Dana","target_type":"Key","target_id":17,"target_details":"laptop","details":{{"custom_message":"Added SSH key {TOKEN}"}}}}"#
        ),
        r#"{"id":"2","created_at":"2026-11-25T02:10:00Z","event_type":"remove_ssh_key","author_id":2,"author_name":"Dana","entity_type":"User","entity_path":"Dana","target_type":"Key","target_id":16,"target_details":"old","details":{"custom_message":"Removed SSH key"}}"#.to_string(),
        r#"{"id":"1","created_at":"2026-11-25T02:00:00Z","event_type":"add_ssh_key","author_id":5,"author_name":"Eve","entity_type":"User","entity_path":"Eve","target_type":"Key","target_id":15,"target_details":"desk","details":{"custom_message":"Added SSH key"}}"#.to_string(),
    ];
    std::fs::write(&events, lines.join("\n") + "\n").unwrap();
    (dir, rules, events)
}

#[test]
fn detect_on_files_prints_alerts_in_time_order_and_exits_1() {
    let (dir, rules, events) = setup();
    let out = glir(dir.path())
        .args(["--format", "jsonl", "detect", "--input"])
        .arg(&events)
        .arg("--rules")
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let alerts: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(alerts.len(), 2, "{stdout}");
    assert_eq!(alerts[0]["event_ids"], serde_json::json!(["1"]));
    assert_eq!(alerts[1]["event_ids"], serde_json::json!(["3"]));
    assert_eq!(alerts[1]["rule_id"], "ssh-key-added");
    assert_eq!(alerts[1]["level"], "medium");
    assert_eq!(alerts[1]["actor"], "Dana");
    assert!(!text(&out).contains(TOKEN), "token leaked:\n{}", text(&out));
}

#[test]
fn fail_level_above_every_alert_exits_0_but_still_prints() {
    let (dir, rules, events) = setup();
    let sarif = dir.path().join("alerts.sarif");
    let out = glir(dir.path())
        .args(["detect", "--fail-level", "high", "--sarif"])
        .arg(&sarif)
        .arg("--input")
        .arg(&events)
        .arg("--rules")
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ssh-key-added"));
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_eq!(log["runs"][0]["results"][0]["level"], "warning");
}

#[test]
fn detect_over_the_store_honours_filters_and_errors_exit_2() {
    let (dir, rules, events) = setup();
    let ingest = glir(dir.path())
        .arg("ingest")
        .arg(&events)
        .output()
        .unwrap();
    assert!(ingest.status.success(), "{}", text(&ingest));
    let dana = glir(dir.path())
        .args(["--format", "jsonl", "detect", "--actor", "Dana", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(dana.status.code(), Some(1), "{}", text(&dana));
    assert_eq!(String::from_utf8_lossy(&dana.stdout).lines().count(), 1);
    let later = glir(dir.path())
        .args(["detect", "--since", "2026-11-25T02:30:00Z", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(later.status.code(), Some(0), "{}", text(&later));
    let missing = glir(dir.path())
        .args(["detect", "--rules", "no-such-dir"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
}

#[test]
fn a_broken_rule_is_named_and_skipped_unless_strict() {
    let (dir, rules, events) = setup();
    std::fs::write(rules.join("broken.yml"), "title: x\ndetection: [unclosed\n").unwrap();
    let lenient = glir(dir.path())
        .args(["detect", "--input"])
        .arg(&events)
        .arg("--rules")
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(lenient.status.code(), Some(1), "{}", text(&lenient));
    assert!(text(&lenient).contains("broken.yml:"), "{}", text(&lenient));
    let strict = glir(dir.path())
        .args(["detect", "--strict", "--input"])
        .arg(&events)
        .arg("--rules")
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2), "{}", text(&strict));
    assert!(text(&strict).contains("broken.yml"));
}

#[test]
fn rules_test_fails_when_a_positive_case_no_longer_matches() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("pack");
    std::fs::create_dir_all(rules.join("tests")).unwrap();
    let rule = std::fs::read_to_string(format!("{PACK}/keys/ssh_key_added.yml")).unwrap();
    let test = std::fs::read_to_string(format!("{PACK}/tests/ssh_key_added.yml")).unwrap();
    std::fs::write(rules.join("ssh_key_added.yml"), &rule).unwrap();
    std::fs::write(rules.join("tests/ssh_key_added.yml"), &test).unwrap();
    let run = |dir: &Path| {
        glir(dir)
            .args(["rules", "test", "--rules"])
            .arg(&rules)
            .output()
            .unwrap()
    };
    let good = run(dir.path());
    assert_eq!(good.status.code(), Some(0), "{}", text(&good));
    let broken = rule.replace("event_type: add_ssh_key", "event_type: add_ssh_key_renamed");
    assert_ne!(
        broken, rule,
        "the bundled rule changed shape; update this test"
    );
    std::fs::write(rules.join("ssh_key_added.yml"), broken).unwrap();
    let bad = run(dir.path());
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        text(&bad).contains("match[0] did not fire"),
        "{}",
        text(&bad)
    );
}

#[test]
fn rules_list_and_lint_cover_the_bundled_pack() {
    let dir = tempfile::tempdir().unwrap();
    let list = glir(dir.path())
        .args(["rules", "list", "--rules", PACK])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", text(&list));
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(
        listing.contains("a67bf1b2-9b7c-4140-95b8-6fbdd4ab4e77"),
        "{listing}"
    );
    let rules = dir.path().join("odd");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("odd.yml"),
        RULE.replace("add_ssh_key", "add_ssh_keyz"),
    )
    .unwrap();
    let lint = glir(dir.path())
        .args(["rules", "lint", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(1), "{}", text(&lint));
    let t = text(&lint);
    assert!(t.contains("unknown event type `add_ssh_keyz`"), "{t}");
    assert!(t.contains("no test file"), "{t}");
}

#[test]
fn detect_resolves_a_username_from_events_about_that_user() {
    let (dir, rules, events) = setup();
    // An administrator's event about Dana: a user entity's path is the username.
    let about_dana = r#"{"id":"4","created_at":"2026-11-25T02:30:00Z","event_type":"user_access_locked","author_id":1,"author_name":"Administrator","entity_type":"User","entity_id":2,"entity_path":"dwhitfield","target_type":"User","target_id":2,"target_details":"Dana"}"#;
    let mut text_of = std::fs::read_to_string(&events).unwrap();
    text_of.push_str(about_dana);
    text_of.push('\n');
    std::fs::write(&events, text_of).unwrap();
    let detect = |actor: &str| {
        glir(dir.path())
            .args(["--format", "jsonl", "detect", "--actor", actor, "--input"])
            .arg(&events)
            .arg("--rules")
            .arg(&rules)
            .output()
            .unwrap()
    };
    let out = detect("dwhitfield");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let alerts: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(alerts.len(), 1, "{}", text(&out));
    assert_eq!(alerts[0]["actor"], "Dana");
    assert!(
        text(&out).contains("`dwhitfield` is user id 2"),
        "{}",
        text(&out)
    );
    // Offline and unknown: said on stderr, not a silent empty result.
    let unknown = detect("nobody");
    assert_eq!(unknown.status.code(), Some(0), "{}", text(&unknown));
    assert!(unknown.stdout.is_empty(), "{}", text(&unknown));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("no GitLab is configured to look the username up: nothing will match"),
        "{stderr}"
    );
}

/// A Windows rule that matches every event lacking its field, and a correlation over it.
const WINDOWS_RULES: &str = "title: Not cmd\nid: win-not-cmd\nname: win_not_cmd\nlevel: high\nlogsource: {product: windows, category: process_creation}\ndetection:\n  selection:\n    Image|endswith: '\\cmd.exe'\n  condition: not selection\n---\ntitle: Many not cmd\nid: win-many\nlevel: high\ncorrelation:\n  type: event_count\n  rules: [win_not_cmd]\n  group-by: [author_name]\n  timespan: 1h\n  condition: {gte: 1}\n";
const WINDOWS_ALONE: &str = "title: Not powershell\nid: win-not-ps\nlevel: high\nlogsource: {product: windows, category: process_creation}\ndetection:\n  selection:\n    Image|endswith: '\\powershell.exe'\n  condition: not selection\n";

#[test]
fn rules_for_other_log_sources_are_skipped_with_one_warning() {
    let (dir, rules, events) = setup();
    std::fs::write(rules.join("windows.yml"), WINDOWS_RULES).unwrap();
    std::fs::write(rules.join("windows_alone.yml"), WINDOWS_ALONE).unwrap();
    let detect = |extra: &[&str]| {
        glir(dir.path())
            .args(["--format", "jsonl", "detect", "--input"])
            .arg(&events)
            .arg("--rules")
            .arg(&rules)
            // One line per alert: this test counts them.
            .args(["--group-minutes", "0"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = detect(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rule_ids: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["rule_id"].to_string())
        .collect();
    assert_eq!(rule_ids, [r#""ssh-key-added""#; 2], "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: 3 rules skipped: their logsource is not GitLab (product: windows 2; \
          1 correlation of them); pass --any-logsource to evaluate them"
        ],
        "{stderr}"
    );
    // With the flag they run, and the one not fed to a correlation fires on every event.
    let all = detect(&["--any-logsource"]);
    let stdout = String::from_utf8_lossy(&all.stdout);
    assert_eq!(stdout.matches("win-not-ps").count(), 3, "{}", text(&all));
    assert!(!text(&all).contains("skipped"), "{}", text(&all));
    let lint = glir(dir.path())
        .args(["rules", "lint", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&lint.stdout);
    assert!(
        t.contains("windows.yml: win-many: warning: skipped: every rule it correlates was skipped"),
        "{t}"
    );
    assert!(
        t.contains("windows_alone.yml: win-not-ps: warning: skipped: logsource product `windows` is not gitlab"),
        "{t}"
    );
}

/// Streamed deletions: three within an hour make the pack's hourly-deletions correlation fire.
fn deletion(id: &str, time: &str, event_type: &str) -> String {
    format!(
        r#"{{"id":"{id}","created_at":"2026-11-25T{time}Z","event_type":"{event_type}","author_id":7,"author_name":"Mallory","entity_type":"Project","entity_path":"grp/app-{id}","target_type":"Project","target_id":1,"target_details":"grp/app-{id}"}}"#
    )
}

#[test]
fn time_ordered_files_are_streamed_with_the_results_of_the_scratch_store() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("events-1.jsonl");
    let second = dir.path().join("events-2.jsonl");
    let mut lines = vec![
        deletion("e1", "01:00:00", "project_deletion_marked"),
        // One instant, ids out of order, and a re-delivered event.
        deletion("b2", "01:10:00", "project_deletion_marked"),
        deletion("a2", "01:10:00", "group_deletion_marked"),
        deletion("b2", "01:10:00", "project_deletion_marked"),
    ];
    std::fs::write(&first, lines.join("\n") + "\n{not json\n").unwrap();
    let later = [
        deletion("e3", "01:20:00", "project_destroyed"),
        deletion("e4", "01:30:00", "group_destroyed"),
    ];
    std::fs::write(&second, later.join("\n") + "\n").unwrap();
    lines.extend(later);
    lines.reverse();
    let newest_first = dir.path().join("newest-first.jsonl");
    std::fs::write(&newest_first, lines.join("\n") + "\n").unwrap();

    let detect = |inputs: &[&Path], extra: &[&str]| {
        let mut cmd = glir(dir.path());
        cmd.args([
            "--format",
            "jsonl",
            "detect",
            "--group-minutes",
            "0",
            "--rules",
            PACK,
        ]);
        for input in inputs {
            cmd.arg("--input").arg(input);
        }
        let out = cmd.args(extra).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        out
    };
    let streamed = detect(&[&first, &second], &[]);
    // Any filter sends files through the scratch store; this one lets every event through.
    let staged = detect(&[&first, &second], &["--since", "2000-01-01T00:00:00Z"]);
    // Newest first cannot be streamed: correlation windows need time order.
    let reordered = detect(&[&newest_first], &[]);
    let alerts = String::from_utf8_lossy(&streamed.stdout).into_owned();
    assert_eq!(alerts, String::from_utf8_lossy(&staged.stdout));
    assert_eq!(alerts, String::from_utf8_lossy(&reordered.stdout));
    let parsed: Vec<serde_json::Value> = alerts
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids = |a: &serde_json::Value| a["event_ids"].as_array().unwrap().len();
    assert!(
        parsed.iter().any(|a| ids(a) >= 3),
        "no correlation fired:\n{alerts}"
    );
    // The repeated event is detected once.
    let on_b2 = |a: &&serde_json::Value| a["event_ids"] == serde_json::json!(["b2"]);
    assert_eq!(parsed.iter().filter(on_b2).count(), 1, "{alerts}");
    // The malformed line is reported once, by the first read.
    let stderr = String::from_utf8_lossy(&streamed.stderr);
    assert_eq!(stderr.matches("events-1.jsonl:5:").count(), 1, "{stderr}");
}

#[test]
fn an_allow_list_entry_suppresses_its_alerts_and_says_so() {
    let (dir, rules, events) = setup();
    let config = dir.path().join("allow.toml");
    std::fs::write(
        &config,
        "[[detect.allow]]\nname = \"eve-laptop-keys\"\nrule = \"ssh-key-added\"\nactor = \"Eve\"\nreason = \"reviewed\"\n",
    )
    .unwrap();
    let out = common::glir(&dir.path().join("data"), &config)
        .args(["--format", "jsonl", "detect", "--input"])
        .arg(&events)
        .arg("--rules")
        .arg(&rules)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let actors: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["actor"].to_string())
        .collect();
    assert_eq!(actors, [r#""Dana""#], "{stdout}");
    assert!(
        text(&out).contains(
            "suppressed by allow `eve-laptop-keys` (rule ssh-key-added; reviewed): 1 alerts"
        ),
        "{}",
        text(&out)
    );
}

#[test]
fn min_level_hides_lower_alerts_but_not_the_exit_code() {
    let (dir, rules, events) = setup();
    let out = glir(dir.path())
        .args([
            "--format",
            "jsonl",
            "detect",
            "--min-level",
            "high",
            "--input",
        ])
        .arg(&events)
        .arg("--rules")
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
}
