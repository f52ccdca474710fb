//! User moderation: block, unblock, ban, unban, deactivate, activate.

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
