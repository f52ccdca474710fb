//! The audit events mutations emit, in the REST entity layout the scenario's seeded events use
//! (`details` with `author_name`, `author_email`, `author_class`, `event_name`, `target_*`,
//! `ip_address`, `entity_path`, and either `custom_message` or `change`/`from`/`to`), as EE's
//! `Gitlab::Audit::Auditor` writes them (ee/lib/gitlab/audit/auditor.rb).

use super::auth::Caller;
use super::ctx::Ctx;
use super::render;
use crate::scenario::{AuditEvent, Group, Project, User};
use crate::world::World;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// Who did it and from where, copied out of the request so the world can be changed after.
pub(crate) struct Actor {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) is_admin: bool,
    name: String,
    email: String,
    ip: String,
}

impl Actor {
    pub(crate) fn of(ctx: &Ctx, world: &World, caller: &Caller<'_>) -> Actor {
        let u = caller.user;
        Actor {
            id: u.id,
            username: u.username.clone(),
            is_admin: u.is_admin,
            name: render::user_name(u).to_string(),
            email: render::user_email(world, u),
            // Behind a proxy GitLab takes the client from X-Forwarded-For (trusted_proxies);
            // tests connect on loopback.
            ip: ctx
                .header("x-forwarded-for")
                .and_then(|v| v.split(',').next())
                .map_or_else(|| "127.0.0.1".to_string(), |v| v.trim().to_string()),
        }
    }
}

/// What the event is about: its `entity_type`, `entity_id` and `entity_path`.
#[derive(Clone)]
pub(crate) struct Entity {
    kind: &'static str,
    id: i64,
    path: String,
}

impl Entity {
    pub(crate) fn user(u: &User) -> Entity {
        Entity {
            kind: "User",
            id: u.id,
            path: render::user_name(u).to_string(),
        }
    }

    pub(crate) fn project(p: &Project) -> Entity {
        Entity {
            kind: "Project",
            id: p.id,
            path: World::project_path(p),
        }
    }

    pub(crate) fn group(world: &World, g: &Group) -> Entity {
        Entity {
            kind: "Group",
            id: g.id,
            path: world.group_full_path(g).to_string(),
        }
    }

    /// Instance-level events (`Gitlab::Audit::InstanceScope`, id 1, path `gitlab_instance`).
    pub(crate) fn instance() -> Entity {
        Entity {
            kind: "Gitlab::Audit::InstanceScope",
            id: 1,
            path: "gitlab_instance".to_string(),
        }
    }
}

/// The record changed: `target_type`, `target_id`, `target_details`.
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) kind: &'static str,
    pub(crate) id: i64,
    pub(crate) details: String,
}

/// A message event (`custom_message`) or a change event (`change`, `from`, `to`).
pub(crate) enum Says {
    Message(String),
    Change {
        change: String,
        from: Value,
        to: Value,
    },
}

impl Says {
    pub(crate) fn change(change: &str, from: impl Into<Value>, to: impl Into<Value>) -> Says {
        Says::Change {
            change: change.to_string(),
            from: from.into(),
            to: to.into(),
        }
    }
}

impl World {
    /// Appends the event `event_name` authored by `actor`.
    pub(crate) fn audit(
        &mut self,
        actor: &Actor,
        event_name: &str,
        entity: Entity,
        target: Target,
        says: Says,
    ) {
        let mut details = Map::new();
        details.insert("author_name".into(), json!(actor.name));
        details.insert("author_email".into(), json!(actor.email));
        details.insert("author_class".into(), json!("User"));
        match says {
            Says::Message(m) => {
                details.insert("custom_message".into(), json!(m));
            }
            Says::Change { change, from, to } => {
                details.insert("change".into(), json!(change));
                details.insert("from".into(), from);
                details.insert("to".into(), to);
            }
        }
        details.insert("event_name".into(), json!(event_name));
        details.insert("target_id".into(), json!(target.id));
        details.insert("target_type".into(), json!(target.kind));
        details.insert("target_details".into(), json!(target.details));
        details.insert("ip_address".into(), json!(actor.ip));
        details.insert("entity_path".into(), json!(entity.path));
        self.push_event(AuditEvent {
            id: 0,
            author_id: actor.id,
            entity_id: entity.id,
            entity_type: entity.kind.to_string(),
            event_name: Some(event_name.to_string()),
            details,
            created_at: Timestamp::now(),
            extra: Map::new(),
        });
    }
}
