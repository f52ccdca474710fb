//! What the CIS benchmark's pipeline and deployment controls read: branches with their head
//! commits, protected environments, the project's environments switch, GraphQL's security
//! scanners and scan execution policies, each with GitLab's edition, tier and role rules.

mod common;

use common::{ADMIN, DEV, OWNER, from_json, get_json, graphql, start_time};
use glir_sim::Scenario;
use serde_json::{Value, json};

/// Guest of `acme/app` (read_api).
const GUEST: &str = "glpat-SimGuestToken0000001";

const DENIED: &str = "The resource that you are attempting to access does not exist or you don't have permission to perform this action";

const SCANNERS: &str = "query($fullPath: ID!) { project(fullPath: $fullPath) { securityScanners { enabled available pipelineRun } } }";

fn policies_of(kind: &str, relationship: &str) -> String {
    format!(
        "query($fullPath: ID!) {{ {kind}(fullPath: $fullPath) {{ scanExecutionPolicies{relationship} {{ nodes {{ name enabled yaml }} }} }} }}"
    )
}

/// The synthetic scenario with branches, protected environments, scanners and policies on
/// `acme/app`, a group policy on `acme`, and a Guest of the project; `edit` changes it further.
fn scenario(edit: impl FnOnce(&mut Value)) -> String {
    let mut doc = serde_json::to_value(Scenario::synthetic(0, start_time())).expect("serialises");
    doc["users"]
        .as_array_mut()
        .expect("users")
        .push(json!({"id": 4, "username": "guest"}));
    doc["tokens"].as_array_mut().expect("tokens").push(json!({
        "id": 4, "token": GUEST, "user": "guest", "name": "g", "scopes": ["read_api"]
    }));
    let app = &mut doc["projects"][0];
    app["members"] = json!([{"username": "guest", "access_level": 10}]);
    app["protected_branches"] = json!([{"id": 1, "name": "release/*", "push_access_level": 30}]);
    app["branches"] = json!([
        {"name": "release/1.0", "committed_date": "2026-10-01T12:00:00Z"},
        {"name": "feature/old", "committed_date": "2025-02-01T08:30:00Z", "merged": true}
    ]);
    app["protected_environments"] = json!([
        {"name": "staging", "deploy_access_level": 30},
        {"name": "production", "required_approval_count": 2}
    ]);
    app["security_scanners"] = json!(["SAST", "SECRET_DETECTION"]);
    app["scan_execution_policies"] = json!([
        {"name": "Nightly DAST", "rule": "schedule", "scans": ["dast"]}
    ]);
    doc["groups"][0]["scan_execution_policies"] = json!([
        {"name": "SAST everywhere", "scans": ["sast", "secret_detection"]},
        {"name": "Paused", "enabled": false, "scans": ["dependency_scanning"]}
    ]);
    edit(&mut doc);
    doc.to_string()
}

