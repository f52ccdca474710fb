//! Revoking, rotating and resetting every credential family.

use super::*;
use glir_gitlab::{PersonalAccessToken, RunnerTokenCheck, TokenDetails};
use glir_sim::{Fault, FaultKind};

#[tokio::test]
async fn revoked_pat_stops_working_and_a_repeat_changes_nothing() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let dev = client(&sim, DEV);
    assert!(dev.current_user().await.is_ok());

    let done = admin.revoke_personal_access_token(2).await.unwrap();
    assert!(done.changed);
    assert_eq!(done.status, 204);
    assert!(
        done.request_id.is_some(),
        "the journal needs GitLab's request id"
    );
    let err = dev.current_user().await.unwrap_err();
    assert_eq!(status(&err), Some(401), "{err}");

    let (event, count) = latest(&admin, "personal_access_token_revoked").await;
    let event = event.expect("revocation is audited");
    assert_event(&event, 1, ("User", 2), ("User", 2));
    assert_eq!(
        event["details"]["custom_message"],
        "Revoked personal access token with id 2"
    );

    let again = admin.revoke_personal_access_token(2).await.unwrap();
    assert!(!again.changed);
    assert_eq!(
        latest(&admin, "personal_access_token_revoked").await.1,
        count
    );
}

#[tokio::test]
async fn pat_revocation_needs_the_api_scope_and_ownership() {
    let sim = sim().await;
    // dev's token has read_api only.
    let err = client(&sim, DEV)
        .revoke_personal_access_token(2)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientScope { .. }), "{err}");
    // ops (api scope, not admin) may not even read dev's token: 401, as GitLab answers.
    let err = client(&sim, OWNER)
        .revoke_personal_access_token(2)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(401), "{err}");
    assert!(!state(&sim).await["tokens"][1]["revoked"].as_bool().unwrap());
}

#[tokio::test]
async fn rotation_returns_a_working_secret_and_revokes_the_old_one() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let day = jiff::civil::date(2099, 1, 31);
    let rotated = admin
        .rotate_personal_access_token(3, Some(day))
        .await
        .unwrap();
    assert!(rotated.changed);
    let new = &rotated.value;
    assert_eq!(new.token.expires_at, Some(day));
    assert_ne!(new.token.id, 3);
    assert!(!format!("{rotated:?}").contains(new.secret.expose()));

    let fresh = client(&sim, new.secret.expose());
    assert_eq!(fresh.current_user().await.unwrap().body.username, "ops");
    let err = client(&sim, OWNER).current_user().await.unwrap_err();
    assert_eq!(status(&err), Some(401));

    let (revoked, _) = latest(&admin, "personal_access_token_revoked").await;
    assert_event(&revoked.unwrap(), 1, ("User", 3), ("User", 3));
    let (created, _) = latest(&admin, "personal_access_token_created").await;
    let created = created.unwrap();
    assert_eq!(
        created["details"]["custom_message"],
        format!("Created personal access token with id {}", new.token.id)
    );
    let state = state(&sim).await.to_string();
    assert!(
        !state.contains(new.secret.expose()),
        "sim state leaks the secret"
    );
    let audit = serde_json::to_string(&events(&admin).await).unwrap();
    assert!(
        !audit.contains(new.secret.expose()),
        "audit events leak the secret"
    );
    let ops_tokens: Vec<PersonalAccessToken> =
        all(&admin, admin.user_personal_access_tokens(3)).await;
    let mut ids: Vec<(i64, bool)> = ops_tokens.iter().map(|t| (t.id, t.revoked)).collect();
    ids.sort_unstable();
    assert_eq!(ids, [(3, true), (new.token.id, false)]);

    let err = admin
        .rotate_personal_access_token(3, None)
        .await
        .unwrap_err();
    assert_eq!(
        status(&err),
        Some(400),
        "an old token cannot be rotated again"
    );
}

#[tokio::test]
async fn a_rotation_is_never_resent_after_a_server_error() {
    let sim = sim().await;
    sim.inject(Fault {
        path_contains: "/rotate".to_string(),
        kind: FaultKind::ServerError { status: 502 },
        times: 1,
    });
    let err = client(&sim, ADMIN)
        .rotate_personal_access_token(3, None)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(502));
    assert_eq!(
        sim.requests("/rotate"),
        1,
        "GitLab may have rotated already"
    );
}

