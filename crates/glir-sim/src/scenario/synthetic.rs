//! The generated scenario behind [`Scenario::synthetic`]: small fixed cast, any number of events.

use super::{
    AuditEvent, Group, Instance, Member, Project, Scenario, Token, TokenKind, User, UserState,
};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

const GROUP_ID: i64 = 10;
const PROJECT_ID: i64 = 20;

pub(super) struct Cast {
    pub(super) id: i64,
    pub(super) username: &'static str,
    pub(super) name: &'static str,
    pub(super) ip: &'static str,
}

const CAST: [Cast; 3] = [
    Cast {
        id: 1,
        username: "root",
        name: "Administrator",
        ip: "198.51.100.10",
    },
    Cast {
        id: 2,
        username: "dev",
        name: "Dev Eloper",
        ip: "198.51.100.11",
    },
    Cast {
        id: 3,
        username: "ops",
        name: "Ops Owner",
        ip: "198.51.100.12",
    },
];

pub(super) fn build(n: usize, start: Timestamp) -> Scenario {
    Scenario {
        description: Some(format!(
            "Synthetic test data — not a real incident ({n} audit events)."
        )),
        instance: Instance {
            external_url: "https://gitlab.sim.test".to_string(),
            ..Instance::default()
        },
        users: CAST.iter().map(|c| user(c, start)).collect(),
        groups: vec![Group {
            name: Some("Acme".to_string()),
            members: vec![member("ops", 50), member("dev", 30)],
            ..Group::new(GROUP_ID, "acme")
        }],
        projects: vec![Project {
            name: Some("App".to_string()),
            ..Project::new(PROJECT_ID, "app", "acme")
        }],
        tokens: vec![
            token(
                1,
                "glpat-SimAdminToken0000001",
                "root",
                "sim-admin",
                &["api", "read_api", "sudo"],
            ),
            token(
                2,
                "glpat-SimDevToken100000001",
                "dev",
                "sim-dev",
                &["read_api"],
            ),
            token(
                3,
                "glpat-SimOwnerToken0000001",
                "ops",
                "sim-owner",
                &["api"],
            ),
        ],
        deploy_tokens: Vec::new(),
        triggers: Vec::new(),
        runners: Vec::new(),
        applications: Vec::new(),
        jobs: Vec::new(),
        system_hooks: Vec::new(),
        settings: Map::new(),
        instance_variables: Vec::new(),
        public_deploy_keys: Vec::new(),
        audit_events: (1..=n).map(|i| event(i, start)).collect(),
        streaming: Vec::new(),
    }
}

pub(super) fn user(c: &Cast, start: Timestamp) -> User {
    User {
        id: c.id,
        username: c.username.to_string(),
        name: Some(c.name.to_string()),
        email: Some(format!("{}@sim.test", c.username)),
        state: UserState::Active,
        is_admin: c.username == "root",
        is_auditor: false,
        two_factor_enabled: c.username != "dev",
        bot: false,
        external: false,
        locked: false,
        created_at: None,
        confirmed_at: None,
        last_sign_in_at: Some(start),
        current_sign_in_at: Some(start),
        current_sign_in_ip: Some(c.ip.to_string()),
        last_sign_in_ip: Some(c.ip.to_string()),
        sign_in_count: 1,
        last_activity_on: None,
        public_email: None,
        note: None,
        identities: Vec::new(),
        ssh_keys: Vec::new(),
        gpg_keys: Vec::new(),
        emails: Vec::new(),
    }
}

pub(super) fn member(username: &str, access_level: u8) -> Member {
    Member {
        username: username.to_string(),
        access_level,
        expires_at: None,
    }
}

