//! The same inputs into an SQLite store and a ClickHouse store give the same answers through
//! the commands a responder runs: events, timelines, detections and stored
//! alerts. Inputs: the demo instance's audit events collected from the simulator, and public
//! GitLab log fixtures ingested from files.

mod common;

use common::glir;
use glir_test_support::BlockingSim as Sim;
use glir_test_support::clickhouse::TestDatabase;
use std::path::Path;
use std::process::Output;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `glir` with `store` (None: the SQLite file in `dir`), returning exit code and stdout.
fn run(dir: &Path, config: &Path, store: Option<&str>, args: &[&str]) -> (i32, String) {
    let mut cmd = glir(&dir.join("data"), config);
    if let Some(store) = store {
        cmd.args(["--store", store]);
    }
    let out = cmd.args(args).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "glir {args:?} on {store:?}: exit {code}\n{}",
        text(&out)
    );
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn both_backends_give_the_same_events_timelines_and_alerts() {
    let Some(db) = TestDatabase::new("cli_backends") else {
        return;
    };
    let sim = Sim::start(glir_sim::Scenario::demo());
    let external = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../glir-events/tests/fixtures/external"
    );
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "glpat-DemoRootAdmin000000\n").unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "default_profile = \"sim\"\n[profiles.sim]\nurl = \"{}\"\ntoken = {{ file = \"{}\" }}\n",
            sim.url,
            token.display()
        ),
    )
    .unwrap();
    let queries: Vec<Vec<&str>> = vec![
        vec!["--format", "json", "events"],
        vec!["--format", "json", "events", "--source", "file"],
        vec!["--format", "json", "events", "--event-type", "*token*"],
        vec![
            "--format",
            "json",
            "events",
            "--entity",
            "acme",
            "--reverse",
            "--limit",
            "7",
        ],
        vec!["--format", "json", "events", "--actor", "DANA@acme.test"],
        vec!["--format", "json", "timeline", "--actor", "dana"],
        vec!["--format", "json", "timeline", "--project", "acme/app"],
        vec!["--format", "json", "timeline", "--ip", "203.0.113.50"],
        vec![
            "--format",
            "json",
            "timeline",
            "--actor",
            "2",
            "--since",
            "2026-11-02",
        ],
        vec!["--format", "jsonl", "detect"],
        vec!["--format", "json", "alerts"],
    ];
    let mut answers: Vec<Vec<(i32, String)>> = Vec::new();
    for store in [None, Some(db.url.as_str())] {
        run(
            dir.path(),
            &config,
            store,
            &[
                "collect",
                "audit-events",
                "--instance",
                "--since",
                "2026-11-01",
                "--until",
                "2026-12-01",
            ],
        );
        run(
            dir.path(),
            &config,
            store,
            &["ingest", "--source", "file", external],
        );
        answers.push(
            queries
                .iter()
                .map(|q| run(dir.path(), &config, store, q))
                .collect(),
        );
    }
    for ((query, sqlite), clickhouse) in queries.iter().zip(&answers[0]).zip(&answers[1]) {
        assert_eq!(sqlite.0, clickhouse.0, "exit code of {query:?}");
        let parse = |s: &str| -> Vec<serde_json::Value> {
            if query.contains(&"jsonl") {
                s.lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect()
            } else {
                vec![serde_json::from_str(s).unwrap()]
            }
        };
        assert_eq!(parse(&sqlite.1), parse(&clickhouse.1), "{query:?}");
    }
    // Not vacuous: events from both inputs, a timeline, and alerts.
    let events: serde_json::Value = serde_json::from_str(&answers[0][0].1).unwrap();
    let files: serde_json::Value = serde_json::from_str(&answers[0][1].1).unwrap();
    let n = |v: &serde_json::Value| v.as_array().map_or(0, Vec::len);
    assert!(
        n(&events) > n(&files) && n(&files) > 10,
        "{} events, {} from files",
        n(&events),
        n(&files)
    );
    assert!(
        answers[0][9].1.lines().count() > 3,
        "alerts: {}",
        answers[0][7].1
    );
}

/// Detection over a generated fortnight of an instance with attack scenarios: the alerts glir
/// prints, grouped per rule, actor and hour with their sessions, are the same pushed down to
/// ClickHouse, in glir over ClickHouse, and over SQLite.
#[test]
fn detection_pushed_down_prints_the_alerts_of_detection_in_glir() {
    let Some(db) = TestDatabase::new("cli_pushdown") else {
        return;
    };
    let Some(instance) = glir_test_support::detection_bench::generate(9, 120, 10) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let stream = instance.path().join("stream.jsonl");
    let stream = stream.to_str().unwrap();
    let mut printed = Vec::new();
    for (store, extra) in [
        (None, None),
        (Some(db.url.as_str()), None),
        (Some(db.url.as_str()), Some("--in-process")),
    ] {
        if extra.is_none() {
            run(
                dir.path(),
                &config,
                store,
                &["ingest", "--source", "bench", stream],
            );
        }
        let mut args = vec!["--format", "jsonl", "detect"];
        args.extend(extra);
        let (_, out) = run(dir.path(), &config, store, &args);
        let mut lines: Vec<String> = out.lines().map(str::to_owned).collect();
        lines.sort();
        printed.push(lines);
    }
    assert!(printed[0].len() > 100, "{} alerts", printed[0].len());
    assert!(
        printed[0]
            .iter()
            .any(|l| l.contains("more events of the session")),
        "some alert carries its session"
    );
    assert_eq!(printed[1], printed[0], "pushed down vs SQLite");
    assert_eq!(printed[2], printed[0], "in glir over ClickHouse vs SQLite");
}
