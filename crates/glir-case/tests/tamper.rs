//! Every kind of tampering `glir case verify` promises to catch, each on a fresh case.

use glir_case::{Cases, JournalEntry, NewCase, Problem, StepKind, Target, TimeKind};
use serde_json::json;
use std::path::Path;

fn new_case(root: &Path) -> glir_case::Case {
    let cases = Cases::new(root);
    let mut case = cases
        .open_new(
            "inc-1",
            NewCase {
                scenario: Some("token-exposure".into()),
                operator: "alice@host".into(),
                glir_version: "0.1.0".into(),
                ..NewCase::default()
            },
        )
        .unwrap();
    case.add_evidence(
        "audit/instance-2026-11-01.jsonl",
        b"{\"id\":1}\n{\"id\":2}\n",
        "GET /api/v4/audit_events",
        "alice@host",
    )
    .unwrap();
    case.add_evidence(
        "users/2.json",
        b"{\"id\":2}",
        "GET /api/v4/users/2",
        "alice@host",
    )
    .unwrap();
    for id in 1..=3 {
        case.journal_step(JournalEntry {
            kind: Some(StepKind::Change),
            action: "revoke_personal_access_token".into(),
            operator: "alice@host".into(),
            target: Some(Target {
                kind: "personal_access_token".into(),
                id: id.to_string(),
                label: None,
            }),
            request: Some(format!("DELETE /api/v4/personal_access_tokens/{id}")),
            status: Some(204),
            request_id: Some(format!("req-{id}")),
            pre_state: Some(json!({"active": true})),
            post_state: Some(json!({"active": false})),
            note: None,
        })
        .unwrap();
    }
    case
}

fn journal_lines(case: &glir_case::Case) -> Vec<String> {
    std::fs::read_to_string(case.journal().path())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(case: &glir_case::Case, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(case.journal().path(), text).unwrap();
}

fn reload(root: &Path) -> glir_case::Case {
    Cases::new(root).load("inc-1").unwrap()
}

#[test]
fn an_untouched_case_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let report = reload(dir.path()).verify().unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    // opened + 2 evidence + 3 changes
    assert_eq!(report.journal_records, 6);
    assert_eq!(report.evidence_files, 2);
    drop(case);
}

#[test]
fn an_edited_line_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let mut lines = journal_lines(&case);
    lines[4] = lines[4].replace("\"status\":204", "\"status\":404");
    assert!(lines[4].contains("404"));
    write_lines(&case, &lines);
    let report = reload(dir.path()).verify().unwrap();
    assert!(
        report
            .problems
            .contains(&Problem::Edited { line: 5, seq: 5 }),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_removed_line_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let mut lines = journal_lines(&case);
    lines.remove(3);
    write_lines(&case, &lines);
    let problems = reload(dir.path()).verify().unwrap().problems;
    assert!(
        problems
            .iter()
            .any(|p| matches!(p, Problem::BrokenChain { line: 4, .. })),
        "{problems:?}"
    );
    assert!(
        problems.contains(&Problem::SequenceGap {
            line: 4,
            expected: 4,
            found: 5
        }),
        "{problems:?}"
    );
}

#[test]
fn reordered_lines_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let mut lines = journal_lines(&case);
    lines.swap(3, 4);
    write_lines(&case, &lines);
    let problems = reload(dir.path()).verify().unwrap().problems;
    assert!(
        problems
            .iter()
            .any(|p| matches!(p, Problem::BrokenChain { line: 4, .. })),
        "{problems:?}"
    );
}

#[test]
fn a_cut_tail_is_caught_through_the_recorded_head() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let mut lines = journal_lines(&case);
    lines.pop();
    write_lines(&case, &lines);
    let problems = reload(dir.path()).verify().unwrap().problems;
    assert_eq!(
        problems,
        vec![Problem::Truncated {
            head_seq: 6,
            last_seq: 5
        }]
    );
}

#[test]
fn a_rewritten_last_line_is_caught_even_with_a_valid_self_hash() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let mut lines = journal_lines(&case);
    lines.pop();
    write_lines(&case, &lines);
    // Append a forged record through the library on a copy whose head was rolled back.
    let mut info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(case.dir().join("case.json")).unwrap()).unwrap();
    let prev: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    info["journal_head"] = json!({"seq": 5, "hash": prev["hash"]});
    let original_head = std::fs::read(case.dir().join("case.json")).unwrap();
    std::fs::write(case.dir().join("case.json"), info.to_string()).unwrap();
    let mut forged = reload(dir.path());
    forged
        .journal_step(JournalEntry {
            kind: Some(StepKind::Change),
            action: "nothing_happened".into(),
            operator: "mallory".into(),
            ..JournalEntry::default()
        })
        .unwrap();
    // The chain itself is consistent now; only the original case.json head tells the truth.
    std::fs::write(case.dir().join("case.json"), original_head).unwrap();
    let problems = reload(dir.path()).verify().unwrap().problems;
    // The manifest's copy of the head moved with the forgery; case.json's did not.
    assert_eq!(
        problems,
        vec![
            Problem::HeadMismatch { seq: 6 },
            Problem::ManifestHeadMismatch {
                manifest_seq: 6,
                case_seq: 6
            }
        ]
    );
}

