//! The `glir` binary end to end, against the simulator on loopback.

mod common;

use common::{glir, text};
use glir_sim::Scenario;
use glir_test_support::BlockingSim as Sim;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ADMIN_TOKEN: &str = "glpat-SimAdminToken0000001";
const DEV_TOKEN: &str = "glpat-SimDevToken100000001";
const INPUT_TOKEN: &str = "glpat-PlantedInInput0000000001";
const BAD_LINE_TOKEN: &str = "glpat-PlantedInBadLine00000002";
/// The synthetic scenario's events fall on 2026-11-01, one a minute.
const COLLECT_NOV_1: [&str; 7] = [
    "collect",
    "audit-events",
    "--instance",
    "--since",
    "2026-11-01",
    "--until",
    "2026-11-02",
];

fn start_sim(n: usize) -> Sim {
    Sim::synthetic(n)
}

/// The bundled incident (`scenarios/demo.json`), served on loopback.
fn start_demo_sim() -> Sim {
    Sim::start(Scenario::demo())
}

fn ok(o: Output) -> String {
    let t = text(&o);
    assert!(o.status.success(), "exit {:?}:\n{t}", o.status.code());
    t
}

fn write_config(dir: &Path, url: &str, token_file: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "default_profile = \"sim\"\n[profiles.sim]\nurl = \"{url}\"\ntoken = {{ file = \"{}\" }}\n",
            token_file.display()
        ),
    )
    .unwrap();
    path
}

fn write_token_file(dir: &Path, token: &str) -> PathBuf {
    let path = dir.join("token");
    std::fs::write(&path, format!("{token}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// Three streaming-layout events (one carrying a token in its message) and two bad lines.
fn write_input(dir: &Path) -> PathBuf {
    let path = dir.join("export.jsonl");
    let good = |id: u32, author: &str, ip: &str, ty: &str, msg: &str| {
        format!(
            r#"{{"id":"{id}","author_id":{aid},"author_name":"{author}","entity_id":2,"entity_type":"Project","entity_path":"acme/app","details":{{"custom_message":"{msg}","author_name":"{author}"}},"ip_address":"{ip}","target_type":"Project","target_id":2,"target_details":"acme/app","created_at":"2026-11-2{id}T10:00:00Z","event_type":"{ty}"}}"#,
            aid = author.len()
        )
    };
    let lines = [
        good(
            1,
            "mallory",
            "203.0.113.9",
            "personal_access_token_created",
            "Created token",
        ),
        format!(r#"{{"id":"9","created_at":"not a time","note":"{BAD_LINE_TOKEN}"}}"#),
        good(
            2,
            "mallory",
            "203.0.113.10",
            "add_ssh_key",
            &format!("pasted {INPUT_TOKEN} by mistake"),
        ),
        format!("{{\"truncated\": \"{BAD_LINE_TOKEN}"),
        good(
            3,
            "bob",
            "198.51.100.1",
            "member_updated",
            "Changed access level",
        ),
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn assert_no_token(output: &str, tokens: &[&str]) {
    for t in tokens {
        assert!(
            !output.contains(t),
            "full token {t} appears in output:\n{output}"
        );
    }
}

#[test]
fn ingest_reports_bad_lines_and_events_can_be_queried() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let input = write_input(dir.path());

    let out = ok(glir(dir.path(), &config)
        .arg("ingest")
        .arg(&input)
        .output()
        .unwrap());
    let shown = input.display().to_string();
    assert!(out.contains(&format!("{shown}:2: ")), "{out}");
    assert!(out.contains(&format!("{shown}:4: ")), "{out}");
    assert!(
        out.contains("3 new") && out.contains("2 malformed"),
        "{out}"
    );

    let again = ok(glir(dir.path(), &config)
        .arg("ingest")
        .arg(&input)
        .output()
        .unwrap());
    assert!(again.contains("0 new, 3 already stored"), "{again}");

    let jsonl = glir(dir.path(), &config)
        .args(["--format", "jsonl", "events", "--actor", "mallory"])
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(jsonl.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["event_type"], "personal_access_token_created");

    let timeline = ok(glir(dir.path(), &config)
        .args(["timeline", "--actor", "mallory"])
        .output()
        .unwrap());
    assert!(timeline.contains("new IP 203.0.113.10"), "{timeline}");

    let strict = glir(dir.path(), &config)
        .arg("ingest")
        .arg("--strict")
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2), "{}", text(&strict));
    assert!(
        text(&strict).contains(&format!("{shown}:2")),
        "{}",
        text(&strict)
    );
}

#[test]
fn collect_then_timeline_against_the_simulator() {
    let sim = start_sim(40);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &sim.url,
        &write_token_file(dir.path(), ADMIN_TOKEN),
    );
    let collect = ok(glir(dir.path(), &config)
        .args(COLLECT_NOV_1)
        .output()
        .unwrap());
    assert!(collect.contains("40 fetched, 40 new"), "{collect}");

    let rerun = ok(glir(dir.path(), &config)
        .args(COLLECT_NOV_1)
        .output()
        .unwrap());
    assert!(rerun.contains("0 new"), "{rerun}");

    let csv = ok(glir(dir.path(), &config)
        .args(["--format", "csv", "events"])
        .output()
        .unwrap());
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("2026-")).count(),
        40,
        "{csv}"
    );

    // Audit events do not carry usernames: with an instance configured, the username is looked up.
    let by_username = ok(glir(dir.path(), &config)
        .args(["--format", "jsonl", "timeline", "--actor", "dev"])
        .output()
        .unwrap());
    assert!(by_username.contains("`dev` is user id 2"), "{by_username}");
    let rows: Vec<serde_json::Value> = by_username
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() > 2, "{by_username}");
    assert!(rows.iter().all(|r| r["author_id"] == 2), "{by_username}");

    // Past the limit, the timeline says how much it left out.
    let capped = ok(glir(dir.path(), &config)
        .args(["timeline", "--actor", "2", "--limit", "2"])
        .output()
        .unwrap());
    let note = format!("showing the newest 2 of {} matching events", rows.len());
    assert!(capped.contains(&note), "{capped}");
    let shown = capped.lines().filter(|l| l.starts_with(['!', ' '])).count();
    assert_eq!(shown, 2, "{capped}");
}