pub(super) fn token(id: i64, value: &str, user: &str, name: &str, scopes: &[&str]) -> Token {
    Token {
        id,
        token: value.to_string(),
        user: user.to_string(),
        name: name.to_string(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        created_at: None,
        expires_at: None,
        revoked: false,
        last_used_at: None,
        description: None,
        kind: TokenKind::Personal,
        resource: None,
        access_level: None,
        last_used_ips: Vec::new(),
    }
}

/// Event `i` rotates through entity types (Group, User, Project) and, every three events,
/// through authors, so every author has events on every entity type.
fn event(i: usize, start: Timestamp) -> AuditEvent {
    let author = &CAST[(i / 3) % CAST.len()];
    let round = i / 9;
    let mut details = Map::new();
    details.insert("author_name".into(), json!(author.name));
    details.insert(
        "author_email".into(),
        json!(format!("{}@sim.test", author.username)),
    );
    details.insert("author_class".into(), json!("User"));
    details.insert("ip_address".into(), json!(author.ip));
    let (entity_type, entity_id, event_name) = match i % 3 {
        1 => {
            let name = [
                "member_created",
                "member_updated",
                "group_visibility_level_updated",
            ][round % 3];
            target(&mut details, json!(2), "User", "Dev Eloper", "acme");
            match name {
                "member_created" => change(&mut details, "access_level", "", "Developer"),
                "member_updated" => change(&mut details, "access_level", "Developer", "Maintainer"),
                _ => change(&mut details, "visibility", "Private", "Internal"),
            }
            ("Group", GROUP_ID, name)
        }
        2 => {
            let name = [
                "authenticated_with_password",
                "add_ssh_key",
                "user_password_updated",
            ][round % 3];
            target(
                &mut details,
                json!(author.id),
                "User",
                author.name,
                author.name,
            );
            let message = match name {
                "authenticated_with_password" => "Signed in with password",
                "add_ssh_key" => "Added SSH key",
                _ => "Password updated",
            };
            details.insert("custom_message".into(), json!(message));
            ("User", author.id, name)
        }
        _ => {
            let name = [
                "protected_branch_updated",
                "ci_variable_updated",
                "repository_download_operation",
            ][round % 3];
            match name {
                "protected_branch_updated" => {
                    target(
                        &mut details,
                        json!(7),
                        "ProtectedBranch",
                        "main",
                        "acme/app",
                    );
                    change(&mut details, "allow_force_push", "false", "true");
                }
                "ci_variable_updated" => {
                    target(
                        &mut details,
                        json!(11),
                        "Ci::Variable",
                        "DEPLOY_KEY",
                        "acme/app",
                    );
                    details.insert(
                        "custom_message".into(),
                        json!("Changed variable DEPLOY_KEY"),
                    );
                }
                _ => {
                    target(
                        &mut details,
                        json!(PROJECT_ID),
                        "Project",
                        "acme/app",
                        "acme/app",
                    );
                    details.insert(
                        "custom_message".into(),
                        json!("Repository Download Started"),
                    );
                }
            }
            ("Project", PROJECT_ID, name)
        }
    };
    details.insert("event_name".into(), json!(event_name));
    let minutes = i64::try_from(i - 1).unwrap_or(i64::MAX);
    AuditEvent {
        id: i64::try_from(i).unwrap_or(i64::MAX),
        author_id: author.id,
        entity_id,
        entity_type: entity_type.to_string(),
        event_name: Some(event_name.to_string()),
        details,
        created_at: start
            .saturating_add(SignedDuration::from_mins(minutes))
            .unwrap_or(start),
        extra: Map::new(),
    }
}

fn target(details: &mut Map<String, Value>, id: Value, kind: &str, name: &str, entity_path: &str) {
    details.insert("target_id".into(), id);
    details.insert("target_type".into(), json!(kind));
    details.insert("target_details".into(), json!(name));
    details.insert("entity_path".into(), json!(entity_path));
}

fn change(details: &mut Map<String, Value>, what: &str, from: &str, to: &str) {
    details.insert("change".into(), json!(what));
    details.insert("from".into(), json!(from));
    details.insert("to".into(), json!(to));
}