#[test]
fn changed_missing_and_unlisted_evidence_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let changed = case
        .evidence_path("audit/instance-2026-11-01.jsonl")
        .unwrap();
    make_writable(&changed);
    std::fs::write(&changed, b"{\"id\":1}\n").unwrap();
    let missing = case.evidence_path("users/2.json").unwrap();
    make_writable(&missing);
    std::fs::remove_file(&missing).unwrap();
    std::fs::write(case.evidence_dir().join("planted.txt"), b"x").unwrap();
    let problems = reload(dir.path()).verify().unwrap().problems;
    assert_eq!(
        problems,
        vec![
            Problem::EvidenceChanged {
                path: "audit/instance-2026-11-01.jsonl".into()
            },
            Problem::EvidenceMissing {
                path: "users/2.json".into()
            },
            Problem::EvidenceUnlisted {
                path: "planted.txt".into()
            },
        ]
    );
}

#[test]
fn a_manifest_edited_to_match_changed_evidence_is_caught_by_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let path = case.evidence_path("users/2.json").unwrap();
    make_writable(&path);
    std::fs::write(&path, b"{\"id\":3}").unwrap();
    let manifest_path = case.dir().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let new_hash = sha256_hex(b"{\"id\":3}");
    for file in manifest["files"].as_array_mut().unwrap() {
        if file["path"] == "users/2.json" {
            file["sha256"] = json!(new_hash);
        }
    }
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let problems = reload(dir.path()).verify().unwrap().problems;
    assert_eq!(
        problems,
        vec![Problem::ManifestNotJournaled {
            path: "users/2.json".into()
        }]
    );
}

#[test]
fn evidence_is_never_replaced_and_paths_stay_inside_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = new_case(dir.path());
    // Same bytes again: accepted as a no-op.
    case.add_evidence("users/2.json", b"{\"id\":2}", "again", "alice@host")
        .unwrap();
    let err = case
        .add_evidence("users/2.json", b"{\"id\":9}", "again", "alice@host")
        .unwrap_err();
    assert!(err.to_string().contains("users/2.json"), "{err}");
    for bad in ["../escape.json", "/etc/passwd", "", "a/../../b"] {
        assert!(case.add_evidence(bad, b"x", "s", "o").is_err(), "{bad}");
    }
    assert!(reload(dir.path()).verify().unwrap().ok());
}

#[test]
fn the_mirror_is_write_once() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let first = case.mirror_to(mirror.path()).unwrap();
    assert_eq!(first.copied, 2 + 3);
    let copy = mirror.path().join("inc-1/evidence/users/2.json");
    assert_eq!(std::fs::read(&copy).unwrap(), b"{\"id\":2}");
    assert!(std::fs::metadata(&copy).unwrap().permissions().readonly());
    let again = case.mirror_to(mirror.path()).unwrap();
    assert_eq!((again.copied, again.already_present), (0, 2));
    // Tamper with the case, then mirror again: the mirror refuses to take the new content.
    let original = case.evidence_path("users/2.json").unwrap();
    make_writable(&original);
    std::fs::write(&original, b"{\"id\":9}").unwrap();
    let err = case.mirror_to(mirror.path()).unwrap_err();
    assert!(err.to_string().contains("users/2.json"), "{err}");
    assert_eq!(std::fs::read(&copy).unwrap(), b"{\"id\":2}");
}

#[test]
fn times_record_once_and_cases_list_and_close() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = new_case(dir.path());
    let t1: jiff::Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
    let t2: jiff::Timestamp = "2026-11-28T11:00:00Z".parse().unwrap();
    assert!(case.record_time(TimeKind::Revoked, t1, "alice").unwrap());
    assert!(!case.record_time(TimeKind::Revoked, t2, "alice").unwrap());
    case.close("alice").unwrap();
    assert!(case.close("alice").is_err());
    let listed = Cases::new(dir.path()).list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].times.revoked_at, Some(t1));
    assert_eq!(listed[0].status, glir_case::CaseStatus::Closed);
    assert!(reload(dir.path()).verify().unwrap().ok());
    assert!(
        Cases::new(dir.path())
            .open_new("inc-1", NewCase::default())
            .is_err()
    );
    assert!(matches!(
        Cases::new(dir.path()).load("nope"),
        Err(glir_case::Error::NotFound(_))
    ));
}

/// Rewrites one field of `case.json` (a `/`-separated JSON pointer) to `value`.
fn edit_case_json(case: &glir_case::Case, pointer: &str, value: serde_json::Value) {
    let path = case.dir().join("case.json");
    let mut info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    *info.pointer_mut(pointer).unwrap() = value;
    std::fs::write(&path, info.to_string()).unwrap();
}

