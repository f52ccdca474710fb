//! `glir whoami` as the capability map: every containment action has a row, and the command
//! shows every answer as a table and as one JSON document.

mod common;

use common::{run_against, text};
use glir_probe::REQUIREMENTS;
use glir_respond::Action;
use glir_test_support::BlockingSim;
use std::collections::BTreeSet;

/// Every `Action` variant, by its plan-file name: serde lists them when asked for one it does
/// not know, so a new variant is here without anyone adding it.
fn action_names() -> BTreeSet<String> {
    let err = serde_json::from_value::<Action>(serde_json::json!({"action": "no such action"}))
        .expect_err("not an action");
    let message = err.to_string();
    let listed = message
        .split_once("expected one of")
        .unwrap_or_else(|| panic!("serde did not list the variants: {message}"))
        .1;
    listed
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_containment_action_has_a_capability_row() {
    let actions = action_names();
    // The list is the enum's, not an empty or partial parse.
    for known in [
        "revoke_personal_access_token",
        "block_user",
        "set_project_visibility",
    ] {
        assert!(actions.contains(known), "{known} missing from {actions:?}");
    }
    let covered: BTreeSet<&str> = REQUIREMENTS
        .iter()
        .flat_map(|r| r.actions.iter().copied())
        .collect();
    // `manual` is done by a person, outside GitLab's API: nothing for a token to allow.
    let missing: Vec<&String> = actions
        .iter()
        .filter(|a| a.as_str() != "manual" && !covered.contains(a.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "actions without a row in glir-probe's REQUIREMENTS: {missing:?}"
    );
    let stale: Vec<&&str> = covered.iter().filter(|a| !actions.contains(**a)).collect();
    assert!(
        stale.is_empty(),
        "rows name actions that do not exist: {stale:?}"
    );
}

const OWNER: &str = "glpat-SimOwnerToken0000001";

#[test]
fn whoami_prints_the_map_and_writes_it_as_one_json_document() {
    let sim = BlockingSim::synthetic(3);
    let dir = tempfile::tempdir().unwrap();
    let targets = ["--group", "acme", "--project", "acme/app"];

    let mut args = vec!["whoami"];
    args.extend(targets);
    let out = run_against(dir.path(), &sim.url, OWNER, &args, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("User       ops"), "{shown}");
    let row = |name: &str| {
        shown
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no row {name}: {shown}"))
            .trim_start()
            .to_string()
    };
    let group_token = row("revoke a group access token (acme)");
    assert!(
        group_token.starts_with("yes") && group_token.ends_with("Owner of acme"),
        "{group_token}"
    );
    let block = row("block or unblock a user");
    assert!(
        block.starts_with("no") && block.ends_with("needs an administrator"),
        "{block}"
    );

    let mut args = vec!["--format", "json", "whoami"];
    args.extend(targets);
    let out = run_against(dir.path(), &sim.url, OWNER, &args, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(doc["username"], "ops");
    let caps = doc["capabilities"].as_array().expect("capabilities");
    assert_eq!(caps.len(), REQUIREMENTS.len());
    for (c, r) in caps.iter().zip(REQUIREMENTS) {
        assert_eq!(c["command"], r.command, "{c}");
        for field in ["name", "scope", "answer", "reason"] {
            assert!(c[field].is_string(), "{field} in {c}");
        }
        assert!(c["needs"]["role"].is_string(), "{c}");
        assert!(c["needs"]["tier"].is_string(), "{c}");
    }
    let group_token = caps
        .iter()
        .find(|c| c["name"] == "revoke a group access token (acme)")
        .expect("the group access token row");
    assert_eq!(group_token["answer"], "yes");
    assert_eq!(group_token["scope"], "group");
    assert_eq!(group_token["needs"]["role"], "owner");
    assert_eq!(group_token["needs"]["token_scope"], "api");
    assert_eq!(group_token["actions"][0], "revoke_group_access_token");
}
