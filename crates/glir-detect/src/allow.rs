//! Per-rule allow-lists for known automation: a backup account's weekly exports, a bot reading
//! CI variables. A suppressed alert is counted against the entry that suppressed it, so the
//! output can say what was left out and why.

use crate::alert::Alert;
use glir_events::EventRef;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One entry: alerts of `rule` on events matching every given condition are suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    /// Shown as "suppressed by NAME".
    pub name: String,
    /// The rule's id or title; `*` for every rule.
    pub rule: String,
    /// The actor: author name or id, as the alert names it.
    #[serde(default)]
    pub actor: Option<String>,
    /// The event's IP address, or a network in CIDR form (`198.51.100.0/24`).
    #[serde(default)]
    pub ip: Option<String>,
    /// The event's entity path; one ending in `/` covers everything under it.
    #[serde(default)]
    pub entity: Option<String>,
    /// Why it is allowed, for the record.
    #[serde(default)]
    pub reason: Option<String>,
}

/// An allow-list entry that would suppress too much or cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowError {
    /// No actor, IP or entity: that is disabling the rule, which `disable` says plainly.
    #[error("allow `{0}` names no actor, ip or entity (to turn a rule off, disable it)")]
    Unbounded(String),
    /// The `ip` is neither an address nor a network.
    #[error("allow `{name}`: `{ip}` is not an IP address or a CIDR network")]
    BadIp {
        /// The entry.
        name: String,
        /// What it says.
        ip: String,
    },
}

impl Allow {
    /// Checks the entry can be applied.
    pub fn validate(&self) -> Result<(), AllowError> {
        if self.actor.is_none() && self.ip.is_none() && self.entity.is_none() {
            return Err(AllowError::Unbounded(self.name.clone()));
        }
        if let Some(ip) = &self.ip
            && Network::parse(ip).is_none()
        {
            return Err(AllowError::BadIp {
                name: self.name.clone(),
                ip: ip.clone(),
            });
        }
        Ok(())
    }

    /// Whether this entry suppresses `alert`, raised on `event`.
    pub fn suppresses(&self, alert: &Alert, event: &EventRef<'_>) -> bool {
        let rule = self.rule == "*" || self.rule == alert.rule_id || self.rule == alert.title;
        let actor = self.actor.as_ref().is_none_or(|want| {
            alert.actor.as_ref() == Some(want)
                || event.author_name == Some(want.as_str())
                || event.author_id.is_some_and(|id| id.to_string() == *want)
        });
        let ip = self.ip.as_ref().is_none_or(|want| {
            let net = Network::parse(want);
            event
                .ip_address
                .and_then(|ip| ip.parse::<IpAddr>().ok())
                .is_some_and(|ip| net.is_some_and(|n| n.contains(ip)))
        });
        let entity = self.entity.as_ref().is_none_or(|want| {
            event
                .entity_path
                .is_some_and(|path| match want.strip_suffix('/') {
                    Some(prefix) => path == prefix || path.starts_with(want.as_str()),
                    None => path == want,
                })
        });
        rule && actor && ip && entity
    }
}

/// An address and prefix length.
#[derive(Clone, Copy)]
struct Network {
    addr: IpAddr,
    bits: u32,
}

impl Network {
    fn parse(s: &str) -> Option<Network> {
        let (addr, bits) = match s.split_once('/') {
            Some((addr, bits)) => (addr.parse().ok()?, bits.parse().ok()?),
            None => {
                let addr: IpAddr = s.parse().ok()?;
                (addr, if addr.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if matches!(addr, IpAddr::V4(_)) {
            32
        } else {
            128
        };
        (bits <= max).then_some(Network { addr, bits })
    }

    fn contains(self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.bits).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.bits).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The entries of a run, with how many alerts each suppressed.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    entries: Vec<(Allow, u64)>,
}

impl Allowlist {
    /// Validated entries.
    pub fn new(entries: Vec<Allow>) -> Result<Allowlist, AllowError> {
        for e in &entries {
            e.validate()?;
        }
        Ok(Allowlist {
            entries: entries.into_iter().map(|e| (e, 0)).collect(),
        })
    }

    /// The entry suppressing `alert`, if any; its use is counted.
    pub fn check(&mut self, alert: &Alert, event: &EventRef<'_>) -> Option<&Allow> {
        let (entry, uses) = self
            .entries
            .iter_mut()
            .find(|(e, _)| e.suppresses(alert, event))?;
        *uses += 1;
        Some(entry)
    }

    /// Each entry that suppressed anything, with the count.
    pub fn uses(&self) -> impl Iterator<Item = (&Allow, u64)> {
        self.entries
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(e, n)| (e, *n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glir_events::{Layout, parse_event};

    fn event(ip: &str, entity: &str) -> glir_events::AuditEvent {
        let raw = format!(
            r#"{{"id": "1", "created_at": "2026-03-01T00:00:00Z", "event_type": "variable_viewed_api", "author_id": 9, "author_name": "deploy-bot", "ip_address": "{ip}", "entity_path": "{entity}", "details": {{}}}}"#
        );
        parse_event(&raw, Some(Layout::Stream), "t").expect("event")
    }

    fn alert() -> Alert {
        Alert {
            rule_id: "ci-variable-viewed-via-api".into(),
            title: "CI variable read".into(),
            level: "low".into(),
            tags: Vec::new(),
            event_ids: vec!["1".into()],
            actor: Some("deploy-bot".into()),
            time: "2026-03-01T00:00:00Z".parse().expect("time"),
            reason: String::new(),
        }
    }

    fn allow(ip: Option<&str>, entity: Option<&str>) -> Allow {
        Allow {
            name: "bot".into(),
            rule: "ci-variable-viewed-via-api".into(),
            actor: Some("deploy-bot".into()),
            ip: ip.map(str::to_owned),
            entity: entity.map(str::to_owned),
            reason: None,
        }
    }

    #[test]
    fn every_condition_must_hold() {
        let e = event("198.51.100.7", "infra/deploy");
        let ok = |a: Allow| a.suppresses(&alert(), &EventRef::from(&e));
        assert!(ok(allow(None, None)));
        assert!(ok(allow(Some("198.51.100.0/24"), Some("infra/"))));
        assert!(ok(allow(Some("198.51.100.7"), Some("infra/deploy"))));
        assert!(!ok(allow(Some("192.0.2.0/24"), None)));
        assert!(!ok(allow(None, Some("infra/deploy-other"))));
        assert!(!ok(Allow {
            rule: "other-rule".into(),
            ..allow(None, None)
        }));
        assert!(!ok(Allow {
            actor: Some("dana".into()),
            ..allow(None, None)
        }));
    }

    #[test]
    fn unbounded_or_unreadable_entries_are_refused() {
        let unbounded = Allow {
            actor: None,
            ..allow(None, None)
        };
        assert_eq!(
            Allowlist::new(vec![unbounded]).expect_err("refused"),
            AllowError::Unbounded("bot".into())
        );
        assert!(Allowlist::new(vec![allow(Some("198.51.100.0/33"), None)]).is_err());
        assert!(Allowlist::new(vec![allow(Some("office"), None)]).is_err());
    }

    #[test]
    fn uses_are_counted_per_entry() {
        let e = event("198.51.100.7", "infra/deploy");
        let mut list = Allowlist::new(vec![allow(None, None)]).expect("valid");
        for _ in 0..3 {
            assert!(list.check(&alert(), &EventRef::from(&e)).is_some());
        }
        let uses: Vec<_> = list.uses().map(|(a, n)| (a.name.clone(), n)).collect();
        assert_eq!(uses, [("bot".to_owned(), 3)]);
    }
}