/// `n` events behind audit-event pages that each take `delay_ms`, and a config for the admin.
#[cfg(unix)]
fn slow_pages(n: usize, delay_ms: u64) -> (Sim, tempfile::TempDir, PathBuf) {
    let sim = start_sim(n);
    sim.handle.inject(glir_sim::Fault {
        path_contains: "/audit_events".into(),
        kind: glir_sim::FaultKind::Slow { delay_ms },
        times: 1000,
    });
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &sim.url,
        &write_token_file(dir.path(), ADMIN_TOKEN),
    );
    (sim, dir, config)
}

/// SIGINT to `pid`, as Ctrl-C sends it.
#[cfg(unix)]
fn interrupt(pid: u32) {
    let kill = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_collection_that_the_next_run_resumes() {
    // Slow pages so the interrupt lands mid-run.
    let (sim, dir, config) = slow_pages(200, 150);
    let args = [
        &COLLECT_NOV_1[..],
        &["--per-page", "5", "--max-rps", "1000"],
    ]
    .concat();
    let child = glir(dir.path(), &config)
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    interrupt(child.id());
    let first = child.wait_with_output().unwrap();
    let first_text = text(&first);
    assert_eq!(first.status.code(), Some(130), "{first_text}");
    assert!(first_text.contains("interrupted"), "{first_text}");
    let fetched: u64 = first_text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("events")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("{first_text}"));
    assert!(fetched > 0 && fetched < 200, "{first_text}");

    sim.handle.clear_faults();
    let second = ok(glir(dir.path(), &config).args(&args).output().unwrap());
    assert!(second.contains("resumed"), "{second}");
    assert!(
        second.contains(&format!("{} new, 0 already stored", 200 - fetched)),
        "{second}"
    );
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_quits_at_once() {
    // A page that takes far longer than the test waits.
    let (_sim, dir, config) = slow_pages(50, 20_000);
    let child = glir(dir.path(), &config)
        .args(COLLECT_NOV_1)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    interrupt(child.id());
    std::thread::sleep(std::time::Duration::from_millis(300));
    let second = std::time::Instant::now();
    interrupt(child.id());
    let out = child.wait_with_output().unwrap();
    assert!(
        second.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        second.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(text(&out).contains("quitting now"), "{}", text(&out));
}

#[test]
fn whoami_answers_for_admin_and_developer_without_crashing() {
    let sim = start_sim(3);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &sim.url,
        &write_token_file(dir.path(), ADMIN_TOKEN),
    );
    let admin = ok(glir(dir.path(), &config)
        .args(["whoami", "--group", "acme"])
        .output()
        .unwrap());
    assert!(admin.contains("administrator"), "{admin}");
    assert!(admin.contains("yes      instance audit events"), "{admin}");

    let dev = ok(glir(dir.path(), &config)
        .env("GLIR_TOKEN", DEV_TOKEN)
        .args(["whoami", "--group", "acme"])
        .output()
        .unwrap());
    assert!(dev.contains("no       instance audit events"), "{dev}");
    assert!(
        dev.contains("from environment variable GLIR_TOKEN"),
        "{dev}"
    );
    assert!(
        dev.lines()
            .any(|l| l.contains("group audit events (acme)") && l.trim_start().starts_with("no")),
        "{dev}"
    );

    // A rejected token is an error naming it by fingerprint, after what could be shown.
    let bad = glir(dir.path(), &config)
        .env("GLIR_TOKEN", "glpat-NotARealToken00000000")
        .arg("whoami")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let fingerprint = glir_redact::Secret::new("glpat-NotARealToken00000000").fingerprint();
    assert!(
        text(&bad).contains("error: GitLab did not say who this token is")
            && text(&bad).contains(&format!("the token {fingerprint} was rejected (401)")),
        "{}",
        text(&bad)
    );
}

#[test]
fn no_full_token_in_any_output_log_or_store() {
    let sim = start_sim(25);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &sim.url,
        &write_token_file(dir.path(), ADMIN_TOKEN),
    );
    let input = write_input(dir.path());
    let demo_tokens: Vec<String> = Scenario::demo()
        .tokens
        .iter()
        .map(|t| t.token.clone())
        .collect();
    let mut planted = vec![ADMIN_TOKEN, DEV_TOKEN, INPUT_TOKEN, BAD_LINE_TOKEN];
    planted.extend(demo_tokens.iter().map(String::as_str));

    let runs: Vec<Vec<&str>> = vec![
        vec!["-vv", "whoami", "--group", "acme", "--project", "acme/app"],
        vec![
            "-vv",
            "collect",
            "audit-events",
            "--instance",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-02",
        ],
        vec!["-vv", "ingest", input.to_str().unwrap()],
        vec!["events"],
        vec!["--format", "jsonl", "events"],
        vec!["--format", "csv", "events"],
        vec!["timeline", "--actor", "mallory"],
        vec!["--format", "jsonl", "timeline", "--actor", "mallory"],
        vec!["demo"],
        vec!["detect"],
        vec!["--format", "jsonl", "detect"],
        vec!["detect", "--input", input.to_str().unwrap()],
    ];
    for args in &runs {
        let out = glir(dir.path(), &config).args(args).output().unwrap();
        assert_no_token(&text(&out), &planted);
        // The dev token from the environment overrides the config file's admin token.
        let out = glir(dir.path(), &config)
            .env("GLIR_TOKEN", DEV_TOKEN)
            .args(args)
            .output()
            .unwrap();
        assert_no_token(&text(&out), &planted);
    }
    // The scrubbed form is still recognisable.
    let events = ok(glir(dir.path(), &config).arg("events").output().unwrap());
    assert!(events.contains("glpat-…0001"), "{events}");

    // Credentials glir was given are never written to its own files.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("glir.db"))
        {
            let bytes = std::fs::read(&path).unwrap();
            let hay = String::from_utf8_lossy(&bytes);
            assert_no_token(&hay, &[ADMIN_TOKEN, DEV_TOKEN]);
        }
    }
}

