//! The fault matrix: `glir` against a closed port, a host that never answers, a slow one, a
//! TLS mismatch, a rejected token, a forbidden scope, 429 storms, 5xx, dropped connections, and
//! tokens of every role. For each: how long until a clear message, the exit code, and whether
//! the answer said it was complete. The table is written to
//! `target/tmp/fault-matrix.md`; docs/FAULTS.md holds a copy and the command.
//!
//! The time bounds are generous (a loaded CI machine): they tell "fails fast" from "retries for
//! minutes", not one machine's speed.

mod common;

use common::{glir, text};
use glir_sim::{Fault, FaultKind, Scenario};
use glir_test_support::BlockingSim;
use std::path::Path;
use std::time::Instant;

const ADMIN: &str = "glpat-SimAdminToken0000001";
const OWNER: &str = "glpat-SimOwnerToken0000001";
const DEV: &str = "glpat-SimDevToken100000001";
const UNKNOWN: &str = "glpat-NotKnownToTheSim0001";
const MAINTAINER: &str = "glpat-FaultsMaintainer0001";

/// The synthetic scenario with a Maintainer of acme added (user `maint`, token `MAINTAINER`).
fn with_a_maintainer(events: usize) -> BlockingSim {
    let start = "2026-11-01T00:00:00Z".parse().unwrap();
    let mut scenario = serde_json::to_value(Scenario::synthetic(events, start)).unwrap();
    scenario["users"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": 40, "username": "maint", "name": "Main Tainer"}));
    scenario["groups"][0]["members"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"username": "maint", "access_level": 40}));
    scenario["tokens"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": 40, "token": MAINTAINER, "user": "maint", "name": "m", "scopes": ["read_api"]
        }));
    BlockingSim::start(Scenario::from_json_str(&scenario.to_string()).unwrap())
}

struct Row {
    fault: &'static str,
    command: &'static str,
    seconds: f64,
    exit: Option<i32>,
    said: String,
}

/// Runs `glir --timeout 2 --deadline 6 ARGS` against `url` with `token`.
fn run(dir: &Path, url: &str, token: &str, args: &[&str]) -> (std::process::Output, f64) {
    let config = dir.join("none.toml");
    std::fs::write(&config, "").unwrap();
    let started = Instant::now();
    let out = glir(&dir.join("data"), &config)
        .env("GLIR_URL", url)
        .env("GLIR_TOKEN", token)
        .args(["--timeout", "2", "--deadline", "6"])
        .args(args)
        .output()
        .unwrap();
    (out, started.elapsed().as_secs_f64())
}

/// The line a responder reads: the error, or the collection's state.
fn said(out: &std::process::Output) -> String {
    let all = text(out);
    all.lines()
        .find(|l| l.starts_with("error:"))
        .or_else(|| all.lines().find(|l| l.starts_with("Collected")))
        .or_else(|| all.lines().find(|l| l.starts_with("User")))
        .unwrap_or("")
        .to_string()
}

