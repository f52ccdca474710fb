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
use glir_test_support::{BlockingSim, TlsFront};
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Instant;

const ADMIN: &str = "glpat-SimAdminToken0000001";
const OWNER: &str = "glpat-SimOwnerToken0000001";
const DEV: &str = "glpat-SimDevToken100000001";
const UNKNOWN: &str = "glpat-NotKnownToTheSim0001";
const MAINTAINER: &str = "glpat-FaultsMaintainer0001";
const DEMO_ROOT: &str = "glpat-DemoRootAdmin000000";
const DEMO_LEAKED: &str = "glpat-DemoLeakedDana0001";
const DEMO_DEVELOPER: &str = "glpat-DemoAliceRead00001";
/// No output may hold any of these.
const TOKENS: [&str; 8] = [
    ADMIN,
    OWNER,
    DEV,
    UNKNOWN,
    MAINTAINER,
    DEMO_ROOT,
    DEMO_LEAKED,
    DEMO_DEVELOPER,
];

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

/// The rows of one matrix, each checked as it is added.
#[derive(Default)]
struct Matrix {
    rows: Vec<Row>,
}

impl Matrix {
    /// Checks one run: its exit code, that it ended `within` seconds, that the line a responder
    /// reads contains `message`, and that no token reached the output.
    fn check(
        &mut self,
        fault: &'static str,
        command: &'static str,
        (out, seconds): (Output, f64),
        exit: i32,
        within: f64,
        message: &str,
    ) {
        let line = said(&out);
        assert_eq!(out.status.code(), Some(exit), "{fault}: {}", text(&out));
        assert!(seconds < within, "{fault}: {seconds:.1} s");
        assert!(
            line.contains(message),
            "{fault}: {line:?} lacks {message:?}\n{}",
            text(&out)
        );
        for token in TOKENS {
            assert!(!text(&out).contains(token), "{fault}: a token was printed");
        }
        self.rows.push(Row {
            fault,
            command,
            seconds,
            exit: out.status.code(),
            said: line,
        });
    }

    /// Prints the table and writes it to `target/tmp/NAME`, with addresses that change between
    /// runs replaced by the labels given.
    fn write(&self, name: &str, labels: &[(&str, &str)]) {
        let mut table = String::from(
            "| fault | command | seconds | exit | what glir said |\n|---|---|---:|---:|---|\n",
        );
        for r in &self.rows {
            let mut said = r.said.replace('|', "\\|");
            for (address, label) in labels {
                said = said.replace(address, label);
            }
            table.push_str(&format!(
                "| {} | {} | {:.1} | {} | {} |\n",
                r.fault,
                r.command,
                r.seconds,
                r.exit.map_or("-".into(), |c| c.to_string()),
                said
            ));
        }
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&out, &table).unwrap();
        println!("{table}");
    }
}

/// Runs `glir --timeout 2 --deadline 6 ARGS` against `url` with `token`.
fn run(dir: &Path, url: &str, token: &str, args: &[&str]) -> (Output, f64) {
    run_with(dir, "", url, token, args, "")
}

/// [`run`] with a config file's text and stdin.
fn run_with(
    dir: &Path,
    config: &str,
    url: &str,
    token: &str,
    args: &[&str],
    stdin: &str,
) -> (Output, f64) {
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let started = Instant::now();
    let mut child = glir(&dir.join("data"), &path)
        .env("GLIR_URL", url)
        .env("GLIR_TOKEN", token)
        .args(["--timeout", "2", "--deadline", "6"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (out, started.elapsed().as_secs_f64())
}

/// The URL of a loopback port nothing listens on.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

/// The URL of a host that accepts connections and never answers; it lives as long as the test.
fn silent_host() -> String {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for socket in silent.incoming() {
            held.push(socket);
        }
    });
    url
}

/// A config whose profile trusts `front`'s CA (`ca_bundle`).
fn trusting(dir: &Path, front: &TlsFront) -> String {
    let port = front.url.rsplit(':').next().unwrap();
    let ca = dir.join(format!("ca-{port}.pem"));
    std::fs::write(&ca, &front.ca_pem).unwrap();
    format!(
        "default_profile = \"t\"\n[profiles.t]\nca_bundle = {:?}\n",
        ca.display().to_string()
    )
}

/// The line a responder reads: the error, or the collection's state.
fn said(out: &Output) -> String {
    let all = text(out);
    all.lines()
        .find(|l| l.starts_with("error:"))
        .or_else(|| all.lines().find(|l| l.starts_with("Collected")))
        .or_else(|| all.lines().find(|l| l.contains("coverage:")))
        .or_else(|| all.lines().find(|l| l.ends_with("distinct secrets)")))
        .or_else(|| all.lines().find(|l| l.starts_with("User")))
        .unwrap_or("")
        .to_string()
}

