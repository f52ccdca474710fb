//! `glir users` and `glir inventory` as a responder runs them against the simulated credential
//! fixture: stored in a case, compared with an earlier run after an intrusion, exit 4 for a
//! token that sees less, and no secret of the instance in any output or file.

mod common;

use common::{run_against, text};
use glir_sim::Scenario;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const ADMIN: &str = "glpat-SimAdminToken0000001";
const OWNER: &str = "glpat-SimOwnerToken0000001";
const DEV: &str = "glpat-SimDevToken100000001";

/// The fixture after an intrusion: a new token for dev, a hook on acme/app, dev's read token
/// revoked.
fn after_intrusion(mut s: Scenario) -> Scenario {
    let mut token = s.tokens[1].clone();
    token.id = 50;
    token.token = "glpat-SimAttackerAdded0001".to_string();
    token.name = "backup".to_string();
    token.last_used_at = None;
    token.last_used_ips = Vec::new();
    s.tokens.push(token);
    s.tokens[1].revoked = true;
    let mut hook = s.projects[0].hooks[0].clone();
    hook.id = 450;
    hook.url = "https://collector.example.net/in".to_string();
    s.projects[0].hooks.push(hook);
    s
}

/// Every plaintext secret of the scenario.
fn plaintexts(s: &Scenario) -> Vec<String> {
    let mut all: Vec<String> = s.tokens.iter().map(|t| t.token.clone()).collect();
    all.extend(s.deploy_tokens.iter().map(|t| t.token.clone()));
    all.extend(s.triggers.iter().map(|t| t.token.clone()));
    all.extend(s.runners.iter().map(|r| r.token.clone()));
    all.extend(s.applications.iter().map(|a| a.secret.clone()));
    all.extend(s.jobs.iter().filter_map(|j| j.token.clone()));
    let variables = s
        .groups
        .iter()
        .flat_map(|g| &g.variables)
        .chain(s.projects.iter().flat_map(|p| &p.variables));
    all.extend(variables.map(|v| v.value.clone()));
    all
}

fn assert_no_plaintext(what: &str, bytes: &[u8], secrets: &[String]) {
    let text = String::from_utf8_lossy(bytes);
    for secret in secrets {
        let escaped = serde_json::to_string(secret).unwrap();
        assert!(
            !text.contains(secret.as_str()) && !text.contains(escaped.trim_matches('"')),
            "{what} holds a plaintext of the scenario ({}…)",
            &secret[..8]
        );
    }
}

/// Every file under `dir`, read.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

struct Run<'a> {
    dir: &'a Path,
    url: String,
    outputs: Vec<Output>,
}

impl Run<'_> {
    fn glir(&mut self, token: &str, args: &[&str]) -> Output {
        let out = run_against(self.dir, &self.url, token, args, "");
        self.outputs.push(out.clone());
        out
    }

    fn json(&mut self, token: &str, args: &[&str]) -> Value {
        let out = self.glir(token, &[&["--format", "json"], args].concat());
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}): {}", text(&out)))
    }
}

