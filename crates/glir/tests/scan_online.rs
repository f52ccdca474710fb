//! `glir scan --gitlab-jobs / --gitlab-variables / --verify` and `glir token inspect` against
//! the simulator's credential fixture.

mod common;

use common::{run_against, text};
use glir_sim::Scenario;
use glir_test_support::BlockingSim as Sim;
use std::path::Path;
use std::process::Output;

const ADMIN: &str = "glpat-SimAdminToken0000001";
const DEV: &str = "glpat-SimDevToken100000001";
const GUEST: &str = "glpat-SimGuestToken0000001";
/// Every secret the fixture's jobs, artifacts and variables leak.
const PLANTED: &[&str] = &[
    "glpat-SimOwnerToken0000001",
    "glpat-SimProjectBot0000001",
    "gldt-SimDeployActive00001",
    "glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13",
    "Sim+Leak/Secret=Value!2026",
    "SimMaskedDeployPw0001",
];

fn start() -> Sim {
    Sim::start(Scenario::credentials())
}

fn run(dir: &Path, sim: &Sim, token: &str, args: &[&str], stdin: Option<&str>) -> Output {
    run_against(dir, &sim.url, token, args, stdin.unwrap_or(""))
}

fn no_planted_secret(output: &str) {
    for secret in PLANTED {
        assert!(
            !output.contains(secret),
            "plaintext {secret} in output:\n{output}"
        );
    }
}