#[test]
fn every_field_of_case_json_is_held_to_the_journal() {
    let edits = [
        ("/name", json!("inc-2"), "name"),
        ("/scenario", json!("misconfiguration"), "scenario"),
        ("/status", json!("closed"), "status"),
        ("/opened_at", json!("2020-01-01T00:00:00Z"), "opened_at"),
        ("/closed_at", json!("2026-11-30T00:00:00Z"), "closed_at"),
        ("/opened_by", json!("mallory@host"), "opened_by"),
        ("/glir_version", json!("9.9.9"), "glir_version"),
        ("/gitlab_url", json!("https://evil.example"), "gitlab_url"),
        (
            "/times/exposed_at",
            json!("2026-11-01T00:00:00Z"),
            "times.exposed_at",
        ),
        (
            "/times/detected_at",
            json!("2026-11-02T00:00:00Z"),
            "times.detected_at",
        ),
        (
            "/times/contained_at",
            json!("2026-11-03T00:00:00Z"),
            "times.contained_at",
        ),
        (
            "/times/revoked_at",
            json!("2026-11-29T00:00:00Z"),
            "times.revoked_at",
        ),
    ];
    for (pointer, value, field) in edits {
        let dir = tempfile::tempdir().unwrap();
        let mut case = new_case(dir.path());
        let t: jiff::Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        case.record_time(TimeKind::Revoked, t, "alice").unwrap();
        edit_case_json(&case, pointer, value);
        let problems = reload(dir.path()).verify().unwrap().problems;
        assert_eq!(
            problems,
            vec![Problem::CaseFieldChanged {
                field: field.into()
            }],
            "{pointer}"
        );
    }
}

#[test]
fn a_cut_journal_with_its_head_rewritten_in_case_json_is_caught_by_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    let mut lines = journal_lines(&case);
    lines.truncate(3);
    write_lines(&case, &lines);
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    edit_case_json(
        &case,
        "/journal_head",
        json!({"seq": 3, "hash": last["hash"]}),
    );
    let problems = reload(dir.path()).verify().unwrap().problems;
    assert!(
        problems.contains(&Problem::Truncated {
            head_seq: 6,
            last_seq: 3
        }),
        "{problems:?}"
    );
}

#[test]
fn a_case_rewritten_whole_is_caught_against_its_mirror() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = tempfile::tempdir().unwrap();
    let case = new_case(dir.path());
    case.mirror_to(mirror.path()).unwrap();
    assert!(
        reload(dir.path())
            .verify_against(mirror.path())
            .unwrap()
            .ok()
    );
    // Cut the journal and rewrite both heads: the case alone now looks whole.
    let mut lines = journal_lines(&case);
    lines.truncate(3);
    write_lines(&case, &lines);
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    let head = json!({"seq": 3, "hash": last["hash"]});
    edit_case_json(&case, "/journal_head", head.clone());
    let manifest_path = case.dir().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["journal_head"] = head;
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let alone = reload(dir.path()).verify().unwrap().problems;
    assert!(
        !alone.iter().any(|p| matches!(p, Problem::Truncated { .. })),
        "{alone:?}"
    );
    let against = reload(dir.path())
        .verify_against(mirror.path())
        .unwrap()
        .problems;
    assert!(
        against
            .iter()
            .any(|p| matches!(p, Problem::MirrorJournalDiverges { .. })),
        "{against:?}"
    );
    let none = tempfile::tempdir().unwrap();
    let missing = reload(dir.path())
        .verify_against(none.path())
        .unwrap()
        .problems;
    assert!(
        missing
            .iter()
            .any(|p| matches!(p, Problem::MirrorMissing { .. })),
        "{missing:?}"
    );
}

#[test]
fn a_closed_case_takes_nothing_until_reopened_and_both_are_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let mut case = new_case(dir.path());
    case.close("alice").unwrap();
    let err = case
        .add_evidence("late.json", b"{}", "GET /late", "alice")
        .unwrap_err();
    assert!(matches!(err, glir_case::Error::Closed(_)), "{err}");
    assert!(err.to_string().contains("glir case reopen inc-1"), "{err}");
    let t: jiff::Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
    assert!(case.record_time(TimeKind::Revoked, t, "alice").is_err());
    case.reopen("bob", "the attacker came back").unwrap();
    assert!(case.reopen("bob", "twice").is_err());
    case.add_evidence("late.json", b"{}", "GET /late", "bob")
        .unwrap();
    let actions: Vec<String> = journal_lines(&case)
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["record"]["action"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(
        actions.ends_with(&[
            "case_closed".to_string(),
            "case_reopened".to_string(),
            "evidence_added".to_string()
        ]),
        "{actions:?}"
    );
    let problems = reload(dir.path()).verify().unwrap().problems;
    assert!(problems.is_empty(), "{problems:?}");
}

fn make_writable(path: &Path) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
