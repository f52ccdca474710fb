//! One actor's history.

use crate::novelty::Novelty;
use crate::{Config, Map};
use glir_events::EventRef;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::net::Ipv6Addr;

/// Values with when each was last seen and since when it has been in use (seconds).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Seen(Map<Box<str>, Use>);

/// `[since, last]`: in use since `since` (its first use after a gap longer than the window),
/// last seen at `last`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Use(i64, i64);

/// What [`Seen::learn`] found.
pub(crate) struct Learned {
    /// Never seen, or not within the window.
    pub(crate) new: bool,
    /// In use for less than a day.
    pub(crate) new_today: bool,
}

const DAY: i64 = 86_400;

impl Seen {
    /// Whether `value` is new (never seen, or last seen longer than `history` ago), learning it.
    pub(crate) fn learn(&mut self, value: &str, now: i64, history: i64) -> bool {
        self.learn_use(value, now, history).new
    }

    /// [`learn`](Self::learn), also telling whether the value has been in use for less than a day.
    pub(crate) fn learn_use(&mut self, value: &str, now: i64, history: i64) -> Learned {
        match self.0.get_mut(value) {
            Some(Use(since, last)) => {
                let new = now - *last > history;
                if new {
                    *since = now;
                }
                *last = (*last).max(now);
                Learned {
                    new,
                    new_today: now - *since < DAY,
                }
            }
            None => {
                self.0.insert(value.into(), Use(now, now));
                Learned {
                    new: true,
                    new_today: true,
                }
            }
        }
    }

    pub(crate) fn prune(&mut self, oldest: i64) {
        self.0.retain(|_, Use(_, last)| *last >= oldest);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Actor {
    pub(crate) first_seen: i64,
    ips: Seen,
    networks: Seen,
    event_types: Seen,
    entities: Seen,
    /// Events per UTC hour of day.
    hours: [u64; 24],
    events: u64,
    /// The clock hour being counted (seconds / 3600) and its events so far.
    hour: i64,
    in_hour: u32,
    /// Clock hours with any event before the current one, and their events.
    active_hours: u64,
    in_active_hours: u64,
}

/// Active hours an actor needs before its mean rate says anything.
const MIN_ACTIVE_HOURS: u64 = 5;

impl Actor {
    pub(crate) fn new(now: i64) -> Actor {
        Actor {
            first_seen: now,
            ips: Seen::default(),
            networks: Seen::default(),
            event_types: Seen::default(),
            entities: Seen::default(),
            hours: [0; 24],
            events: 0,
            hour: now.div_euclid(3600),
            in_hour: 0,
            active_hours: 0,
            in_active_hours: 0,
        }
    }

    /// What is new about `e` for this actor, then learns it.
    pub(crate) fn learn(
        &mut self,
        e: &EventRef<'_>,
        now: i64,
        history: i64,
        config: &Config,
    ) -> Novelty {
        let mut n = Novelty::default();
        if let Some(ip) = e.ip_address {
            n.new_ip = self.ips.learn(ip, now, history);
            if let Some(network) = network(ip) {
                let learned = self.networks.learn_use(&network, now, history);
                n.new_network = learned.new;
                n.network_new_today = learned.new_today;
            }
        }
        if let Some(t) = e.event_type {
            n.new_event_type = self.event_types.learn(t, now, history);
        }
        if let Some(entity) = e.entity_path {
            n.new_entity = self.entities.learn(entity, now, history);
        }
        n.unusual_hour = self.unusual_hour(now, config);
        self.count_rate(now);
        n.events_this_hour = self.in_hour;
        n.above_usual_rate = self.above_usual_rate(config);
        n
    }

    fn unusual_hour(&mut self, now: i64, config: &Config) -> bool {
        let hour = now.div_euclid(3600).rem_euclid(24) as usize;
        let around = self.hours[(hour + 23) % 24] + self.hours[hour] + self.hours[(hour + 1) % 24];
        let unusual = self.events >= config.usual_hours_min_events
            && (around as f64) < config.usual_hours_share * self.events as f64;
        self.hours[hour] += 1;
        self.events += 1;
        unusual
    }

    fn count_rate(&mut self, now: i64) {
        let hour = now.div_euclid(3600);
        if hour != self.hour {
            if self.in_hour > 0 {
                self.active_hours += 1;
                self.in_active_hours += u64::from(self.in_hour);
            }
            self.hour = hour;
            self.in_hour = 0;
        }
        self.in_hour += 1;
    }

    fn above_usual_rate(&self, config: &Config) -> bool {
        if self.active_hours < MIN_ACTIVE_HOURS {
            return false;
        }
        let mean = self.in_active_hours as f64 / self.active_hours as f64;
        let limit = (mean * config.rate_factor).max(f64::from(config.rate_floor));
        f64::from(self.in_hour) > limit
    }

    pub(crate) fn prune(&mut self, oldest: i64) {
        for seen in [
            &mut self.ips,
            &mut self.networks,
            &mut self.event_types,
            &mut self.entities,
        ] {
            seen.prune(oldest);
        }
    }
}

/// The network an address belongs to: IPv4 /24 (`198.51.100`), IPv6 /48; `None` for text that
/// is not an address.
fn network(ip: &str) -> Option<Cow<'_, str>> {
    if ip.contains(':') {
        let addr: Ipv6Addr = ip.parse().ok()?;
        let s = addr.segments();
        return Some(Cow::Owned(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])));
    }
    let (network, last) = ip.rsplit_once('.')?;
    (network.split('.').count() == 3 && last.parse::<u8>().is_ok())
        .then_some(Cow::Borrowed(network))
}

#[cfg(test)]
mod tests {
    use super::network;

    #[test]
    fn networks_of_both_families() {
        assert_eq!(network("198.51.100.7").as_deref(), Some("198.51.100"));
        assert_eq!(
            network("2001:db8:1:2::5").as_deref(),
            Some("2001:db8:1::/48")
        );
        assert_eq!(network("not an ip"), None);
        assert_eq!(network("1.2.3"), None);
    }
}
