//! Each endpoint's JSON shape and the headers every response carries.

mod common;

use common::{ADMIN, DEV, OWNER, get, get_json, header, ids, synthetic};
use std::collections::HashSet;

#[tokio::test]
async fn every_response_has_request_id_and_json_content_type() {
    let sim = synthetic(3).await;
    let mut request_ids = HashSet::new();
    for (token, path, status) in [
        (ADMIN, "/version", 200),
        (ADMIN, "/users/999", 404),
        ("glpat-Unknown0000000000000", "/user", 401),
        (DEV, "/audit_events", 403),
        (ADMIN, "/no/such/route", 404),
    ] {
        let resp = get(&sim, token, path).await;
        assert_eq!(resp.status(), status, "{path}");
        assert_eq!(
            header(&resp, "content-type"),
            Some("application/json"),
            "{path}"
        );
        let id = header(&resp, "x-request-id")
            .expect("x-request-id")
            .to_string();
        assert_eq!(id.len(), 26, "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
            "{id}"
        );
        assert!(request_ids.insert(id), "request ids are unique");
    }
    let (_, body) = get_json(&sim, ADMIN, "/no/such/route").await;
    assert_eq!(body, serde_json::json!({"error": "404 Not Found"}));
}

#[tokio::test]
async fn version_mirrors_metadata() {
    let sim = synthetic(0).await;
    let (status, metadata) = get_json(&sim, DEV, "/metadata").await;
    assert_eq!(status, 200);
    assert_eq!(metadata["version"], "17.9.2-ee");
    assert!(metadata["revision"].is_string());
    assert_eq!(metadata["enterprise"], true);
    assert_eq!(metadata["kas"]["enabled"], false);
    assert!(metadata["kas"].get("externalUrl").is_some());
    let (_, version) = get_json(&sim, DEV, "/version").await;
    assert_eq!(version, metadata);
}

#[tokio::test]
async fn current_user_for_admin_has_admin_fields() {
    let sim = synthetic(0).await;
    let (status, me) = get_json(&sim, ADMIN, "/user").await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], 1);
    assert_eq!(me["username"], "root");
    assert_eq!(me["is_admin"], true);
    assert_eq!(me["email"], "root@sim.test");
    assert_eq!(me["state"], "active");
    assert_eq!(me["two_factor_enabled"], true);
    assert_eq!(me["last_sign_in_ip"], "198.51.100.10");
    assert_eq!(me["web_url"], "https://gitlab.sim.test/root");
    assert_eq!(me["created_at"], "2024-01-01T00:00:00.000Z");
    assert!(
        me["current_sign_in_at"]
            .as_str()
            .is_some_and(|t| t.ends_with(".000Z"))
    );
}

#[tokio::test]
async fn personal_access_token_self_describes_the_token_in_use() {
    let sim = synthetic(0).await;
    let (status, token) = get_json(&sim, DEV, "/personal_access_tokens/self").await;
    assert_eq!(status, 200);
    let keys: HashSet<&str> = token
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let expected: HashSet<&str> = [
        "id",
        "name",
        "revoked",
        "created_at",
        "description",
        "scopes",
        "user_id",
        "last_used_at",
        "active",
        "expires_at",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, expected);
    assert_eq!(token["name"], "sim-dev");
    assert_eq!(token["user_id"], 2);
    assert_eq!(token["scopes"], serde_json::json!(["read_api"]));
    assert_eq!(token["active"], true);
    assert_eq!(token["revoked"], false);
    assert!(
        token.to_string().find("SimDevToken").is_none(),
        "the plaintext is never served"
    );
}

#[tokio::test]
async fn users_list_filters() {
    let sim = synthetic(0).await;
    let (_, all) = get_json(&sim, ADMIN, "/users").await;
    assert_eq!(ids(&all), vec![3, 2, 1], "id desc by default");
    let (_, by_name) = get_json(&sim, ADMIN, "/users?username=DEV").await;
    assert_eq!(ids(&by_name), vec![2], "username match ignores case");
    let (_, search) = get_json(&sim, DEV, "/users?search=owner").await;
    assert_eq!(ids(&search), vec![3]);
    let (_, by_email) = get_json(&sim, DEV, "/users?search=ops@sim.test").await;
    assert_eq!(
        ids(&by_email),
        Vec::<i64>::new(),
        "non-admins cannot search by email"
    );
    let (_, by_email) = get_json(&sim, ADMIN, "/users?search=ops@sim.test").await;
    assert_eq!(ids(&by_email), vec![3]);
    let (_, asc) = get_json(&sim, ADMIN, "/users?sort=asc&active=true").await;
    assert_eq!(ids(&asc), vec![1, 2, 3]);
    let (status, body) = get_json(&sim, ADMIN, "/users?active=maybe").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "active is invalid");
}

