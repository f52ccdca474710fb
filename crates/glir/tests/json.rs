//! `--format json` on every command that takes it, against the demo incident in the simulator:
//! stdout is one JSON document (an array for listings, an object otherwise) that holds what
//! the table shows, and nothing else is on stdout.

mod common;

use common::{run_against, text};
use glir_sim::Scenario;
use glir_test_support::BlockingSim as Sim;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const ROOT: &str = "glpat-DemoRootAdmin000000";
const LEAKED: &str = "glpat-DemoLeakedDana0001";

fn start() -> Sim {
    Sim::start(Scenario::demo())
}

/// `glir --format json ARGS` with `stdin`.
fn run(dir: &Path, sim: &Sim, args: &[&str], stdin: &str) -> Output {
    run_against(
        dir,
        &sim.url,
        ROOT,
        &[&["--format", "json"], args].concat(),
        stdin,
    )
}

/// [`run`], its stdout parsed, or a panic naming the command.
fn json(dir: &Path, sim: &Sim, args: &[&str], stdin: &str) -> (Value, Output) {
    let out = run(dir, sim, args, stdin);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: stdout is not one JSON document ({e}):\n{}",
            text(&out)
        )
    });
    (value, out)
}

fn array_len(v: &Value, args: &str) -> usize {
    v.as_array()
        .unwrap_or_else(|| panic!("{args}: a listing is an array, got {v}"))
        .len()
}

