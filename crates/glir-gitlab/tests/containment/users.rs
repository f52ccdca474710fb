//! User moderation (block, unblock, ban, unban, deactivate, activate), a password no one knows
//! and two-factor authentication turned off.

use super::*;

#[tokio::test]
async fn blocking_a_user_locks_out_their_tokens_and_is_idempotent() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let dev = client(&sim, DEV);

    let blocked = admin.block_user(2).await.unwrap();
    assert!(blocked.changed);
    assert_eq!(blocked.status, 201);
    assert_eq!(blocked.value.state.as_deref(), Some("blocked"));
    // lib/api/api_guard.rb: a valid token of a blocked user is 403, not 401.
    let err = dev.current_user().await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");

    let (event, count) = latest(&admin, "user_blocked").await;
    assert_event(&event.unwrap(), 1, ("User", 2), ("User", 2));
    let again = admin.block_user(2).await.unwrap();
    assert!(!again.changed);
    assert_eq!(latest(&admin, "user_blocked").await.1, count);

    let unblocked = admin.unblock_user(2).await.unwrap();
    assert!(unblocked.changed);
    assert!(dev.current_user().await.is_ok());
    let (event, _) = latest(&admin, "unblock_user").await;
    assert_event(&event.unwrap(), 1, ("User", 2), ("User", 2));
}

#[tokio::test]
async fn ban_and_unban() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let banned = admin.ban_user(2).await.unwrap();
    assert_eq!(banned.value.state.as_deref(), Some("banned"));
    assert!(latest(&admin, "ban_user").await.0.is_some());
    assert!(!admin.ban_user(2).await.unwrap().changed);
    assert_eq!(state(&sim).await["users"][1]["state"], "banned");

    // GitLab bans active users only: a blocked one is 403 with its reason.
    let err = admin.ban_user(4).await.unwrap_err();
    let Error::Forbidden { message, .. } = &err else {
        panic!("{err}")
    };
    assert!(message.contains("cannot ban blocked users"), "{message}");

    assert!(admin.unban_user(2).await.unwrap().changed);
    let (event, _) = latest(&admin, "unban_user").await;
    assert_event(&event.unwrap(), 1, ("User", 2), ("User", 2));
}

#[tokio::test]
async fn deactivate_and_activate() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let done = admin.deactivate_user(3).await.unwrap();
    assert_eq!(done.value.state.as_deref(), Some("deactivated"));
    let err = client(&sim, OWNER).current_user().await.unwrap_err();
    assert_eq!(status(&err), Some(403), "{err}");
    assert!(latest(&admin, "user_deactivate").await.0.is_some());
    assert!(!admin.deactivate_user(3).await.unwrap().changed);

    let active = admin.activate_user(3).await.unwrap();
    assert!(active.changed);
    assert!(latest(&admin, "user_activate").await.0.is_some());
    assert!(client(&sim, OWNER).current_user().await.is_ok());

    // A blocked user must be unblocked first.
    let err = admin.deactivate_user(4).await.unwrap_err();
    assert_eq!(status(&err), Some(403));
}

#[tokio::test]
async fn moderation_is_for_admins() {
    let sim = sim().await;
    let err = client(&sim, OWNER).block_user(2).await.unwrap_err();
    assert_eq!(status(&err), Some(403));
    let err = client(&sim, ADMIN).block_user(999).await.unwrap_err();
    assert_eq!(status(&err), Some(404));
    assert_eq!(state(&sim).await["users"][1]["state"], "active");
}

#[tokio::test]
async fn a_failed_block_is_retried_because_it_is_idempotent() {
    let sim = sim().await;
    sim.inject(glir_sim::Fault {
        path_contains: "/block".to_string(),
        kind: glir_sim::FaultKind::ServerError { status: 502 },
        times: 1,
    });
    let done = client(&sim, ADMIN).block_user(2).await.unwrap();
    assert!(done.changed);
    assert_eq!(sim.requests("/users/2/block"), 2);
}

#[tokio::test]
async fn a_random_password_replaces_the_old_one_and_is_audited_without_values() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let reset = admin.reset_password_randomly(2).await.unwrap();
    assert!(reset.changed);
    assert_eq!(reset.status, 200);
    assert_eq!(reset.value.username, "dev");
    let (event, count) = latest(&admin, "user_password_updated").await;
    let event = event.unwrap();
    assert_event(&event, 1, ("User", 2), ("User", 2));
    // ee/app/services/ee/users/update_service.rb: `skip_changes`, so the message has no values.
    assert_eq!(
        event["details"]["custom_message"], "Changed password",
        "{event}"
    );
    assert!(event["details"].get("to").is_none(), "{event}");
    // Nothing shows a password was set, so a repeat sets another one.
    assert!(admin.reset_password_randomly(2).await.unwrap().changed);
    assert_eq!(latest(&admin, "user_password_updated").await.1, count + 1);
    let err = client(&sim, OWNER)
        .reset_password_randomly(2)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403), "{err}");
}

#[tokio::test]
async fn two_factor_is_turned_off_once_and_never_for_an_administrator() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let off = admin.disable_two_factor(3).await.unwrap();
    assert!(off.changed);
    assert_eq!(off.status, 204);
    assert_eq!(off.value.two_factor_enabled, Some(false));
    let (event, count) = latest(&admin, "user_disable_two_factor").await;
    assert_event(&event.unwrap(), 1, ("User", 3), ("User", 3));
    let again = admin.disable_two_factor(3).await.unwrap();
    assert!(!again.changed);
    assert_eq!(latest(&admin, "user_disable_two_factor").await.1, count);
    // dev never enrolled: nothing to turn off, nothing sent.
    assert!(!admin.disable_two_factor(2).await.unwrap().changed);
    assert_eq!(sim.requests("/users/2/disable_two_factor"), 0);

    let err = admin.disable_two_factor(1).await.unwrap_err();
    let Error::Forbidden { message, .. } = &err else {
        panic!("{err}")
    };
    assert!(message.contains("admins cannot be disabled"), "{message}");
}
