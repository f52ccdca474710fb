//! The case report in every format, from a hand-built token-exposure case.

use glir_case::{
    CaseInfo, CaseStatus, EvidenceFile, Head, JournalEntry, JournalRecord, Manifest, StepKind,
    Target, Timestamps,
};
use glir_events::Alert;
use glir_events::{AuditEvent, Layout, parse_event};
use glir_report::{
    CaseReport, Integrity, ReportFinding, SkippedCheck, to_html, to_json, to_markdown,
    write_timesketch,
};
use jiff::Timestamp;
use serde_json::{Value, json};

/// A PAT-shaped secret planted in event text and a journal note; no output may contain it.
const TOKEN: &str = concat!("glpat-", "Zx9Qw3Er5Ty7Ui1Op2As");
const HOSTILE: &str = "<script>alert(1)</script>";
const CHANGE_HASH: &str = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4b6d8f0a1c3e5b7d9f";
const PLAN_HASH: &str = "4b1e7d2a9c6f3e0b8d5a2c9f6e3b0d7a4c1f8e5b2d9a6c3f0e7b4d1a8c5f2e9b";
const COLLECT_HASH: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn event(id: u32, time: &str, event_type: &str, extra: Value) -> AuditEvent {
    let mut raw = json!({
        "id": id.to_string(),
        "created_at": time,
        "event_type": event_type,
        "author_id": 41,
        "author_name": "dana",
        "entity_id": 7,
        "entity_type": "Project",
        "entity_path": "acme/app",
        "ip_address": "203.0.113.66",
        "details": {},
    });
    for (key, value) in extra.as_object().unwrap() {
        raw[key] = value.clone();
    }
    parse_event(&raw.to_string(), Some(Layout::Stream), "gitlab.example.com").unwrap()
}

fn journal(seq: u64, time: &str, hash: &str, entry: JournalEntry) -> JournalRecord {
    JournalRecord {
        seq,
        time: ts(time),
        prev: "0".repeat(64),
        entry,
        hash: hash.into(),
    }
}

fn pat_target() -> Target {
    Target {
        kind: "personal_access_token".into(),
        id: "1187".into(),
        label: Some("backup".into()),
    }
}

fn revoke_change() -> JournalRecord {
    journal(
        3,
        "2026-11-23T12:00:00Z",
        CHANGE_HASH,
        JournalEntry {
            kind: Some(StepKind::Change),
            action: "revoke_personal_access_token".into(),
            operator: "alice".into(),
            target: Some(pat_target()),
            request: Some("DELETE /api/v4/personal_access_tokens/1187".into()),
            status: Some(204),
            request_id: Some("01JDXK7Q2M3N4P5R6S7T8V9W0X".into()),
            pre_state: Some(json!({"active": true})),
            post_state: Some(json!({"active": false})),
            note: Some(format!("revoked the token that leaked as {TOKEN}")),
        },
    )
}

