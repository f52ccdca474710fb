//! The credential fixture, CI jobs and variables: what the scenario holds, what GitLab's bodies
//! look like on the wire, and validation of the new scenario sections.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{ADMIN, DEV, OWNER, get, get_json, header};
use glir_sim::{Scenario, SimError, SimHandle};
use serde_json::{Value, json};

async fn fixture() -> SimHandle {
    glir_sim::start(Scenario::credentials())
        .await
        .expect("sim starts")
}

fn trace(s: &Scenario, id: i64) -> &str {
    s.jobs
        .iter()
        .find(|j| j.id == id)
        .and_then(|j| j.trace.as_deref())
        .expect("job with a log")
}

/// Drops ANSI escape sequences (`ESC [ … letter`), as a log scanner must.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn fixture_leaks_the_unmasked_variable_in_three_encodings() {
    let s = Scenario::credentials();
    s.validate().expect("fixture validates");
    let app = &s.projects[0];
    let leaky = app
        .variables
        .iter()
        .find(|v| v.key == "API_SECRET_KEY")
        .expect("leaky variable");
    assert!(!leaky.masked && !leaky.protected);
    let b64 = STANDARD.encode(&leaky.value);
    let url: String = url::form_urlencoded::byte_serialize(leaky.value.as_bytes()).collect();
    assert_ne!(url, leaky.value, "the value must change when URL-encoded");

    assert!(trace(&s, 202).contains(&leaky.value));
    assert!(trace(&s, 203).contains(&b64) && !trace(&s, 203).contains(&leaky.value));
    assert!(trace(&s, 204).contains(&url) && !trace(&s, 204).contains(&leaky.value));
    // The masked one never appears; GitLab printed [MASKED] instead.
    let masked = app
        .variables
        .iter()
        .find(|v| v.masked && !v.hidden)
        .expect("masked");
    assert!(
        s.jobs
            .iter()
            .filter_map(|j| j.trace.as_deref())
            .all(|t| !t.contains(&masked.value))
    );
    assert!(trace(&s, 201).contains("[MASKED]"));
}

#[test]
fn build_log_hides_tokens_behind_colours_and_double_base64() {
    let s = Scenario::credentials();
    let log = trace(&s, 201);
    let owner_token = "glpat-SimOwnerToken0000001";
    assert!(!log.contains(owner_token), "split by a colour code");
    assert!(strip_ansi(log).contains(owner_token));
    assert!(log.contains("\u{1b}[0Ksection_start:") && log.contains("section_end:"));

    let decoded_twice = strip_ansi(log)
        .lines()
        .filter_map(|line| STANDARD.decode(line.trim()).ok())
        .filter_map(|once| STANDARD.decode(once).ok())
        .map(|twice| String::from_utf8_lossy(&twice).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(decoded_twice.contains("glpat-SimProjectBot0000001"));
    assert!(!log.contains("glpat-SimProjectBot0000001"));
}

#[test]
fn demo_leaks_danas_token_in_an_acme_app_job_log() {
    let demo = Scenario::demo();
    let leaked = "glpat-DemoLeakedDana0001";
    assert!(
        demo.tokens
            .iter()
            .any(|t| t.token == leaked && t.name == "deploy-automation")
    );
    let leaking: Vec<i64> = demo
        .jobs
        .iter()
        .filter(|j| j.project == "acme/app")
        .filter(|j| j.trace.as_deref().is_some_and(|t| t.contains(leaked)))
        .map(|j| j.id)
        .collect();
    assert!(!leaking.is_empty());
    let app = demo
        .projects
        .iter()
        .find(|p| p.namespace == "acme" && p.path == "app")
        .expect("acme/app");
    assert!(app.variables.iter().any(|v| v.value == leaked && !v.masked));
}

#[tokio::test]
async fn demo_serves_the_leaking_log() {
    let sim = glir_sim::start(Scenario::demo()).await.expect("sim starts");
    let (status, jobs) = get_json(
        &sim,
        "glpat-DemoRootAdmin000000",
        "/projects/acme%2Fapp/jobs",
    )
    .await;
    assert_eq!(status, 200, "{jobs}");
    let mut found = false;
    for job in jobs.as_array().expect("jobs") {
        let id = job["id"].as_i64().expect("id");
        let resp = get(
            &sim,
            "glpat-DemoRootAdmin000000",
            &format!("/projects/acme%2Fapp/jobs/{id}/trace"),
        )
        .await;
        found |= resp
            .text()
            .await
            .expect("text")
            .contains("glpat-DemoLeakedDana0001");
    }
    assert!(found);
}

#[tokio::test]
async fn trace_and_artifacts_have_gitlab_content_types() {
    let sim = fixture().await;
    let resp = get(&sim, DEV, "/projects/acme%2Fapp/jobs/201/trace").await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(header(&resp, "content-type").is_some_and(|v| v.starts_with("text/plain")));
    let resp = get(&sim, DEV, "/projects/acme%2Fapp/jobs/201/artifacts").await;
    assert_eq!(header(&resp, "content-type"), Some("application/zip"));
    let bytes = resp.bytes().await.expect("zip");
    assert!(bytes.starts_with(b"PK\x03\x04"));
    // A job of another project is not found through this one.
    let (status, body) = get_json(&sim, DEV, "/projects/acme%2Fapp/jobs/99999/trace").await;
    assert_eq!(
        (status, body),
        (404, json!({"message": "404 Job Not Found"}))
    );
}

#[tokio::test]
async fn error_bodies_are_gitlabs() {
    let sim = fixture().await;
    let (status, body) = get_json(
        &sim,
        "glpat-SimExpiredToken00001",
        "/personal_access_tokens/self",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    let (status, body) = get_json(
        &sim,
        "glpat-SimRevokedToken00001",
        "/personal_access_tokens/self",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("revoked"))
    );
    let (status, body) = get_json(&sim, "glpat-SimBlockedUser000001", "/user").await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"message": "403 Forbidden - Your account has been blocked."})
        )
    );
    let (status, body) = get_json(&sim, DEV, "/projects/acme%2Fapp/variables").await;
    assert_eq!((status, body), (403, json!({"message": "403 Forbidden"})));

    let http = reqwest::Client::new();
    let verify = http
        .post(format!("{}/api/v4/runners/verify", sim.url()))
        .form(&[("token", "glrt-NoSuchRunnerToken0001")])
        .send()
        .await
        .expect("verify");
    assert_eq!(verify.status().as_u16(), 403);
    let missing = http
        .post(format!("{}/api/v4/admin/token", sim.url()))
        .header("PRIVATE-TOKEN", ADMIN)
        .json(&json!({}))
        .send()
        .await
        .expect("lookup");
    assert_eq!(missing.status().as_u16(), 400);
    let read_only = http
        .post(format!("{}/api/v4/admin/token", sim.url()))
        .header("PRIVATE-TOKEN", "glpat-SimDevToken100000001")
        .json(&json!({"token": OWNER}))
        .send()
        .await
        .expect("lookup");
    // A POST needs the `api` scope; the read_api token is refused before the admin check.
    let body: Value = read_only.json().await.expect("json");
    assert_eq!(body["error"], "insufficient_scope");
}

