//! Keys, emails and webhooks: listed as evidence, removed as persistence.

use super::*;
use glir_gitlab::{Application, DeployKey, Email, GpgKey, Hook, Runner, SshKey};

#[tokio::test]
async fn ssh_and_gpg_keys_are_listed_and_removed() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let keys: Vec<SshKey> = all(&admin, admin.user_ssh_keys("dev")).await;
    let titles: Vec<&str> = keys.iter().map(|k| k.title.as_str()).collect();
    assert_eq!(titles, ["dev@laptop", "unknown@attacker"]);

    let done = admin.delete_user_ssh_key(2, 103).await.unwrap();
    assert!(done.changed);
    assert_eq!(done.status, 204);
    let keys: Vec<SshKey> = all(&admin, admin.user_ssh_keys("2")).await;
    assert_eq!(keys.iter().map(|k| k.id).collect::<Vec<_>>(), [102]);
    let (event, _) = latest(&admin, "remove_ssh_key").await;
    assert_event(&event.unwrap(), 1, ("User", 2), ("Key", 103));
    let again = admin.delete_user_ssh_key(2, 103).await.unwrap();
    assert!(!again.changed);

    let gpg: Vec<GpgKey> = all(&admin, admin.user_gpg_keys("dev")).await;
    assert_eq!(gpg.len(), 1);
    assert!(admin.delete_user_gpg_key(2, 202).await.unwrap().changed);
    let (event, _) = latest(&admin, "remove_gpg_key").await;
    assert_event(&event.unwrap(), 1, ("User", 2), ("GpgKey", 202));

    // Removing another user's key is for admins.
    let err = client(&sim, OWNER)
        .delete_user_ssh_key(2, 102)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));
    assert_eq!(
        state(&sim).await["users"][1]["ssh_keys"],
        serde_json::json!([102])
    );
}

#[tokio::test]
async fn emails_and_identities_are_admin_evidence() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let emails: Vec<Email> = all(&admin, admin.user_emails(2)).await;
    assert_eq!(emails[0].email, "dev.personal@mail.example.net");
    assert_eq!(emails[0].confirmed_at, None);
    let user = admin.user(2).await.unwrap().body;
    assert_eq!(user.identities[0].provider, "group_saml");
    let ops = client(&sim, OWNER);
    let err = ops
        .pages::<Email>(ops.user_emails(2))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));
}

#[tokio::test]
async fn deploy_keys_are_removed_from_the_project() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let keys: Vec<DeployKey> = all(&ops, ops.project_deploy_keys("acme/app")).await;
    assert!(keys[0].can_push);
    assert!(
        ops.delete_project_deploy_key("acme/app", 501)
            .await
            .unwrap()
            .changed
    );
    assert!(
        all::<DeployKey>(&ops, ops.project_deploy_keys("acme/app"))
            .await
            .is_empty()
    );
    let (event, _) = latest(&admin, "deploy_key_removed").await;
    assert_event(&event.unwrap(), 3, ("Project", 20), ("DeployKey", 501));
    assert!(
        !ops.delete_project_deploy_key("acme/app", 501)
            .await
            .unwrap()
            .changed
    );
}

#[tokio::test]
async fn project_group_and_system_hooks_are_destroyed() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);

    let hooks: Vec<Hook> = all(&ops, ops.project_hooks("acme/app")).await;
    let exfil = hooks
        .iter()
        .find(|h| h.url.contains("exfil"))
        .expect("the fixture's exfiltration hook");
    assert_eq!(exfil.project_id, Some(20));
    assert!(
        ops.delete_project_hook("acme/app", exfil.id)
            .await
            .unwrap()
            .changed
    );
    let (event, _) = latest(&admin, "webhook_destroyed").await;
    assert_event(&event.unwrap(), 3, ("Project", 20), ("ProjectHook", 403));
    assert!(
        !ops.delete_project_hook("acme/app", 403)
            .await
            .unwrap()
            .changed
    );
    assert_eq!(
        all::<Hook>(&ops, ops.project_hooks("acme/app")).await.len(),
        1
    );

    let group: Vec<Hook> = all(&ops, ops.group_hooks("acme")).await;
    assert_eq!(group[0].group_id, Some(10));
    assert!(ops.delete_group_hook("acme", 401).await.unwrap().changed);
    let (event, _) = latest(&admin, "webhook_destroyed").await;
    assert_event(&event.unwrap(), 3, ("Group", 10), ("GroupHook", 401));

    let err = ops.delete_system_hook(404).await.unwrap_err();
    assert_eq!(status(&err), Some(403));
    let system: Vec<Hook> = all(&admin, admin.system_hooks()).await;
    assert_eq!(system.len(), 1);
    assert!(admin.delete_system_hook(404).await.unwrap().changed);
    let (event, count) = latest(&admin, "webhook_destroyed").await;
    assert_event(
        &event.unwrap(),
        1,
        ("Gitlab::Audit::InstanceScope", 1),
        ("SystemHook", 404),
    );
    assert_eq!(count, 3);
    assert!(!admin.delete_system_hook(404).await.unwrap().changed);
}

#[tokio::test]
async fn oauth_applications_and_runners_are_evidence() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let apps: Vec<Application> = all(&admin, admin.applications()).await;
    assert_eq!(apps[0].application_name, "sim-deploy-dashboard");
    let runners: Vec<Runner> = all(&admin, admin.runners_all()).await;
    assert_eq!(runners.len(), 2);
    let ops = client(&sim, OWNER);
    let available: Vec<Runner> = all(&ops, ops.project_runners("acme/app")).await;
    let mut ids: Vec<i64> = available.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2], "its project runner and the instance runner");
    let err = ops
        .pages::<Application>(ops.applications())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));
}