fn report() -> CaseReport {
    let timeline = vec![
        event(
            101,
            "2026-11-21T02:10:00Z",
            "user_authenticated_using_personal_access_token",
            json!({"target_type": "PersonalAccessToken", "target_id": 1187, "target_details": "backup"}),
        ),
        event(
            102,
            "2026-11-21T02:14:00Z",
            "personal_access_token_created",
            json!({
                "target_type": "PersonalAccessToken",
                "target_id": 1190,
                "target_details": "ci-helper",
                "details": {"custom_message": format!("Created token {TOKEN} for svc-backup")},
            }),
        ),
        event(
            103,
            "2026-11-21T02:20:00Z",
            "add_ssh_key",
            json!({"target_type": "Key", "target_id": 55, "target_details": "laptop"}),
        ),
        event(
            104,
            "2026-11-21T02:31:00Z",
            "project_renamed",
            json!({
                "entity_path": HOSTILE,
                "details": {"custom_message": format!("{HOSTILE} | pipe\nnewline")},
            }),
        ),
    ];
    // The investigation reviewed one event more than the attacker's timeline holds.
    let mut events = timeline.clone();
    events.push(event(
        100,
        "2026-11-21T01:00:00Z",
        "user_logged_in",
        json!({}),
    ));
    events.sort_by_key(|e| e.created_at);
    CaseReport {
        generated_at: ts("2026-11-28T09:00:00Z"),
        events,
        glir_version: "0.5.0".into(),
        case: CaseInfo {
            name: "pat-leak-2026-11".into(),
            scenario: Some("token-exposure".into()),
            status: CaseStatus::Open,
            opened_at: ts("2026-11-23T09:55:00Z"),
            closed_at: None,
            opened_by: "alice".into(),
            glir_version: "0.5.0".into(),
            gitlab_url: Some("https://gitlab.example.com".into()),
            times: Timestamps {
                exposed_at: Some(ts("2026-11-20T08:00:00Z")),
                detected_at: Some(ts("2026-11-23T10:00:00Z")),
                contained_at: Some(ts("2026-11-23T10:45:00Z")),
                revoked_at: Some(ts("2026-11-23T12:00:00Z")),
            },
            journal_head: Head {
                seq: 3,
                hash: CHANGE_HASH.into(),
            },
        },
        summary: vec![
            "Token \"backup\" of svc-backup was used from 203.0.113.66 and is now revoked.".into(),
            "User dana is not blocked yet: the plan is waiting for approval.".into(),
        ],
        timeline,
        alerts: vec![
            Alert {
                rule_id: "6f1d3c2a-0b4e-4d7f-9a8c-1e2f3a4b5c6d".into(),
                title: "Personal access token created from a new IP".into(),
                level: "high".into(),
                tags: vec!["attack.persistence".into(), "attack.t1098.001".into()],
                event_ids: vec!["102".into()],
                actor: Some("dana".into()),
                time: ts("2026-11-21T02:14:00Z"),
                reason: "token ci-helper created by dana from 203.0.113.66".into(),
            },
            Alert {
                rule_id: "a7b8c9d0-1e2f-4a3b-8c4d-5e6f7a8b9c0d".into(),
                title: "SSH key added after token sign-in".into(),
                level: "medium".into(),
                tags: vec!["attack.persistence".into()],
                event_ids: vec!["101".into(), "103".into()],
                actor: Some("dana".into()),
                time: ts("2026-11-21T02:20:00Z"),
                reason: "key laptop added 10 min after a token sign-in".into(),
            },
        ],
        findings: vec![ReportFinding {
            kind: "new_personal_access_token".into(),
            title: "Token \"ci-helper\" created for svc-backup by dana from 203.0.113.66".into(),
            severity: "high".into(),
            time: Some(ts("2026-11-21T02:14:00Z")),
            event_ids: vec!["102".into()],
        }],
        actions: vec![
            journal(
                1,
                "2026-11-23T10:05:00Z",
                COLLECT_HASH,
                JournalEntry {
                    kind: Some(StepKind::Collect),
                    action: "collect_audit_events".into(),
                    operator: "alice".into(),
                    request: Some("GET /api/v4/audit_events".into()),
                    status: Some(200),
                    request_id: Some("01JDXK0A1B2C3D4E5F6G7H8J9K".into()),
                    ..JournalEntry::default()
                },
            ),
            journal(
                2,
                "2026-11-23T10:40:00Z",
                PLAN_HASH,
                JournalEntry {
                    kind: Some(StepKind::Plan),
                    action: "block_user".into(),
                    operator: "alice".into(),
                    target: Some(Target {
                        kind: "user".into(),
                        id: "41".into(),
                        label: Some("dana".into()),
                    }),
                    note: Some("blocks 2 running pipelines of dana".into()),
                    ..JournalEntry::default()
                },
            ),
            revoke_change(),
        ],
        skipped: vec![SkippedCheck {
            check: "instance audit events".into(),
            reason: "the token is not an administrator's (403 on /api/v4/audit_events)".into(),
        }],
        evidence: Manifest {
            version: 1,
            files: vec![
                EvidenceFile {
                    path: "audit_events/2026-11-20..2026-11-23.jsonl".into(),
                    sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                        .into(),
                    bytes: 48_213,
                    added_at: ts("2026-11-23T10:05:00Z"),
                    source: "GET /api/v4/audit_events 2026-11-20..2026-11-23".into(),
                },
                EvidenceFile {
                    path: "users/41/personal_access_tokens.json".into(),
                    sha256: "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9"
                        .into(),
                    bytes: 1_024,
                    added_at: ts("2026-11-23T10:06:00Z"),
                    source: "GET /api/v4/personal_access_tokens?user_id=41".into(),
                },
            ],
            journal_head: None,
        },
        integrity: Integrity {
            verified: true,
            journal_records: 3,
            evidence_files: 2,
            problems: Vec::new(),
            journal_head: CHANGE_HASH.into(),
        },
    }
}