#[tokio::test]
async fn project_and_group_access_tokens() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let bot = client(&sim, "glpat-SimProjectBot0000001");
    assert!(bot.current_user().await.is_ok());

    let err = client(&sim, DEV)
        .revoke_project_access_token("acme/app", 7)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));

    let done = ops
        .revoke_project_access_token("acme/app", 7)
        .await
        .unwrap();
    assert!(done.changed);
    assert_eq!(status(&bot.current_user().await.unwrap_err()), Some(401));
    let (event, _) = latest(&admin, "project_access_token_deleted").await;
    assert_event(
        &event.unwrap(),
        3,
        ("Project", 20),
        ("PersonalAccessToken", 7),
    );
    assert!(
        !ops.revoke_project_access_token("acme/app", 7)
            .await
            .unwrap()
            .changed
    );

    let rotated = ops
        .rotate_group_access_token("acme", 8, None)
        .await
        .unwrap();
    let fresh = client(&sim, rotated.value.secret.expose());
    assert_eq!(
        fresh.current_user().await.unwrap().body.username,
        "group_10_bot_sim"
    );
    let err = client(&sim, "glpat-SimGroupBot100000001")
        .current_user()
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(401));
    let (deleted, _) = latest(&admin, "group_access_token_deleted").await;
    assert_event(
        &deleted.unwrap(),
        3,
        ("Group", 10),
        ("PersonalAccessToken", 8),
    );
    let (created, _) = latest(&admin, "group_access_token_created").await;
    assert_eq!(
        created.unwrap()["details"]["target_id"],
        rotated.value.token.id
    );
}

#[tokio::test]
async fn deploy_tokens_and_triggers_are_deleted_once() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let deploy = Secret::new("gldt-SimDeployActive00001");
    assert!(admin.admin_token_lookup(&deploy).await.is_ok());

    let done = ops
        .revoke_project_deploy_token("acme/app", 1)
        .await
        .unwrap();
    assert!(done.changed);
    let err = admin.admin_token_lookup(&deploy).await.unwrap_err();
    assert_eq!(
        status(&err),
        Some(404),
        "a destroyed deploy token is unknown"
    );
    let (event, _) = latest(&admin, "deploy_token_destroyed").await;
    assert_event(&event.unwrap(), 3, ("Project", 20), ("DeployToken", 1));
    let again = ops
        .revoke_project_deploy_token("acme/app", 1)
        .await
        .unwrap();
    assert!(!again.changed);
    assert_eq!(again.status, 404);

    // A typo in the project is an error, not "already gone".
    let err = ops
        .revoke_project_deploy_token("acme/nope", 1)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(404));

    let group = ops.revoke_group_deploy_token("acme", 2).await.unwrap();
    assert!(group.changed);
    let (event, _) = latest(&admin, "group_deploy_token_destroyed").await;
    assert_event(&event.unwrap(), 3, ("Group", 10), ("DeployToken", 2));

    let before = events(&admin).await.len();
    assert!(ops.delete_trigger("acme/app", 1).await.unwrap().changed);
    assert!(!ops.delete_trigger("acme/app", 1).await.unwrap().changed);
    assert_eq!(
        events(&admin).await.len(),
        before,
        "GitLab has no audit event type for triggers"
    );
    let lookup = admin
        .admin_token_lookup(&Secret::new(
            "glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13",
        ))
        .await
        .unwrap_err();
    assert_eq!(status(&lookup), Some(404));
}

#[tokio::test]
async fn a_reset_runner_token_stops_working() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let old = Secret::new("glrt-SimRunnerActive00001");
    assert!(matches!(
        ops.runners_verify(&old).await.unwrap(),
        RunnerTokenCheck::Valid(_)
    ));

    let reset = ops.reset_runner_token(1).await.unwrap();
    assert_eq!(reset.status, 201);
    assert_eq!(
        ops.runners_verify(&old).await.unwrap(),
        RunnerTokenCheck::Invalid
    );
    assert!(matches!(
        ops.runners_verify(&reset.value.token).await.unwrap(),
        RunnerTokenCheck::Valid(_)
    ));
    let (event, _) = latest(&admin, "ci_runner_token_reset").await;
    assert_event(&event.unwrap(), 3, ("Project", 20), ("Ci::Runner", 1));

    // An instance runner needs an admin.
    let err = ops.reset_runner_token(2).await.unwrap_err();
    assert_eq!(status(&err), Some(403));
}

#[tokio::test]
async fn renewed_application_secret_replaces_the_old_one() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let old = Secret::new("gloas-a79baf1b6e8df1344a7f3ca9817144f02c212d6a79127f9937537c3f085c6897");
    let renewed = admin.renew_application_secret(1).await.unwrap();
    assert_eq!(
        renewed.value.application.application_name,
        "sim-deploy-dashboard"
    );
    assert_ne!(renewed.value.secret.expose(), old.expose());
    assert_eq!(
        status(&admin.admin_token_lookup(&old).await.unwrap_err()),
        Some(404)
    );
    let found = admin
        .admin_token_lookup(&renewed.value.secret)
        .await
        .unwrap();
    assert!(matches!(found.body.details, TokenDetails::Application(_)));
    let err = client(&sim, OWNER)
        .renew_application_secret(1)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));
}