fn names(body: &Value, pointer: &str) -> Vec<String> {
    body.pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no list at {pointer}: {body}"))
        .iter()
        .map(|n| n["name"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[tokio::test]
async fn branches_list_the_default_branch_and_the_others_with_protection_and_head_commits() {
    let sim = from_json(&scenario(|_| {})).await;
    let (status, body) = get_json(&sim, DEV, "/projects/acme%2Fapp/repository/branches").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body, ""), ["feature/old", "main", "release/1.0"]);
    let (old, main, release) = (&body[0], &body[1], &body[2]);
    assert_eq!(main["default"], true);
    assert_eq!(main["protected"], false);
    assert_eq!(main["merged"], false);
    assert_eq!(old["merged"], true);
    assert_eq!(old["commit"]["committed_date"], "2025-02-01T08:30:00.000Z");
    assert_eq!(release["protected"], true, "release/* covers it");
    assert_eq!(release["developers_can_push"], true);
    assert_eq!(release["can_push"], true, "Developers may push to it");
    let id = release["commit"]["id"].as_str().expect("a commit id");
    assert_eq!(id.len(), 40);
    assert_eq!(release["commit"]["short_id"], id[..8]);
    assert_eq!(
        release["web_url"],
        "https://gitlab.sim.test/acme/app/-/tree/release/1.0"
    );

    // Reading code of a private project takes Reporter.
    let (status, _) = get_json(&sim, GUEST, "/projects/acme%2Fapp/repository/branches").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn protected_environments_are_for_maintainers_of_an_enterprise_edition() {
    let sim = from_json(&scenario(|_| {})).await;
    let (status, body) = get_json(&sim, OWNER, "/projects/20/protected_environments").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body, ""), ["production", "staging"]);
    assert_eq!(body[0]["required_approval_count"], 2);
    assert_eq!(body[0]["deploy_access_levels"][0]["access_level"], 40);
    assert_eq!(
        body[0]["deploy_access_levels"][0]["access_level_description"],
        "Maintainers"
    );
    assert_eq!(body[1]["deploy_access_levels"][0]["access_level"], 30);

    let (status, body) = get_json(&sim, DEV, "/projects/20/protected_environments").await;
    assert_eq!((status, body), (403, json!({"message": "403 Forbidden"})));

    let ce = from_json(&scenario(|doc| {
        doc["instance"]["enterprise"] = json!(false)
    }))
    .await;
    let (status, _) = get_json(&ce, ADMIN, "/projects/20/protected_environments").await;
    assert_eq!(status, 404, "the route is EE's");
}

#[tokio::test]
async fn the_environments_switch_is_served_from_gitlab_15_8() {
    let sim = from_json(&scenario(|doc| {
        doc["projects"][0]["settings"] = json!({"environments_access_level": "disabled"});
    }))
    .await;
    let (_, body) = get_json(&sim, DEV, "/projects/20").await;
    assert_eq!(body["environments_access_level"], "disabled");
    let old = from_json(&scenario(|doc| {
        doc["instance"]["version"] = json!("15.7.3-ee")
    }))
    .await;
    let (_, body) = get_json(&old, DEV, "/projects/20").await;
    assert!(body.get("environments_access_level").is_none(), "{body}");
}

#[tokio::test]
async fn security_scanners_are_the_pipelines_for_any_reader_and_absent_on_community_edition() {
    let sim = from_json(&scenario(|_| {})).await;
    let path = json!({"fullPath": "acme/app"});
    let (status, body) = graphql(&sim, Some(DEV), SCANNERS, path.clone()).await;
    assert_eq!(status, 200);
    let scanners = &body["data"]["project"]["securityScanners"];
    assert_eq!(scanners["enabled"], json!(["SAST", "SECRET_DETECTION"]));
    assert_eq!(scanners["pipelineRun"], scanners["enabled"]);
    let available = scanners["available"].as_array().expect("a list");
    assert!(available.contains(&json!("DEPENDENCY_SCANNING")), "{body}");
    assert!(body.get("errors").is_none());

    let premium = from_json(&scenario(|doc| doc["instance"]["tier"] = json!("premium"))).await;
    let (_, body) = graphql(&premium, Some(DEV), SCANNERS, path.clone()).await;
    let scanners = &body["data"]["project"]["securityScanners"];
    assert_eq!(
        scanners["available"],
        json!([]),
        "every scanner is Ultimate's"
    );
    assert_eq!(scanners["enabled"], json!(["SAST", "SECRET_DETECTION"]));

    // A project the caller cannot see is null, without an error.
    let (_, body) = graphql(&sim, None, SCANNERS, path.clone()).await;
    assert_eq!(body, json!({"data": {"project": null}}));

    let ce = from_json(&scenario(|doc| {
        doc["instance"]["enterprise"] = json!(false)
    }))
    .await;
    let (_, body) = graphql(&ce, Some(ADMIN), SCANNERS, path).await;
    assert_eq!(
        body["errors"][0]["message"],
        "Field 'securityScanners' doesn't exist on type 'Project'"
    );
}

