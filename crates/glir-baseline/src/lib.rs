//! What is normal for each actor, entity and instance, learned from the events before the one at
//! hand: the stage between normalising events and analysing them.
//!
//! A [`Baseline`] is fed events in time order ([`Baseline::observe`]) and answers, for each, what
//! was new about it *before* it is learned: an address, network, event type or entity the actor
//! had not used within the history window, an hour the actor is rarely active at, a rate above
//! the actor's own. Detections read the answer as the `baseline.*` fields ([`FIELDS`]), so rules
//! stay plain Sigma and other tools simply lack the fields. The state is kept incrementally and
//! saved as JSON ([`Baseline::to_json`]), so a later run (or the stream receiver) goes on where
//! the last one stopped.
//!
//! The models are Elastic's "new terms" rules (a value not seen for the entity within a history
//! window) and Sumo Logic's first-seen and outlier rules (per-entity baselines built from stored
//! data at once).

#![warn(missing_docs)]

mod actor;
mod novelty;

pub use actor::{MIN_ACTIVE_HOURS, NEW_TODAY, network};
pub use novelty::{Answer, FIELDS, FieldValue, Novelty};

use actor::{Actor, Kind, Seen, key};
use glir_events::EventRef;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// How much history counts, and what "unusual" means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// How far back "seen before" reaches: a value last used longer ago is new again.
    pub history: SignedDuration,
    /// An actor is known once its first event is this far in the past; only known actors get
    /// first-seen answers (everything is new for an actor glir has never seen).
    pub known_after: SignedDuration,
    /// Events an actor needs before its active hours say anything.
    pub usual_hours_min_events: u64,
    /// An hour (with its neighbours) holding less than this share of the actor's events is
    /// outside its usual hours.
    pub usual_hours_share: f64,
    /// Events in one clock hour above this many times the actor's mean per active hour are
    /// above its usual rate ...
    pub rate_factor: f64,
    /// ... and above this floor, so a quiet actor's ordinary busy hour is not.
    pub rate_floor: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            history: SignedDuration::from_hours(14 * 24),
            known_after: SignedDuration::from_hours(24),
            usual_hours_min_events: 100,
            usual_hours_share: 0.01,
            rate_factor: 4.0,
            rate_floor: 30,
        }
    }
}

/// The saved form's version: the keys of what an actor has seen are hashes (`actor::key`),
/// whose function a new format may change.
const FORMAT: u32 = 1;

/// A saved baseline this version of glir cannot use.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Not a baseline's JSON.
    #[error("saved baseline is not readable: {0}")]
    Json(#[from] serde_json::Error),
    /// Saved by a glir of another format.
    #[error("saved baseline has format {0}, this glir reads format {FORMAT}")]
    Format(u32),
}

/// Per-actor and instance-wide history; see the crate documentation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    /// [`FORMAT`] when saved: a saved baseline of another format is not read.
    format: u32,
    config: Config,
    /// Actors with a user id (GitLab's system authors have negative ids and are keyed by name).
    by_id: Map<i64, Actor>,
    /// Actors known only by name: system authors and unauthenticated sign-in attempts.
    by_name: Map<Box<str>, Actor>,
    /// Addresses seen on the instance, by anyone.
    instance_ips: Seen,
    /// Recent failed sign-ins per address (seconds), oldest first.
    failures: Map<Box<str>, VecDeque<i64>>,
    /// Before this time (seconds) answers are not given: the warm-up span of an input without
    /// stored history.
    ready_from: Option<i64>,
    /// The time of the newest event learned.
    learned_until: Option<Timestamp>,
    observed: u64,
}

