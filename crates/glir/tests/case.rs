//! `glir case`: the life cycle of a case and what `verify` reports after tampering.

mod common;

use common::{glir, text};
use std::path::Path;

fn run(data: &Path, args: &[&str]) -> std::process::Output {
    let config = data.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    glir(data, &config).args(args).output().unwrap()
}

#[test]
fn open_show_verify_tamper_close() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let o = run(
        data,
        &[
            "case",
            "open",
            "leak-1",
            "--scenario",
            "token-exposure",
            "--exposed-at",
            "2026-11-20",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(data.join("cases/leak-1/journal.jsonl").exists());

    let o = run(data, &["case", "open", "leak-1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("already exists"), "{}", text(&o));

    let o = run(data, &["case", "show", "leak-1"]);
    assert!(o.status.success(), "{}", text(&o));
    let shown = text(&o);
    assert!(shown.contains("token-exposure"), "{shown}");
    assert!(shown.contains("2026-11-20T00:00:00Z"), "{shown}");
    assert!(shown.contains("case_opened"), "{shown}");

    let o = run(data, &["case", "verify", "leak-1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).starts_with("OK: 1 journal records"),
        "{}",
        text(&o)
    );

    let journal = data.join("cases/leak-1/journal.jsonl");
    let edited = std::fs::read_to_string(&journal)
        .unwrap()
        .replace("token-exposure", "misconfiguration");
    std::fs::write(&journal, edited).unwrap();
    let o = run(data, &["case", "verify", "leak-1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("journal line 1 (seq 1): edited"),
        "{}",
        text(&o)
    );

    let o = run(data, &["case", "close", "leak-1"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(data, &["--format", "jsonl", "case", "list"]);
    let listed: serde_json::Value = serde_json::from_str(text(&o).lines().next().unwrap()).unwrap();
    assert_eq!(listed["status"], "closed");
    assert_eq!(listed["name"], "leak-1");
}

#[test]
fn mirror_refuses_a_case_that_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mirror = data.join("worm");
    assert!(run(data, &["case", "open", "c2"]).status.success());
    let o = run(
        data,
        &[
            "case",
            "mirror",
            "c2",
            "--copy-to",
            mirror.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(mirror.join("c2/snapshots/00000001/journal.jsonl").exists());
    std::fs::write(data.join("cases/c2/journal.jsonl"), "").unwrap();
    let o = run(
        data,
        &[
            "case",
            "mirror",
            "c2",
            "--copy-to",
            mirror.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("does not verify"), "{}", text(&o));
}

#[test]
fn bad_names_are_refused_with_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["case", "open", "../escape"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("invalid case name"), "{}", text(&o));
    let o = run(dir.path(), &["case", "show", "missing"]);
    assert!(
        text(&o).contains("no case named \"missing\""),
        "{}",
        text(&o)
    );
}

#[test]
fn a_forged_exposure_time_fails_verify_and_a_closed_case_is_reopened_on_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mirror = data.join("worm");
    let o = run(
        data,
        &["case", "open", "leak-2", "--exposed-at", "2026-11-20"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        data,
        &[
            "case",
            "mirror",
            "leak-2",
            "--copy-to",
            mirror.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let against = [
        "case",
        "verify",
        "leak-2",
        "--against",
        mirror.to_str().unwrap(),
    ];
    let o = run(data, &against);
    assert!(o.status.success(), "{}", text(&o));

    // Move the exposure to a day that flatters the responder.
    let case_json = data.join("cases/leak-2/case.json");
    let forged = std::fs::read_to_string(&case_json)
        .unwrap()
        .replace("2026-11-20", "2026-11-27");
    std::fs::write(&case_json, forged).unwrap();
    let o = run(data, &["case", "verify", "leak-2"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("case.json times.exposed_at"),
        "{}",
        text(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(run(data, &["case", "open", "leak-3"]).status.success());
    assert!(run(data, &["case", "close", "leak-3"]).status.success());
    let o = run(data, &["case", "reopen", "leak-3"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a reason is required: {}",
        text(&o)
    );
    let o = run(
        data,
        &["case", "reopen", "leak-3", "--reason", "new activity"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(data, &["case", "show", "leak-3"]);
    assert!(text(&o).contains("case_reopened"), "{}", text(&o));
    assert!(run(data, &["case", "verify", "leak-3"]).status.success());
}
