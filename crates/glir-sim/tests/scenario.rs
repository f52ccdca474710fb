//! Scenario parsing and validation, the synthetic scenario's contract and the bundled demo.

mod common;

use common::{get_json, ids};
use glir_sim::{Scenario, SimError};
use serde_json::{Value, json};

fn base() -> Value {
    json!({
        "users": [ { "id": 1, "username": "root", "is_admin": true }, { "id": 2, "username": "alice" } ],
        "groups": [ { "id": 10, "path": "acme", "members": [ { "username": "alice", "access_level": 30 } ] } ],
        "projects": [ { "id": 20, "path": "app", "namespace": "acme" } ],
        "tokens": [ { "id": 1, "token": "glpat-ValidationToken0001", "user": "root", "name": "t", "scopes": ["api"] } ],
        "audit_events": [ { "id": 1, "author_id": 2, "entity_id": 20, "entity_type": "Project",
                            "event_name": "project_archived", "details": {}, "created_at": "2026-11-01T00:00:00Z" } ]
    })
}

fn error_for(mutate: impl FnOnce(&mut Value)) -> SimError {
    let mut doc = base();
    mutate(&mut doc);
    Scenario::from_json_str(&doc.to_string()).expect_err("scenario should be rejected")
}

#[test]
fn base_fixture_is_valid() {
    let s = Scenario::from_json_str(&base().to_string()).expect("valid");
    assert_eq!(s.users.len(), 2);
    assert_eq!(
        s.instance.version, "17.9.2-ee",
        "defaults fill the instance"
    );
}

#[test]
fn validation_errors_name_the_field() {
    let cases: Vec<(SimError, &str, &str)> = vec![
        (
            error_for(|d| d["tokens"][0]["user"] = json!("bob")),
            "tokens[0].user",
            "no user \"bob\"",
        ),
        (
            error_for(|d| d["tokens"][0]["scopes"] = json!(["api", "admin"])),
            "tokens[0].scopes[1]",
            "unknown scope",
        ),
        (
            error_for(|d| d["users"][1]["id"] = json!(1)),
            "users[1].id",
            "duplicate user id 1",
        ),
        (
            error_for(|d| d["users"][1]["username"] = json!("ROOT")),
            "users[1].username",
            "duplicate username",
        ),
        (
            error_for(|d| d["groups"][0]["members"][0]["username"] = json!("zed")),
            "groups[0].members[0].username",
            "no user",
        ),
        (
            error_for(|d| d["groups"][0]["members"][0]["access_level"] = json!(35)),
            "groups[0].members[0].access_level",
            "35",
        ),
        (
            error_for(|d| {
                d["users"][0]["ssh_keys"] =
                    json!([{"id": 7, "title": "a", "key": "ssh-ed25519 A"}]);
                d["users"][1]["ssh_keys"] =
                    json!([{"id": 7, "title": "b", "key": "ssh-ed25519 B"}]);
            }),
            "users[1].ssh_keys[0].id",
            "duplicate SSH key id 7",
        ),
        (
            error_for(|d| {
                d["groups"][0]["hooks"] = json!([{"id": 3, "url": "https://a.test/h"}]);
                d["system_hooks"] = json!([{"id": 3, "url": "https://b.test/h"}]);
            }),
            "system_hooks[0].id",
            "duplicate hook id 3",
        ),
        (
            error_for(|d| {
                d["projects"][0]["protected_branches"] =
                    json!([{"id": 1, "name": "main", "merge_access_level": 50}]);
            }),
            "projects[0].protected_branches[0].merge_access_level",
            "50",
        ),
        (
            error_for(|d| d["groups"][0]["parent_id"] = json!(99)),
            "groups[0].parent_id",
            "no group with id 99",
        ),
        (
            error_for(|d| d["groups"][0]["full_path"] = json!("other")),
            "groups[0].full_path",
            "does not match",
        ),
        (
            error_for(|d| d["projects"][0]["namespace"] = json!("nope")),
            "projects[0].namespace",
            "no group \"nope\"",
        ),
        (
            error_for(|d| d["audit_events"][0]["author_id"] = json!(7)),
            "audit_events[0].author_id",
            "no user with id 7",
        ),
        (
            error_for(|d| d["audit_events"][0]["entity_id"] = json!(21)),
            "audit_events[0].entity_id",
            "no Project with id 21",
        ),
        (
            error_for(|d| d["audit_events"][0]["entity_type"] = json!("Runner")),
            "audit_events[0].entity_type",
            "Runner",
        ),
    ];
    for (err, field, fragment) in cases {
        assert_eq!(err.field(), Some(field), "{err}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("{field}: ")) && text.contains(fragment),
            "{text}"
        );
    }
}