fn timesketch_lines(report: &CaseReport) -> Vec<Value> {
    let mut out = Vec::new();
    write_timesketch(report, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Byte offsets of `needles` in `text`, asserting each is present.
fn positions(text: &str, needles: &[&str]) -> Vec<usize> {
    needles
        .iter()
        .map(|n| {
            text.find(n)
                .unwrap_or_else(|| panic!("missing {n:?} in:\n{text}"))
        })
        .collect()
}

/// The text between `start` and the next `## ` heading (or the end).
fn section<'a>(md: &'a str, start: &str) -> &'a str {
    let from = md.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let rest = &md[from..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

const SECTIONS: [&str; 9] = [
    "Summary",
    "Exposure window",
    "Attacker timeline",
    "Detections",
    "Findings",
    "Actions taken",
    "Checks skipped",
    "Evidence manifest",
    "Integrity",
];

#[test]
fn markdown_has_every_section_in_order() {
    let md = to_markdown(&report());
    assert!(md.starts_with("# Case report: pat-leak-2026-11\n"), "{md}");
    assert!(md.contains("Generated 2026-11-28 09:00:00 UTC by glir 0.5.0."));
    let headings: Vec<String> = SECTIONS.iter().map(|s| format!("\n## {s}\n")).collect();
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    let at = positions(&md, &headings);
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "sections out of order: {at:?}"
    );
}

#[test]
fn markdown_states_the_exposure_window_in_plain_words() {
    let md = to_markdown(&report());
    let window = section(&md, "## Exposure window");
    assert!(
        window.contains("| Exposed | 2026-11-20 08:00:00 |"),
        "{window}"
    );
    assert!(
        window.contains("| Revoked | 2026-11-23 12:00:00 |"),
        "{window}"
    );
    // 2026-11-20 08:00 → 2026-11-23 12:00 is three days and four hours.
    assert!(
        window.contains("- exposed for 3 d 4 h before revocation"),
        "{window}"
    );
    assert!(
        window.contains("- detection came 3 d 2 h after exposure"),
        "{window}"
    );
}

#[test]
fn markdown_lists_the_timeline_detections_findings_and_evidence() {
    let md = to_markdown(&report());
    let summary = section(&md, "## Summary");
    assert!(
        summary.contains("| Scenario | token-exposure |"),
        "{summary}"
    );
    assert!(summary.contains("| Opened | 2026-11-23 09:55:00 UTC by alice |"));
    assert!(
        summary.contains("- User dana is not blocked yet"),
        "{summary}"
    );

    let timeline = section(&md, "## Attacker timeline");
    assert!(
        timeline.contains("| Time (UTC) | Actor | IP | Event type | Entity | Summary | Event id |")
    );
    assert!(timeline.contains(
        "| 2026-11-21 02:20:00 | dana | 203.0.113.66 | add_ssh_key | acme/app | target Key laptop | 103 |"
    ));
    assert_eq!(timeline.matches("| dana | 203.0.113.66 |").count(), 4);

    let detections = section(&md, "## Detections");
    assert!(detections.contains(
        "| medium | SSH key added after token sign-in | dana | 2026-11-21 02:20:00 | key laptop added 10 min after a token sign-in | 101, 103 |"
    ), "{detections}");
    assert!(detections.contains("| high | Personal access token created from a new IP |"));

    let findings = section(&md, "## Findings");
    assert!(
        findings.contains("| high | new_personal_access_token |"),
        "{findings}"
    );

    let skipped = section(&md, "## Checks skipped");
    assert!(skipped.contains("| instance audit events | the token is not an administrator's"));

    let evidence = section(&md, "## Evidence manifest");
    assert!(evidence.contains(
        "| users/41/personal_access_tokens.json | 1024 | 5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9 |"
    ), "{evidence}");
    assert!(evidence.contains("| audit_events/2026-11-20..2026-11-23.jsonl | 48213 |"));

    let integrity = section(&md, "## Integrity");
    assert!(integrity.contains("**OK**: Verified: 3 journal records and 2 evidence files"));
    assert!(integrity.contains(&format!("Journal head hash: {CHANGE_HASH}")));
}

#[test]
fn markdown_separates_applied_actions_from_pending_plans() {
    let md = to_markdown(&report());
    let actions = section(&md, "## Actions taken");
    let (taken, pending) = actions
        .split_once("### Planned, not applied")
        .expect("a planned-not-applied subsection");
    assert!(
        taken.contains(&format!(
            "| 3 | change | 2026-11-23 12:00:00 | revoke_personal_access_token | \
             personal_access_token 1187 (backup) | 204 | 01JDXK7Q2M3N4P5R6S7T8V9W0X | {} |",
            &CHANGE_HASH[..16]
        )),
        "{taken}"
    );
    assert!(
        !taken.contains(CHANGE_HASH),
        "only the first 16 hex digits: {taken}"
    );
    assert!(taken.contains("| 1 | collect |"), "{taken}");
    assert!(!taken.contains("block_user"), "{taken}");
    assert!(pending.contains(&format!(
        "| 2 | 2026-11-23 10:40:00 | block_user | user 41 (dana) | {} | blocks 2 running pipelines of dana |",
        &PLAN_HASH[..16]
    )), "{pending}");
    assert!(
        !pending.contains("revoke_personal_access_token"),
        "{pending}"
    );
}

#[test]
fn a_plan_followed_by_its_change_is_not_listed_as_pending() {
    let mut report = report();
    report.actions.insert(
        2,
        journal(
            2,
            "2026-11-23T11:50:00Z",
            "1".repeat(64).as_str(),
            JournalEntry {
                kind: Some(StepKind::Plan),
                action: "revoke_personal_access_token".into(),
                operator: "alice".into(),
                target: Some(pat_target()),
                ..JournalEntry::default()
            },
        ),
    );
    let md = to_markdown(&report);
    let pending = section(&md, "### Planned, not applied");
    assert!(pending.contains("block_user"), "{pending}");
    assert!(
        !pending.contains("revoke_personal_access_token"),
        "{pending}"
    );
}

#[test]
fn markdown_escapes_hostile_table_cells() {
    let md = to_markdown(&report());
    let row = md
        .lines()
        .find(|l| l.contains("project_renamed"))
        .expect("the hostile event's row");
    assert!(!md.contains(HOSTILE), "{md}");
    assert!(
        row.contains(r"| \<script\>alert(1)\</script\> |"),
        "entity path: {row}"
    );
    assert!(
        row.contains(r"\<script\>alert(1)\</script\> \| pipe newline"),
        "{row}"
    );
    // Seven cells: eight unescaped pipes; the message's own pipe stays inside its cell.
    let unescaped = row
        .char_indices()
        .filter(|&(i, c)| c == '|' && !row[..i].ends_with('\\'))
        .count();
    assert_eq!(unescaped, 8, "{row}");
}

#[test]
fn html_is_one_self_contained_file_with_every_section() {
    let html = to_html(&report());
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("<style>"));
    for forbidden in ["<script", "<link", "src=", "href=", "@import", "url("] {
        assert!(!html.contains(forbidden), "{forbidden} in:\n{html}");
    }
    let headings: Vec<String> = SECTIONS.iter().map(|s| format!("<h2>{s}</h2>")).collect();
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    let at = positions(&html, &headings);
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "sections out of order: {at:?}"
    );
    assert!(html.contains("<h3>Planned, not applied</h3>"));
    assert!(html.contains("<li>exposed for 3 d 4 h before revocation</li>"));
    assert!(html.contains("<td>01JDXK7Q2M3N4P5R6S7T8V9W0X</td>"));
    assert!(html.contains(&format!("<td>{}</td>", &CHANGE_HASH[..16])));
    assert!(html.contains("<p class=\"verdict ok\">Verified: 3 journal records"));
}

