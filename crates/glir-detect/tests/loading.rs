//! Loading: broken files are named (with a line) and skipped unless strict; disabled rules.

mod common;
use common::{load, rule_dir};
use glir_detect::{DetectError, RuleKind, load_rules};

const GOOD: &str = "title: SSH key added\nid: good-1\nlevel: low\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: add_ssh_key\n  condition: sel\n";
const BAD_YAML: &str = "title: Broken\nid: bad-1\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: [add_ssh_key\n  condition: sel\n";
const BAD_CONDITION: &str = "title: Bad condition\nid: bad-2\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: add_ssh_key\n  condition: sel and and\n";

#[test]
fn a_broken_file_is_named_with_its_line_and_the_rest_load() {
    let dir = rule_dir(&[("a/good.yml", GOOD), ("b/broken.yml", BAD_YAML)]);
    let pack = load(dir.path());
    assert_eq!(pack.rules.len(), 1);
    assert_eq!(pack.rules[0].id, "good-1");
    assert_eq!(pack.rules[0].level, "low");
    assert!(pack.rules[0].file.ends_with("a/good.yml"));
    assert_eq!(pack.errors.len(), 1, "{:?}", pack.errors);
    let err = &pack.errors[0];
    assert!(err.file.ends_with("b/broken.yml"));
    assert!(err.line.is_some(), "YAML errors carry a line: {err}");
    assert!(err.to_string().contains("broken.yml:"), "{err}");
}

#[test]
fn a_bad_condition_is_an_error_on_its_file() {
    let dir = rule_dir(&[("good.yml", GOOD), ("cond.yml", BAD_CONDITION)]);
    let pack = load(dir.path());
    assert_eq!(pack.rules.len(), 1);
    assert_eq!(pack.errors.len(), 1);
    assert!(pack.errors[0].file.ends_with("cond.yml"));
}

#[test]
fn strict_loading_fails_on_any_broken_file() {
    let dir = rule_dir(&[("good.yml", GOOD), ("broken.yml", BAD_YAML)]);
    match load_rules(&[dir.path().to_path_buf()], true, &[]) {
        Err(DetectError::Rules(errors)) => {
            assert_eq!(errors.len(), 1);
            assert!(errors[0].file.ends_with("broken.yml"));
        }
        other => panic!("expected DetectError::Rules, got {other:?}"),
    }
}

#[test]
fn test_folders_are_not_loaded_as_rules() {
    let dir = rule_dir(&[
        ("good.yml", GOOD),
        ("tests/good.yml", "rule: good-1\nmatch: []\n"),
    ]);
    let pack = load(dir.path());
    assert!(pack.errors.is_empty(), "{:?}", pack.errors);
    assert_eq!(pack.rules.len(), 1);
}

#[test]
fn disabled_rules_are_left_out_and_their_correlations_reported() {
    let corr = "title: Many keys\nid: corr-1\ncorrelation:\n  type: event_count\n  rules: [good-1]\n  group-by: [author_name]\n  timespan: 1h\n  condition: {gte: 2}\nlevel: high\n";
    let dir = rule_dir(&[("good.yml", GOOD), ("corr.yml", corr)]);
    let all = load(dir.path());
    assert_eq!(all.rules.len(), 2);
    assert_eq!(all.rule("corr-1").unwrap().kind, RuleKind::Correlation);
    let pack = load_rules(&[dir.path().to_path_buf()], false, &["good-1".into()]).unwrap();
    assert!(pack.rules.is_empty(), "{:?}", pack.rules);
    assert_eq!(pack.errors.len(), 1);
    assert!(pack.errors[0].file.ends_with("corr.yml"));
    assert!(pack.errors[0].message.contains("good-1"));
}

#[test]
fn a_missing_directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    assert!(matches!(
        load_rules(&[missing], false, &[]),
        Err(DetectError::Io { .. })
    ));
}
