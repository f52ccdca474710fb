//! `PUT /application/settings`, `PUT /projects/:id` and `PUT /groups/:id` accept every setting
//! the simulator knows, coerced to its type, and audit each change as GitLab does.

mod common;

use common::{from_json, get_json, put_json};
use glir_sim::SimHandle;
use serde_json::{Value, json};

const POSTURE: &str = include_str!("fixtures/posture.json");
const ROOT: &str = "glpat-PostureRoot0000001";
const OWNER: &str = "glpat-PostureOwner000001";
const MAINT: &str = "glpat-PostureMaint000001";
const DEV: &str = "glpat-PostureDev00000001";

async fn events(sim: &SimHandle) -> Vec<Value> {
    let (status, body) = get_json(sim, ROOT, "/audit_events").await;
    assert_eq!(status, 200);
    body.as_array().cloned().unwrap_or_default()
}

async fn put_form(sim: &SimHandle, token: &str, path: &str, form: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .put(format!("{}/api/v4{path}", sim.url()))
        .header("PRIVATE-TOKEN", token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .expect("request completes");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

#[tokio::test]
async fn each_changed_setting_is_stored_and_audited_once() {
    let sim = from_json(POSTURE).await;
    let (status, body) = put_json(
        &sim,
        ROOT,
        "/application/settings",
        &json!({
            "session_expire_delay": 480,
            "admin_mode": true,
            "signup_enabled": true,
            "domain_allowlist": ["posture.test", "corp.test"],
            "not_a_setting": "ignored"
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["session_expire_delay"], 480);
    assert_eq!(body["admin_mode"], true);
    assert_eq!(
        body["domain_allowlist"],
        json!(["posture.test", "corp.test"])
    );
    assert!(body.get("not_a_setting").is_none());
    let events = events(&sim).await;
    // signup_enabled was already true: three changes, three events, newest first.
    let changes: Vec<&str> = events
        .iter()
        .map(|e| e["details"]["change"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        changes,
        vec!["session_expire_delay", "admin_mode", "domain_allowlist"]
    );
    let expiry = &events[0];
    assert_eq!(expiry["event_name"], "application_setting_updated");
    assert_eq!(expiry["entity_type"], "Gitlab::Audit::InstanceScope");
    assert_eq!(expiry["details"]["from"], "10080");
    assert_eq!(expiry["details"]["to"], "480");
    assert_eq!(expiry["details"]["target_type"], "ApplicationSetting");

    // The same values again change nothing and write nothing.
    let (status, _) = put_json(
        &sim,
        ROOT,
        "/application/settings",
        &json!({"session_expire_delay": 480, "admin_mode": "true"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(events_len(&sim).await, 3);
}

async fn events_len(sim: &SimHandle) -> usize {
    events(sim).await.len()
}

#[tokio::test]
async fn form_bodies_take_grape_booleans_and_comma_separated_lists() {
    let sim = from_json(POSTURE).await;
    let (status, body) = put_form(
        &sim,
        ROOT,
        "/application/settings",
        "require_two_factor_authentication=1&two_factor_grace_period=0&outbound_local_requests_whitelist=10.0.0.1,%20db.internal&git_rate_limit_users_alertlist[]=1&git_rate_limit_users_alertlist[]=2",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["require_two_factor_authentication"], true);
    assert_eq!(body["two_factor_grace_period"], 0);
    assert_eq!(
        body["outbound_local_requests_whitelist"],
        json!(["10.0.0.1", "db.internal"])
    );
    assert_eq!(body["git_rate_limit_users_alertlist"], json!([1, 2]));
}

#[tokio::test]
async fn bad_values_are_refused_and_change_nothing() {
    let sim = from_json(POSTURE).await;
    let cases = [
        (
            json!({"session_expire_delay": "soon"}),
            json!({"error": "session_expire_delay is invalid"}),
        ),
        (
            json!({"admin_mode": "perhaps"}),
            json!({"error": "admin_mode is invalid"}),
        ),
        (
            json!({"email_confirmation_setting": "sometimes"}),
            json!({"error": "email_confirmation_setting does not have a valid value"}),
        ),
        (
            json!({"git_rate_limit_users_alertlist": ["one"]}),
            json!({"error": "git_rate_limit_users_alertlist is invalid"}),
        ),
    ];
    for (body, error) in cases {
        let (status, answer) = put_json(&sim, ROOT, "/application/settings", &body).await;
        assert_eq!((status, answer), (400, error));
    }
    let (status, answer) = put_json(&sim, ROOT, "/application/settings", &json!({})).await;
    assert_eq!(status, 400);
    let message = answer["error"].as_str().unwrap_or_default();
    assert!(
        message.ends_with("are missing, at least one parameter must be provided"),
        "{message}"
    );
    assert_eq!(events_len(&sim).await, 0);
    let (status, _) = put_json(
        &sim,
        DEV,
        "/application/settings",
        &json!({"admin_mode": true}),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn unlicensed_settings_are_dropped_silently() {
    let json = POSTURE.replace(r#""tier": "ultimate""#, r#""tier": "premium""#);
    let sim = from_json(&json).await;
    let (status, body) = put_json(
        &sim,
        ROOT,
        "/application/settings",
        &json!({"max_number_of_repository_downloads": 10, "password_number_required": true}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.get("max_number_of_repository_downloads").is_none());
    assert_eq!(body["password_number_required"], true);
    assert_eq!(events_len(&sim).await, 1);
}

#[tokio::test]
async fn project_settings_are_written_by_maintainers_and_audited_where_gitlab_does() {
    let sim = from_json(POSTURE).await;
    let (status, body) = put_json(
        &sim,
        MAINT,
        "/projects/20",
        &json!({
            "only_allow_merge_if_pipeline_succeeds": false,
            "forking_access_level": "disabled",
            "visibility": "internal",
            "public_jobs": false,
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["only_allow_merge_if_pipeline_succeeds"], false);
    assert_eq!(body["forking_access_level"], "disabled");
    assert_eq!(body["visibility"], "internal");
    assert_eq!(body["public_jobs"], false);
    assert_eq!(
        body["restrict_user_defined_variables"], true,
        "Maintainer view"
    );
    let names: Vec<Value> = events(&sim)
        .await
        .iter()
        .map(|e| e["event_name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![
            json!("project_only_allow_merge_if_pipeline_succeeds_updated"),
            json!("project_visibility_level_updated"),
        ]
    );
    let (status, body) = put_json(
        &sim,
        MAINT,
        "/projects/20",
        &json!({"forking_access_level": "everyone"}),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "forking_access_level does not have a valid value"})
        )
    );
    let (status, _) = put_json(
        &sim,
        DEV,
        "/projects/20",
        &json!({"only_allow_merge_if_pipeline_succeeds": true}),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn group_settings_are_written_by_owners_and_2fa_still_audited() {
    let sim = from_json(POSTURE).await;
    let (status, body) = put_json(
        &sim,
        OWNER,
        "/groups/acme",
        &json!({
            "require_two_factor_authentication": true,
            "unique_project_download_limit": 5,
            "default_branch_protection": 2,
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["require_two_factor_authentication"], true);
    assert_eq!(body["unique_project_download_limit"], 5);
    assert_eq!(body["default_branch_protection"], 2);
    let newest = &events(&sim).await[0];
    assert_eq!(
        newest["event_name"],
        "group_require_two_factor_authentication_updated"
    );
    let (status, _) = put_json(
        &sim,
        DEV,
        "/groups/acme",
        &json!({"default_branch_protection": 0}),
    )
    .await;
    assert_eq!(status, 403);
}
