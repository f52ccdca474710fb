//! Answers that do not overstate and secrets that go nowhere they need not: a store that does
//! not exist is an error, not "no events", and commands that never talk to GitLab never read
//! the responder's token.

mod common;

use common::{glir, text};
use std::path::Path;

fn ingest_one_event(data: &Path, config: &Path) {
    let input = data.join("in.jsonl");
    std::fs::write(
        &input,
        r#"{"id":"1","created_at":"2026-11-25T02:13:00Z","event_type":"add_ssh_key","author_id":2,"author_name":"Dana","ip_address":"203.0.113.66","entity_type":"User","entity_path":"dana"}
"#,
    )
    .unwrap();
    let o = glir(data, config)
        .arg("ingest")
        .arg(&input)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn reading_a_store_that_does_not_exist_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let typo = dir.path().join("typo");
    for args in [
        &["events"][..],
        &["timeline", "--actor", "dana"],
        &["detect"],
        &["alerts"],
    ] {
        let o = glir(&typo, &config).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("no store at"), "{args:?}: {}", text(&o));
        assert!(!typo.join("glir.db").exists(), "{args:?} created a store");
    }
}

#[test]
fn commands_that_need_no_gitlab_never_run_the_token_command() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("token-command-ran");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "default_profile = \"p\"\n[profiles.p]\nurl = \"http://127.0.0.1:9\"\ntoken = {{ command = [\"sh\", \"-c\", \"touch {} && echo glpat-FromCommand0000001\"] }}\n",
            mark.display()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    ingest_one_event(&data, &config);
    for args in [
        &["events"][..],
        // An actor the stored events name needs no lookup, so no token either.
        &["events", "--actor", "Dana"],
        &["timeline", "--ip", "203.0.113.66"],
        &["detect"],
        &["alerts"],
        &["case", "list"],
        &["rules", "list"],
    ] {
        let o = glir(&data, &config).args(args).output().unwrap();
        // detect exits 1 on alerts at its fail level; 2 would be an error.
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            text(&o)
        );
        assert!(!mark.exists(), "{args:?} ran the token command");
    }
    // A command that talks to GitLab does run it (and then fails to connect to port 9).
    let o = glir(&data, &config).arg("whoami").output().unwrap();
    assert!(mark.exists(), "whoami did not read the token: {}", text(&o));
}

mod pasted {
    use super::common::{run_against, text};
    use glir_sim::Scenario;
    use glir_test_support::BlockingSim;
    use std::path::Path;
    use std::process::Output;

    const ROOT: &str = "glpat-DemoRootAdmin000000";
    const LEAKED: &str = "glpat-DemoLeakedDana0001";

    fn run(dir: &Path, sim: &BlockingSim, args: &[&str], stdin: &str) -> Output {
        run_against(dir, &sim.url, ROOT, args, stdin)
    }

