//! Containment against the simulator's credential fixture (`Scenario::credentials`): every
//! mutation, its repeat, permission errors, the audit event GitLab writes for it, and that
//! revoked or reset credentials stop working.

mod persistence;
mod settings;
mod tokens;
mod users;

use futures::TryStreamExt;
use glir_gitlab::{Auth, Client, Error, Page, PageRequest, RetryPolicy};
use glir_redact::Secret;
use glir_sim::{Scenario, SimHandle};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

pub const ADMIN: &str = "glpat-SimAdminToken0000001";
pub const DEV: &str = "glpat-SimDevToken100000001";
pub const OWNER: &str = "glpat-SimOwnerToken0000001";

pub async fn sim() -> SimHandle {
    glir_sim::start(Scenario::credentials()).await.unwrap()
}

/// A client for `token`, retrying quickly so fault tests stay short.
pub fn client(sim: &SimHandle, token: &str) -> Client {
    Client::builder(&sim.url())
        .unwrap()
        .auth(Auth::PrivateToken(Secret::new(token)))
        .retry(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_rate_limit_wait: Duration::from_millis(50),
            deadline: Duration::from_secs(60),
        })
        .build()
        .unwrap()
}

pub async fn all<T: DeserializeOwned + Send + 'static>(
    client: &Client,
    req: PageRequest,
) -> Vec<T> {
    let pages: Vec<Page<T>> = client.pages(req).try_collect().await.unwrap();
    pages.into_iter().flat_map(|p| p.items).collect()
}

/// Instance audit events, newest first.
pub async fn events(admin: &Client) -> Vec<Value> {
    admin
        .get::<Vec<Value>>("/audit_events", &[("per_page", "100".to_string())])
        .await
        .unwrap()
        .body
}

/// The newest event named `name`, and how many there are.
pub async fn latest(admin: &Client, name: &str) -> (Option<Value>, usize) {
    let matching: Vec<Value> = events(admin)
        .await
        .into_iter()
        .filter(|e| e["event_name"] == name)
        .collect();
    (matching.first().cloned(), matching.len())
}

/// Checks an event's author, entity and target as GitLab's REST entity carries them.
pub fn assert_event(e: &Value, author_id: i64, entity: (&str, i64), target: (&str, i64)) {
    assert_eq!(e["author_id"], author_id, "{e}");
    assert_eq!(e["entity_type"], entity.0, "{e}");
    assert_eq!(e["entity_id"], entity.1, "{e}");
    assert_eq!(e["details"]["target_type"], target.0, "{e}");
    assert_eq!(e["details"]["target_id"], target.1, "{e}");
    assert_eq!(e["details"]["ip_address"], "127.0.0.1", "{e}");
    assert!(e["details"]["author_name"].is_string(), "{e}");
}

/// `GET /-/sim/state`.
pub async fn state(sim: &SimHandle) -> Value {
    reqwest::get(format!("{}/-/sim/state", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub fn status(e: &Error) -> Option<u16> {
    e.status()
}
