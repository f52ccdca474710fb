//! The rule-test runner, and the bundled pack's own tests.

mod common;
use common::{load, rule_dir};
use glir_detect::{LoadOptions, lint, load_rules, run_tests};
use std::path::PathBuf;

const RULE: &str = "title: SSH key added\nid: ssh-key-added\nlevel: low\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: add_ssh_key\n  filter_ci:\n    target_details|startswith: ci-\n  condition: sel and not filter_ci\n";
const TEST: &str = "rule: ssh-key-added\nmatch:\n  - {event_type: add_ssh_key, author_id: 2, author_name: Dana, target_type: Key, target_details: laptop}\nno_match:\n  - {event_type: add_ssh_key, author_id: 2, author_name: Dana, target_type: Key, target_details: ci-runner}\n  - {event_type: remove_ssh_key, author_id: 2, author_name: Dana}\n";

#[test]
fn passing_tests_pass_and_untested_rules_are_listed() {
    let other = RULE
        .replace("ssh-key-added", "gpg-key-added")
        .replace("add_ssh_key", "add_gpg_key");
    let dir = rule_dir(&[
        ("keys/ssh.yml", RULE),
        ("keys/gpg.yml", &other),
        ("tests/ssh.yml", TEST),
    ]);
    let pack = load(dir.path());
    let report = run_tests(&pack, &dir.path().join("tests"));
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.results.len(), 1);
    assert_eq!(report.untested, ["gpg-key-added"]);
}

#[test]
fn a_positive_case_that_no_longer_matches_fails() {
    let broken = RULE.replace("event_type: add_ssh_key", "event_type: add_ssh_keys");
    let dir = rule_dir(&[("ssh.yml", &broken), ("tests/ssh.yml", TEST)]);
    let report = run_tests(&load(dir.path()), &dir.path().join("tests"));
    assert!(!report.passed());
    let failures = &report.results[0].failures;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].starts_with("match[0] did not fire"),
        "{failures:?}"
    );
}

#[test]
fn a_near_miss_that_matches_fails() {
    let loose = RULE.replace("sel and not filter_ci", "sel");
    let dir = rule_dir(&[("ssh.yml", &loose), ("tests/ssh.yml", TEST)]);
    let report = run_tests(&load(dir.path()), &dir.path().join("tests"));
    assert!(!report.passed());
    assert!(report.results[0].failures[0].starts_with("no_match[0] fired"));
}

#[test]
fn a_test_for_an_unknown_rule_is_an_error() {
    let dir = rule_dir(&[
        ("ssh.yml", RULE),
        ("tests/x.yml", "rule: nope\nmatch: []\n"),
    ]);
    let report = run_tests(&load(dir.path()), &dir.path().join("tests"));
    assert!(!report.passed());
    assert!(report.errors[0].contains("nope"), "{:?}", report.errors);
}

#[test]
fn lint_flags_unknown_fields_event_types_duplicates_and_missing_tests() {
    let odd = "title: Odd\nid: ssh-key-added\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: add_ssh_keyz\n    EventID: 4624\n  condition: sel\n";
    let dir = rule_dir(&[("a.yml", RULE), ("b.yml", odd)]);
    let pack = load(dir.path());
    let findings = lint(&pack, Some(&dir.path().join("tests-missing")));
    let text: Vec<String> = findings.iter().map(|f| f.message.clone()).collect();
    let has = |s: &str| text.iter().any(|t| t.contains(s));
    assert!(has("field `EventID`"), "{text:?}");
    assert!(has("unknown event type `add_ssh_keyz`"), "{text:?}");
    assert!(has("duplicate id"), "{text:?}");
    assert!(!has("add_ssh_key`"), "known type flagged: {text:?}");
    let clean = rule_dir(&[("a.yml", RULE), ("tests/a.yml", TEST)]);
    let pack = load(clean.path());
    assert_eq!(lint(&pack, Some(&clean.path().join("tests"))), []);
    let untested = lint(&pack, Some(&dir.path().join("no-tests-here")));
    assert!(
        untested.iter().any(|f| f.message.contains("tests")),
        "{untested:?}"
    );
}

/// The bundled pack: every rule loads and every rule test passes (so `cargo test` checks it).
#[test]
fn bundled_pack_loads_and_its_tests_pass() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/gitlab"));
    let pack = load_rules(std::slice::from_ref(&root), &LoadOptions::default()).unwrap();
    let errors: Vec<String> = pack.errors.iter().map(ToString::to_string).collect();
    assert!(
        errors.is_empty(),
        "broken rule files:\n{}",
        errors.join("\n")
    );
    assert!(!pack.rules.is_empty());
    let report = run_tests(&pack, &root.join("tests"));
    let failures: Vec<String> = report
        .results
        .iter()
        .flat_map(|r| {
            r.failures
                .iter()
                .map(move |f| format!("{}: {f}", r.test_file.display()))
        })
        .chain(report.errors.iter().cloned())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