    #[test]
    fn token_inspect_sends_gitlab_only_gitlab_tokens_and_finds_them_in_pasted_lines() {
        let sim = BlockingSim::start(Scenario::demo());
        let dir = tempfile::tempdir().unwrap();
        for not_gitlab in ["hello", "AKIAQWERTYUIOPASDFGH"] {
            let o = run(dir.path(), &sim, &["token", "inspect"], not_gitlab);
            assert!(o.status.success(), "{}", text(&o));
            assert!(
                text(&o).contains("nothing was sent to GitLab"),
                "{}",
                text(&o)
            );
        }
        assert_eq!(sim.handle.requests("/admin/token"), 0);
        let pasted = format!(
            "curl --header 'PRIVATE-TOKEN: {LEAKED}' {}/api/v4/user\n",
            sim.url
        );
        let o = run(dir.path(), &sim, &["token", "inspect"], &pasted);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("dana"), "{}", text(&o));
        assert_eq!(sim.handle.requests("/admin/token"), 1);
        assert!(!text(&o).contains(LEAKED));
        let two = format!("{LEAKED} {ROOT}\n");
        let o = run(dir.path(), &sim, &["token", "inspect"], &two);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("2 GitLab tokens"), "{}", text(&o));
    }

    #[test]
    fn the_timesketch_export_holds_every_event_the_case_reviewed() {
        let sim = BlockingSim::start(Scenario::demo());
        let dir = tempfile::tempdir().unwrap();
        let o = run(
            dir.path(),
            &sim,
            &[
                "--format",
                "json",
                "respond",
                "token-exposure",
                "--case",
                "leak",
                "--since",
                "2026-11-01",
            ],
            LEAKED,
        );
        let value: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let reviewed = value["investigation"]["events"].as_u64().unwrap();
        assert!(reviewed > 10, "{value}");
        let o = run(
            dir.path(),
            &sim,
            &["report", "leak", "--format", "timesketch"],
            "",
        );
        let path = String::from_utf8_lossy(&o.stdout).trim().to_string();
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let events: Vec<&serde_json::Value> = lines
            .iter()
            .filter(|l| l["timestamp_desc"] == "Audit event created")
            .collect();
        assert_eq!(events.len() as u64, reviewed);
        let marked = events
            .iter()
            .filter(|e| e["attacker_timeline"] == true)
            .count();
        assert!(
            marked > 0 && (marked as u64) < reviewed,
            "{marked} of {reviewed}"
        );
    }

    /// Issue 14: the case's own audit file, ingested into the store that collected it, used to
    /// double every event, because the file's source (`local`) was part of the identity.
    #[test]
    fn ingesting_a_cases_own_audit_file_adds_no_event() {
        let sim = BlockingSim::start(Scenario::demo());
        let dir = tempfile::tempdir().unwrap();
        let respond = [
            "respond",
            "token-exposure",
            "--case",
            "leak",
            "--since",
            "2026-11-01",
        ];
        let o = run(dir.path(), &sim, &respond, LEAKED);
        assert!(o.status.code() != Some(2), "{}", text(&o));
        let count = || {
            let o = run(dir.path(), &sim, &["--format", "json", "events"], "");
            assert!(o.status.success(), "{}", text(&o));
            let events: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
            events.len()
        };
        let before = count();
        let cases = dir.path().join("data/cases");
        let case = std::fs::read_dir(&cases).unwrap().next().unwrap().unwrap();
        let audit = case.path().join("evidence/audit");
        let files: Vec<_> = std::fs::read_dir(&audit)
            .unwrap_or_else(|e| panic!("{}: {e}", audit.display()))
            .map(|f| f.unwrap().path())
            .collect();
        assert!(!files.is_empty(), "no audit file in {}", audit.display());
        for file in &files {
            let o = run(dir.path(), &sim, &["ingest", file.to_str().unwrap()], "");
            assert!(o.status.success(), "{}", text(&o));
            assert!(text(&o).contains("0 new"), "{}", text(&o));
        }
        assert_eq!(count(), before);
        // The file's source finds the events it delivered.
        let o = run(
            dir.path(),
            &sim,
            &["--format", "json", "events", "--source", "file"],
            "",
        );
        let local: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
        assert!(!local.is_empty(), "{}", text(&o));
    }

    #[test]
    fn respond_refuses_a_line_without_a_gitlab_token_before_opening_a_case() {
        let sim = BlockingSim::start(Scenario::demo());
        let dir = tempfile::tempdir().unwrap();
        let o = run(
            dir.path(),
            &sim,
            &["respond", "token-exposure", "--case", "leak"],
            "hello\n",
        );
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("no GitLab token"), "{}", text(&o));
        assert!(!dir.path().join("data/cases/leak").exists());
        assert_eq!(sim.handle.requests("/admin/token"), 0);
        // The token in a pasted `.env` line is the one responded to.
        let o = run(
            dir.path(),
            &sim,
            &["respond", "token-exposure", "--case", "leak"],
            &format!("GITLAB_TOKEN={LEAKED}\n"),
        );
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains("plan ("), "{}", text(&o));
    }
}

