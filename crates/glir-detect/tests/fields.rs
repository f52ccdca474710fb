//! The field layer gives one view of all three layouts.

mod common;
use common::{fires, single_rule};
use glir_detect::sigma_fields;
use glir_events::{Layout, parse_event};
use serde_json::json;

// Shapes as GitLab documents them: REST (`gitlab-org/gitlab:doc/api/audit_events.md`),
// streaming (`doc/user/compliance/audit_event_streaming.md`) and audit_json.log
// (`doc/administration/logs/_index.md`).
const REST: &str = r#"{"id": 102, "author_id": 51, "entity_id": 51, "entity_type": "User", "event_name": "user_email_address_updated",
 "details": {"change": "email address", "from": "old@example.test", "to": "new@example.test",
   "author_name": "Mallory", "author_email": "new@example.test", "target_id": 51,
   "target_type": "User", "target_details": "Mallory", "ip_address": "198.51.100.7", "entity_path": "Mallory"},
 "created_at": "2025-03-01T08:34:25.639Z"}"#;
const STREAM: &str = r#"{"id": "1", "author_id": -3, "entity_id": 29, "entity_type": "Project", "details": {"author_name": "ci-deploy-key", "author_class": "DeployKey", "target_id": 29, "target_type": "Project", "target_details": "app", "custom_message": {"protocol": "ssh", "action": "git-upload-pack"}, "ip_address": "203.0.113.9", "entity_path": "grp/app"}, "ip_address": "203.0.113.9", "author_name": "ci-deploy-key", "entity_path": "grp/app", "target_details": "app", "created_at": "2025-03-02T05:43:53.662Z", "target_type": "Project", "target_id": 29, "event_type": "repository_git_operation"}"#;
const AUDIT_LOG: &str = r#"{"severity":"INFO","time":"2025-03-02T17:38:22.523Z","author_id":3,"entity_id":2,"entity_type":"Project","change":"visibility","from":"Private","to":"Public","author_name":"Mallory","target_id":2,"target_type":"Project","target_details":"grp/app"}"#;

#[test]
fn rest_events_get_streaming_names() {
    let e = parse_event(REST, Some(Layout::Rest), "gl").unwrap();
    let f = sigma_fields(&e);
    assert_eq!(f["event_type"], "user_email_address_updated");
    assert_eq!(f["author_id"], 51);
    assert_eq!(f["author_name"], "Mallory");
    assert_eq!(f["ip_address"], "198.51.100.7");
    assert_eq!(f["entity_path"], "Mallory");
    assert_eq!(f["target_id"], "51");
    assert_eq!(f["created_at"], "2025-03-01T08:34:25.639Z");
    assert_eq!(f["details"]["change"], "email address");
    assert_eq!(f["id"], "102");
}

#[test]
fn stream_events_keep_details_as_given() {
    let e = parse_event(STREAM, Some(Layout::Stream), "gl").unwrap();
    let f = sigma_fields(&e);
    assert_eq!(f["event_type"], "repository_git_operation");
    assert_eq!(f["author_id"], -3);
    assert_eq!(f["details"]["author_class"], "DeployKey");
    // The git-operation object stays an object, so `details.custom_message.action` works.
    assert_eq!(
        f["details"]["custom_message"],
        json!({"protocol": "ssh", "action": "git-upload-pack"})
    );
}

#[test]
fn audit_log_events_get_change_from_to_under_details_and_absent_keys_stay_absent() {
    let e = parse_event(AUDIT_LOG, Some(Layout::AuditLog), "gl").unwrap();
    let f = sigma_fields(&e);
    assert_eq!(f["details"]["change"], "visibility");
    assert_eq!(f["details"]["from"], "Private");
    assert_eq!(f["details"]["to"], "Public");
    assert_eq!(f["created_at"], "2025-03-02T17:38:22.523Z");
    // The line has no name; the change it describes gives one (glir-events' derive.rs).
    assert_eq!(f["event_type"], "project_visibility_level_updated");
    let obj = f.as_object().unwrap();
    for absent in ["ip_address", "entity_path", "author_email"] {
        assert!(!obj.contains_key(absent), "{absent} should be absent: {f}");
    }
    assert!(!obj.values().any(|v| v.is_null()), "no nulls: {f}");
}

#[test]
fn one_rule_matches_the_same_change_in_every_layout() {
    let (_d, pack) = single_rule(
        "  sel:\n    details.change: visibility\n    details.to: public\n  condition: sel",
    );
    let audit_log = parse_event(AUDIT_LOG, Some(Layout::AuditLog), "gl").unwrap();
    assert!(fires(&pack, &audit_log));
    let rest = r#"{"id": 7, "author_id": 3, "entity_id": 2, "entity_type": "Project", "event_name": "project_visibility_level_updated",
      "details": {"change": "visibility", "from": "Private", "to": "Public", "author_name": "Mallory",
        "target_id": 2, "target_type": "Project", "target_details": "grp/app", "ip_address": "203.0.113.66", "entity_path": "grp/app"},
      "created_at": "2025-03-02T17:38:22.523Z"}"#;
    let rest = parse_event(rest, Some(Layout::Rest), "gl").unwrap();
    assert!(fires(&pack, &rest));
    let unchanged = parse_event(REST, Some(Layout::Rest), "gl").unwrap();
    assert!(!fires(&pack, &unchanged));
}
