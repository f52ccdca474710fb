//! Walking paths: ignore files, binary and size skips, inline markers, baselines.

mod common;

use std::path::PathBuf;

use glir_scan::{Baseline, Finding, PathOptions, RuleOptions, RuleSet, Scanner, scan_paths};

fn scanner() -> Scanner {
    Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap()
}

fn scan_dir(root: &std::path::Path, opts: &PathOptions) -> (Vec<Finding>, glir_scan::PathStats) {
    let mut findings = Vec::new();
    let stats = scan_paths(&scanner(), &[root.to_path_buf()], opts, &mut |f, _| {
        findings.push(f)
    })
    .unwrap();
    (findings, stats)
}

fn paths_of(findings: &[Finding]) -> Vec<String> {
    let mut paths: Vec<String> = findings
        .iter()
        .map(|f| {
            PathBuf::from(f.location.path())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    paths.sort();
    paths
}

#[test]
fn gitignore_is_honoured_unless_no_ignore() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = common::gitlab_tokens(31);
    std::fs::write(dir.path().join(".gitignore"), "ignored.env\n").unwrap();
    std::fs::write(
        dir.path().join("ignored.env"),
        format!("T={}\n", tokens[0].token),
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), format!("T={}\n", tokens[1].token)).unwrap();
    let (findings, stats) = scan_dir(dir.path(), &PathOptions::default());
    assert_eq!(paths_of(&findings), vec![".env"]);
    assert_eq!(stats.files, 2, ".gitignore and .env");
    let opts = PathOptions {
        no_ignore: true,
        ..PathOptions::default()
    };
    let (findings, _) = scan_dir(dir.path(), &opts);
    assert_eq!(paths_of(&findings), vec![".env", "ignored.env"]);
}

#[test]
fn binary_and_large_files_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = common::gitlab_tokens(32);
    let mut binary = vec![0u8, 1, 2, 3];
    binary.extend_from_slice(tokens[0].token.as_bytes());
    std::fs::write(dir.path().join("blob.bin"), binary).unwrap();
    let big = format!("{}\n{}", tokens[1].token, "x".repeat(2048));
    std::fs::write(dir.path().join("big.txt"), big).unwrap();
    std::fs::write(dir.path().join("small.txt"), &tokens[2].token).unwrap();
    let opts = PathOptions {
        max_file_size: 1024,
        ..PathOptions::default()
    };
    let (findings, stats) = scan_dir(dir.path(), &opts);
    assert_eq!(paths_of(&findings), vec!["small.txt"]);
    assert_eq!(
        (stats.files, stats.skipped_binary, stats.skipped_large),
        (1, 1, 1)
    );
    assert_eq!(stats.bytes, tokens[2].token.len() as u64);
    assert!(stats.errors.is_empty());
}

#[test]
fn missing_root_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = scan_paths(
        &scanner(),
        std::slice::from_ref(&missing),
        &PathOptions::default(),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope"));
}

#[test]
fn inline_markers_are_reported_in_suppressed_by() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = common::gitlab_tokens(33);
    let text = format!(
        "a = \"{}\" # gitleaks:allow\nb = \"{}\"\nc = \"{}\" // glir:ignore\nd = \"{}\"  # pragma: allowlist secret\n",
        tokens[0].token, tokens[1].token, tokens[2].token, tokens[3].token
    );
    std::fs::write(dir.path().join("conf.py"), text).unwrap();
    let (findings, _) = scan_dir(dir.path(), &PathOptions::default());
    let markers: Vec<(usize, Option<&str>)> = findings
        .iter()
        .map(|f| (f.location.line(), f.suppressed_by.as_deref()))
        .collect();
    assert_eq!(
        markers,
        vec![
            (1, Some("gitleaks:allow")),
            (2, None),
            (3, Some("glir:ignore")),
            (4, Some("pragma: allowlist secret"))
        ]
    );
}

#[test]
fn baseline_suppresses_known_secrets_even_after_they_move() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = common::gitlab_tokens(34);
    let file = dir.path().join("app.yml");
    std::fs::write(&file, format!("old: {}\n", tokens[0].token)).unwrap();
    let (first, _) = scan_dir(dir.path(), &PathOptions::default());
    assert_eq!(first.len(), 1);
    let baseline_path = dir.path().join("baseline.json");
    Baseline::from_findings(&first)
        .write(&baseline_path)
        .unwrap();
    let baseline = Baseline::load(&baseline_path).unwrap();
    assert_eq!(baseline.entries().len(), 1);

    std::fs::write(
        &file,
        format!(
            "# moved\n\nold: {}\nnew: {}\n",
            tokens[0].token, tokens[1].token
        ),
    )
    .unwrap();
    let (second, _) = scan_dir(dir.path(), &PathOptions::default());
    assert_eq!(second.len(), 2);
    assert_ne!(
        second[0].location_fingerprint, first[0].location_fingerprint,
        "location changed"
    );
    let kept: Vec<usize> = second
        .iter()
        .filter(|f| !baseline.suppresses(f))
        .map(|f| f.location.line())
        .collect();
    assert_eq!(kept, vec![4], "only the new secret survives the baseline");
}

#[test]
fn baseline_rejects_other_versions_and_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.json");
    std::fs::write(&path, r#"{"version": 2, "findings": []}"#).unwrap();
    assert!(
        Baseline::load(&path)
            .unwrap_err()
            .to_string()
            .contains("version 2")
    );
    std::fs::write(&path, "[]").unwrap();
    assert!(Baseline::load(&path).is_err());
}

#[test]
fn of_a_checkout_s_git_store_only_its_config_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = common::gitlab_tokens(33);
    let git = dir.path().join(".git");
    std::fs::create_dir_all(git.join("refs/heads")).unwrap();
    std::fs::write(
        git.join("config"),
        format!(
            "[remote \"origin\"]\n\turl = https://oauth2:{}@gitlab.example.com/g/p.git\n",
            tokens[0].token
        ),
    )
    .unwrap();
    // Anything else in the store (hooks, logs, packed refs) is git's, not evidence to scan.
    std::fs::write(
        git.join("refs/heads/main"),
        format!("{}\n", tokens[1].token),
    )
    .unwrap();
    std::fs::write(git.join("description"), format!("{}\n", tokens[2].token)).unwrap();
    let (findings, _) = scan_dir(dir.path(), &PathOptions::default());
    assert_eq!(paths_of(&findings), vec!["config"]);
    assert_eq!(
        findings[0].fingerprint,
        glir_redact::fingerprint(&tokens[0].token)
    );
}