#[tokio::test]
async fn single_user_lookup() {
    let sim = synthetic(0).await;
    let (status, user) = get_json(&sim, DEV, "/users/3").await;
    assert_eq!(status, 200);
    assert_eq!(user["username"], "ops");
    assert_eq!(user["name"], "Ops Owner");
    let (status, body) = get_json(&sim, DEV, "/users/42").await;
    assert_eq!(status, 404);
    assert_eq!(body, serde_json::json!({"message": "404 User Not Found"}));
}

#[tokio::test]
async fn group_and_project_by_id_or_encoded_path() {
    let sim = synthetic(0).await;
    let (status, group) = get_json(&sim, DEV, "/groups/acme").await;
    assert_eq!(status, 200);
    assert_eq!(group["id"], 10);
    assert_eq!(group["full_path"], "acme");
    assert_eq!(group["visibility"], "private");
    assert_eq!(group["parent_id"], serde_json::Value::Null);
    assert_eq!(group["projects"][0]["path_with_namespace"], "acme/app");
    let (_, by_id) = get_json(&sim, DEV, "/groups/10").await;
    assert_eq!(by_id["full_path"], "acme");

    let (status, project) = get_json(&sim, DEV, "/projects/acme%2Fapp").await;
    assert_eq!(status, 200);
    assert_eq!(project["id"], 20);
    assert_eq!(project["path_with_namespace"], "acme/app");
    assert_eq!(project["namespace"]["full_path"], "acme");
    assert_eq!(project["namespace"]["kind"], "group");
    assert_eq!(project["web_url"], "https://gitlab.sim.test/acme/app");
    let (status, body) = get_json(&sim, DEV, "/projects/acme%2Fnope").await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "404 Project Not Found");
    let (status, body) = get_json(&sim, DEV, "/groups/nope").await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "404 Group Not Found");
}

#[tokio::test]
async fn member_lookup_shape() {
    let sim = synthetic(0).await;
    let (status, member) = get_json(&sim, OWNER, "/groups/acme/members/all/2").await;
    assert_eq!(status, 200);
    assert_eq!(member["id"], 2);
    assert_eq!(member["username"], "dev");
    assert_eq!(member["name"], "Dev Eloper");
    assert_eq!(member["state"], "active");
    assert_eq!(member["access_level"], 30);
    let (_, member) = get_json(&sim, OWNER, "/projects/acme%2Fapp/members/all/3").await;
    assert_eq!(member["access_level"], 50);
    let (status, _) = get_json(&sim, OWNER, "/projects/acme%2Fapp/members/all/1").await;
    assert_eq!(status, 404, "root is admin but not a member");
}

#[tokio::test]
async fn audit_event_entity_shape() {
    let sim = synthetic(3).await;
    let (status, events) = get_json(&sim, ADMIN, "/audit_events").await;
    assert_eq!(status, 200);
    let first = &events[0];
    let keys: HashSet<&str> = first
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let expected: HashSet<&str> = [
        "id",
        "author_id",
        "entity_id",
        "entity_type",
        "event_name",
        "details",
        "created_at",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, expected);
    assert_eq!(first["id"], 3);
    assert_eq!(first["entity_type"], "Project");
    assert_eq!(first["entity_id"], 20);
    assert_eq!(first["created_at"], "2026-11-20T00:02:00.000Z");
    let details = &first["details"];
    for key in [
        "author_name",
        "author_email",
        "target_id",
        "target_type",
        "target_details",
        "ip_address",
        "entity_path",
    ] {
        assert!(
            details.get(key).is_some(),
            "details.{key} missing: {details}"
        );
    }
    assert_eq!(
        details["from"], "false",
        "from/to are coerced to strings as formatted_details does"
    );
}

#[tokio::test]
async fn unknown_methods_get_405() {
    let sim = synthetic(0).await;
    let resp = reqwest::Client::new()
        .delete(format!("{}/api/v4/user", sim.url()))
        .header("PRIVATE-TOKEN", ADMIN)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 405);
}