#[test]
fn demo_prints_the_investigation() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let out = ok(glir(dir.path(), &config).arg("demo").output().unwrap());
    assert!(out.contains("SYNTHETIC"), "{out}");
    assert!(out.contains("yes      instance audit events"), "{out}");
    assert!(out.contains("new IP 203.0.113.66"), "{out}");
    for needle in ["new key", "new token", "new user"] {
        assert!(out.contains(needle), "missing {needle}:\n{out}");
    }
    let detections = out.split("5/7").nth(1).expect("a detections step");
    assert!(
        detections.contains("critical Dana Whitfield   GitLab User Granted Administrator"),
        "{detections}"
    );
    assert!(
        detections.contains("visibility changed to public"),
        "{detections}"
    );
    let triage = out.split("6/7").nth(1).expect("a triage step");
    assert!(triage.contains("verdict: valid"), "{triage}");
    assert!(
        triage.contains("leaked token itself was never sent"),
        "{triage}"
    );
    assert!(triage.contains("the token is also in 3 places"), "{triage}");
    assert!(
        triage.contains("job 9003 (debug-env): log line 4, base64>base64 encoded"),
        "{triage}"
    );
    assert!(triage.contains("artifact dist/.env"), "{triage}");
    let contain = out.split("7/7").nth(1).expect("a containment step");
    for needle in [
        "revoke personal access token 2",
        "applied          revoke_personal_access_token",
        "applied          block_user",
        "hash chain and evidence verified",
        "report.html",
    ] {
        assert!(contain.contains(needle), "missing {needle}:\n{contain}");
    }
}