#[test]
fn duplicate_token_values_are_rejected_without_echoing_them() {
    let err = error_for(|d| {
        let mut copy = d["tokens"][0].clone();
        copy["id"] = json!(2);
        d["tokens"].as_array_mut().expect("array").push(copy);
    });
    assert_eq!(err.field(), Some("tokens[1].token"));
    assert!(!err.to_string().contains("ValidationToken"), "{err}");
}

#[test]
fn type_errors_name_the_path_and_position() {
    let err = error_for(|d| d["users"][1]["is_admin"] = json!("yes"));
    assert!(matches!(err, SimError::Parse { .. }), "{err:?}");
    assert_eq!(err.field(), Some("users[1].is_admin"));
    assert!(err.to_string().contains("line"), "{err}");
    let err = error_for(|d| d["tokens"][0]["scope"] = json!(["api"]));
    assert!(err.to_string().contains("unknown field `scope`"), "{err}");
    let err = Scenario::from_json_str("{ not json").expect_err("broken JSON");
    assert!(err.to_string().starts_with("scenario: "), "{err}");
}

#[test]
fn from_path_errors_name_the_file() {
    let dir = std::env::temp_dir().join(format!("glir-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("broken.json");
    let mut doc = base();
    doc["tokens"][0]["user"] = json!("bob");
    std::fs::write(&path, doc.to_string()).expect("write");
    let err = Scenario::from_path(&path).expect_err("invalid");
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
    assert!(
        err.to_string().contains("tokens[0].user: no user \"bob\""),
        "{err}"
    );
    let missing = Scenario::from_path(&dir.join("missing.json")).expect_err("missing file");
    assert!(matches!(missing, SimError::Read { .. }), "{missing:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn token_debug_is_redacted() {
    let s = Scenario::synthetic(0, common::start_time());
    let debug = format!("{s:?}");
    assert!(!debug.contains("SimAdminToken"), "{debug}");
    assert!(debug.contains("glpat-…"), "{debug}");
}

#[test]
fn scenario_round_trips_through_json() {
    let s = Scenario::synthetic(7, common::start_time());
    let text = serde_json::to_string(&s).expect("serialize");
    let back = Scenario::from_json_str(&text).expect("parse back");
    assert_eq!(back, s);
}

#[test]
fn synthetic_matches_its_contract() {
    let s = Scenario::synthetic(30, common::start_time());
    let root = s.users.iter().find(|u| u.username == "root").expect("root");
    let dev = s.users.iter().find(|u| u.username == "dev").expect("dev");
    assert!(root.is_admin && !dev.is_admin);
    let admin_token = s
        .tokens
        .iter()
        .find(|t| t.token == common::ADMIN)
        .expect("admin token");
    assert_eq!(admin_token.scopes, ["api", "read_api", "sudo"]);
    let dev_token = s
        .tokens
        .iter()
        .find(|t| t.token == common::DEV)
        .expect("dev token");
    assert_eq!(dev_token.scopes, ["read_api"]);
    let acme = s.groups.iter().find(|g| g.path == "acme").expect("acme");
    assert!(
        acme.members
            .iter()
            .any(|m| m.username == "dev" && m.access_level == 30)
    );
    assert!(
        s.projects
            .iter()
            .any(|p| p.namespace == "acme" && p.path == "app")
    );
    let ids: Vec<i64> = s.audit_events.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=30).collect::<Vec<_>>());
    for pair in s.audit_events.windows(2) {
        assert_eq!(
            pair[1]
                .created_at
                .duration_since(pair[0].created_at)
                .as_secs(),
            60
        );
    }
    let types: std::collections::HashSet<&str> = s
        .audit_events
        .iter()
        .map(|e| e.entity_type.as_str())
        .collect();
    assert_eq!(types.len(), 3);
    let authors: std::collections::HashSet<i64> =
        s.audit_events.iter().map(|e| e.author_id).collect();
    assert!(authors.len() >= 3);
}

#[test]
fn demo_parses_validates_and_is_labelled_synthetic() {
    let demo = Scenario::demo();
    demo.validate().expect("demo validates");
    assert!(
        demo.description
            .as_deref()
            .is_some_and(|d| d.contains("Synthetic drill data — not a real incident"))
    );
    assert_eq!(demo.instance.version, "17.9.2-ee");
    assert!(!demo.instance.gitlab_com);
    assert!(demo.instance.external_url.contains("gitlab.acme.test"));
    for name in ["root", "dana", "alice", "bob", "carol", "svc-backup"] {
        assert!(demo.users.iter().any(|u| u.username == name), "{name}");
    }
    let dana = demo
        .users
        .iter()
        .find(|u| u.username == "dana")
        .expect("dana");
    assert!(dana.is_admin);
    let leaked = demo
        .tokens
        .iter()
        .find(|t| t.name == "deploy-automation")
        .expect("leaked token");
    assert_eq!(leaked.user, "dana");
    assert_eq!(leaked.scopes, ["api", "write_repository"]);
}

#[test]
fn demo_attack_sequence_is_in_the_audit_log() {
    let demo = Scenario::demo();
    let dana_id = demo
        .users
        .iter()
        .find(|u| u.username == "dana")
        .expect("dana")
        .id;
    let start: jiff::Timestamp = "2026-11-25T02:13:00Z".parse().expect("ts");
    let attack: Vec<&str> = demo
        .audit_events
        .iter()
        .filter(|e| e.details.get("ip_address") == Some(&json!("203.0.113.66")))
        .map(|e| {
            assert_eq!(e.author_id, dana_id);
            assert!(e.created_at >= start);
            e.event_name.as_deref().expect("event_name")
        })
        .collect();
    assert_eq!(
        attack,
        [
            "add_ssh_key",
            "personal_access_token_created",
            "user_created",
            "user_admin_status_updated",
            "repository_download_operation",
            "repository_download_operation",
            "project_visibility_level_updated"
        ]
    );
    let from_office = demo
        .audit_events
        .iter()
        .filter(|e| {
            e.author_id == dana_id && e.details.get("ip_address") == Some(&json!("198.51.100.14"))
        })
        .map(|e| e.created_at)
        .collect::<Vec<_>>();
    assert!(from_office.iter().filter(|t| **t < start).count() >= 3);
    assert!(from_office.iter().filter(|t| **t > start).count() >= 2);
    for e in &demo.audit_events {
        for key in [
            "author_name",
            "author_email",
            "target_id",
            "target_type",
            "target_details",
            "ip_address",
            "entity_path",
        ] {
            assert!(
                e.details.contains_key(key),
                "event {} lacks details.{key}",
                e.id
            );
        }
    }
}

#[tokio::test]
async fn demo_serves_dana_timeline_to_the_responder_token() {
    let sim = glir_sim::start(Scenario::demo()).await.expect("starts");
    let (status, events) = get_json(
        &sim,
        "glpat-DemoRootAdmin000000",
        "/audit_events?entity_type=User&entity_id=6&per_page=100",
    )
    .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = events
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["event_name"].as_str())
        .collect();
    assert_eq!(names, ["user_admin_status_updated", "user_created"]);
    assert_eq!(events[0]["details"]["to"], "true");
    let (_, infra) = get_json(&sim, "glpat-DemoAliceRead00001", "/projects/acme%2Finfra").await;
    assert_eq!(infra["visibility"], "public", "the attacker made it public");
    let (status, _) = get_json(&sim, "glpat-DemoAliceRead00001", "/audit_events").await;
    assert_eq!(status, 403);
    let (_, leaked) = get_json(
        &sim,
        "glpat-DemoLeakedDana0001",
        "/personal_access_tokens/self",
    )
    .await;
    assert_eq!(leaked["name"], "deploy-automation");
    let all = sim.audit_event_ids();
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    let (_, page) = get_json(
        &sim,
        "glpat-DemoRootAdmin000000",
        "/audit_events?per_page=100",
    )
    .await;
    assert_eq!(ids(&page).len(), all.len());
}
