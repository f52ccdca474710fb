//! Loading: broken files are named (with a line) and skipped unless strict; disabled rules.

mod common;
use common::{load, rule_dir};
use glir_detect::{DetectError, LoadOptions, RuleKind, SkipReason, load_rules};

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
    match load_rules(
        &[dir.path().to_path_buf()],
        &LoadOptions {
            strict: true,
            ..LoadOptions::default()
        },
    ) {
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
    let pack = load_rules(
        &[dir.path().to_path_buf()],
        &LoadOptions {
            disabled: vec!["good-1".into()],
            ..LoadOptions::default()
        },
    )
    .unwrap();
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
        load_rules(&[missing], &LoadOptions::default()),
        Err(DetectError::Io { .. })
    ));
}

const WINDOWS_NOT: &str = "title: No image\nid: win-1\nname: win_no_image\nlevel: high\nlogsource: {product: windows, category: process_creation}\ndetection:\n  selection:\n    Image|endswith: '\\cmd.exe'\n  condition: not selection\n";
const WINDOWS_CORR: &str = "title: Many\nid: win-corr\ncorrelation:\n  type: event_count\n  rules: [win_no_image]\n  group-by: [author_name]\n  timespan: 1h\n  condition: {gte: 2}\nlevel: high\n";
const NO_PRODUCT: &str = "title: Anything\nid: none-1\nlogsource: {category: webserver}\ndetection:\n  sel:\n    cs-method: POST\n  condition: sel\n";
const UPPER: &str = "title: Key\nid: upper-1\nlogsource: {product: GitLab, service: audit}\ndetection:\n  sel:\n    event_type: add_ssh_key\n  condition: sel\n";

#[test]
fn rules_for_other_log_sources_and_their_correlations_are_skipped() {
    let dir = rule_dir(&[
        ("gitlab.yml", GOOD),
        ("upper.yml", UPPER),
        ("win.yml", WINDOWS_NOT),
        ("win_corr.yml", WINDOWS_CORR),
        ("web.yml", NO_PRODUCT),
    ]);
    let pack = load(dir.path());
    assert!(pack.errors.is_empty(), "{:?}", pack.errors);
    let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["good-1", "upper-1"]);
    let skipped: Vec<(&str, RuleKind, String)> = pack
        .skipped
        .iter()
        .map(|s| (s.id.as_str(), s.kind, s.reason.to_string()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "none-1",
                RuleKind::Detection,
                "logsource names no product (not gitlab)".to_owned()
            ),
            (
                "win-1",
                RuleKind::Detection,
                "logsource product `windows` is not gitlab".to_owned()
            ),
            (
                "win-corr",
                RuleKind::Correlation,
                "every rule it correlates was skipped for its logsource".to_owned()
            ),
        ]
    );
    assert_eq!(
        pack.skipped[1].reason,
        SkipReason::Logsource {
            product: Some("windows".into())
        }
    );
    assert!(pack.skipped[1].file.ends_with("win.yml"));
    // Skipped rules never see events: the windows rule would fire on every GitLab event.
    let event = common::stream(
        r#"{"id":"1","created_at":"2026-11-25T02:00:00Z","event_type":"user_created","author_name":"x"}"#,
    );
    assert!(common::run(&pack, &[event]).is_empty());
}

#[test]
fn any_logsource_loads_every_rule() {
    let dir = rule_dir(&[
        ("gitlab.yml", GOOD),
        ("win.yml", WINDOWS_NOT),
        ("win_corr.yml", WINDOWS_CORR),
        ("web.yml", NO_PRODUCT),
    ]);
    let options = LoadOptions {
        any_logsource: true,
        ..LoadOptions::default()
    };
    let pack = load_rules(&[dir.path().to_path_buf()], &options).unwrap();
    assert!(pack.errors.is_empty(), "{:?}", pack.errors);
    assert!(pack.skipped.is_empty(), "{:?}", pack.skipped);
    let mut ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["good-1", "none-1", "win-1", "win-corr"]);
    // `not selection` over a field GitLab events lack: why such rules are skipped by default.
    // (Without the correlation, which would keep the rule it counts from alerting alone.)
    let alone = rule_dir(&[("win.yml", WINDOWS_NOT)]);
    let pack = load_rules(&[alone.path().to_path_buf()], &options).unwrap();
    let event = common::stream(
        r#"{"id":"1","created_at":"2026-11-25T02:00:00Z","event_type":"user_created","author_name":"x"}"#,
    );
    let alerts = common::run(&pack, &[event]);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].rule_id, "win-1");
}

#[test]
fn a_correlation_counting_gitlab_and_skipped_rules_is_an_error_naming_them() {
    let mixed = "title: Mixed\nid: mixed\ncorrelation:\n  type: temporal\n  rules: [good-1, win_no_image]\n  group-by: [author_name]\n  timespan: 1h\nlevel: high\n";
    let dir = rule_dir(&[
        ("gitlab.yml", GOOD),
        ("win.yml", WINDOWS_NOT),
        ("mixed.yml", mixed),
    ]);
    let pack = load(dir.path());
    assert_eq!(pack.rules.len(), 1);
    assert_eq!(pack.errors.len(), 1, "{:?}", pack.errors);
    assert!(pack.errors[0].file.ends_with("mixed.yml"));
    assert!(
        pack.errors[0]
            .message
            .contains("skipped for their logsource: win_no_image"),
        "{}",
        pack.errors[0]
    );
}

#[test]
fn the_pack_from_memory_is_the_pack_from_disk() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab");
    let from_disk = glir_detect::load_rules(
        std::slice::from_ref(&dir),
        &glir_detect::LoadOptions::default(),
    )
    .unwrap();
    let mut texts = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                texts.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    texts.sort();
    let borrowed: Vec<(std::path::PathBuf, &str)> =
        texts.iter().map(|(p, t)| (p.clone(), t.as_str())).collect();
    let from_memory =
        glir_detect::load_rule_texts(&borrowed, &glir_detect::LoadOptions::default()).unwrap();
    let ids = |p: &glir_detect::RulePack| {
        let mut ids: Vec<String> = p.rules.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids
    };
    assert!(from_memory.errors.is_empty(), "{:?}", from_memory.errors);
    assert_eq!(ids(&from_memory), ids(&from_disk));
    assert!(ids(&from_disk).len() > 100);
}