#[test]
fn html_colours_levels_and_keeps_tokens_whole() {
    let html = to_html(&report());
    // Alerts and findings carry their level as a class the style colours.
    assert!(
        html.contains("<td class=\"sev sev-high\">high</td>"),
        "{html}"
    );
    assert!(html.contains(".sev-critical{"), "{html}");
    // Cells break inside a word only when it cannot fit at all: an IP or a token id is not
    // split to make a column narrower.
    assert!(!html.contains("overflow-wrap:anywhere"));
    assert!(html.contains("overflow-wrap:break-word"));
}

#[test]
fn html_renders_attacker_markup_inert() {
    let html = to_html(&report());
    assert!(!html.contains(HOSTILE), "{html}");
    assert!(!html.contains("<script"), "{html}");
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    assert!(
        html.contains(&format!("{escaped} | pipe newline")),
        "custom message escaped: {html}"
    );
    assert!(
        html.contains(&format!("<td>project_renamed</td><td>{escaped}</td>")),
        "entity path escaped: {html}"
    );
}

#[test]
fn html_shows_a_failed_verification_and_its_problems() {
    let mut report = report();
    report.integrity.verified = false;
    report.integrity.problems = vec!["journal line 2: hash does not match <its content>".into()];
    let html = to_html(&report);
    assert!(html.contains("<p class=\"verdict bad\">Not verified: 1 problem found"));
    assert!(html.contains("<li>journal line 2: hash does not match &lt;its content&gt;</li>"));
    let md = to_markdown(&report);
    assert!(
        md.contains("**FAILED**: Not verified: 1 problem found"),
        "{md}"
    );
    assert!(md.contains(r"- journal line 2: hash does not match \<its content\>"));
}