#[tokio::test]
async fn hidden_variable_values_are_null_on_the_wire() {
    let sim = fixture().await;
    let (status, body) = get_json(&sim, OWNER, "/projects/acme%2Fapp/variables").await;
    assert_eq!(status, 200);
    let hidden = body
        .as_array()
        .expect("array")
        .iter()
        .find(|v| v["key"] == "HIDDEN_SIGNING_KEY")
        .expect("hidden variable");
    assert_eq!(hidden["value"], Value::Null);
    assert_eq!(hidden["hidden"], true);
}

fn with_fixture(mutate: impl FnOnce(&mut Value)) -> SimError {
    let mut doc = serde_json::to_value(Scenario::credentials()).expect("serialise");
    mutate(&mut doc);
    Scenario::from_json_str(&doc.to_string()).expect_err("scenario should be rejected")
}

#[test]
fn fixture_round_trips_through_json() {
    let doc = serde_json::to_string(&Scenario::credentials()).expect("serialise");
    assert_eq!(
        Scenario::from_json_str(&doc).expect("parses"),
        Scenario::credentials()
    );
}

#[test]
fn new_sections_name_the_offending_field() {
    let cases: Vec<(SimError, &str)> = vec![
        (
            with_fixture(|d| d["jobs"][0]["project"] = json!("acme/nope")),
            "jobs[0].project",
        ),
        (
            with_fixture(|d| d["jobs"][1]["status"] = json!("exploded")),
            "jobs[1].status",
        ),
        (
            with_fixture(|d| d["jobs"][1]["user"] = json!("nobody")),
            "jobs[1].user",
        ),
        (
            with_fixture(|d| d["jobs"][0]["artifacts"][0]["path"] = json!("../escape")),
            "jobs[0].artifacts[0].path",
        ),
        (
            with_fixture(|d| d["deploy_tokens"][0]["group"] = json!("acme")),
            "deploy_tokens[0].project",
        ),
        (
            with_fixture(|d| d["triggers"][0]["token"] = json!("gldt-SimDeployActive00001")),
            "triggers[0].token",
        ),
        (
            with_fixture(|d| d["runners"][1]["id"] = json!(1)),
            "runners[1].id",
        ),
        (
            with_fixture(|d| d["projects"][0]["variables"][0]["key"] = json!("BAD-KEY")),
            "projects[0].variables[0].key",
        ),
        (
            with_fixture(|d| d["projects"][0]["variables"][1]["hidden"] = json!(true)),
            "projects[0].variables[1].masked",
        ),
        (
            with_fixture(|d| d["tokens"][6]["resource"] = json!("acme/nope")),
            "tokens[6].resource",
        ),
        (
            with_fixture(|d| d["jobs"][0]["stray"] = json!(1)),
            "jobs[0]",
        ),
    ];
    for (err, field) in cases {
        let text = err.to_string();
        assert!(text.contains(field), "{field}: {text}");
        // Secrets in the fixture never appear in a validation message.
        assert!(!text.contains("SimDeployActive"), "{text}");
    }
}
