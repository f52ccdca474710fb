//! One alert per rule, actor and window: a rule firing on every clone of a bulk download, or on
//! each of an automation's reads, is one thing for a responder to look at, carrying every event.
//! An alert a responder should look at now (`medium` and above) also carries the rest of its
//! session: the actor's later events from the same address within the window, which no rule
//! raises on their own (the clones after a stolen token's first secret read).

use crate::alert::{Alert, level_rank};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;

/// Groups at this rank (`medium`) and above carry their session.
const SESSION_RANK: usize = 2;

/// Merges the alerts of one rule about one actor that start within `window` of the group's first
/// alert. Feed alerts in time order; groups come out once their window has passed (or at
/// [`finish`](Self::finish)), oldest first.
pub struct Grouper {
    window: SignedDuration,
    open: HashMap<(String, String), Group>,
    /// Open groups that carry their session, by actor and address.
    sessions: HashMap<String, HashMap<String, Vec<(String, String)>>>,
    /// When the open groups were last checked for a passed window.
    swept: Option<Timestamp>,
}

struct Group {
    alert: Alert,
    first: Timestamp,
    alerts: u64,
    first_reason: String,
    /// The address of the first alert's event, when the group carries its session.
    session_ip: Option<String>,
    attached: u64,
}

impl Grouper {
    /// Groups spanning at most `window` from their first alert.
    pub fn new(window: SignedDuration) -> Grouper {
        Grouper {
            window,
            open: HashMap::new(),
            sessions: HashMap::new(),
            swept: None,
        }
    }

    /// Takes one alert, raised on an event from `ip`; returns the groups it closed, oldest
    /// first.
    pub fn push(&mut self, alert: Alert, ip: Option<&str>) -> Vec<Alert> {
        let now = alert.time;
        let mut closed = self.sweep(now);
        let key = (
            alert.rule_id.clone(),
            alert.actor.clone().unwrap_or_default(),
        );
        match self.open.get_mut(&key) {
            Some(group) if now.duration_since(group.first) <= self.window => group.add(alert),
            _ => {
                let session_ip = ip.filter(|_| level_rank(&alert.level) >= SESSION_RANK);
                if let Some(ip) = session_ip {
                    self.sessions
                        .entry(key.1.clone())
                        .or_default()
                        .entry(ip.to_owned())
                        .or_default()
                        .push(key.clone());
                }
                let group = Group::new(alert, session_ip);
                if let Some(old) = self.open.insert(key.clone(), group) {
                    closed.push(self.close(&key, old));
                }
            }
        }
        in_order(&mut closed);
        closed
    }

    /// Whether any open group carries its session (else [`attach`](Self::attach) has nothing
    /// to do).
    pub fn has_sessions(&self) -> bool {
        !self.sessions.is_empty()
    }

    /// An event that raised no alert: added to the open groups of its actor's session from its
    /// address, if any.
    pub fn attach(&mut self, event_id: &str, actor: &str, ip: &str, time: Timestamp) {
        let Some(keys) = self.sessions.get(actor).and_then(|by_ip| by_ip.get(ip)) else {
            return;
        };
        for key in keys {
            if let Some(group) = self.open.get_mut(key)
                && time.duration_since(group.first) <= self.window
            {
                group.alert.event_ids.push(event_id.to_owned());
                group.attached += 1;
            }
        }
    }

    /// Every group still open, oldest first.
    pub fn finish(self) -> Vec<Alert> {
        let mut rest: Vec<Alert> = self.open.into_values().map(Group::close).collect();
        in_order(&mut rest);
        rest
    }

    /// Closes the groups whose window ended before `now`; checked once a window at most.
    fn sweep(&mut self, now: Timestamp) -> Vec<Alert> {
        if self
            .swept
            .is_some_and(|at| now.duration_since(at) < self.window)
        {
            return Vec::new();
        }
        self.swept = Some(now);
        let window = self.window;
        let ended: Vec<_> = self
            .open
            .iter()
            .filter(|(_, g)| now.duration_since(g.first) > window)
            .map(|(k, _)| k.clone())
            .collect();
        ended
            .into_iter()
            .filter_map(|k| {
                let group = self.open.remove(&k)?;
                Some(self.close(&k, group))
            })
            .collect()
    }

    /// A group leaving the open set: out of the session index, into one alert.
    fn close(&mut self, key: &(String, String), group: Group) -> Alert {
        if let Some(ip) = &group.session_ip
            && let Some(by_ip) = self.sessions.get_mut(&key.1)
        {
            if let Some(keys) = by_ip.get_mut(ip) {
                keys.retain(|k| k != key);
                if keys.is_empty() {
                    by_ip.remove(ip);
                }
            }
            if by_ip.is_empty() {
                self.sessions.remove(&key.1);
            }
        }
        group.close()
    }
}

/// By time, then rule and actor: groups closing together come out the same way every run.
fn in_order(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| (a.time, &a.rule_id, &a.actor).cmp(&(b.time, &b.rule_id, &b.actor)));
}

impl Group {
    fn new(alert: Alert, session_ip: Option<&str>) -> Group {
        Group {
            first: alert.time,
            first_reason: alert.reason.clone(),
            alert,
            alerts: 1,
            session_ip: session_ip.map(str::to_owned),
            attached: 0,
        }
    }

