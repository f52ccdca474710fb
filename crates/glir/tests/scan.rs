//! `glir scan` from the command line: files, git history, baselines, report files, exit codes,
//! and that no output ever carries a planted secret.

mod common;

use common::{glir, text};
use std::path::Path;
use std::process::Command;

/// Format-valid tokens that exist nowhere; the last one has a hand-made CRC-free legacy shape.
const PAT: &str = "glpat-Zq3xK9wPm2Rt7yVb4Nc8";
const DEPLOY: &str = "gldt-Hs5eTu8wQx2Ya6Zb3Kc9";
const GITHUB: &str = "ghp_R2d2C3poBb8Yoda9Luke4Leia5Han6Solo7Z";

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let config = dir.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    glir(&dir.join("data"), &config)
        .args(args)
        .output()
        .unwrap()
}

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dana Dev")
        .env("GIT_AUTHOR_EMAIL", "dana@example.com")
        .env("GIT_COMMITTER_NAME", "Dana Dev")
        .env("GIT_COMMITTER_EMAIL", "dana@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", repo)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn files_exit_codes_markers_and_report_files() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("ignored")).unwrap();
    std::fs::write(
        tree.join("deploy.env"),
        format!("TOKEN={PAT}\nDOC=glpat-xxxxxxxxxxxxxxxxxxxx\nALLOWED={DEPLOY} # gitleaks:allow\n"),
    )
    .unwrap();
    std::fs::write(tree.join(".gitignore"), "ignored/\n").unwrap();
    std::fs::write(tree.join("ignored/creds.txt"), GITHUB).unwrap();
    let sarif = dir.path().join("out.sarif");
    let gl = dir.path().join("gl-secret-detection-report.json");
    let o = run(
        dir.path(),
        &[
            "--format",
            "jsonl",
            "scan",
            tree.to_str().unwrap(),
            "--sarif",
            sarif.to_str().unwrap(),
            "--gitlab-report",
            gl.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["rule"], "gitlab-pat");
    assert_eq!(lines[0]["location"]["line"], 1);
    assert_eq!(lines[0]["line"], 1);
    assert!(
        lines[0]["path"].as_str().unwrap().ends_with("deploy.env"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[0]["family"], "personal_access_token");
    assert_eq!(lines[0]["fingerprint"], glir_redact::fingerprint(PAT));
    assert!(
        text(&o).contains("suppressed: 1 by inline markers"),
        "{}",
        text(&o)
    );
    let sarif_doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(sarif_doc["runs"][0]["results"].as_array().unwrap().len(), 1);
    let gl_doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&gl).unwrap()).unwrap();
    assert_eq!(gl_doc["vulnerabilities"].as_array().unwrap().len(), 1);

    // --no-ignore reaches the ignored directory; --include-suppressed the marked line.
    let o = run(
        dir.path(),
        &[
            "scan",
            tree.to_str().unwrap(),
            "--no-ignore",
            "--include-suppressed",
        ],
    );
    let shown = text(&o);
    assert_eq!(o.status.code(), Some(1), "{shown}");
    assert!(shown.contains("github"), "{shown}");
    assert!(shown.contains("gitlab-deploy-token"), "{shown}");
    for output in [
        shown,
        std::fs::read_to_string(&sarif).unwrap(),
        std::fs::read_to_string(&gl).unwrap(),
    ] {
        for secret in [PAT, DEPLOY, GITHUB] {
            assert!(
                !output.contains(secret),
                "plaintext secret in output:\n{output}"
            );
        }
    }

    let clean = dir.path().join("clean");
    std::fs::create_dir_all(&clean).unwrap();
    std::fs::write(clean.join("a.txt"), "nothing to see").unwrap();
    let o = run(dir.path(), &["scan", clean.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(dir.path(), &["scan"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("nothing to scan"));
}

#[test]
fn baseline_suppresses_known_findings_even_when_moved() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("a.env"), format!("T={PAT}\n")).unwrap();
    let baseline = dir.path().join("baseline.json");
    let o = run(
        dir.path(),
        &[
            "scan",
            tree.to_str().unwrap(),
            "--write-baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!std::fs::read_to_string(&baseline).unwrap().contains(PAT));
    // Moved to another line and a new secret added: only the new one is reported.
    std::fs::write(tree.join("a.env"), format!("\n\nT={PAT}\nD={DEPLOY}\n")).unwrap();
    let o = run(
        dir.path(),
        &[
            "--format",
            "jsonl",
            "scan",
            tree.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("gitlab-deploy-token"), "{out}");
    assert!(
        text(&o).contains("0 by inline markers, 1 by the baseline"),
        "{}",
        text(&o)
    );
}

#[test]
fn git_history_reports_the_commit_that_introduced_a_removed_secret() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README.md"), "hello\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    std::fs::write(
        repo.join("ci.sh"),
        format!("#!/bin/sh\ncurl -H 'PRIVATE-TOKEN: {PAT}'\n"),
    )
    .unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "add ci"]);
    std::fs::write(
        repo.join("ci.sh"),
        "#!/bin/sh\ncurl -H \"PRIVATE-TOKEN: $TOKEN\"\n",
    )
    .unwrap();
    git(&repo, &["commit", "-qam", "use a variable"]);
    // The working tree is clean now: only history has the token.
    let o = run(dir.path(), &["scan", repo.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(
        dir.path(),
        &["--format", "jsonl", "scan", "--git", repo.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let finding: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let location = &finding["location"];
    assert_eq!(location["kind"], "git");
    assert_eq!(location["path"], "ci.sh");
    assert_eq!(location["line"], 2);
    assert_eq!(location["author"], "Dana Dev");
    assert_eq!(location["date"], "2026-11-20T10:00:00Z");
    let rev = Command::new("git")
        .current_dir(&repo)
        .args(["rev-parse", "HEAD~1"])
        .output()
        .unwrap();
    assert_eq!(
        location["commit"],
        String::from_utf8_lossy(&rev.stdout).trim()
    );
    assert!(!text(&o).contains(PAT));
    assert!(text(&o).contains("git: 3 commits"), "{}", text(&o));
}

#[test]
fn strings_that_fail_their_checks_are_left_out_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    // A legacy PAT body is 20 characters: 21 is a typo or a fake, which GitLab would reject.
    let too_long = "glpat-Zq3xK9wPm2Rt7yVb4Nc8Q";
    std::fs::write(
        dir.path().join("notes.txt"),
        format!("old token {too_long}\n"),
    )
    .unwrap();
    let path = dir.path().join("notes.txt");
    let path = path.to_str().unwrap();
    let quiet = run(dir.path(), &["scan", path]);
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet));
    assert!(
        text(&quiet).contains("1 strings of a secret's shape that fail its checks left out"),
        "{}",
        text(&quiet)
    );
    let shown = run(dir.path(), &["scan", "--include-invalid", path]);
    assert_eq!(shown.status.code(), Some(1), "{}", text(&shown));
    let out = String::from_utf8_lossy(&shown.stdout);
    assert!(
        out.contains("invalid: not a valid GitLab personal"),
        "{out}"
    );
    assert!(out.contains(" low "), "{out}");
    assert!(
        !text(&shown).contains(too_long),
        "the string itself is never printed"
    );
}
