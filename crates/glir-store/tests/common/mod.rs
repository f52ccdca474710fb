//! Stream-layout events built the way GitLab shapes them (reference §6).

use glir_events::{AuditEvent, Layout, parse_event};
use serde_json::json;

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