#[test]
fn a_closed_case_refuses_respond_and_apply_before_any_request() {
    use glir_sim::Scenario;
    use glir_test_support::BlockingSim;
    let sim = BlockingSim::start(Scenario::demo());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let data = dir.path().join("data");
    let with_sim = |args: &[&str]| {
        glir(&data, &config)
            .env("GLIR_URL", &sim.url)
            .env("GLIR_TOKEN", "glpat-DemoRootAdmin000000")
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    assert!(with_sim(&["case", "open", "done"]).status.success());
    assert!(with_sim(&["case", "close", "done"]).status.success());
    let before = sim.handle.requests("/api/v4");
    for args in [
        &["respond", "instance-compromise", "--case", "done"][..],
        &["apply", "done", "--yes"],
    ] {
        let o = with_sim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains("glir case reopen done"),
            "{args:?}: {}",
            text(&o)
        );
    }
    assert_eq!(sim.handle.requests("/api/v4"), before, "a request was sent");
}

#[test]
fn a_collection_the_token_sees_only_part_of_says_partial_and_exits_4() {
    use glir_test_support::BlockingSim;
    let sim = BlockingSim::synthetic(40);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let collect = |token: &str, format: &str| {
        glir(dir.path(), &config)
            .env("GLIR_URL", &sim.url)
            .env("GLIR_TOKEN", token)
            .args([
                "--format",
                format,
                "collect",
                "audit-events",
                "--group",
                "acme",
                "--since",
                "2026-11-01",
                "--until",
                "2026-11-03",
            ])
            .output()
            .unwrap()
    };
    // A Developer of acme sees only their own events of the group.
    let dev = collect("glpat-SimDevToken100000001", "table");
    assert_eq!(dev.status.code(), Some(4), "{}", text(&dev));
    assert!(
        text(&dev).contains("partial: only dev's own events"),
        "{}",
        text(&dev)
    );
    assert!(text(&dev).contains("Owner of group acme"), "{}", text(&dev));
    let dev = collect("glpat-SimDevToken100000001", "json");
    let summary: serde_json::Value = serde_json::from_slice(&dev.stdout).unwrap();
    assert_eq!(summary["coverage"]["coverage"], "partial", "{summary}");
    // An administrator sees all of it.
    let admin = collect("glpat-SimAdminToken0000001", "table");
    assert_eq!(admin.status.code(), Some(0), "{}", text(&admin));
    assert!(text(&admin).contains(": complete"), "{}", text(&admin));
}

#[test]
fn a_playbook_run_without_the_access_it_needs_says_partial_and_exits_4() {
    use glir_test_support::BlockingSim;
    let sim = BlockingSim::synthetic(20);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let respond = |token: &str| {
        glir(dir.path(), &config)
            .env("GLIR_URL", &sim.url)
            .env("GLIR_TOKEN", token)
            .args([
                "respond",
                "instance-compromise",
                "--case",
                "partial-run",
                "--since",
                "2026-11-01",
                "--until",
                "2026-11-02",
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let dev = respond("glpat-SimDevToken100000001");
    assert_eq!(dev.status.code(), Some(4), "{}", text(&dev));
    assert!(text(&dev).contains("coverage: partial"), "{}", text(&dev));
    assert!(
        text(&dev).contains("(instance audit events)"),
        "{}",
        text(&dev)
    );
    // What this token could not do is planned for a responder who can.
    assert!(
        text(&dev).contains("for a responder with more access: instance audit events"),
        "{}",
        text(&dev)
    );
    // The case's report says so first.
    let report = glir(dir.path(), &config)
        .args(["report", "partial-run"])
        .output()
        .unwrap();
    let path = String::from_utf8_lossy(&report.stdout).trim().to_string();
    let markdown = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(markdown.contains("coverage: partial"), "{markdown}");
}
