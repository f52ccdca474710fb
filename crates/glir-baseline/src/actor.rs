//! One actor's history.

use crate::novelty::Novelty;
use crate::{Config, Map};
use glir_events::EventRef;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::net::Ipv6Addr;

/// Values, by [`key`], with when each was last seen and since when it has been in use (seconds).
/// Keys are hashes, not the strings: a lookup is then one probe of one table with no pointer to
/// follow and no bytes to compare, which is most of what learning an event costs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Seen(Map<u64, Use>);

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

/// A value first used (after a gap longer than the window) less than this long ago (seconds)
/// is new today.
pub const NEW_TODAY: i64 = 86_400;

/// What a value is of: one table holds an actor's addresses, networks, types and entities.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Ip = 1,
    Network = 2,
    EventType = 3,
    Entity = 4,
}

/// A value's key: a 64-bit hash of its kind and text. Saved baselines keep these keys, so the
/// hash must give the same value in every build and on every machine, which std's and
/// foldhash's hashers do not promise: this one is fixed here, FNV-1a's offset and prime applied
/// to the text eight bytes at a time (little-endian words, the last one zero-padded, then the
/// length), with a final mix so that close keys spread over the table. Two values of one actor
/// colliding in 64 bits would make one of them look known: with thousands of values per actor
/// that is a chance of about 1 in 10^12.
pub(crate) fn key(kind: Kind, value: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let step = |h: u64, word: u64| (h ^ word).wrapping_mul(PRIME).rotate_left(29);
    let mut h = step(OFFSET, kind as u64);
    let mut words = value.as_bytes().chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        h = step(h, u64::from_le_bytes(bytes));
    }
    let rest = words.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    h = step(h, u64::from_le_bytes(last));
    h = step(h, value.len() as u64);
    // The finalizer of MurmurHash3 (fmix64).
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl Seen {
    /// Whether the value is new (never seen, or last seen longer than `history` ago), learning
    /// it.
    pub(crate) fn learn(&mut self, key: u64, now: i64, history: i64) -> bool {
        self.learn_use(key, now, history).new
    }

    /// [`learn`](Self::learn), also telling whether the value has been in use for less than a day.
    pub(crate) fn learn_use(&mut self, key: u64, now: i64, history: i64) -> Learned {
        match self.0.get_mut(&key) {
            Some(Use(since, last)) => {
                let new = now - *last > history;
                if new {
                    *since = now;
                }
                *last = (*last).max(now);
                Learned {
                    new,
                    new_today: now - *since < NEW_TODAY,
                }
            }
            None => {
                self.0.insert(key, Use(now, now));
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
    /// Addresses, networks, event types and entities, by [`key`].
    seen: Seen,
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
pub const MIN_ACTIVE_HOURS: u64 = 5;

impl Actor {
    pub(crate) fn new(now: i64) -> Actor {
        Actor {
            first_seen: now,
            seen: Seen::default(),
            hours: [0; 24],
            events: 0,
            hour: now.div_euclid(3600),
            in_hour: 0,
            active_hours: 0,
            in_active_hours: 0,
        }
    }

    /// Whether any event of the actor was learned.
    pub(crate) fn has_events(&self) -> bool {
        self.events > 0
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
            n.new_ip = self.seen.learn(key(Kind::Ip, ip), now, history);
            if let Some(network) = network(ip) {
                let learned = self
                    .seen
                    .learn_use(key(Kind::Network, &network), now, history);
                n.new_network = learned.new;
                n.network_new_today = learned.new_today;
            }
        }
        if let Some(t) = e.event_type {
            n.new_event_type = self.seen.learn(key(Kind::EventType, t), now, history);
        }
        if let Some(entity) = e.entity_path {
            n.new_entity = self.seen.learn(key(Kind::Entity, entity), now, history);
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
        self.seen.prune(oldest);
    }
}

/// The network an address belongs to: IPv4 /24 (`198.51.100`), IPv6 /48; `None` for text that
/// is not an address.
pub fn network(ip: &str) -> Option<Cow<'_, str>> {
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
    use super::{Kind, key, network};

    #[test]
    fn keys_are_fixed_and_tell_kinds_lengths_and_texts_apart() {
        // Saved baselines depend on these exact values: a change here must make old saves
        // unreadable (bump the saved format), not silently wrong.
        assert_eq!(key(Kind::Ip, "198.51.100.7"), 0xe2d5_aa2c_ac45_0d0a);
        assert_ne!(key(Kind::Ip, "a"), key(Kind::Network, "a"));
        assert_ne!(
            key(Kind::Ip, "a"),
            key(Kind::Ip, "a\0"),
            "zero padding vs a NUL"
        );
        assert_ne!(
            key(Kind::Entity, "grp/app-1"),
            key(Kind::Entity, "grp/app-2")
        );
        let mut keys: Vec<u64> = (0..10_000)
            .map(|i| key(Kind::Ip, &format!("10.0.{}.{}", i / 256, i % 256)))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 10_000);
    }

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
