//! Who sees what: admin-only fields, private groups and projects, audit event access rules.

mod common;

use common::{from_json, get_json, ids};

const ACCESS: &str = include_str!("fixtures/access.json");
const ROOT: &str = "glpat-AccessRootNoSudo001";
const OWNER: &str = "glpat-AccessOwner00000001";
const MAINT: &str = "glpat-AccessMaint00000001";
const DEV: &str = "glpat-AccessDev0000000001";
const REP: &str = "glpat-AccessRep0000000001";
const OUTSIDER: &str = "glpat-AccessOutsider00001";

#[tokio::test]
async fn instance_audit_events_are_admin_only() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, ROOT, "/audit_events").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), vec![8, 7, 6, 5, 4, 3, 2, 1]);
    for token in [OWNER, DEV, OUTSIDER] {
        let (status, body) = get_json(&sim, token, "/audit_events").await;
        assert_eq!(status, 403);
        assert_eq!(body, serde_json::json!({"message": "403 Forbidden"}));
    }
}

#[tokio::test]
async fn gitlab_com_has_no_instance_audit_events() {
    let json = ACCESS.replace(
        r#""external_url": "https://gitlab.access.test""#,
        r#""gitlab_com": true"#,
    );
    let sim = from_json(&json).await;
    let (status, _) = get_json(&sim, ROOT, "/audit_events").await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&sim, ROOT, "/groups/acme/audit_events").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn group_audit_events_owner_all_developer_own_reporter_forbidden() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, OWNER, "/groups/acme/audit_events").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), vec![3, 2, 1]);
    let (status, body) = get_json(&sim, DEV, "/groups/10/audit_events").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), vec![2]);
    let (status, body) = get_json(&sim, REP, "/groups/acme/audit_events").await;
    assert_eq!(status, 403);
    assert_eq!(body["message"], "403 Forbidden");
    // A private group is hidden entirely from a non-member.
    let (status, body) = get_json(&sim, OUTSIDER, "/groups/acme/audit_events").await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "404 Group Not Found");
}

#[tokio::test]
async fn project_audit_events_maintainer_all_developer_own() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, MAINT, "/projects/acme%2Fapp/audit_events").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), vec![6, 5, 4]);
    // Owner of the group inherits Owner on the project.
    let (_, body) = get_json(&sim, OWNER, "/projects/20/audit_events").await;
    assert_eq!(ids(&body), vec![6, 5, 4]);
    let (status, body) = get_json(&sim, DEV, "/projects/20/audit_events").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body), vec![5]);
    assert_eq!(
        body[0]["event_name"], "ci_variable_updated",
        "filled from details.event_name"
    );
    let (status, _) = get_json(&sim, REP, "/projects/20/audit_events").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn private_project_is_404_to_non_members() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, OUTSIDER, "/projects/acme%2Fapp").await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        serde_json::json!({"message": "404 Project Not Found"})
    );
    let (status, body) = get_json(&sim, REP, "/projects/acme%2Fapp").await;
    assert_eq!(status, 200, "inherited group membership grants access");
    assert_eq!(body["path_with_namespace"], "acme/app");
    let (status, _) = get_json(&sim, OUTSIDER, "/projects/open%2Fsite").await;
    assert_eq!(status, 200, "public project");
    let (status, _) = get_json(&sim, ROOT, "/projects/acme%2Fsub%2Fdeep").await;
    assert_eq!(status, 200, "admins see everything");
}

#[tokio::test]
async fn private_group_visible_to_members_of_things_inside_it() {
    let sim = from_json(ACCESS).await;
    // maint is only a member of project acme/app, yet GitLab shows the enclosing group.
    let (status, body) = get_json(&sim, MAINT, "/groups/acme").await;
    assert_eq!(status, 200);
    assert_eq!(body["full_path"], "acme");
    let (status, _) = get_json(&sim, OUTSIDER, "/groups/acme").await;
    assert_eq!(status, 404);
    let (status, body) = get_json(&sim, OUTSIDER, "/groups/open").await;
    assert_eq!(status, 200);
    assert_eq!(body["projects"][0]["path"], "site");
}

#[tokio::test]
async fn admin_fields_only_for_admins() {
    let sim = from_json(ACCESS).await;
    let (_, as_admin) = get_json(&sim, ROOT, "/users/1").await;
    assert_eq!(as_admin["is_admin"], true);
    assert_eq!(as_admin["current_sign_in_ip"], "198.51.100.1");
    assert_eq!(as_admin["last_sign_in_ip"], "198.51.100.2");
    let (_, as_user) = get_json(&sim, DEV, "/users/1").await;
    assert_eq!(as_user["username"], "root");
    for field in ["is_admin", "email", "current_sign_in_ip", "last_sign_in_ip"] {
        assert!(as_user.get(field).is_none(), "{field} leaked: {as_user}");
    }
    let (_, me) = get_json(&sim, DEV, "/user").await;
    assert_eq!(
        me["email"], "dev@gitlab.access.test",
        "email defaults to username@host"
    );
    assert!(me.get("is_admin").is_none());
}

#[tokio::test]
async fn blocked_users_hidden_from_non_admins() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, DEV, "/users/7").await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "404 User Not Found");
    let (status, body) = get_json(&sim, ROOT, "/users/7").await;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "blocked");
    let (_, listed) = get_json(&sim, DEV, "/users?per_page=100").await;
    assert!(!ids(&listed).contains(&7));
    let (_, listed) = get_json(&sim, ROOT, "/users?blocked=true").await;
    assert_eq!(ids(&listed), vec![7]);
}

#[tokio::test]
async fn members_all_includes_inherited_members() {
    let sim = from_json(ACCESS).await;
    let (status, body) = get_json(&sim, ROOT, "/projects/acme%2Fapp/members/all/4").await;
    assert_eq!(status, 200);
    assert_eq!(body["username"], "dev");
    assert_eq!(body["access_level"], 30);
    // dev is Developer in acme and Maintainer directly on acme/sub/deep: the higher level wins.
    let (_, body) = get_json(&sim, ROOT, "/projects/acme%2Fsub%2Fdeep/members/all/4").await;
    assert_eq!(body["access_level"], 40);
    let (_, body) = get_json(&sim, ROOT, "/groups/acme%2Fsub/members/all/2").await;
    assert_eq!(body["access_level"], 50, "subgroup inherits parent's owner");
    let (status, body) = get_json(&sim, ROOT, "/groups/acme/members/all/6").await;
    assert_eq!(status, 404);
    assert_eq!(body, serde_json::json!({"message": "404 Not found"}));
    let (status, _) = get_json(&sim, OUTSIDER, "/projects/20/members/all/4").await;
    assert_eq!(status, 404, "cannot probe members of a hidden project");
}