#[test]
fn bad_usage_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let out = glir(dir.path(), &config)
        .args(["events", "--since", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("`yesterday` is not a time"),
        "{}",
        text(&out)
    );

    let out = glir(dir.path(), &config).arg("whoami").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no GitLab URL"), "{}", text(&out));
}

#[test]
fn detect_stores_alerts_once_and_alerts_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let kept = dir.path().join("demo-store");
    ok(glir(dir.path(), &config)
        .arg("demo")
        .arg("--keep")
        .arg(&kept)
        .output()
        .unwrap());

    let first = glir(&kept, &config).arg("detect").output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(1),
        "alerts exit 1: {}",
        text(&first)
    );
    // "alerts stored: N new, M already stored": the demo's playbook step stored some already.
    let stored: u64 = text(&first)
        .lines()
        .find_map(|l| {
            let rest = l.strip_prefix("alerts stored: ")?;
            let numbers: Vec<u64> = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            Some(numbers.iter().sum())
        })
        .unwrap_or_else(|| panic!("{}", text(&first)));
    assert!(stored > 0, "{}", text(&first));

    let second = glir(&kept, &config).arg("detect").output().unwrap();
    assert!(
        text(&second).contains(&format!("alerts stored: 0 new, {stored} already stored")),
        "{}",
        text(&second)
    );

    let list = |extra: &[&str]| -> Vec<serde_json::Value> {
        let listed = glir(&kept, &config)
            .args(["--format", "jsonl", "alerts"])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(listed.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let alerts = list(&["--group-minutes", "0"]);
    assert_eq!(alerts.len() as u64, stored);
    // Grouped (the default): fewer lines, the same events.
    let grouped = list(&[]);
    assert!(
        grouped.len() < alerts.len(),
        "{} of {}",
        grouped.len(),
        alerts.len()
    );
    let ids = |list: &[serde_json::Value]| {
        let mut ids: Vec<String> = list
            .iter()
            .flat_map(|a| a["event_ids"].as_array().unwrap().clone())
            .map(|id| id.as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    assert_eq!(ids(&grouped), ids(&alerts));
    assert!(
        alerts
            .iter()
            .any(|a| a["level"] == "critical" && a["actor"] == "Dana Whitfield")
    );
    assert!(
        alerts
            .iter()
            .all(|a| !a["event_ids"].as_array().unwrap().is_empty())
    );
}

#[test]
fn rules_disabled_in_the_config_do_not_fire() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path());
    let none = dir.path().join("none.toml");
    std::fs::write(&none, "").unwrap();
    let alerts = |config: &Path| -> Vec<serde_json::Value> {
        let out = glir(dir.path(), config)
            .args([
                "--format",
                "jsonl",
                "detect",
                "--input",
                input.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let all = alerts(&none);
    let ssh = all
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("SSH Key"))
        .expect("the SSH key event fires a rule")["rule_id"]
        .as_str()
        .unwrap()
        .to_string();
    let config = dir.path().join("disabling.toml");
    std::fs::write(&config, format!("[detect]\ndisabled_rules = [\"{ssh}\"]\n")).unwrap();
    let fewer = alerts(&config);
    assert!(
        fewer.iter().all(|a| a["rule_id"] != ssh.as_str()),
        "{fewer:?}"
    );
    assert_eq!(fewer.len() + 1, all.len());
}

#[test]
fn the_rule_pack_is_built_in_and_used_outside_the_source_tree() {
    fn count_rules(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                if p.is_dir() && p.file_name().unwrap() != "tests" {
                    count_rules(&p)
                } else {
                    usize::from(p.extension().is_some_and(|e| e == "yml"))
                }
            })
            .sum()
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let listed = glir(dir.path(), &config)
        .current_dir(dir.path())
        .args(["--format", "jsonl", "rules", "list"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", text(&listed));
    assert_eq!(
        String::from_utf8(listed.stdout).unwrap().lines().count(),
        count_rules(&source)
    );
    let tested = ok(glir(dir.path(), &config)
        .current_dir(dir.path())
        .args(["rules", "test"])
        .output()
        .unwrap());
    assert!(tested.contains("0 rule(s) without tests"), "{tested}");
}

#[test]
fn detect_with_a_username_finds_that_users_alerts() {
    let sim = start_demo_sim();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &sim.url,
        &write_token_file(dir.path(), "glpat-DemoRootAdmin000000"),
    );
    ok(glir(dir.path(), &config)
        .args(["collect", "audit-events", "--instance"])
        .args(["--since", "2026-11-01", "--until", "2026-12-01"])
        .output()
        .unwrap());
    // The demo's events name Dana as "Dana Whitfield", dana@acme.test and id 2, never `dana`.
    let out = glir(dir.path(), &config)
        .args(["--format", "jsonl", "detect", "--actor", "dana"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "alerts exit 1: {}", text(&out));
    assert!(text(&out).contains("`dana` is user id 2"), "{}", text(&out));
    let alerts: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!alerts.is_empty(), "{}", text(&out));
    assert!(
        alerts.iter().all(|a| a["actor"] == "Dana Whitfield"),
        "{}",
        text(&out)
    );
}

/// `/var/log/gitlab/gitlab-rails/` as found: audit logs current and rotated (gzip), a request log
/// and a file that is no log at all.
#[test]
fn ingest_of_a_log_directory_reads_the_audit_logs_and_says_what_it_skipped() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    std::fs::write(&config, "").unwrap();
    let logs = dir.path().join("gitlab-rails");
    std::fs::create_dir_all(&logs).unwrap();
    let external = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../glir-events/tests/fixtures/external"
    );
    let read = |name: &str| std::fs::read(format!("{external}/{name}")).unwrap();
    std::fs::write(logs.join("audit_json.log"), read("elastic_audit.log")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&read("gitlab_docs_audit_json_old.json"))
        .unwrap();
    std::fs::write(logs.join("audit_json.log.1.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        logs.join("production_json.log"),
        read("elastic_production.log"),
    )
    .unwrap();
    std::fs::write(
        logs.join("application_json.log"),
        read("elastic_application.log"),
    )
    .unwrap();
    std::fs::write(logs.join("state"), "run\n").unwrap();

    let out = glir(dir.path(), &config)
        .arg("ingest")
        .arg(&logs)
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("audit_json.log: audit_log, 2 records, 2 new"),
        "{said}"
    );
    assert!(
        said.contains("audit_json.log.1.gz: audit_log (gzip), 1 records, 1 new"),
        "{said}"
    );
    assert!(
        said.contains("application_json.log: application_log, 3 records"),
        "{said}"
    );
    assert!(
        said.contains(
            "production_json.log: skipped: no event in 3 records: 3 × a Rails request line"
        ),
        "{said}"
    );
    assert!(
        said.contains("state: skipped: no event in 1 records: 1 malformed"),
        "{said}"
    );
    assert!(
        said.contains("total: 3 files read, 2 skipped; 6 records, 6 new"),
        "{said}"
    );

    // Named on its own, a file without an event is an error.
    let alone = glir(dir.path(), &config)
        .arg("ingest")
        .arg(logs.join("production_json.log"))
        .output()
        .unwrap();
    assert_eq!(alone.status.code(), Some(2), "{}", text(&alone));
    assert!(text(&alone).contains("error: "), "{}", text(&alone));
}