#[test]
fn every_command_writes_one_json_document() {
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let (who, _) = json(d, &sim, &["whoami"], "");
    assert_eq!(who["username"], "root", "{who}");

    let (collected, _) = json(
        d,
        &sim,
        &[
            "collect",
            "audit-events",
            "--instance",
            "--since",
            "2026-11-01",
        ],
        "",
    );
    assert!(collected["fetched"].as_u64().unwrap() > 0, "{collected}");
    assert_eq!(collected["interrupted"], false);

    let export = d.join("export.jsonl");
    std::fs::write(
        &export,
        r#"{"id":"x1","created_at":"2026-11-26T10:00:00Z","event_type":"add_ssh_key","author_id":2,"author_name":"Dana","ip_address":"203.0.113.66","entity_type":"User","entity_path":"dana","details":{"custom_message":"Added SSH key"}}
"#,
    )
    .unwrap();
    let (ingested, _) = json(d, &sim, &["ingest", export.to_str().unwrap()], "");
    assert_eq!(ingested["total"]["records"], 1, "{ingested}");
    assert_eq!(ingested["files"][0]["inserted"], 1, "{ingested}");

    let (events, _) = json(d, &sim, &["events", "--ip", "203.0.113.66"], "");
    let n = array_len(&events, "events");
    assert!(n > 1, "{events}");
    assert!(events[0]["event_id"].is_string(), "{events}");

    let (timeline, _) = json(d, &sim, &["timeline", "--ip", "203.0.113.66"], "");
    assert_eq!(array_len(&timeline, "timeline"), n);
    assert!(timeline[0]["marks"].is_array(), "{timeline}");

    let (alerts, _) = json(d, &sim, &["detect"], "");
    assert!(array_len(&alerts, "detect") > 0, "{alerts}");
    assert!(alerts[0]["rule_id"].is_string());
    let (stored, _) = json(d, &sim, &["alerts"], "");
    assert!(array_len(&stored, "alerts") > 0);

    let (rules, _) = json(d, &sim, &["rules", "list"], "");
    assert!(array_len(&rules, "rules list") > 50);
    let (tests, _) = json(d, &sim, &["rules", "test"], "");
    assert!(tests["results"].as_array().unwrap().len() > 50, "{tests}");
    let (lint, _) = json(d, &sim, &["rules", "lint"], "");
    assert!(lint["findings"].is_array(), "{lint}");

    let (ids, _) = json(
        d,
        &sim,
        &["token", "identify"],
        &format!("{LEAKED}\n{ROOT}\n"),
    );
    assert_eq!(array_len(&ids, "token identify"), 2);
    let (inspected, out) = json(d, &sim, &["token", "inspect"], LEAKED);
    assert_eq!(inspected["gitlab"]["admin"], true, "{inspected}");
    assert_eq!(inspected["gitlab"]["described"], true, "{inspected}");
    let facts = inspected["gitlab"]["facts"].as_array().unwrap();
    assert!(facts.iter().any(|f| f["field"] == "owner"), "{inspected}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(LEAKED));

    let (opened, _) = json(d, &sim, &["case", "open", "drill"], "");
    assert_eq!(opened["case"]["name"], "drill", "{opened}");
    let (cases, _) = json(d, &sim, &["case", "list"], "");
    assert_eq!(array_len(&cases, "case list"), 1);
    let (shown, _) = json(d, &sim, &["case", "show", "drill"], "");
    assert_eq!(shown["case"]["name"], "drill");
    let (verified, _) = json(d, &sim, &["case", "verify", "drill"], "");
    assert!(
        verified["problems"].as_array().unwrap().is_empty(),
        "{verified}"
    );
    let mirror = d.join("mirror");
    let (mirrored, _) = json(
        d,
        &sim,
        &[
            "case",
            "mirror",
            "drill",
            "--copy-to",
            mirror.to_str().unwrap(),
        ],
        "",
    );
    assert!(mirrored["copied"].as_u64().unwrap() > 0, "{mirrored}");
    let (closed, _) = json(d, &sim, &["case", "close", "drill"], "");
    assert_eq!(closed["status"], "closed", "{closed}");

    let (bob, _) = json(d, &sim, &["user", "show", "bob"], "");
    assert_eq!(bob["username"], "bob", "{bob}");
    let (blocked, _) = json(
        d,
        &sim,
        &["user", "block", "bob", "--case", "acct", "--yes"],
        "",
    );
    assert_eq!(
        blocked["applied"]["results"][0]["outcome"], "applied",
        "{blocked}"
    );
    let step = blocked["applied"]["results"][0]["journal_hash"]
        .as_str()
        .unwrap();
    let (undone, _) = json(d, &sim, &["undo", "acct", &step[..12], "--yes"], "");
    assert_eq!(undone["undoes"]["hash"], step, "{undone}");
    assert_eq!(
        undone["applied"]["results"][0]["action"], "unblock_user",
        "{undone}"
    );

    let (responded, _) = json(
        d,
        &sim,
        &[
            "respond",
            "token-exposure",
            "--case",
            "leak",
            "--since",
            "2026-11-01",
        ],
        LEAKED,
    );
    let steps = responded["investigation"]["plan"]["steps"]
        .as_array()
        .unwrap();
    assert!(!steps.is_empty(), "{responded}");
    assert!(responded["applied"].is_null());
    let (applied, out) = json(d, &sim, &["apply", "leak", "--yes"], LEAKED);
    assert_eq!(applied["applied"]["confirmed"], true, "{applied}");
    assert_eq!(applied["applied"]["journal_verified"], true, "{applied}");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A report is a file in the case; stdout names it.
    let out = run(d, &sim, &["report", "leak"], "");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(path.ends_with("report.json"), "{}", text(&out));
    let report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(report.is_object(), "{report}");

    let tree = d.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let pat = "glpat-Zq3xK9wPm2Rt7yVb4Nc8";
    std::fs::write(tree.join("ci.env"), format!("GITLAB_TOKEN={pat}\n")).unwrap();
    let (found, out) = json(d, &sim, &["scan", tree.to_str().unwrap()], "");
    assert_eq!(array_len(&found, "scan"), 1, "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(pat));

    // triage reads a server (here a fake root), not GitLab's API.
    let image = d.join("image/etc/gitlab");
    std::fs::create_dir_all(&image).unwrap();
    std::fs::write(
        image.join("gitlab.rb"),
        "external_url 'https://gitlab.example.test'\n",
    )
    .unwrap();
    let bundle = d.join("triage.tar.zst");
    let root = d.join("image");
    let args = [
        "triage",
        "host",
        "--root",
        root.to_str().unwrap(),
        "--output",
        bundle.to_str().unwrap(),
    ];
    let (triaged, _) = json(d, &sim, &args, "");
    assert_eq!(triaged["files"], 1, "{triaged}");
    let (verified, _) = json(d, &sim, &["triage", "verify", bundle.to_str().unwrap()], "");
    assert!(
        verified["problems"].as_array().unwrap().is_empty(),
        "{verified}"
    );

    let (posture, _) = json(d, &sim, &["posture", "--project", "acme/app"], "");
    assert!(
        !posture["results"].as_array().unwrap().is_empty(),
        "{posture}"
    );
    let (checks, _) = json(d, &sim, &["posture", "--list"], "");
    assert!(array_len(&checks, "posture --list") >= 90);
    let (releases, _) = json(d, &sim, &["releases", "list"], "");
    assert!(array_len(&releases["releases"], "releases list") > 0);
    let (verdict, out) = json(d, &sim, &["releases", "check"], "");
    assert_eq!(verdict["version"], "17.9.2-ee", "{verdict}");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    let (users, _) = json(d, &sim, &["users"], "");
    assert!(array_len(&users, "users") > 1, "{users}");
    assert_eq!(users[0]["admin"], true, "administrators first: {users}");
    let (inventory, _) = json(d, &sim, &["inventory"], "");
    assert_eq!(inventory["glir_inventory"], 1, "{inventory}");
    assert!(array_len(&inventory["credentials"], "inventory") > 0);
    assert!(inventory["coverage"].is_array(), "{inventory}");
}

#[test]
fn the_demo_as_json_holds_what_each_step_found() {
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let (demo, out) = json(dir.path(), &sim, &["demo"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(demo["collected"]["fetched"].as_u64().unwrap() > 0, "{demo}");
    assert_eq!(demo["new_ips"][0]["ip"], "203.0.113.66", "{demo}");
    assert!(!demo["alerts"].as_array().unwrap().is_empty());
    assert_eq!(demo["journal_verified"], true);
}