fn jsonl(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn job_logs_and_artifacts_yield_every_leak_with_its_job() {
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    // -vv: debug logs on stderr must not carry a secret either.
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &[
            "-vv",
            "--format",
            "jsonl",
            "scan",
            "--gitlab-jobs",
            "acme",
            "--since",
            "2025-01-01",
            "--artifacts",
        ],
        None,
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("DEBUG"),
        "no debug log at -vv"
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    no_planted_secret(&text(&o));
    let findings = jsonl(&o);
    let find = |redacted_tail: &str| {
        findings
            .iter()
            .find(|f| {
                f["secret"].as_str().unwrap().ends_with(redacted_tail)
                    && f["rule"].as_str().unwrap().starts_with("gitlab")
            })
            .unwrap_or_else(|| panic!("no finding ending {redacted_tail}: {findings:#?}"))
    };
    // Split by a colour code in job 201's log, rejoined by the cleaner.
    let owner = findings
        .iter()
        .find(|f| f["fingerprint"] == glir_redact::fingerprint("glpat-SimOwnerToken0000001"))
        .expect("owner token in job 201");
    assert_eq!(owner["location"]["kind"], "job_log");
    assert_eq!(owner["location"]["job_id"], 201);
    assert_eq!(owner["location"]["project"], "acme/app");
    let bot = findings
        .iter()
        .find(|f| f["fingerprint"] == glir_redact::fingerprint("glpat-SimProjectBot0000001"))
        .expect("bot token in the double-base64 env dump");
    assert_eq!(bot["encoding"], "base64>base64");
    let deploy = find("0001");
    assert!(deploy["location"].is_object());
    let artifact_entries: Vec<&str> = findings
        .iter()
        .filter(|f| f["location"]["kind"] == "artifact")
        .map(|f| f["location"]["entry"].as_str().unwrap())
        .collect();
    assert!(artifact_entries.contains(&".env"), "{artifact_entries:?}");
    assert!(
        artifact_entries.contains(&"dist/bundle.zip!config/trigger.txt"),
        "{artifact_entries:?}"
    );
    assert!(text(&o).contains("[MASKED] values seen"), "{}", text(&o));
}

#[test]
fn verify_uses_admin_lookups_and_exits_3_on_a_live_token() {
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &[
            "--format",
            "jsonl",
            "scan",
            "--gitlab-jobs",
            "acme/app",
            "--since",
            "2025-01-01",
            "--artifacts",
            "--verify",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    no_planted_secret(&text(&o));
    for f in jsonl(&o) {
        let v = &f["verification"];
        assert!(
            v["probe"].as_str().unwrap().contains("/admin/token"),
            "{f:#}"
        );
        assert_eq!(v["verdict"], "valid", "{f:#}");
    }
    assert!(
        text(&o).contains("the leaked tokens were not presented"),
        "{}",
        text(&o)
    );

    // Without an administrator, PATs answer for themselves and other families cannot be checked.
    let o = run(
        dir.path(),
        &sim,
        DEV,
        &[
            "--format",
            "jsonl",
            "scan",
            "--gitlab-jobs",
            "acme/app",
            "--since",
            "2025-01-01",
            "--artifacts",
            "--verify",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let verdicts: Vec<(String, String)> = jsonl(&o)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["verification"]["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        verdicts.contains(&("gitlab-pat".into(), "valid".into())),
        "{verdicts:?}"
    );
    assert!(
        verdicts.contains(&("gitlab-deploy-token".into(), "not_verifiable".into())),
        "{verdicts:?}"
    );
}

#[test]
fn variable_audit_names_leaked_values_without_printing_them() {
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &[
            "--format",
            "jsonl",
            "scan",
            "--gitlab-variables",
            "acme/app",
            "--since",
            "2025-01-01",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    no_planted_secret(&text(&o));
    // The summary counts the leak: never "0 findings" over a listed one.
    assert!(
        text(&o).contains("1 CI/CD variables found in job logs"),
        "{}",
        text(&o)
    );
    let reports = jsonl(&o);
    let by_key = |key: &str| {
        reports
            .iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("{key}: {reports:#?}"))
    };
    let leaky = by_key("API_SECRET_KEY");
    assert_eq!(leaky["leaked_in_jobs"], serde_json::json!([202, 203, 204]));
    assert_eq!(
        leaky["encodings"],
        serde_json::json!(["base64", "plain", "url-encoded"])
    );
    assert_eq!(
        leaky["fingerprint"],
        glir_redact::fingerprint("Sim+Leak/Secret=Value!2026")
    );
    let flags = leaky["flags"].to_string();
    assert!(flags.contains("unmasked secret-looking"), "{flags}");
    assert!(flags.contains("unprotected"), "{flags}");
    let masked = by_key("DEPLOY_PASSWORD");
    assert_eq!(masked["leaked_in_jobs"], serde_json::json!([]));
    assert_eq!(masked["flags"], serde_json::json!([]));
    assert_eq!(by_key("HIDDEN_SIGNING_KEY")["hidden"], true);
    assert!(
        reports.iter().any(|r| r["defined_in"] == "group acme"),
        "{reports:#?}"
    );

    let o = run(
        dir.path(),
        &sim,
        GUEST,
        &["scan", "--gitlab-variables", "acme/app"],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("needs Maintainer"), "{}", text(&o));
}

#[test]
fn token_inspect_describes_owner_scopes_and_state() {
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &["token", "inspect"],
        Some("glpat-SimExpiredToken00001\n"),
    );
    let shown = text(&o);
    assert!(o.status.success(), "{shown}");
    assert!(shown.contains("POST /api/v4/admin/token"), "{shown}");
    assert!(shown.contains("inactive (expired)"), "{shown}");
    assert!(shown.contains("owner               dev"), "{shown}");
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &["token", "inspect"],
        Some("gldt-SimDeployRevoked0001\n"),
    );
    assert!(
        text(&o).contains("state               revoked"),
        "{}",
        text(&o)
    );
    // No administrator: the PAT is described only when the responder opts in to using it.
    let o = run(
        dir.path(),
        &sim,
        GUEST,
        &["token", "inspect"],
        Some(&format!("{DEV}\n")),
    );
    assert!(text(&o).contains("add --use-token"), "{}", text(&o));
    let o = run(
        dir.path(),
        &sim,
        GUEST,
        &["token", "inspect", "--use-token"],
        Some(&format!("{DEV}\n")),
    );
    let shown = text(&o);
    assert!(shown.contains("personal_access_tokens/self"), "{shown}");
    assert!(shown.contains("updates its last-used time"), "{shown}");
    assert!(shown.contains("read_api: read everything"), "{shown}");
    for token in [
        DEV,
        "glpat-SimExpiredToken00001",
        "gldt-SimDeployRevoked0001",
    ] {
        assert!(!text(&o).contains(token));
    }
}

#[test]
fn without_an_administrator_deploy_tokens_and_triggers_are_matched_in_their_project() {
    const OWNER: &str = "glpat-SimOwnerToken0000001";
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &sim,
        OWNER,
        &["token", "inspect", "--project", "acme/app"],
        Some("gldt-SimDeployActive00001\n"),
    );
    let shown = text(&o);
    assert!(o.status.success(), "{shown}");
    assert!(shown.contains("candidate"), "{shown}");
    assert!(shown.contains("deploy_tokens"), "{shown}");
    let o = run(
        dir.path(),
        &sim,
        OWNER,
        &["token", "inspect", "--project", "acme/app"],
        Some("glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13\n"),
    );
    let shown = text(&o);
    assert!(shown.contains("trigger "), "{shown}");
    assert!(!shown.contains("not among"), "{shown}");
    assert!(
        !shown.contains("glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13"),
        "{shown}"
    );
}

#[test]
fn a_leaked_deploy_token_is_revoked_by_apply_reading_it_from_stdin() {
    const DEPLOY: &str = "gldt-SimDeployActive00001";
    let sim = start();
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &[
            "respond",
            "token-exposure",
            "--case",
            "dt",
            "--since",
            "2025-01-01",
        ],
        Some(&format!("{DEPLOY}\n")),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("through the admin token API"),
        "{}",
        text(&o)
    );
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &["apply", "dt", "--yes"],
        Some(&format!("{DEPLOY}\n")),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("applied"), "{}", text(&o));
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &["token", "inspect"],
        Some(&format!("{DEPLOY}\n")),
    );
    let shown = text(&o);
    assert!(
        shown.contains("revoked") || shown.contains("unknown to GitLab"),
        "{shown}"
    );
    assert!(!shown.contains(DEPLOY));
}

#[test]
fn job_logs_that_could_not_be_read_make_an_empty_scan_partial() {
    let sim = start();
    // Every log answers 500, past the retries.
    sim.handle.inject(glir_sim::Fault {
        path_contains: "/trace".into(),
        kind: glir_sim::FaultKind::ServerError { status: 500 },
        times: 10_000,
    });
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &sim,
        ADMIN,
        &[
            "--deadline",
            "3",
            "scan",
            "--gitlab-jobs",
            "acme",
            "--since",
            "2025-01-01",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        text(&o).contains("coverage: partial:") && text(&o).contains("could not be read"),
        "{}",
        text(&o)
    );
}