#[tokio::test]
async fn admin_token_api_revokes_by_value() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let token = Secret::new("glpat-SimImpersonation0001");
    let done = admin.admin_revoke_token(&token).await.unwrap();
    assert!(done.changed);
    assert_eq!(done.status, 204);
    assert_eq!(
        status(
            &client(&sim, token.expose())
                .current_user()
                .await
                .unwrap_err()
        ),
        Some(401)
    );
    let (event, count) = latest(&admin, "personal_access_token_revoked").await;
    assert_event(&event.unwrap(), 1, ("User", 2), ("User", 2));
    assert!(!admin.admin_revoke_token(&token).await.unwrap().changed);
    assert_eq!(
        latest(&admin, "personal_access_token_revoked").await.1,
        count
    );

    // CI job tokens cannot be revoked through this API: 422, for the caller to fall back.
    let job = Secret::new("glcbt-64_SimRunningJobToken01");
    let err = admin.admin_revoke_token(&job).await.unwrap_err();
    assert_eq!(status(&err), Some(422));
    let err = client(&sim, OWNER)
        .admin_revoke_token(&token)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));
}

#[tokio::test]
async fn project_token_rotation_and_group_token_revocation() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let rotated = ops
        .rotate_project_access_token("acme/app", 7, None)
        .await
        .unwrap();
    assert_eq!(rotated.value.token.access_level, Some(40));
    let fresh = client(&sim, rotated.value.secret.expose());
    assert_eq!(
        fresh.current_user().await.unwrap().body.username,
        "project_20_bot_sim"
    );
    let (created, _) = latest(&admin, "project_access_token_created").await;
    assert_event(
        &created.unwrap(),
        3,
        ("Project", 20),
        ("PersonalAccessToken", rotated.value.token.id),
    );

    // Group access tokens are managed by Owners: dev (read_api) is refused, ops is not.
    let err = client(&sim, DEV)
        .revoke_group_access_token("acme", 8)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));
    assert!(
        ops.revoke_group_access_token("acme", 8)
            .await
            .unwrap()
            .changed
    );
    assert!(
        !ops.revoke_group_access_token("acme", 8)
            .await
            .unwrap()
            .changed
    );
    let (event, count) = latest(&admin, "group_access_token_deleted").await;
    assert_event(
        &event.unwrap(),
        3,
        ("Group", 10),
        ("PersonalAccessToken", 8),
    );
    assert_eq!(count, 1);
}

#[tokio::test]
async fn admin_token_api_revokes_a_deploy_token() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let deploy = Secret::new("gldt-SimDeployActive00001");
    assert!(admin.admin_revoke_token(&deploy).await.unwrap().changed);
    let found = admin.admin_token_lookup(&deploy).await.unwrap();
    assert!(matches!(found.body.details, TokenDetails::DeployToken(d) if d.revoked));
    let (event, _) = latest(&admin, "deploy_token_revoked").await;
    assert_event(&event.unwrap(), 1, ("Project", 20), ("DeployToken", 1));
    assert!(!admin.admin_revoke_token(&deploy).await.unwrap().changed);
}

#[tokio::test]
async fn an_agent_token_is_revoked_once_and_stays_listed_as_revoked() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let dev = client(&sim, DEV);
    // A Developer may not revoke it (Maintainer+).
    let err = dev
        .revoke_cluster_agent_token("acme/app", 701, 7011)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403), "{err}");
    let done = ops
        .revoke_cluster_agent_token("acme/app", 701, 7011)
        .await
        .unwrap();
    assert!(done.changed);
    let (event, _) = latest(&admin, "cluster_agent_token_revoked").await;
    assert_event(
        &event.unwrap(),
        3,
        ("Project", 20),
        ("Clusters::AgentToken", 7011),
    );
    let tokens: Vec<Value> = all(
        &ops,
        PageRequest {
            path: "/projects/20/cluster_agents/701/tokens".into(),
            query: Vec::new(),
            paging: glir_gitlab::Paging::Offset { per_page: 100 },
        },
    )
    .await;
    let revoked = tokens.iter().find(|t| t["id"] == 7011).unwrap();
    assert_eq!(revoked["status"], "revoked");
    let again = ops
        .revoke_cluster_agent_token("acme/app", 701, 7011)
        .await
        .unwrap();
    assert!(!again.changed);
}