#[tokio::test]
async fn scan_execution_policies_follow_the_relationship_asked_for() {
    let sim = from_json(&scenario(|_| {})).await;
    let app = json!({"fullPath": "acme/app"});
    let (_, body) = graphql(&sim, Some(DEV), &policies_of("project", ""), app.clone()).await;
    let nodes = "/data/project/scanExecutionPolicies/nodes";
    assert_eq!(
        names(&body, nodes),
        ["Nightly DAST"],
        "DIRECT is the default"
    );
    let yaml = body.pointer(nodes).expect("nodes")[0]["yaml"]
        .as_str()
        .expect("yaml text");
    assert!(
        yaml.contains("- type: schedule") && yaml.contains("- scan: dast"),
        "{yaml}"
    );

    let inherited = policies_of("project", "(relationship: INHERITED)");
    let (_, body) = graphql(&sim, Some(DEV), &inherited, app.clone()).await;
    assert_eq!(
        names(&body, nodes),
        ["Nightly DAST", "SAST everywhere", "Paused"]
    );
    let paused = &body.pointer(nodes).expect("nodes")[2];
    assert_eq!(paused["enabled"], false);

    let only = policies_of("project", "(relationship: INHERITED_ONLY)");
    let (_, body) = graphql(&sim, Some(DEV), &only, app.clone()).await;
    assert_eq!(names(&body, nodes), ["SAST everywhere", "Paused"]);

    let (_, body) = graphql(
        &sim,
        Some(DEV),
        &policies_of("group", "(relationship: INHERITED)"),
        json!({"fullPath": "acme"}),
    )
    .await;
    assert_eq!(
        names(&body, "/data/group/scanExecutionPolicies/nodes"),
        ["SAST everywhere", "Paused"]
    );
}

#[tokio::test]
async fn scan_execution_policies_need_a_developer_and_ultimate() {
    let sim = from_json(&scenario(|_| {})).await;
    let app = json!({"fullPath": "acme/app"});
    let (status, body) = graphql(&sim, Some(GUEST), &policies_of("project", ""), app.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!({"project": {"scanExecutionPolicies": null}})
    );
    assert_eq!(body["errors"][0]["message"], DENIED);
    assert_eq!(
        body["errors"][0]["path"],
        json!(["project", "scanExecutionPolicies"])
    );

    let premium = from_json(&scenario(|doc| doc["instance"]["tier"] = json!("premium"))).await;
    let (_, body) = graphql(
        &premium,
        Some(ADMIN),
        &policies_of("group", ""),
        json!({"fullPath": "acme"}),
    )
    .await;
    assert_eq!(
        body["data"],
        json!({"group": {"scanExecutionPolicies": null}})
    );
    assert_eq!(body["errors"][0]["message"], DENIED);
}

#[test]
fn scenarios_with_unknown_scanners_or_bad_records_are_refused() {
    let refused = |edit: fn(&mut Value), wanted: &str| {
        let err = Scenario::from_json_str(&scenario(edit)).expect_err("refused");
        assert!(err.to_string().contains(wanted), "{err}");
    };
    refused(
        |doc| doc["projects"][0]["security_scanners"] = json!(["SAST", "LINT"]),
        "projects[0].security_scanners[1]",
    );
    refused(
        |doc| {
            doc["projects"][0]["branches"] =
                json!([{"name": "main", "committed_date": "2026-01-01T00:00:00Z"}])
        },
        "projects[0].branches[0].name",
    );
    refused(
        |doc| {
            doc["projects"][0]["protected_environments"] =
                json!([{"name": "prod", "deploy_access_level": 20}])
        },
        "projects[0].protected_environments[0].deploy_access_level",
    );
    refused(
        |doc| {
            doc["groups"][0]["scan_execution_policies"] = json!([{"name": "x", "scans": ["fuzz"]}])
        },
        "groups[0].scan_execution_policies[0].scans[0]",
    );
}