#[test]
fn every_fault_ends_fast_with_a_clear_message_and_an_honest_exit() {
    let sim = with_a_maintainer(30);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rows = Vec::new();
    let whoami = ["whoami"];
    let collect_group = [
        "collect",
        "audit-events",
        "--group",
        "acme",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-02",
    ];
    let collect_instance = [
        "collect",
        "audit-events",
        "--instance",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-02",
    ];
    let mut check = |fault: &'static str,
                     command: &'static str,
                     (out, seconds): (std::process::Output, f64),
                     exit: i32,
                     within: f64,
                     message: &str| {
        let line = said(&out);
        assert_eq!(out.status.code(), Some(exit), "{fault}: {}", text(&out));
        assert!(seconds < within, "{fault}: {seconds:.1} s");
        assert!(
            line.contains(message),
            "{fault}: {line:?} lacks {message:?}\n{}",
            text(&out)
        );
        for token in [ADMIN, OWNER, DEV, UNKNOWN, MAINTAINER] {
            assert!(!text(&out).contains(token), "{fault}: a token was printed");
        }
        rows.push(Row {
            fault,
            command,
            seconds,
            exit: out.status.code(),
            said: line,
        });
    };

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let closed_url = format!("http://{closed}");
    check(
        "connection refused",
        "whoami",
        run(d, &closed_url, ADMIN, &whoami),
        2,
        5.0,
        "refused",
    );

    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let _held = std::thread::spawn(move || {
        let mut held = Vec::new();
        for socket in silent.incoming() {
            held.push(socket);
        }
    });
    check(
        "host accepts, never answers",
        "whoami",
        run(d, &silent_url, ADMIN, &whoami),
        2,
        20.0,
        "did not answer within the timeout",
    );

    let https_to_http = sim.url.replace("http://", "https://");
    check(
        "TLS to a plain-HTTP port",
        "whoami",
        run(d, &https_to_http, ADMIN, &whoami),
        2,
        5.0,
        "error:",
    );

    check(
        "unknown or revoked token (401)",
        "whoami",
        run(d, &sim.url, UNKNOWN, &whoami),
        2,
        5.0,
        &glir_redact::Secret::new(UNKNOWN).fingerprint(),
    );
    check(
        "forbidden: instance events, no admin (403)",
        "collect --instance",
        run(d, &sim.url, DEV, &collect_instance),
        2,
        5.0,
        "403",
    );

    let storm = |kind: FaultKind| Fault {
        path_contains: "/audit_events".into(),
        kind,
        times: 10_000,
    };
    sim.handle.inject(storm(FaultKind::RateLimited {
        retry_after_secs: 1,
    }));
    check(
        "429 storm",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        2,
        20.0,
        "429",
    );
    sim.handle.clear_faults();
    sim.handle
        .inject(storm(FaultKind::ServerError { status: 502 }));
    check(
        "5xx storm (502)",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        2,
        20.0,
        "502",
    );
    sim.handle.clear_faults();
    sim.handle.inject(storm(FaultKind::DropConnection));
    check(
        "dropped connections",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        2,
        20.0,
        "error:",
    );
    sim.handle.clear_faults();
    sim.handle.inject(Fault {
        path_contains: "/audit_events".into(),
        kind: FaultKind::Slow { delay_ms: 500 },
        times: 10_000,
    });
    check(
        "slow answers (0.5 s each)",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        0,
        30.0,
        "complete",
    );
    sim.handle.clear_faults();
    // Transient faults a retry outlives: two 502s, then answers.
    sim.handle.inject(Fault {
        path_contains: "/audit_events".into(),
        kind: FaultKind::ServerError { status: 502 },
        times: 2,
    });
    check(
        "two 502s, then answers",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        0,
        20.0,
        "complete",
    );
    sim.handle.clear_faults();

    check(
        "Developer of the group",
        "collect --group",
        run(d, &sim.url, DEV, &collect_group),
        4,
        10.0,
        "partial",
    );
    check(
        "Maintainer of the group",
        "collect --group",
        run(d, &sim.url, MAINTAINER, &collect_group),
        4,
        10.0,
        "partial",
    );
    check(
        "Owner of the group",
        "collect --group",
        run(d, &sim.url, OWNER, &collect_group),
        0,
        10.0,
        "complete",
    );
    check(
        "administrator",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        0,
        10.0,
        "complete",
    );

    let mut table = String::from(
        "| fault | command | seconds | exit | what glir said |\n|---|---|---:|---:|---|\n",
    );
    for r in &rows {
        let said = r
            .said
            .replace('|', "\\|")
            .replace(&sim.url, "SIM")
            .replace(&closed_url, "CLOSED")
            .replace(&silent_url, "SILENT");
        table.push_str(&format!(
            "| {} | {} | {:.1} | {} | {} |\n",
            r.fault,
            r.command,
            r.seconds,
            r.exit.map_or("-".into(), |c| c.to_string()),
            said
        ));
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-matrix.md");
    std::fs::write(&out, &table).unwrap();
    println!("{table}");
}
