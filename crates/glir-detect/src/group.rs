//! One alert per rule, actor and window: a rule firing on every clone of a bulk download, or on
//! each of an automation's reads, is one thing for a responder to look at, carrying every event.

use crate::alert::Alert;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;

/// Merges the alerts of one rule about one actor that start within `window` of the group's first
/// alert. Feed alerts in time order; groups come out once their window has passed (or at
/// [`finish`](Self::finish)), oldest first.
pub struct Grouper {
    window: SignedDuration,
    open: HashMap<(String, String), Group>,
    /// When the open groups were last checked for a passed window.
    swept: Option<Timestamp>,
}

struct Group {
    alert: Alert,
    first: Timestamp,
    alerts: u64,
    first_reason: String,
}

impl Grouper {
    /// Groups spanning at most `window` from their first alert.
    pub fn new(window: SignedDuration) -> Grouper {
        Grouper {
            window,
            open: HashMap::new(),
            swept: None,
        }
    }

    /// Takes one alert; returns the groups it closed, oldest first.
    pub fn push(&mut self, alert: Alert) -> Vec<Alert> {
        let now = alert.time;
        let mut closed = self.sweep(now);
        let key = (
            alert.rule_id.clone(),
            alert.actor.clone().unwrap_or_default(),
        );
        match self.open.get_mut(&key) {
            Some(group) if now.duration_since(group.first) <= self.window => group.add(alert),
            _ => {
                if let Some(old) = self.open.insert(key, Group::new(alert)) {
                    closed.push(old.close());
                }
            }
        }
        closed.sort_by_key(|a| a.time);
        closed
    }

    /// Every group still open, oldest first.
    pub fn finish(self) -> Vec<Alert> {
        let mut rest: Vec<Alert> = self.open.into_values().map(Group::close).collect();
        rest.sort_by_key(|a| a.time);
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
            .filter_map(|k| self.open.remove(&k))
            .map(Group::close)
            .collect()
    }
}

impl Group {
    fn new(alert: Alert) -> Group {
        Group {
            first: alert.time,
            first_reason: alert.reason.clone(),
            alert,
            alerts: 1,
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

    /// The group as one alert: the last alert's time, every event, and how many it merged.
    fn close(mut self) -> Alert {
        if self.alerts > 1 {
            self.alert.reason = format!(
                "{} (+{} more alerts from {} to {})",
                self.first_reason,
                self.alerts - 1,
                self.first.strftime("%Y-%m-%d %H:%M:%S"),
                self.alert.time.strftime("%Y-%m-%d %H:%M:%S"),
            );
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
        let mut out: Vec<Alert> = alerts.into_iter().flat_map(|a| g.push(a)).collect();
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
        assert!(g.push(alert("r", "dana", 0, "a")).is_empty());
        let mut repeat = alert("r", "dana", 5, "a");
        repeat.event_ids.push("b".into());
        assert!(g.push(repeat).is_empty());
        let closed = g.push(alert("s", "eve", 120, "z"));
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].event_ids, ["a", "b"]);
        assert_eq!(g.finish().len(), 1);
    }
}
