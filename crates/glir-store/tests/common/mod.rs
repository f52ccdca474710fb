//! Stream-layout events built the way GitLab shapes them (reference §6), and the stores of
//! both backends for a test to run on.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use glir_events::{AuditEvent, Layout, parse_event};
use glir_store::{Store, StoreLocation};
use glir_test_support::clickhouse::TestDatabase;
use serde_json::json;

/// One store per backend: SQLite, and ClickHouse in a fresh database where a server answers
/// (outside CI a machine without one runs the SQLite half only, and says so). A test loops
/// over `stores` and names the backend in every assertion message.
pub struct Backends {
    /// `("sqlite", …)` first, then `("clickhouse", …)` when there is a server.
    pub stores: Vec<(&'static str, Store)>,
    /// Dropped after `stores` (fields drop in order), dropping the database.
    _db: Option<TestDatabase>,
}

/// [`Backends`] with an SQLite store in memory; `test` names the ClickHouse database.
pub fn backends(test: &str) -> Backends {
    backends_with(test, Store::open_in_memory().expect("sqlite in memory"))
}

/// [`Backends`] with `sqlite` as the SQLite store (a file, for a test that goes on to look
/// at it).
pub fn backends_with(test: &str, sqlite: Store) -> Backends {
    let mut stores = vec![("sqlite", sqlite)];
    let db = TestDatabase::new(test);
    if let Some(db) = &db {
        let location: StoreLocation = db.url.parse().expect("a test database URL");
        stores.push((
            "clickhouse",
            Store::open_location(&location).expect("clickhouse test database"),
        ));
    }
    Backends { stores, _db: db }
}

pub struct Spec<'a> {
    pub id: &'a str,
    pub at: &'a str,
    pub event_type: &'a str,
    pub author_id: i64,
    pub author: &'a str,
    pub email: Option<&'a str>,
    pub ip: &'a str,
    pub entity_id: i64,
    pub path: &'a str,
    pub target_type: &'a str,
}

pub const BASE: Spec<'static> = Spec {
    id: "1",
    at: "2025-03-02T06:00:00.000Z",
    event_type: "protected_branch_updated",
    author_id: 51,
    author: "Mallory",
    email: Some("mallory@example.test"),
    ip: "203.0.113.50",
    entity_id: 29,
    path: "grp/app",
    target_type: "ProtectedBranch",
};

pub fn event(source: &str, s: &Spec<'_>) -> AuditEvent {
    let body = json!({
        "id": s.id, "author_id": s.author_id, "entity_id": s.entity_id, "entity_type": "Project",
        "details": {
            "change": "allow_force_push", "from": false, "to": true,
            "author_name": s.author, "author_email": s.email, "target_id": 12,
            "target_type": s.target_type, "target_details": "main", "ip_address": s.ip,
            "entity_path": s.path
        },
        "ip_address": s.ip, "author_name": s.author, "entity_path": s.path,
        "target_details": "main", "created_at": s.at, "target_type": s.target_type,
        "target_id": 12, "event_type": s.event_type
    });
    parse_event(&body.to_string(), Some(Layout::Stream), source).expect("valid stream body")
}