#[test]
fn an_inventory_stored_in_a_case_then_compared_after_an_intrusion() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let before = Scenario::credentials();
    let sim = rt.block_on(glir_sim::start(before.clone())).unwrap();
    let addr = sim.addr();
    let dir = tempfile::tempdir().unwrap();
    let mut run = Run {
        dir: dir.path(),
        url: sim.url(),
        outputs: Vec::new(),
    };

    let first = run.json(ADMIN, &["inventory", "--case", "drill"]);
    assert_eq!(
        run.outputs[0].status.code(),
        Some(0),
        "{}",
        text(&run.outputs[0])
    );
    assert_eq!(first["glir_inventory"], 1, "{first}");
    assert_eq!(first["complete"], true);
    let listed = first["credentials"].as_array().unwrap();
    for kind in [
        "personal_access_token",
        "deploy_key",
        "runner",
        "ci_variable",
    ] {
        assert!(listed.iter().any(|c| c["kind"] == kind), "no {kind}");
    }
    let document = String::from_utf8_lossy(&run.outputs[0].stdout).to_string();
    assert!(
        document.contains("exfil.example.net"),
        "a hook's host is shown"
    );
    assert!(
        !document.contains("exfil.example.net/collect"),
        "a hook's whole URL is kept"
    );
    let old = dir.path().join("old.json");
    std::fs::write(&old, &run.outputs[0].stdout).unwrap();

    let table = run.glir(
        ADMIN,
        &["inventory", "--kind", "webhook", "--kind", "trigger_token"],
    );
    let shown = String::from_utf8_lossy(&table.stdout);
    assert_eq!(table.status.code(), Some(0), "{}", text(&table));
    assert!(shown.starts_with("KIND"), "{shown}");
    assert!(shown.contains("complete: every family"), "{shown}");
    let hooks = shown.lines().filter(|l| l.starts_with("webhook")).count();
    assert_eq!(hooks, 4, "{shown}");

    let csv = run.glir(
        ADMIN,
        &["--format", "csv", "inventory", "--kind", "ci_variable"],
    );
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(csv.starts_with("key,kind,owner,"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 6, "{csv}");
    assert!(csv.contains("value_fingerprint=sha256:"), "{csv}");

    let users = run.json(ADMIN, &["users", "--case", "drill"]);
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), before.users.len());
    assert_eq!(users[0]["username"], "root");
    assert_eq!(users[0]["admin"], true);
    assert!(users[0]["current_sign_in_ip"].is_string(), "{}", users[0]);

    // A day later: the same instance after an intrusion.
    rt.block_on(sim.shutdown());
    let sim = rt
        .block_on(glir_sim::start_on(after_intrusion(before.clone()), addr))
        .unwrap();
    let old_arg = old.to_str().unwrap();
    let d = run.json(
        ADMIN,
        &["inventory", "--since-inventory", old_arg, "--case", "drill"],
    );
    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{}:{}",
                    c["kind"].as_str().unwrap(),
                    c["id"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        ids(&d["appeared"]),
        ["personal_access_token:50", "webhook:450"],
        "{d}"
    );
    assert!(ids(&d["disappeared"]).is_empty(), "{d}");
    let changed = d["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{d}");
    assert_eq!(changed[0]["credential"]["id"], "2");
    assert_eq!(changed[0]["changes"][0]["field"], "state");
    assert_eq!(changed[0]["changes"][0]["to"], "revoked");

    let table = run.glir(ADMIN, &["inventory", "--since-inventory", old_arg]);
    let shown = String::from_utf8_lossy(&table.stdout);
    assert!(shown.contains("appeared"), "{shown}");
    assert!(shown.contains("state: active → revoked"), "{shown}");
    assert!(
        shown.contains("2 appeared, 0 disappeared, 1 changed"),
        "{shown}"
    );

    // The case holds both inventories, the comparison and the user review, and verifies.
    let case = dir.path().join("data/cases/drill");
    let evidence: Vec<String> = files(&case.join("evidence"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        evidence
            .iter()
            .filter(|p| p.contains("/inventory/"))
            .count(),
        3,
        "{evidence:?}"
    );
    assert_eq!(
        evidence.iter().filter(|p| p.contains("/users/")).count(),
        1,
        "{evidence:?}"
    );
    let verified = run.json(ADMIN, &["case", "verify", "drill"]);
    assert_eq!(verified["problems"], Value::Array(Vec::new()), "{verified}");

    let secrets = plaintexts(&after_intrusion(before));
    for (i, out) in run.outputs.iter().enumerate() {
        assert_no_plaintext(&format!("output {i}"), &out.stdout, &secrets);
        assert_no_plaintext(&format!("stderr {i}"), &out.stderr, &secrets);
    }
    for (path, bytes) in files(dir.path()) {
        assert_no_plaintext(&path, &bytes, &secrets);
    }
    rt.block_on(sim.shutdown());
}

#[test]
fn a_token_that_sees_less_exits_4_and_says_what_it_lacks() {
    let sim = glir_test_support::BlockingSim::start(Scenario::credentials());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let out = run_against(d, &sim.url, OWNER, &["inventory"], "");
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(4), "{shown}");
    assert!(shown.contains("INCOMPLETE"), "{shown}");
    assert!(
        shown.contains("an administrator sees OAuth applications"),
        "{shown}"
    );
    let out = run_against(d, &sim.url, OWNER, &["inventory", "--group", "acme"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = run_against(d, &sim.url, DEV, &["--format", "csv", "users"], "");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not an administrator"), "{stderr}");
    let rows = String::from_utf8_lossy(&out.stdout);
    assert!(!rows.contains("blocked-user"), "{rows}");

    let wrong = d.join("not-an-inventory.json");
    std::fs::write(&wrong, "[]").unwrap();
    let args = ["inventory", "--since-inventory", wrong.to_str().unwrap()];
    let asked = sim.handle.requests("/api/v4/");
    let out = run_against(d, &sim.url, ADMIN, &args, "");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("is not a glir inventory"),
        "{}",
        text(&out)
    );
    // Refused before GitLab was asked anything.
    assert_eq!(sim.handle.requests("/api/v4/"), asked);
}
