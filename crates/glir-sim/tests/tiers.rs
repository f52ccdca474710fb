//! What GitLab serves depends on edition, tier, version and role: license, tier-gated endpoints
//! and fields, fields newer than the instance, CI settings for Maintainers only.

mod common;

use common::{from_json, get_json};
use serde_json::{Value, json};

const POSTURE: &str = include_str!("fixtures/posture.json");
const ROOT: &str = "glpat-PostureRoot0000001";
const OWNER: &str = "glpat-PostureOwner000001";
const MAINT: &str = "glpat-PostureMaint000001";
const DEV: &str = "glpat-PostureDev00000001";
const OUTSIDER: &str = "glpat-PostureOutsider001";

/// The fixture with its `instance` object replaced.
fn with_instance(instance: &str) -> String {
    let start = POSTURE
        .find(r#""instance": {"#)
        .expect("instance in fixture");
    let end = start + POSTURE[start..].find('}').expect("end of instance") + 1;
    format!(
        "{}\"instance\": {instance}{}",
        &POSTURE[..start],
        &POSTURE[end..]
    )
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn license_is_for_admins_null_without_one_and_missing_on_community_edition() {
    let sim = from_json(POSTURE).await;
    let (status, body) = get_json(&sim, ROOT, "/license").await;
    assert_eq!(status, 200);
    assert_eq!(body["plan"], "ultimate");
    assert_eq!(body["expired"], false);
    assert_eq!(body["active_users"], 5, "bots are not billable: {body}");
    let (status, body) = get_json(&sim, OWNER, "/license").await;
    assert_eq!((status, body), (403, json!({"message": "403 Forbidden"})));

    let free = from_json(&with_instance(r#"{ "tier": "free" }"#)).await;
    let (status, body) = get_json(&free, ROOT, "/license").await;
    assert_eq!((status, body), (200, Value::Null));

    let ce = from_json(&with_instance(r#"{ "enterprise": false }"#)).await;
    let (status, body) = get_json(&ce, ROOT, "/license").await;
    assert_eq!((status, body), (404, json!({"error": "404 Not Found"})));
}

#[tokio::test]
async fn an_expired_license_says_so() {
    let sim = from_json(&with_instance(
        r#"{ "tier": "premium", "license": { "expires_at": "2025-01-31", "user_limit": 3 } }"#,
    ))
    .await;
    let (_, body) = get_json(&sim, ROOT, "/license").await;
    assert_eq!(body["plan"], "premium");
    assert_eq!(body["expired"], true);
    assert_eq!(body["expires_at"], "2025-01-31");
    assert_eq!(body["user_limit"], 3);
    assert_eq!(body["overage"], 2);
}

#[tokio::test]
async fn approvals_and_push_rules_are_not_found_below_premium() {
    let free = from_json(&with_instance(r#"{ "tier": "free" }"#)).await;
    for path in ["/projects/20/approvals", "/projects/20/push_rule"] {
        let (status, body) = get_json(&free, MAINT, path).await;
        assert_eq!(
            (status, body),
            (404, json!({"message": "404 Not Found"})),
            "{path}"
        );
    }
    let premium = from_json(&with_instance(r#"{ "tier": "premium" }"#)).await;
    let (status, body) = get_json(&premium, MAINT, "/projects/20/push_rule").await;
    assert_eq!(status, 200);
    assert_eq!(body["reject_unsigned_commits"], true);
    assert_eq!(body["prevent_secrets"], true);
    assert_eq!(body["member_check"], false);
    assert_eq!(body["project_id"], 20);
    // doc/api/project_push_rules.md: a project without a rule answers `null`.
    let (status, body) = get_json(&premium, ROOT, "/projects/23/push_rule").await;
    assert_eq!((status, body), (200, Value::Null));
    let (status, _) = get_json(&premium, DEV, "/projects/20/push_rule").await;
    assert_eq!(status, 403, "push rules need Maintainer");
    let (status, _) = get_json(&premium, DEV, "/projects/20/approvals").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn licensed_settings_are_absent_below_their_tier() {
    let ultimate_only = [
        "max_number_of_repository_downloads",
        "max_number_of_repository_downloads_within_time_period",
        "git_rate_limit_users_allowlist",
        "git_rate_limit_users_alertlist",
        "auto_ban_user_on_excessive_projects_download",
    ];
    let premium = [
        "password_number_required",
        "password_symbol_required",
        "password_uppercase_required",
        "password_lowercase_required",
        "disable_personal_access_tokens",
    ];
    let sim = from_json(POSTURE).await;
    let (_, ultimate) = get_json(&sim, ROOT, "/application/settings").await;
    for key in ultimate_only.iter().chain(&premium) {
        assert!(ultimate.get(key).is_some(), "{key} on Ultimate");
    }
    assert_eq!(ultimate["git_rate_limit_users_allowlist"], json!([]));

    let sim = from_json(&with_instance(r#"{ "tier": "premium" }"#)).await;
    let (_, body) = get_json(&sim, ROOT, "/application/settings").await;
    for key in ultimate_only {
        assert!(body.get(key).is_none(), "{key} on Premium");
    }
    for key in premium {
        assert_eq!(body[key], false, "{key} on Premium");
    }

    let sim = from_json(&with_instance(r#"{ "tier": "free" }"#)).await;
    let (_, body) = get_json(&sim, ROOT, "/application/settings").await;
    for key in premium {
        assert!(body.get(key).is_none(), "{key} on Free");
    }
    // EE lists it whatever the license; only Community Edition lacks it.
    assert_eq!(body["max_personal_access_token_lifetime"], Value::Null);
    let sim = from_json(&with_instance(r#"{ "enterprise": false }"#)).await;
    let (_, body) = get_json(&sim, ROOT, "/application/settings").await;
    assert!(body.get("max_personal_access_token_lifetime").is_none());
    assert_eq!(body["session_expire_delay"], 10080);
}

#[tokio::test]
async fn settings_newer_than_the_instance_are_absent() {
    let sim = from_json(&with_instance(r#"{ "version": "16.1.5-ee" }"#)).await;
    let (_, body) = get_json(&sim, ROOT, "/application/settings").await;
    assert_eq!(body["remember_me_enabled"], true, "16.0");
    assert!(body.get("gitlab_shell_operation_limit").is_none(), "16.2");
    assert!(
        body.get("require_personal_access_token_expiry").is_none(),
        "17.3"
    );
    let (_, project) = get_json(&sim, ROOT, "/projects/20").await;
    assert!(
        project
            .get("ci_pipeline_variables_minimum_override_role")
            .is_none()
    );
    // The project field was renamed in 17.11; the old name stays as an alias.
    assert!(project.get("secret_push_protection_enabled").is_none());
    assert_eq!(project["pre_receive_secret_detection_enabled"], true);
    let sim = from_json(POSTURE).await;
    let (_, project) = get_json(&sim, ROOT, "/projects/20").await;
    assert_eq!(project["secret_push_protection_enabled"], true);
    assert_eq!(project["pre_receive_secret_detection_enabled"], true);
    assert_eq!(
        project["ci_pipeline_variables_minimum_override_role"],
        "developer"
    );
}

#[tokio::test]
async fn settings_are_for_admins_only() {
    let sim = from_json(POSTURE).await;
    for token in [OWNER, DEV] {
        let (status, body) = get_json(&sim, token, "/application/settings").await;
        assert_eq!((status, body), (403, json!({"message": "403 Forbidden"})));
    }
}

#[tokio::test]
async fn ci_settings_are_shown_to_maintainers_not_developers() {
    let sim = from_json(POSTURE).await;
    let ci = [
        "ci_job_token_scope_enabled",
        "keep_latest_artifact",
        "restrict_user_defined_variables",
        "ci_pipeline_variables_minimum_override_role",
        "secret_push_protection_enabled",
    ];
    let (status, dev_view) = get_json(&sim, DEV, "/projects/20").await;
    assert_eq!(status, 200);
    for key in ci {
        assert!(dev_view.get(key).is_none(), "{key} hidden from a Developer");
    }
    assert_eq!(dev_view["only_allow_merge_if_pipeline_succeeds"], true);
    assert_eq!(dev_view["forking_access_level"], "enabled");
    assert_eq!(dev_view["last_activity_at"], "2026-06-01T12:00:00Z");
    assert!(dev_view.get("runners_token").is_none());
    for token in [MAINT, OWNER, ROOT] {
        let (_, view) = get_json(&sim, token, "/projects/20").await;
        assert_eq!(view["restrict_user_defined_variables"], true);
        assert_eq!(view["keep_latest_artifact"], true);
        assert!(view.get("inbound_job_token_scope_enabled").is_none());
        assert!(keys(&view).contains(&"ci_job_token_scope_enabled"));
    }
    let (status, scope) = get_json(&sim, MAINT, "/projects/20/job_token_scope").await;
    assert_eq!(status, 200);
    assert_eq!(
        scope,
        json!({"inbound_enabled": true, "outbound_enabled": false})
    );
    let (status, _) = get_json(&sim, DEV, "/projects/20/job_token_scope").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn group_download_limits_are_for_owners_of_an_ultimate_top_level_group() {
    let sim = from_json(POSTURE).await;
    let (_, owner_view) = get_json(&sim, OWNER, "/groups/acme").await;
    assert_eq!(owner_view["unique_project_download_limit"], 25);
    assert_eq!(
        owner_view["unique_project_download_limit_allowlist"],
        json!([])
    );
    assert_eq!(owner_view["prevent_forking_outside_group"], true);
    assert_eq!(owner_view["default_branch_protection"], 0);
    let (_, dev_view) = get_json(&sim, DEV, "/groups/acme").await;
    assert!(dev_view.get("unique_project_download_limit").is_none());
    assert_eq!(dev_view["prevent_forking_outside_group"], true);
    let (_, sub) = get_json(&sim, OWNER, "/groups/acme%2Fsub").await;
    assert!(
        sub.get("unique_project_download_limit").is_none(),
        "top-level only"
    );

    let premium = from_json(&with_instance(r#"{ "tier": "premium" }"#)).await;
    let (_, view) = get_json(&premium, OWNER, "/groups/acme").await;
    assert!(view.get("unique_project_download_limit").is_none());
    let free = from_json(&with_instance(r#"{ "tier": "free" }"#)).await;
    let (_, view) = get_json(&free, OWNER, "/groups/acme").await;
    assert_eq!(
        view["prevent_forking_outside_group"], false,
        "unlicensed forking protection reads as off"
    );
}

#[tokio::test]
async fn gitlab_com_tiers_follow_the_top_level_groups_plan() {
    let json = with_instance(r#"{ "gitlab_com": true }"#).replace(
        r#""name": "Acme", "path": "acme","#,
        r#""name": "Acme", "path": "acme", "plan": "premium","#,
    );
    let sim = from_json(&json).await;
    let (status, ns) = get_json(&sim, OWNER, "/namespaces/acme").await;
    assert_eq!(status, 200);
    assert_eq!(ns["plan"], "premium");
    assert_eq!(ns["kind"], "group");
    let (_, ns) = get_json(&sim, DEV, "/namespaces/10").await;
    assert!(
        ns.get("plan").is_none(),
        "plan is for those who administer the group"
    );
    let (status, _) = get_json(&sim, DEV, "/namespaces/open").await;
    assert_eq!(status, 404, "not a member");
    let (_, open) = get_json(&sim, OUTSIDER, "/namespaces/open").await;
    assert_eq!(open["plan"], "free");
    let (status, _) = get_json(&sim, ROOT, "/projects/20/push_rule").await;
    assert_eq!(status, 200, "acme is on Premium");
    let (status, _) = get_json(&sim, ROOT, "/projects/22/push_rule").await;
    assert_eq!(status, 404, "open is on Free");

    let self_managed = from_json(POSTURE).await;
    let (_, ns) = get_json(&self_managed, OWNER, "/namespaces/acme").await;
    assert_eq!(ns["plan"], "default");
}

#[tokio::test]
async fn runners_and_applications_serve_their_hardening_fields() {
    let sim = from_json(POSTURE).await;
    let (status, runner) = get_json(&sim, MAINT, "/runners/91").await;
    assert_eq!(status, 200);
    assert_eq!(runner["locked"], false);
    assert_eq!(runner["run_untagged"], true);
    assert_eq!(runner["access_level"], "ref_protected");
    assert_eq!(runner["tag_list"], json!(["docker"]));
    assert_eq!(runner["runner_type"], "project_type");
    assert_eq!(runner["is_shared"], false);
    assert_eq!(runner["projects"][0]["id"], 20);
    let (_, apps) = get_json(&sim, ROOT, "/applications").await;
    assert_eq!(apps[0]["confidential"], false);
    assert_eq!(apps[0]["callback_url"], "https://grafana.posture.test/cb");
    assert!(
        apps[0].get("scopes").is_none(),
        "doc/api/applications.md lists no scopes"
    );
}

#[tokio::test]
async fn instance_deploy_keys_and_variables_are_for_admins() {
    let sim = from_json(POSTURE).await;
    let (status, keys) = get_json(&sim, ROOT, "/deploy_keys").await;
    assert_eq!(status, 200);
    assert_eq!(keys[0]["id"], 81);
    assert_eq!(
        keys[0]["projects_with_write_access"][0]["path_with_namespace"],
        "acme/app"
    );
    assert_eq!(keys[0]["projects_with_readonly_access"], json!([]));
    let (status, vars) = get_json(&sim, ROOT, "/admin/ci/variables").await;
    assert_eq!(status, 200);
    assert_eq!(vars[0]["key"], "GLOBAL_TOKEN");
    assert_eq!(vars[0]["masked"], true);
    for path in ["/deploy_keys", "/admin/ci/variables"] {
        let (status, _) = get_json(&sim, OWNER, path).await;
        assert_eq!(status, 403, "{path}");
    }
}