impl Baseline {
    /// An empty baseline.
    pub fn new(config: Config) -> Baseline {
        Baseline {
            format: FORMAT,
            config,
            by_id: Map::default(),
            by_name: Map::default(),
            instance_ips: Seen::default(),
            failures: Map::default(),
            ready_from: None,
            learned_until: None,
            observed: 0,
        }
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The newest event time learned so far.
    pub fn learned_until(&self) -> Option<Timestamp> {
        self.learned_until
    }

    /// Events learned so far.
    pub fn observed(&self) -> u64 {
        self.observed
    }

    /// Learn without answering until `until`: over a file without stored history, the input's
    /// first span is the history.
    pub fn warm_up_until(&mut self, until: Timestamp) {
        self.ready_from = Some(until.as_second());
    }

    /// What was new about `e` given everything before it, then learns it. Events must come in
    /// time order; an older one is learned without moving "now" back.
    pub fn observe(&mut self, e: &EventRef<'_>) -> Novelty {
        let now = e.created_at.as_second();
        self.observed += 1;
        if self.learned_until.is_none_or(|t| e.created_at > t) {
            self.learned_until = Some(e.created_at);
        }
        if self.observed.is_multiple_of(PRUNE_EVERY) {
            self.prune(now);
        } else if self.observed.is_multiple_of(FAILURE_SWEEP_EVERY) {
            self.failures
                .retain(|_, times| times.back().is_some_and(|&t| now - t <= FAILURE_WINDOW));
        }
        let config = self.config;
        let history = config.history.as_secs();
        let ready = self.ready_from.is_none_or(|from| now >= from);
        let new_ip_for_instance = e
            .ip_address
            .is_some_and(|ip| self.instance_ips.learn(key(Kind::Ip, ip), now, history));
        let failed_signins_from_ip = e
            .ip_address
            .map_or(0, |ip| self.count_failures(ip, e.event_type, now));
        let Some(actor) = actor(&mut self.by_id, &mut self.by_name, e, now) else {
            return Novelty {
                ready,
                new_ip_for_instance,
                failed_signins_from_ip,
                ..Novelty::default()
            };
        };
        let known = now - actor.first_seen >= config.known_after.as_secs();
        let seen_before = actor.has_events();
        let mut n = actor.learn(e, now, history, &config);
        n.actor_seen_before = seen_before;
        n.ready = ready;
        n.actor_known = known;
        n.new_ip_for_instance = new_ip_for_instance;
        n.failed_signins_from_ip = failed_signins_from_ip;
        n
    }

    /// Failed sign-ins from `ip` in the window before `now`; then learns this event if it is one.
    fn count_failures(&mut self, ip: &str, event_type: Option<&str>, now: i64) -> u32 {
        let failed = event_type.is_some_and(is_failed_signin);
        // Most of the time no address has failed recently: no lookup then.
        if self.failures.is_empty() && !failed {
            return 0;
        }
        let recent = match self.failures.get_mut(ip) {
            Some(times) => {
                while times.front().is_some_and(|&t| now - t > FAILURE_WINDOW) {
                    times.pop_front();
                }
                let n = times.len();
                if failed {
                    if times.len() == MAX_FAILURES_KEPT {
                        times.pop_front();
                    }
                    times.push_back(now);
                } else if times.is_empty() {
                    self.failures.remove(ip);
                }
                n
            }
            None => {
                if failed {
                    self.failures.insert(ip.into(), VecDeque::from([now]));
                }
                0
            }
        };
        u32::try_from(recent).unwrap_or(u32::MAX)
    }

    /// Forgets what fell out of the history window, so memory follows the window, not the
    /// whole input.
    fn prune(&mut self, now: i64) {
        let oldest = now - self.config.history.as_secs();
        self.instance_ips.prune(oldest);
        self.failures
            .retain(|_, times| times.back().is_some_and(|&t| now - t <= FAILURE_WINDOW));
        for actor in self.by_id.values_mut().chain(self.by_name.values_mut()) {
            actor.prune(oldest);
        }
    }

    /// The state as JSON, to save beside the events it was learned from.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("maps with string and integer keys always serialize")
    }

    /// A baseline saved by [`to_json`](Self::to_json) of this format.
    pub fn from_json(text: &str) -> Result<Baseline, BaselineError> {
        let baseline: Baseline = serde_json::from_str(text)?;
        if baseline.format != FORMAT {
            return Err(BaselineError::Format(baseline.format));
        }
        Ok(baseline)
    }
}

/// The actor an event is by: a user by id; a system author or an unauthenticated sign-in attempt
/// by name.
fn actor<'m>(
    by_id: &'m mut Map<i64, Actor>,
    by_name: &'m mut Map<Box<str>, Actor>,
    e: &EventRef<'_>,
    now: i64,
) -> Option<&'m mut Actor> {
    match (e.author_id, e.author_name) {
        (Some(id), _) if id > 0 => Some(by_id.entry(id).or_insert_with(|| Actor::new(now))),
        (_, Some(name)) if !name.is_empty() => {
            if !by_name.contains_key(name) {
                by_name.insert(name.into(), Actor::new(now));
            }
            by_name.get_mut(name)
        }
        _ => None,
    }
}

/// How far back failed sign-ins count for the next one from the same address (seconds).
pub const FAILURE_WINDOW: i64 = 30 * 60;

/// Addresses whose failures all fell out of the window are dropped this often, so that the
/// table is usually empty and most events need no lookup in it.
const FAILURE_SWEEP_EVERY: u64 = 4096;

/// Failures kept per address: past this many the count says enough.
pub const MAX_FAILURES_KEPT: usize = 1000;

/// The prefix of GitLab's failed sign-in event types (doc/user/compliance/audit_event_types.md)
/// ...
pub const FAILED_SIGNIN_PREFIX: &str = "login_failed_with_";

/// ... and the failed sign-in types that do not have it (the last one the application log's).
pub const FAILED_SIGNIN_TYPES: [&str; 2] = ["omniauth_login_failed", "signin_failed"];

/// Whether an event of this type is a failed sign-in.
pub fn is_failed_signin(event_type: &str) -> bool {
    event_type.starts_with(FAILED_SIGNIN_PREFIX) || FAILED_SIGNIN_TYPES.contains(&event_type)
}

/// Pruning walks every actor's sets: often enough to bound memory, rarely enough to cost
/// nothing per event.
const PRUNE_EVERY: u64 = 200_000;

#[cfg(test)]
mod tests;
