//! 2FA enforcement, variable flags, visibility, public jobs, protected branches, approvals.

use super::*;
use glir_gitlab::{ApprovalChange, ProtectedBranch, Variable, Visibility};

#[tokio::test]
async fn group_and_instance_2fa_enforcement() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let err = client(&sim, DEV)
        .set_group_require_2fa("acme", true, None)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));

    let done = ops
        .set_group_require_2fa("acme", true, Some(8))
        .await
        .unwrap();
    assert!(done.changed);
    assert_eq!(done.value.require_two_factor_authentication, Some(true));
    assert_eq!(done.value.two_factor_grace_period, Some(8));
    let (event, _) = latest(&admin, "group_require_two_factor_authentication_updated").await;
    let event = event.unwrap();
    assert_event(&event, 3, ("Group", 10), ("Group", 10));
    assert_eq!(event["details"]["from"], "false");
    assert_eq!(event["details"]["to"], "true");
    assert!(
        latest(&admin, "group_two_factor_grace_period_updated")
            .await
            .0
            .is_some()
    );
    assert!(
        !ops.set_group_require_2fa("acme", true, Some(8))
            .await
            .unwrap()
            .changed
    );

    let instance = admin.set_instance_require_2fa(true).await.unwrap();
    assert!(instance.changed);
    assert_eq!(instance.value.require_two_factor_authentication, Some(true));
    let (event, _) = latest(&admin, "application_setting_updated").await;
    let event = event.unwrap();
    assert_event(
        &event,
        1,
        ("Gitlab::Audit::InstanceScope", 1),
        ("ApplicationSetting", 1),
    );
    assert_eq!(
        event["details"]["change"],
        "require_two_factor_authentication"
    );
    assert!(!admin.set_instance_require_2fa(true).await.unwrap().changed);
    let settings = admin.application_settings().await.unwrap().body;
    assert_eq!(settings.require_two_factor_authentication, Some(true));
    assert_eq!(
        status(&ops.application_settings().await.unwrap_err()),
        Some(403)
    );
}

#[tokio::test]
async fn variable_flags_change_without_sending_the_value() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    // The leaky value holds `!`, which GitLab cannot mask: 400, nothing changes.
    let err = ops
        .update_project_variable("acme/app", "API_SECRET_KEY", None, Some(true), None)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(400), "{err}");

    let done = ops
        .update_project_variable("acme/app", "API_SECRET_KEY", None, None, Some(true))
        .await
        .unwrap();
    assert!(done.changed);
    assert!(done.value.protected && !done.value.masked);
    let (event, _) = latest(&admin, "ci_variable_updated").await;
    let event = event.unwrap();
    assert_eq!(event["details"]["change"], "protected");
    assert_eq!(event["details"]["target_type"], "Ci::Variable");
    assert_eq!(event["details"]["target_details"], "API_SECRET_KEY");
    assert!(
        !ops.update_project_variable("acme/app", "API_SECRET_KEY", None, None, Some(true))
            .await
            .unwrap()
            .changed
    );

    let group = ops
        .update_group_variable("acme", "GROUP_WEBHOOK_SECRET", None, Some(true), Some(true))
        .await
        .unwrap();
    assert!(group.value.masked && group.value.protected);
    let (event, count) = latest(&admin, "ci_group_variable_updated").await;
    assert_eq!(count, 2, "one event per changed flag");
    assert_event(&event.unwrap(), 3, ("Group", 10), ("Ci::GroupVariable", 2));
    let vars: Vec<Variable> = all(&ops, ops.group_variables("acme")).await;
    assert!(
        vars.iter()
            .any(|v| v.key == "GROUP_WEBHOOK_SECRET" && v.masked)
    );
    let state = state(&sim).await.to_string();
    assert!(
        !state.contains("SimGroupWebhookSecret01"),
        "sim state shows flags only"
    );
}

#[tokio::test]
async fn visibility_and_public_jobs() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let done = ops
        .set_project_visibility("acme/app", Visibility::Internal)
        .await
        .unwrap();
    assert_eq!(done.value.visibility, "internal");
    let (event, _) = latest(&admin, "project_visibility_level_updated").await;
    let event = event.unwrap();
    assert_event(&event, 3, ("Project", 20), ("Project", 20));
    assert_eq!(event["details"]["from"], "Private");
    assert_eq!(event["details"]["to"], "Internal");
    assert!(
        !ops.set_project_visibility("acme/app", Visibility::Internal)
            .await
            .unwrap()
            .changed
    );

    let jobs = ops
        .set_project_public_jobs("acme/app", false)
        .await
        .unwrap();
    assert!(jobs.changed);
    assert_eq!(jobs.value.public_jobs, Some(false));
    assert!(
        !ops.set_project_public_jobs("acme/app", false)
            .await
            .unwrap()
            .changed
    );
    let err = client(&sim, DEV)
        .set_project_public_jobs("acme/app", true)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));
}

#[tokio::test]
async fn protected_branches() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let existing = ops
        .protect_branch("acme/app", "main", 40, 40)
        .await
        .unwrap();
    assert!(!existing.changed, "main is protected already");

    assert!(
        ops.unprotect_branch("acme/app", "main")
            .await
            .unwrap()
            .changed
    );
    let (event, _) = latest(&admin, "protected_branch_removed").await;
    assert_event(
        &event.unwrap(),
        3,
        ("Project", 20),
        ("ProtectedBranch", 601),
    );
    assert!(
        !ops.unprotect_branch("acme/app", "main")
            .await
            .unwrap()
            .changed
    );

    let done = ops.protect_branch("acme/app", "main", 40, 0).await.unwrap();
    assert!(done.changed);
    assert_eq!(done.value.merge_access_levels[0].access_level, 0);
    let (event, _) = latest(&admin, "protected_branch_created").await;
    assert_eq!(event.unwrap()["details"]["target_details"], "main");
    let branches: Vec<ProtectedBranch> =
        all(&ops, ops.project_protected_branches("acme/app")).await;
    assert_eq!(branches.len(), 1);
}

#[tokio::test]
async fn approval_settings() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let ops = client(&sim, OWNER);
    let before = ops
        .project_approval_settings("acme/app")
        .await
        .unwrap()
        .body;
    assert!(before.merge_requests_author_approval);
    let change = ApprovalChange {
        merge_requests_author_approval: Some(false),
        reset_approvals_on_push: Some(true),
        ..ApprovalChange::default()
    };
    let done = ops
        .set_project_approvals("acme/app", &change)
        .await
        .unwrap();
    assert!(done.changed);
    assert!(!done.value.merge_requests_author_approval);
    let (event, _) = latest(&admin, "project_merge_requests_author_approval_updated").await;
    let event = event.unwrap();
    assert_event(&event, 3, ("Project", 20), ("Project", 20));
    // The event speaks of preventing author approval, as the seeded demo event does.
    assert_eq!(event["details"]["from"], "false");
    assert_eq!(event["details"]["to"], "true");
    assert!(
        latest(&admin, "project_reset_approvals_on_push_updated")
            .await
            .0
            .is_none(),
        "an unchanged setting writes no event"
    );
    assert!(
        !ops.set_project_approvals("acme/app", &change)
            .await
            .unwrap()
            .changed
    );
}