#[test]
fn json_is_the_report_with_format_and_journal_hashes() {
    let report = report();
    let value = to_json(&report);
    assert_eq!(value["format"], "glir-case-report/1");
    assert_eq!(value["case"]["name"], "pat-leak-2026-11");
    assert_eq!(value["case"]["times"]["revoked_at"], "2026-11-23T12:00:00Z");
    assert_eq!(value["timeline"].as_array().unwrap().len(), 4);
    assert_eq!(value["timeline"][2]["event_type"], "add_ssh_key");
    assert_eq!(value["alerts"][1]["event_ids"], json!(["101", "103"]));
    let actions = value["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 3);
    assert_eq!(actions[2]["hash"], CHANGE_HASH);
    assert_eq!(actions[2]["request_id"], "01JDXK7Q2M3N4P5R6S7T8V9W0X");
    assert_eq!(actions[1]["kind"], "plan");
    assert_eq!(value["evidence"]["files"][1]["bytes"], 1024);
    assert_eq!(value["skipped"][0]["check"], "instance audit events");
    assert_eq!(value["integrity"]["journal_head"], CHANGE_HASH);
    assert_eq!(value["integrity"]["verified"], true);
}

#[test]
fn timesketch_lines_have_the_required_fields() {
    let report = report();
    let lines = timesketch_lines(&report);
    // 5 reviewed events, 2 alerts, 3 journal records, 4 recorded case times.
    assert_eq!(lines.len(), 5 + 2 + 3 + 4);
    for line in &lines {
        let message = line["message"].as_str().expect("message");
        assert!(!message.is_empty(), "{line}");
        let datetime = line["datetime"].as_str().expect("datetime");
        // jiff only parses a Timestamp from text that carries an offset or `Z`.
        datetime
            .parse::<Timestamp>()
            .unwrap_or_else(|e| panic!("{datetime}: {e}"));
        assert!(line["timestamp_desc"].is_string(), "{line}");
        assert_eq!(line["case"], "pat-leak-2026-11");
    }
    let with_desc = |desc: &str| -> Vec<&Value> {
        lines
            .iter()
            .filter(|l| l["timestamp_desc"] == desc)
            .collect()
    };
    let events = with_desc("Audit event created");
    assert_eq!(events.len(), 5);
    assert_eq!(events[0]["attacker_timeline"], false);
    assert_eq!(events[3]["event_type"], "add_ssh_key");
    assert_eq!(events[3]["attacker_timeline"], true);
    assert_eq!(events[3]["actor"], "dana");
    assert_eq!(events[3]["ip_address"], "203.0.113.66");
    assert_eq!(events[3]["datetime"], "2026-11-21T02:20:00Z");

    let detections = with_desc("Detection");
    assert_eq!(detections.len(), 2);
    assert_eq!(
        detections[0]["rule_id"],
        "6f1d3c2a-0b4e-4d7f-9a8c-1e2f3a4b5c6d"
    );
    assert_eq!(detections[0]["level"], "high");

    let applied = with_desc("Response action");
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0]["journal_hash"], CHANGE_HASH);
    assert_eq!(applied[0]["http_status"], 204);
    assert_eq!(applied[0]["request_id"], "01JDXK7Q2M3N4P5R6S7T8V9W0X");
    assert_eq!(applied[0]["target_id"], "1187");
    assert_eq!(
        applied[0]["message"],
        "revoke_personal_access_token on personal_access_token 1187 (backup) (HTTP 204): \
         revoked the token that leaked as glpat-…p2As"
    );
    assert_eq!(with_desc("Response action planned").len(), 1);
    assert_eq!(with_desc("Evidence collected").len(), 1);

    let exposure = with_desc("Exposure recorded");
    assert_eq!(exposure.len(), 1);
    assert_eq!(exposure[0]["datetime"], "2026-11-20T08:00:00Z");
    assert_eq!(with_desc("Revocation recorded").len(), 1);
}

