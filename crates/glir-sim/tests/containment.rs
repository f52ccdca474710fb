//! Containing the demo incident over raw HTTP: the attacker's persistence is seeded, each
//! removal is visible in `/-/sim/state`, and each writes GitLab's audit event by the caller.

mod common;

use common::header;
use glir_sim::{Scenario, SimHandle};
use serde_json::{Value, json};

const ROOT: &str = "glpat-DemoRootAdmin000000";
const LEAKED: &str = "glpat-DemoLeakedDana0001";
const BACKUP: &str = "glpat-DemoAttackerBackup01";

async fn demo() -> SimHandle {
    glir_sim::start(Scenario::demo()).await.expect("sim starts")
}

async fn send(
    sim: &SimHandle,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}/api/v4{path}", sim.url()))
        .header("PRIVATE-TOKEN", token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("request completes");
    let status = resp.status().as_u16();
    let request_id = header(&resp, "x-request-id").map(str::to_string);
    let text = resp.text().await.expect("body");
    (
        status,
        request_id,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn state(sim: &SimHandle) -> Value {
    reqwest::get(format!("{}/-/sim/state", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn newest_event(sim: &SimHandle) -> Value {
    let (status, _, events) = send(sim, reqwest::Method::GET, ROOT, "/audit_events", None).await;
    assert_eq!(status, 200);
    events[0].clone()
}

#[tokio::test]
async fn demo_seeds_the_attackers_persistence() {
    let sim = demo().await;
    let s = state(&sim).await;
    let dana = &s["users"][1];
    assert_eq!(dana["username"], "dana");
    assert_eq!(
        dana["ssh_keys"],
        json!([40, 42]),
        "42 is the key the attacker added"
    );
    let tokens: Vec<&Value> = s["tokens"].as_array().unwrap().iter().collect();
    assert!(
        tokens
            .iter()
            .any(|t| t["name"] == "backup" && t["revoked"] == false)
    );
    let payments = &s["projects"][1];
    assert_eq!(payments["hooks"], json!([72]));
    let app = &s["projects"][3];
    assert!(
        app["variables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["key"] == "DEPLOY_API_TOKEN" && v["masked"] == false)
    );
    let text = s.to_string();
    for secret in [LEAKED, BACKUP, ROOT, "AcmeRegistryPw2026x"] {
        assert!(!text.contains(secret), "state leaks {secret}");
    }
    let (_, _, hooks) = send(
        &sim,
        reqwest::Method::GET,
        ROOT,
        "/projects/acme%2Fpayments/hooks",
        None,
    )
    .await;
    assert_eq!(hooks[0]["url"], "https://exfil.example.net/collect");
    assert!(
        hooks[0].get("token").is_none(),
        "GitLab never returns hook secrets"
    );
}

#[tokio::test]
async fn containing_the_demo_incident() {
    let sim = demo().await;
    use reqwest::Method;
    // The attacker's second token works until revoked.
    assert_eq!(send(&sim, Method::GET, BACKUP, "/user", None).await.0, 200);
    let (status, request_id, _) = send(
        &sim,
        Method::DELETE,
        ROOT,
        "/personal_access_tokens/4",
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(request_id.is_some());
    assert_eq!(send(&sim, Method::GET, BACKUP, "/user", None).await.0, 401);
    let event = newest_event(&sim).await;
    assert_eq!(event["event_name"], "personal_access_token_revoked");
    assert_eq!(event["author_id"], 1);
    assert_eq!(event["details"]["author_name"], "Administrator");
    assert_eq!(event["entity_id"], 2);

    assert_eq!(
        send(&sim, Method::DELETE, ROOT, "/users/2/keys/42", None)
            .await
            .0,
        204
    );
    assert_eq!(newest_event(&sim).await["event_name"], "remove_ssh_key");
    assert_eq!(
        send(&sim, Method::DELETE, ROOT, "/users/2/keys/42", None)
            .await
            .0,
        404
    );

    assert_eq!(
        send(
            &sim,
            Method::DELETE,
            ROOT,
            "/projects/acme%2Fpayments/hooks/72",
            None
        )
        .await
        .0,
        204
    );
    let event = newest_event(&sim).await;
    assert_eq!(event["event_name"], "webhook_destroyed");
    assert_eq!(event["details"]["target_type"], "ProjectHook");

    assert_eq!(
        send(&sim, Method::POST, ROOT, "/users/2/block", None)
            .await
            .0,
        201
    );
    assert_eq!(send(&sim, Method::GET, LEAKED, "/user", None).await.0, 403);

    let (status, _, var) = send(
        &sim,
        Method::PUT,
        ROOT,
        "/projects/acme%2Fapp/variables/DEPLOY_API_TOKEN",
        Some(json!({"masked": true, "protected": true})),
    )
    .await;
    assert_eq!(status, 200, "{var}");
    assert_eq!(var["masked"], true);

    let (status, _, project) = send(
        &sim,
        Method::PUT,
        ROOT,
        "/projects/acme%2Finfra",
        Some(json!({"visibility": "private"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(project["visibility"], "private");
    let event = newest_event(&sim).await;
    assert_eq!(event["event_name"], "project_visibility_level_updated");
    assert_eq!(event["details"]["from"], "Public");
    assert_eq!(event["details"]["to"], "Private");

    let s = state(&sim).await;
    assert_eq!(s["users"][1]["state"], "blocked");
    assert_eq!(s["users"][1]["ssh_keys"], json!([40]));
    assert_eq!(s["projects"][1]["hooks"], json!([]));
    assert_eq!(s["projects"][2]["visibility"], "private");
}

#[tokio::test]
async fn writes_need_the_api_scope() {
    let sim = demo().await;
    // alice's token is read_api only.
    let (status, _, body) = send(
        &sim,
        reqwest::Method::DELETE,
        "glpat-DemoAliceRead00001",
        "/personal_access_tokens/3",
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "insufficient_scope");
}

#[tokio::test]
async fn mutation_answers_and_error_bodies_are_gitlabs() {
    use reqwest::Method;
    let sim = glir_sim::start(Scenario::credentials())
        .await
        .expect("sim starts");
    let admin = common::ADMIN;
    // Blocking twice: 201 `true`, then 201 `null` (lib/api/users.rb `break if user.blocked?`).
    let (status, _, body) = send(&sim, Method::POST, admin, "/users/2/block", None).await;
    assert_eq!((status, body), (201, json!(true)));
    let (status, _, body) = send(&sim, Method::POST, admin, "/users/2/block", None).await;
    assert_eq!((status, body), (201, Value::Null));
    // Banning a blocked user is the service's state error.
    let (status, _, body) = send(&sim, Method::POST, admin, "/users/2/ban", None).await;
    assert_eq!(status, 403);
    assert_eq!(body["message"], "You cannot ban blocked users.");
    let (status, _, body) = send(&sim, Method::POST, admin, "/users/999/block", None).await;
    assert_eq!(
        (status, body["message"].clone()),
        (404, json!("404 User Not Found"))
    );

    // A value GitLab cannot mask is a validation error naming the field.
    let (status, _, body) = send(
        &sim,
        Method::PUT,
        admin,
        "/projects/acme%2Fapp/variables/API_SECRET_KEY",
        Some(json!({"masked": true})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body, json!({"message": {"value": ["cannot be masked"]}}));

    let protect = Some(json!({"name": "main", "push_access_level": 40}));
    let (status, _, body) = send(
        &sim,
        Method::POST,
        admin,
        "/projects/acme%2Fapp/protected_branches",
        protect,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["message"], "Protected branch 'main' already exists");

    let (status, _, body) = send(
        &sim,
        Method::DELETE,
        admin,
        "/projects/acme%2Fapp/access_tokens/999",
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        "404 Could not find project access token with token_id: 999 Not Found"
    );
    // Runner reset needs the manage_runner or api scope; guest's token has read_api only.
    let (status, _, body) = send(
        &sim,
        Method::POST,
        "glpat-SimGuestToken0000001",
        "/runners/1/reset_authentication_token",
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["scope"], "api manage_runner");
}
