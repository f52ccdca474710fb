//! `glir user` and `glir undo` as a responder types them: a block applied in a case and undone,
//! the case still verifying, and no change without a confirmation.

mod common;

use common::{run_against, text};
use glir_sim::Scenario;
use glir_test_support::BlockingSim as Sim;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const ADMIN: &str = "glpat-SimAdminToken0000001";

fn glir(dir: &Path, sim: &Sim, args: &[&str]) -> Output {
    run_against(dir, &sim.url, ADMIN, args, "")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", text(out)))
}

/// The account's state as the simulator holds it (`/-/sim/state`), not as glir reports it.
fn state_of(sim: &Sim, username: &str) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state: Value = rt.block_on(async {
        reqwest::get(format!("{}/-/sim/state", sim.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("no {username} in {state}"))["state"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_block_is_undone_and_the_case_still_verifies() {
    let sim = Sim::start(Scenario::credentials());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let out = glir(
        d,
        &sim,
        &[
            "--format", "json", "user", "block", "dev", "--case", "c1", "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let blocked = json_of(&out);
    assert_eq!(
        blocked["applied"]["results"][0]["outcome"], "applied",
        "{blocked}"
    );
    assert_eq!(state_of(&sim, "dev"), "blocked");
    let hash = blocked["applied"]["results"][0]["journal_hash"]
        .as_str()
        .unwrap()
        .to_string();

    // The table names the step undone and the inverse planned for it.
    let out = glir(d, &sim, &["undo", "c1", &hash[..12], "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("unblock user 2"), "{shown}");
    assert!(shown.contains(&format!("undoes: {hash}")), "{shown}");
    assert_eq!(state_of(&sim, "dev"), "active");

    // Undone once is enough; the case says so and changes nothing.
    let out = glir(d, &sim, &["undo", "c1", &hash[..12], "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("already undone"), "{}", text(&out));

    let out = glir(d, &sim, &["case", "verify", "c1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("OK"),
        "{}",
        text(&out)
    );
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_changed() {
    let sim = Sim::start(Scenario::credentials());
    let dir = tempfile::tempdir().unwrap();
    let out = glir(dir.path(), &sim, &["user", "block", "dev", "--case", "c2"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("pass --yes"), "{}", text(&out));
    assert_eq!(state_of(&sim, "dev"), "active");
}

#[test]
fn undo_of_a_password_reset_is_refused_with_gitlabs_reason() {
    let sim = Sim::start(Scenario::credentials());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = glir(
        d,
        &sim,
        &[
            "--format",
            "json",
            "user",
            "reset-password",
            "ops",
            "--case",
            "c3",
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reset = json_of(&out);
    let hash = reset["applied"]["results"][0]["journal_hash"]
        .as_str()
        .unwrap()
        .to_string();
    let out = glir(d, &sim, &["undo", "c3", &hash[..12], "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("GitLab cannot restore a password"),
        "{}",
        text(&out)
    );
}

#[test]
fn user_show_reads_the_account_without_a_case() {
    let sim = Sim::start(Scenario::credentials());
    let dir = tempfile::tempdir().unwrap();
    let out = glir(dir.path(), &sim, &["user", "show", "dev"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    for line in [
        "dev (id 2)",
        "state",
        "active",
        "2FA",
        "off",
        "last sign-in",
    ] {
        assert!(shown.contains(line), "{line} not in {shown}");
    }
    assert!(!dir.path().join("data/cases").exists());
}