    fn add(&mut self, alert: Alert) {
        self.alerts += 1;
        for id in alert.event_ids {
            // Correlation alerts of one window repeat the ids of the ones before.
            if !self.alert.event_ids.contains(&id) {
                self.alert.event_ids.push(id);
            }
        }
        self.alert.time = self.alert.time.max(alert.time);
    }

    /// The group as one alert: the last alert's time, every event, how many alerts it merged
    /// and how many session events it carries.
    fn close(mut self) -> Alert {
        let mut notes = Vec::new();
        if self.alerts > 1 {
            notes.push(format!(
                "+{} more alerts from {} to {}",
                self.alerts - 1,
                self.first.strftime("%Y-%m-%d %H:%M:%S"),
                self.alert.time.strftime("%Y-%m-%d %H:%M:%S"),
            ));
        }
        if let (Some(ip), 1..) = (&self.session_ip, self.attached) {
            notes.push(format!(
                "{} more events of the session from {ip}",
                self.attached
            ));
        }
        if !notes.is_empty() {
            self.alert.reason = format!("{} ({})", self.first_reason, notes.join("; "));
        }
        self.alert
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(rule: &str, actor: &str, minute: i64, id: &str) -> Alert {
        Alert {
            rule_id: rule.into(),
            title: rule.into(),
            level: "medium".into(),
            tags: Vec::new(),
            event_ids: vec![id.into()],
            actor: Some(actor.into()),
            time: Timestamp::from_second(minute * 60).expect("time"),
            reason: format!("event {id}"),
        }
    }

    fn run(alerts: Vec<Alert>) -> Vec<Alert> {
        let mut g = Grouper::new(SignedDuration::from_hours(1));
        let mut out: Vec<Alert> = alerts.into_iter().flat_map(|a| g.push(a, None)).collect();
        out.extend(g.finish());
        out
    }

    #[test]
    fn one_rule_one_actor_one_window_is_one_alert_with_every_event() {
        let out = run(vec![
            alert("r", "dana", 0, "a"),
            alert("r", "dana", 10, "b"),
            alert("r", "dana", 59, "c"),
            alert("r", "dana", 61, "d"),
        ]);
        let ids: Vec<Vec<String>> = out.iter().map(|a| a.event_ids.clone()).collect();
        assert_eq!(ids, [vec!["a", "b", "c"], vec!["d"]]);
        assert!(
            out[0].reason.starts_with("event a (+2 more alerts from"),
            "{}",
            out[0].reason
        );
        assert_eq!(out[0].time, Timestamp::from_second(59 * 60).expect("time"));
        assert_eq!(out[1].reason, "event d");
    }

    #[test]
    fn other_rules_and_actors_are_other_groups() {
        let out = run(vec![
            alert("r", "dana", 0, "a"),
            alert("s", "dana", 1, "b"),
            alert("r", "eve", 2, "c"),
            alert("r", "dana", 3, "d"),
        ]);
        assert_eq!(out.len(), 3);
        let dana_r = out
            .iter()
            .find(|a| a.rule_id == "r" && a.actor.as_deref() == Some("dana"));
        assert_eq!(dana_r.expect("group").event_ids, ["a", "d"]);
    }

    #[test]
    fn groups_close_as_time_passes_and_repeated_ids_are_kept_once() {
        let mut g = Grouper::new(SignedDuration::from_hours(1));
        assert!(g.push(alert("r", "dana", 0, "a"), None).is_empty());
        let mut repeat = alert("r", "dana", 5, "a");
        repeat.event_ids.push("b".into());
        assert!(g.push(repeat, None).is_empty());
        let closed = g.push(alert("s", "eve", 120, "z"), None);
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].event_ids, ["a", "b"]);
        assert_eq!(g.finish().len(), 1);
    }

    #[test]
    fn an_alert_to_look_at_now_carries_its_session_from_the_same_address() {
        let at = |minute: i64| Timestamp::from_second(minute * 60).expect("time");
        let mut g = Grouper::new(SignedDuration::from_hours(1));
        assert!(
            g.push(alert("r", "dana", 0, "a"), Some("192.0.2.9"))
                .is_empty()
        );
        g.attach("s1", "dana", "192.0.2.9", at(10));
        g.attach("other-ip", "dana", "198.51.100.7", at(11));
        g.attach("other-actor", "eve", "192.0.2.9", at(12));
        g.attach("too-late", "dana", "192.0.2.9", at(61));
        let mut low = alert("q", "dana", 1, "l");
        low.level = "low".into();
        assert!(g.push(low, Some("192.0.2.9")).is_empty());
        g.attach("s2", "dana", "192.0.2.9", at(20));
        let out = g.finish();
        let r = out.iter().find(|a| a.rule_id == "r").expect("r");
        assert_eq!(r.event_ids, ["a", "s1", "s2"]);
        assert!(
            r.reason
                .ends_with("(2 more events of the session from 192.0.2.9)"),
            "{}",
            r.reason
        );
        let q = out.iter().find(|a| a.rule_id == "q").expect("q");
        assert_eq!(q.event_ids, ["l"], "low alerts carry no session");
    }
}