#[test]
fn every_fault_ends_fast_with_a_clear_message_and_an_honest_exit() {
    let sim = with_a_maintainer(30);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
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
    let mut m = Matrix::default();

    let closed_url = closed_port();
    m.check(
        "connection refused",
        "whoami",
        run(d, &closed_url, ADMIN, &whoami),
        2,
        5.0,
        "refused",
    );

    let silent_url = silent_host();
    m.check(
        "host accepts, never answers",
        "whoami",
        run(d, &silent_url, ADMIN, &whoami),
        2,
        20.0,
        "did not answer within the timeout",
    );

    let https_to_http = sim.url.replace("http://", "https://");
    m.check(
        "TLS to a plain-HTTP port",
        "whoami",
        run(d, &https_to_http, ADMIN, &whoami),
        2,
        5.0,
        "error:",
    );

    // A certificate for another name from a CA the profile trusts: the name is what fails.
    let sim_addr = sim.url.trim_start_matches("http://");
    let other_name = TlsFront::start(sim_addr, &["other.example.test"]);
    let trusts_other = trusting(d, &other_name);
    m.check(
        "TLS certificate for another name",
        "whoami",
        run_with(d, &trusts_other, &other_name.url, ADMIN, &whoami, ""),
        2,
        5.0,
        "certificate is for another name",
    );
    m.check(
        "TLS certificate from a CA not trusted",
        "whoami",
        run(d, &other_name.url, ADMIN, &whoami),
        2,
        5.0,
        "issuer is not trusted",
    );
    // The same endpoint with a certificate for its address: the TLS path itself works.
    let right_name = TlsFront::start(sim_addr, &["127.0.0.1"]);
    let trusts_right = trusting(d, &right_name);
    m.check(
        "TLS, certificate trusted through ca_bundle",
        "collect --group",
        run_with(d, &trusts_right, &right_name.url, ADMIN, &collect_group, ""),
        0,
        10.0,
        "complete",
    );

    m.check(
        "unknown or revoked token (401)",
        "whoami",
        run(d, &sim.url, UNKNOWN, &whoami),
        2,
        5.0,
        &glir_redact::Secret::new(UNKNOWN).fingerprint(),
    );
    m.check(
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
    m.check(
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
    m.check(
        "5xx storm (502)",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        2,
        20.0,
        "502",
    );
    sim.handle.clear_faults();
    sim.handle.inject(storm(FaultKind::DropConnection));
    m.check(
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
    m.check(
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
    m.check(
        "two 502s, then answers",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        0,
        20.0,
        "complete",
    );
    sim.handle.clear_faults();

    m.check(
        "Developer of the group",
        "collect --group",
        run(d, &sim.url, DEV, &collect_group),
        4,
        10.0,
        "partial",
    );
    m.check(
        "Maintainer of the group",
        "collect --group",
        run(d, &sim.url, MAINTAINER, &collect_group),
        4,
        10.0,
        "partial",
    );
    m.check(
        "Owner of the group",
        "collect --group",
        run(d, &sim.url, OWNER, &collect_group),
        0,
        10.0,
        "complete",
    );
    m.check(
        "administrator",
        "collect --group",
        run(d, &sim.url, ADMIN, &collect_group),
        0,
        10.0,
        "complete",
    );

    m.write(
        "fault-matrix.md",
        &[
            (&sim.url, "SIM"),
            (sim.url.trim_start_matches("http://"), "SIM"),
            (&closed_url, "CLOSED"),
            (&silent_url, "SILENT"),
            (&other_name.url, "TLS"),
            (&right_name.url, "TLS"),
            (other_name.url.trim_start_matches("https://"), "TLS"),
            (right_name.url.trim_start_matches("https://"), "TLS"),
        ],
    );
}

/// The playbook and the online scan under the same faults: each ends within its bounds with a
/// message naming the fault, and a token that sees less says so.
#[test]
fn respond_and_scan_end_fast_and_honestly_under_each_fault() {
    let demo = BlockingSim::start(Scenario::demo());
    let credentials = BlockingSim::start(Scenario::credentials());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut m = Matrix::default();
    let respond = |case: &'static str| {
        [
            "respond",
            "token-exposure",
            "--case",
            case,
            "--since",
            "2026-11-01",
        ]
    };
    let scan = ["scan", "--gitlab-jobs", "acme/app", "--since", "2025-01-01"];
    let closed = closed_port();
    let silent_url = silent_host();
    let other_name = TlsFront::start(
        demo.url.trim_start_matches("http://"),
        &["other.example.test"],
    );
    let trusts_other = trusting(d, &other_name);

    m.check(
        "connection refused",
        "respond",
        run_with(d, "", &closed, DEMO_ROOT, &respond("r1"), DEMO_LEAKED),
        2,
        5.0,
        "refused",
    );
    m.check(
        "connection refused",
        "scan --gitlab-jobs",
        run(d, &closed, ADMIN, &scan),
        2,
        5.0,
        "refused",
    );
    m.check(
        "host accepts, never answers",
        "respond",
        run_with(d, "", &silent_url, DEMO_ROOT, &respond("r2"), DEMO_LEAKED),
        2,
        20.0,
        "did not answer within the timeout",
    );
    m.check(
        "host accepts, never answers",
        "scan --gitlab-jobs",
        run(d, &silent_url, ADMIN, &scan),
        2,
        20.0,
        "did not answer within the timeout",
    );
    m.check(
        "TLS certificate for another name",
        "respond",
        run_with(
            d,
            &trusts_other,
            &other_name.url,
            DEMO_ROOT,
            &respond("r3"),
            DEMO_LEAKED,
        ),
        2,
        5.0,
        "certificate is for another name",
    );
    m.check(
        "unknown or revoked token (401)",
        "respond",
        run_with(d, "", &demo.url, UNKNOWN, &respond("r4"), DEMO_LEAKED),
        2,
        5.0,
        &glir_redact::Secret::new(UNKNOWN).fingerprint(),
    );
    m.check(
        "unknown or revoked token (401)",
        "scan --gitlab-jobs",
        run(d, &credentials.url, UNKNOWN, &scan),
        2,
        5.0,
        &glir_redact::Secret::new(UNKNOWN).fingerprint(),
    );

    let every_call = |kind: FaultKind| Fault {
        path_contains: "/api/v4/".into(),
        kind,
        times: 10_000,
    };
    let storms = [
        (
            "429 storm",
            FaultKind::RateLimited {
                retry_after_secs: 1,
            },
            "429",
        ),
        (
            "5xx storm (502)",
            FaultKind::ServerError { status: 502 },
            "502",
        ),
        ("dropped connections", FaultKind::DropConnection, "error:"),
    ];
    for (n, (fault, kind, message)) in storms.into_iter().enumerate() {
        demo.handle.inject(every_call(kind.clone()));
        credentials.handle.inject(every_call(kind));
        let case = ["r5", "r6", "r7"][n];
        m.check(
            fault,
            "respond",
            run_with(d, "", &demo.url, DEMO_ROOT, &respond(case), DEMO_LEAKED),
            2,
            20.0,
            message,
        );
        m.check(
            fault,
            "scan --gitlab-jobs",
            run(d, &credentials.url, ADMIN, &scan),
            2,
            20.0,
            message,
        );
        demo.handle.clear_faults();
        credentials.handle.clear_faults();
    }

    // A fault in the middle of the run, after GitLab said who the responder is: the run goes
    // on, and says which checks a run again may make.
    demo.handle.inject(Fault {
        path_contains: "/audit_events".into(),
        kind: FaultKind::ServerError { status: 502 },
        times: 10_000,
    });
    m.check(
        "502 storm on audit events only",
        "respond",
        run_with(d, "", &demo.url, DEMO_ROOT, &respond("r10"), DEMO_LEAKED),
        4,
        30.0,
        "failed because GitLab did not answer",
    );
    demo.handle.clear_faults();
    m.check(
        "a Developer's token",
        "scan --gitlab-jobs",
        run(d, &credentials.url, DEV, &scan),
        1,
        20.0,
        "findings",
    );
    m.check(
        "a Developer's token",
        "respond",
        run_with(
            d,
            "",
            &demo.url,
            DEMO_DEVELOPER,
            &respond("r8"),
            DEMO_LEAKED,
        ),
        4,
        20.0,
        "partial",
    );
    m.check(
        "an administrator's token",
        "respond",
        run_with(d, "", &demo.url, DEMO_ROOT, &respond("r9"), DEMO_LEAKED),
        0,
        20.0,
        "complete",
    );
    m.write(
        "fault-matrix-respond-scan.md",
        &[
            (&demo.url, "SIM"),
            (&credentials.url, "SIM"),
            (demo.url.trim_start_matches("http://"), "SIM"),
            (credentials.url.trim_start_matches("http://"), "SIM"),
            (&closed, "CLOSED"),
            (&silent_url, "SILENT"),
            (&other_name.url, "TLS"),
            (other_name.url.trim_start_matches("https://"), "TLS"),
        ],
    );
}
