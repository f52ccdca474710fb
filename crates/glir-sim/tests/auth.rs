//! Authentication, token validity, scopes and Sudo, with GitLab's status codes and bodies.

mod common;

use common::{from_json, get_json, header};
use serde_json::json;

const ACCESS: &str = include_str!("fixtures/access.json");

#[tokio::test]
async fn missing_and_unknown_tokens_get_401_message() {
    let sim = from_json(ACCESS).await;
    let resp = reqwest::get(format!("{}/api/v4/user", sim.url()))
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<serde_json::Value>().await.expect("json"),
        json!({"message": "401 Unauthorized"})
    );

    let (status, body) = get_json(&sim, "glpat-NotAKnownToken00000", "/user").await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"message": "401 Unauthorized"}));
}

#[tokio::test]
async fn every_token_transport_is_accepted() {
    let sim = from_json(ACCESS).await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v4/user", sim.url());
    let token = "glpat-AccessOwner00000001";
    let via_bearer = client
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let via_query = client
        .get(format!("{url}?private_token={token}"))
        .send()
        .await
        .expect("request");
    let via_access_token = client
        .get(format!("{url}?access_token={token}"))
        .send()
        .await
        .expect("request");
    for resp in [via_bearer, via_query, via_access_token] {
        assert_eq!(resp.status(), 200);
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(body["username"], "owner");
    }
}

#[tokio::test]
async fn job_token_is_unknown_and_401() {
    let sim = from_json(ACCESS).await;
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v4/user", sim.url()))
        .header("JOB-TOKEN", "glcbt-64_abcdefghijklmnopqrstu")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn revoked_and_expired_tokens_get_invalid_token_bodies() {
    let sim = from_json(ACCESS).await;
    let revoked = common::get(&sim, "glpat-AccessRevoked000001", "/user").await;
    assert_eq!(revoked.status(), 401);
    assert!(header(&revoked, "www-authenticate").is_some_and(|h| h.contains("invalid_token")));
    let body: serde_json::Value = revoked.json().await.expect("json");
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(
        body["error_description"],
        "Token was revoked. You have to re-authorize from the user."
    );

    let (status, body) = get_json(&sim, "glpat-AccessExpired000001", "/user").await;
    assert_eq!(status, 401);
    assert_eq!(
        body["error_description"],
        "Token is expired. You can either do re-authorization or token refresh."
    );
}

#[tokio::test]
async fn token_without_read_scope_gets_insufficient_scope() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, "glpat-AccessWriteRepo0001", "/projects/22").await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token.",
            "scope": "api read_api"
        })
    );
}

#[tokio::test]
async fn read_user_scope_works_for_users_api_only() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, "glpat-AccessReadUser00001", "/user").await;
    assert_eq!(status, 200);
    assert_eq!(body["username"], "outsider");
    let (status, _) = get_json(&sim, "glpat-AccessReadUser00001", "/users").await;
    assert_eq!(status, 200);
    let (status, body) = get_json(&sim, "glpat-AccessReadUser00001", "/projects/22").await;
    assert_eq!(status, 403);
    assert_eq!(body["scope"], "api read_api");
}

#[tokio::test]
async fn blocked_and_deactivated_owners_are_forbidden() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, "glpat-AccessBlocked000001", "/user").await;
    assert_eq!(status, 403);
    assert_eq!(
        body["message"],
        "403 Forbidden - Your account has been blocked."
    );
    let (status, body) = get_json(&sim, "glpat-AccessSleeper000001", "/user").await;
    assert_eq!(status, 403);
    let message = body["message"].as_str().expect("message");
    assert!(
        message.contains("deactivated") && message.contains("https://gitlab.access.test"),
        "{message}"
    );
}

#[tokio::test]
async fn admin_with_sudo_scope_acts_as_other_user() {
    let sim = from_json(ACCESS).await;
    for who in ["dev", "4"] {
        let resp = reqwest::Client::new()
            .get(format!("{}/api/v4/user", sim.url()))
            .header("PRIVATE-TOKEN", "glpat-AccessRootSudo00001")
            .header("Sudo", who)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200);
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(body["username"], "dev");
        // Acting as a non-admin, the admin-only fields disappear.
        assert!(body.get("is_admin").is_none(), "{body}");
    }
    let (status, body) = get_json(&sim, "glpat-AccessRootSudo00001", "/user?sudo=nobody").await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        "404 User with ID or username 'nobody' Not Found"
    );
}

#[tokio::test]
async fn sudo_needs_admin_and_sudo_scope() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, "glpat-AccessDevSudo000001", "/user?sudo=root").await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"message": "403 Forbidden - Must be admin to use sudo"})
    );
    let (status, body) = get_json(&sim, "glpat-AccessRootNoSudo001", "/user?sudo=dev").await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "insufficient_scope");
    assert_eq!(body["scope"], "sudo");
}

#[tokio::test]
async fn token_values_never_reach_link_headers() {
    let sim = from_json(ACCESS).await;
    let resp = reqwest::get(format!(
        "{}/api/v4/users?per_page=2&private_token=glpat-AccessRootSudo00001",
        sim.url()
    ))
    .await
    .expect("request");
    assert_eq!(resp.status(), 200);
    let link = header(&resp, "link").expect("link header");
    assert!(link.contains("per_page=2"), "{link}");
    assert!(!link.contains("AccessRootSudo"), "{link}");
}
