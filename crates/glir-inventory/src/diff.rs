//! Two inventories compared by each credential's key: what appeared (an attacker's new token,
//! key or hook), what disappeared, and what changed (expiry, scopes, last use, state, flags).

use crate::inventory::{Caller, Inventory};
use crate::kind::Kind;
use crate::record::Credential;
use crate::scope::Scope;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Which run a side of the comparison is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub generated_at: Timestamp,
    pub scope: Scope,
    pub caller: Caller,
    pub complete: bool,
}

impl RunInfo {
    fn of(inventory: &Inventory) -> RunInfo {
        RunInfo {
            generated_at: inventory.generated_at,
            scope: inventory.scope.clone(),
            caller: inventory.caller.clone(),
            complete: inventory.complete,
        }
    }
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `state`, `expires_at`, `scopes`, `facts.masked`, …
    pub field: String,
    pub from: Value,
    pub to: Value,
}

/// A credential in both runs that is not the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    /// As the newer run saw it.
    pub credential: Credential,
    pub changes: Vec<Change>,
}

/// What happened between two inventories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub since: RunInfo,
    pub now: RunInfo,
    /// Both runs complete and alike (same instance, scope and families): what appeared and
    /// disappeared did, rather than came into or went out of view.
    pub complete: bool,
    /// Why the comparison may mislead, in words.
    pub notes: Vec<String>,
    pub appeared: Vec<Credential>,
    pub disappeared: Vec<Credential>,
    pub changed: Vec<Changed>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.appeared.is_empty() && self.disappeared.is_empty() && self.changed.is_empty()
    }
}

/// `new` compared with the earlier `old`, over the families both asked for.
pub fn diff(old: &Inventory, new: &Inventory) -> Diff {
    let mut notes = Vec::new();
    if old.instance != new.instance {
        notes.push(format!(
            "different instances: {} then, {} now",
            old.instance, new.instance
        ));
    }
    if old.scope != new.scope {
        notes.push(format!(
            "different scopes: {} then, {} now",
            old.scope, new.scope
        ));
    }
    if old.caller.admin != new.caller.admin || old.caller.username != new.caller.username {
        notes.push(format!(
            "different tokens: {}{} then, {}{} now; each sees what its role shows",
            old.caller.username,
            if old.caller.admin {
                " (administrator)"
            } else {
                ""
            },
            new.caller.username,
            if new.caller.admin {
                " (administrator)"
            } else {
                ""
            },
        ));
    }
    let before: BTreeSet<Kind> = old.kinds.iter().copied().collect();
    let after: BTreeSet<Kind> = new.kinds.iter().copied().collect();
    let both: BTreeSet<Kind> = before.intersection(&after).copied().collect();
    if before != after {
        let only: Vec<&str> = both.iter().map(|k| k.as_str()).collect();
        notes.push(format!(
            "the runs asked for different families; compared: {}",
            only.join(", ")
        ));
    }
    if !old.complete {
        notes.push(
            "the earlier run was incomplete: what appeared may only have been out of its view"
                .to_string(),
        );
    }
    if !new.complete {
        notes.push(
            "this run is incomplete: what disappeared may only be out of its view".to_string(),
        );
    }
    let index = |inv: &Inventory| -> BTreeMap<String, Credential> {
        inv.credentials
            .iter()
            .filter(|c| both.contains(&c.kind))
            .map(|c| (c.key.clone(), c.clone()))
            .collect()
    };
    let then = index(old);
    let now = index(new);
    let appeared = now
        .iter()
        .filter(|(k, _)| !then.contains_key(*k))
        .map(|(_, c)| c.clone())
        .collect();
    let disappeared = then
        .iter()
        .filter(|(k, _)| !now.contains_key(*k))
        .map(|(_, c)| c.clone())
        .collect();
    let changed = now
        .iter()
        .filter_map(|(k, c)| {
            let changes = changes(then.get(k)?, c);
            (!changes.is_empty()).then(|| Changed {
                credential: c.clone(),
                changes,
            })
        })
        .collect();
    Diff {
        since: RunInfo::of(old),
        now: RunInfo::of(new),
        complete: notes.is_empty(),
        notes,
        appeared,
        disappeared,
        changed,
    }
}

/// The fields of one credential that differ between runs.
fn changes(a: &Credential, b: &Credential) -> Vec<Change> {
    let mut out = Vec::new();
    let mut field = |name: &str, from: Value, to: Value| {
        if from != to {
            out.push(Change {
                field: name.to_string(),
                from,
                to,
            });
        }
    };
    field("name", json!(a.name), json!(b.name));
    field("owner", json!(a.owner.name), json!(b.owner.name));
    field("state", json!(a.state), json!(b.state));
    field("scopes", json!(a.scopes), json!(b.scopes));
    field("access", json!(a.access), json!(b.access));
    field("created_at", json!(a.created_at), json!(b.created_at));
    field("expires_at", json!(a.expires_at), json!(b.expires_at));
    field("last_used_at", json!(a.last_used_at), json!(b.last_used_at));
    let names: BTreeSet<&String> = a.facts.keys().chain(b.facts.keys()).collect();
    for name in names {
        let from = a.facts.get(name).cloned().unwrap_or(Value::Null);
        let to = b.facts.get(name).cloned().unwrap_or(Value::Null);
        field(&format!("facts.{name}"), from, to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{FORMAT, Walked};
    use crate::record::{Draft, Owner, State};

    fn inventory(credentials: Vec<Credential>) -> Inventory {
        Inventory {
            glir_inventory: FORMAT,
            generated_at: Timestamp::UNIX_EPOCH,
            instance: "https://gitlab.example.test/".into(),
            caller: Caller {
                id: 1,
                username: "root".into(),
                admin: true,
            },
            scope: Scope::Instance,
            kinds: Kind::ALL.to_vec(),
            complete: true,
            coverage: Vec::new(),
            walked: Walked::default(),
            requests: 0,
            credentials,
        }
    }

    fn token(id: i64, state: State) -> Credential {
        let mut d = Draft::new(
            Kind::PersonalAccessToken,
            id.to_string(),
            Owner::user(2, "dev"),
            "GET /api/v4/personal_access_tokens".into(),
        );
        d.state = state;
        d.finish()
    }

    #[test]
    fn appeared_disappeared_and_changed_by_key() {
        let old = inventory(vec![token(1, State::Active), token(2, State::Active)]);
        let new = inventory(vec![token(1, State::Revoked), token(3, State::Active)]);
        let d = diff(&old, &new);
        assert!(d.complete, "{:?}", d.notes);
        assert_eq!(d.appeared.len(), 1);
        assert_eq!(d.appeared[0].id, "3");
        assert_eq!(d.disappeared.len(), 1);
        assert_eq!(d.disappeared[0].id, "2");
        assert_eq!(d.changed.len(), 1);
        assert_eq!(
            d.changed[0].changes,
            [Change {
                field: "state".into(),
                from: json!("active"),
                to: json!("revoked"),
            }]
        );
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn an_incomplete_or_unlike_run_is_named() {
        let old = inventory(vec![token(1, State::Active)]);
        let mut new = inventory(vec![token(1, State::Active)]);
        new.complete = false;
        new.kinds = vec![Kind::Webhook];
        let d = diff(&old, &new);
        assert!(!d.complete);
        assert_eq!(d.notes.len(), 2, "{:?}", d.notes);
        // Personal tokens were not asked for this time: not "disappeared".
        assert!(d.is_empty());
    }
}