#[test]
fn timesketch_skips_case_times_that_were_not_recorded() {
    let mut report = report();
    report.case.times.contained_at = None;
    report.case.times.revoked_at = None;
    let lines = timesketch_lines(&report);
    assert_eq!(lines.len(), 5 + 2 + 3 + 2);
    assert!(
        !lines
            .iter()
            .any(|l| l["timestamp_desc"] == "Revocation recorded")
    );
}

#[test]
fn no_format_contains_the_planted_token() {
    let report = report();
    assert_eq!(TOKEN.len(), 26);
    // The token is really in the inputs, raw event JSON included.
    assert!(report.timeline[1].raw.contains(TOKEN));
    assert!(
        report.actions[2]
            .entry
            .note
            .as_deref()
            .unwrap()
            .contains(TOKEN)
    );

    let mut timesketch = Vec::new();
    write_timesketch(&report, &mut timesketch).unwrap();
    let outputs = [
        ("markdown", to_markdown(&report)),
        ("html", to_html(&report)),
        ("json", to_json(&report).to_string()),
        ("timesketch", String::from_utf8(timesketch).unwrap()),
    ];
    let body_start = &TOKEN["glpat-".len()..][..16];
    for (name, text) in &outputs {
        assert!(!text.contains(TOKEN), "{name} leaks the token");
        assert!(!text.contains(body_start), "{name} leaks most of the token");
        // Redacted, not dropped: the reader still sees that a token was there.
        assert!(text.contains("glpat-…"), "{name} lost the redacted token");
    }
}
