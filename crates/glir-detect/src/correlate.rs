//! Correlation state kept by glir, for packs whose correlations need nothing beyond it.
//!
//! rsigma's `CorrelationEngine` allocates on every update: the group key as owned strings, the
//! `(correlation, key)` map key cloned several times, the event as JSON for its reference, and a
//! full result with copies of up to 100 references whenever a correlation holds. On a busy
//! stream that was a quarter of detection time. This keeps the same windows, using rsigma's own
//! [`WindowState`] and [`apply_window_open`] so the counting and conditions are rsigma's (sliding
//! temporal windows excepted: their hit times are plain lists, checked as rsigma checks them),
//! but keys a group by its encoded key bytes and records a firing as the group it happened in,
//! read only when the alert is built.
//!
//! It covers what the GitLab pack uses and more: every correlation type and window mode with
//! glir's configuration. Packs with anything else — correlations of correlations, group-by
//! aliases, `rsigma.*` attributes that change suppression, actions or event capture — go to
//! rsigma's engine instead ([`supports`]); tests run both on the same streams.

use crate::event_view::{EventView, Top};
use rsigma_eval::correlation::{
    CompiledCorrelation, GroupByField, WindowDecision, WindowState, apply_window_open,
    compile_correlation,
};
use rsigma_eval::{Event, EventValue};
use rsigma_parser::{CorrelationType, SigmaCollection, WindowMode};
use std::collections::{HashMap, VecDeque};

/// Event ids a window keeps for its alerts, as configured for rsigma (`MAX_CORRELATION_EVENTS`).
pub(crate) const MAX_EVENTS: usize = 100;

/// Groups are swept for expired state once there are this many (rsigma's `max_state_entries`).
const SWEEP_AT: usize = 100_000;

#[cfg(test)]
mod tests;

type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Whether [`Correlator`] gives exactly what rsigma's engine would for this collection.
pub(crate) fn supports(c: &SigmaCollection) -> bool {
    let rsigma_attrs =
        |attrs: &HashMap<String, yaml_serde::Value>| attrs.keys().any(|k| k.starts_with("rsigma."));
    let correlation_names: Vec<&str> = c
        .correlations
        .iter()
        .flat_map(|c| c.id.iter().chain(&c.name))
        .map(String::as_str)
        .collect();
    !c.rules.iter().any(|r| rsigma_attrs(&r.custom_attributes))
        && c.correlations.iter().all(|corr| {
            !rsigma_attrs(&corr.custom_attributes)
                && corr.aliases.is_empty()
                && !corr
                    .rules
                    .iter()
                    .any(|r| correlation_names.contains(&r.as_str()))
        })
}

/// One correlation and the detection rules that feed it.
struct Correlation {
    compiled: CompiledCorrelation,
    group_by: Vec<String>,
    /// The group-by fields resolved for lookup, in the same order.
    group_fields: Vec<GroupField>,
    /// For a sliding temporal correlation, kept as [`State::Temporal`]: per entry of
    /// `rule_refs`, the hit list it reads (the first entry with the same reference).
    temporal: Option<Vec<usize>>,
}

enum GroupField {
    Top(Top),
    Path(String),
}

impl GroupField {
    fn of(name: &str) -> GroupField {
        Top::of(name).map_or_else(|| GroupField::Path(name.to_owned()), GroupField::Top)
    }

    fn get<'v>(&self, event: &'v EventView<'_>) -> Option<EventValue<'v>> {
        match self {
            GroupField::Top(top) => event.top(*top),
            GroupField::Path(path) => event.get_field(path),
        }
    }
}

/// The window of one correlation for one group key.
struct Group {
    corr: usize,
    key: Box<[u8]>,
    state: State,
    /// Ids of the events in the window, oldest first, at most [`MAX_EVENTS`].
    events: VecDeque<(i64, WindowId)>,
}

/// The counting state of one window.
enum State {
    Rsigma(WindowState),
    /// Hit times per entry of a sliding temporal correlation's `rule_refs`, oldest first:
    /// rsigma's `WindowState::Temporal` without the string key (and its allocation) per hit.
    Temporal(Vec<VecDeque<i64>>),
}

impl State {
    fn evict(&mut self, cutoff: i64) {
        match self {
            State::Rsigma(state) => state.evict(cutoff),
            State::Temporal(hits) => {
                for times in hits {
                    while times.front().is_some_and(|&t| t < cutoff) {
                        times.pop_front();
                    }
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            State::Rsigma(state) => state.is_empty(),
            State::Temporal(hits) => hits.iter().all(VecDeque::is_empty),
        }
    }
}

/// rsigma's `check_temporal_ordered`: some hit of each entry of `refs`, in order, at or after
/// the one before (`refs` maps each entry to its hit list).
fn ordered(refs: &[usize], hits: &[VecDeque<i64>], after: i64) -> bool {
    let Some((&first, rest)) = refs.split_first() else {
        return true;
    };
    hits[first]
        .iter()
        .any(|&t| t >= after && ordered(rest, hits, t))
}

/// A correlation that holds after the current event; its alert reads the group's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fired {
    pub(crate) corr: usize,
    group: usize,
}

/// Correlation windows over the matches of detection rules.
pub(crate) struct Correlator {
    correlations: Vec<Correlation>,
    /// Per detection rule in engine order: the correlations it feeds, each with the reference
    /// (id or name) it counts under, as rsigma's `feed_detections` resolves it: the index of its
    /// first entry in the correlation's `rule_refs`.
    feeds: Vec<Vec<(usize, usize)>>,
    /// Windows by slot; a free slot is `None`.
    groups: Vec<Option<Group>>,
    free: Vec<usize>,
    /// Per correlation: slots by encoded group key.
    index: Vec<Map<Box<[u8]>, usize>>,
    key: Vec<u8>,
    fired: Vec<Fired>,
}

impl Correlator {
    /// `rule_ids` lists the `(id, name)` of every detection rule, in engine order.
    pub(crate) fn new(
        c: &SigmaCollection,
        rule_ids: &[(Option<String>, Option<String>)],
    ) -> Result<Correlator, rsigma_eval::EvalError> {
        let correlations = c
            .correlations
            .iter()
            .map(|rule| {
                let compiled = compile_correlation(rule)?;
                let group_by: Vec<String> = compiled
                    .group_by
                    .iter()
                    .map(|g| match g {
                        GroupByField::Direct(f) => f.clone(),
                        GroupByField::Aliased { alias, .. } => alias.clone(),
                    })
                    .collect();
                let group_fields = group_by.iter().map(|f| GroupField::of(f)).collect();
                let temporal = matches!(
                    compiled.correlation_type,
                    CorrelationType::Temporal | CorrelationType::TemporalOrdered
                ) && compiled.window_mode == WindowMode::Sliding
                    && compiled.extended_expr.is_none();
                let refs = &compiled.rule_refs;
                let temporal = temporal.then(|| {
                    refs.iter()
                        .map(|r| refs.iter().position(|x| x == r).expect("listed"))
                        .collect()
                });
                Ok(Correlation {
                    compiled,
                    group_by,
                    group_fields,
                    temporal,
                })
            })
            .collect::<Result<Vec<_>, rsigma_eval::EvalError>>()?;
        let feeds = rule_ids
            .iter()
            .map(|(id, _)| feeds_of(id.as_deref(), rule_ids, &correlations))
            .collect();
        Ok(Correlator {
            index: correlations.iter().map(|_| Map::default()).collect(),
            correlations,
            feeds,
            groups: Vec::new(),
            free: Vec::new(),
            key: Vec::new(),
            fired: Vec::new(),
        })
    }

    /// Starts a new event: forgets what the previous one fired.
    pub(crate) fn begin(&mut self) {
        self.fired.clear();
    }

    /// Adds a match of detection rule `rule` on `event` (at `ts`, seconds) to the windows it
    /// feeds; what holds afterwards is in [`fired`](Self::fired).
    pub(crate) fn feed(&mut self, rule: usize, event: &EventView<'_>, ts: i64) {
        // rsigma clamps the same way (`process_with_detections`).
        let ts = ts.clamp(0, i64::MAX / 2);
        if self.groups.len() - self.free.len() >= SWEEP_AT {
            self.sweep(ts);
        }
        for i in 0..self.feeds[rule].len() {
            let corr = self.feeds[rule][i].0;
            self.update(corr, rule, i, event, ts);
        }
    }

    /// Correlations the current event completed, in the order rsigma reports them.
    pub(crate) fn fired(&self) -> &[Fired] {
        &self.fired
    }

    fn update(&mut self, corr: usize, rule: usize, feed: usize, event: &EventView<'_>, ts: i64) {
        group_key(event, &self.correlations[corr].group_fields, &mut self.key);
        let slot = match self.index[corr].get(self.key.as_slice()) {
            Some(&slot) => slot,
            None => self.insert(corr),
        };
        let Correlation {
            compiled: c,
            temporal,
            ..
        } = &self.correlations[corr];
        let group = self.groups[slot].as_mut().expect("indexed slots are live");
        let timespan = c.timespan_secs;
        let state = match (&mut group.state, temporal) {
            (State::Temporal(hits), Some(refs)) => {
                let fired = temporal_update(c, refs, hits, self.feeds[rule][feed].1, ts);
                let cutoff = ts - timespan as i64;
                record_event(&mut group.events, ts, Some(cutoff), event);
                if fired {
                    self.fired.push(Fired { corr, group: slot });
                }
                return;
            }
            (State::Rsigma(state), _) => state,
            (State::Temporal(_), None) => unreachable!("temporal state for temporal correlations"),
        };
        let decision = apply_window_open(state, ts, timespan, c.window_mode, c.gap_secs);
        if decision == WindowDecision::Discard {
            return;
        }
        match c.correlation_type {
            CorrelationType::EventCount => state.push_event_count(ts),
            CorrelationType::ValueCount => {
                if let Some(key) = c
                    .condition
                    .field
                    .as_deref()
                    .and_then(|f| count_key(event, f))
                {
                    state.push_value_count(ts, key);
                }
            }
            CorrelationType::Temporal | CorrelationType::TemporalOrdered => {
                state.push_temporal(ts, &c.rule_refs[self.feeds[rule][feed].1]);
            }
            CorrelationType::ValueSum
            | CorrelationType::ValueAvg
            | CorrelationType::ValuePercentile
            | CorrelationType::ValueMedian => {
                let value = c.condition.field.as_ref().and_then(|f| f.first());
                if let Some(n) = value
                    .and_then(|f| event.get_field(f))
                    .and_then(|v| v.as_f64())
                {
                    state.push_numeric(ts, n);
                }
            }
        }
        let sliding = c.window_mode == WindowMode::Sliding;
        if !sliding && decision == WindowDecision::Reset {
            group.events.clear();
        }
        let cutoff = sliding.then(|| ts - timespan as i64);
        record_event(&mut group.events, ts, cutoff, event);
        if state
            .check_condition(
                &c.condition,
                c.correlation_type,
                &c.rule_refs,
                c.extended_expr.as_ref(),
            )
            .is_some()
        {
            self.fired.push(Fired { corr, group: slot });
        }
    }

    fn insert(&mut self, corr: usize) -> usize {
        let key: Box<[u8]> = self.key.as_slice().into();
        let c = &self.correlations[corr];
        let state = match &c.temporal {
            Some(refs) => State::Temporal(vec![VecDeque::new(); refs.len()]),
            None => State::Rsigma(WindowState::new_for(c.compiled.correlation_type)),
        };
        let group = Group {
            corr,
            key: key.clone(),
            state,
            events: VecDeque::new(),
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.groups[slot] = Some(group);
                slot
            }
            None => {
                self.groups.push(Some(group));
                self.groups.len() - 1
            }
        };
        self.index[corr].insert(key, slot);
        slot
    }

    /// Drops windows with nothing left in them, as rsigma's `evict_all` does when its state
    /// reaches `max_state_entries`. Windows are swept lazily on use too, so this changes memory,
    /// not results.
    fn sweep(&mut self, now: i64) {
        for slot in 0..self.groups.len() {
            let Some(g) = &mut self.groups[slot] else {
                continue;
            };
            let c = &self.correlations[g.corr].compiled;
            let timespan = c.timespan_secs as i64;
            match c.window_mode {
                WindowMode::Sliding => {
                    g.state.evict(now - timespan);
                    while g.events.front().is_some_and(|(t, _)| *t < now - timespan) {
                        g.events.pop_front();
                    }
                }
                WindowMode::Tumbling | WindowMode::Session => {
                    let stale = match c.window_mode {
                        WindowMode::Session => c.gap_secs.map_or(timespan, |g| g as i64),
                        _ => timespan,
                    };
                    if let State::Rsigma(state) = &mut g.state
                        && state.latest_timestamp().is_some_and(|t| now - t > stale)
                    {
                        state.clear();
                    }
                }
            }
            // rsigma keeps a sliding window's event references while any are in the window,
            // even once its counting state is gone, and drops them with the state otherwise.
            let sliding = c.window_mode == WindowMode::Sliding;
            if g.state.is_empty() && (!sliding || g.events.is_empty()) {
                self.index[g.corr].remove(&g.key);
                self.groups[slot] = None;
                self.free.push(slot);
            }
        }
    }

    /// What an alert of `fired` reports: the ids of the window's events, oldest first, and the
    /// group key as `(field, value)` pairs (absent values left out, as rsigma's `to_pairs`).
    pub(crate) fn window(&self, fired: Fired) -> (impl Iterator<Item = &str>, Vec<(&str, &str)>) {
        let g = self.groups[fired.group]
            .as_ref()
            .expect("fired groups are live");
        let fields = &self.correlations[fired.corr].group_by;
        let pairs = fields
            .iter()
            .zip(decode_key(&g.key))
            .filter_map(|(f, v)| Some((f.as_str(), v?)))
            .collect();
        (g.events.iter().map(|(_, id)| id.as_str()), pairs)
    }

    /// The compiled correlation behind `fired`.
    pub(crate) fn correlation(&self, fired: Fired) -> &CompiledCorrelation {
        &self.correlations[fired.corr].compiled
    }
}

/// An event id kept in a window: inline up to 39 bytes (GitLab's UUIDs take 36), so keeping
/// one allocates nothing; longer ids go on the heap.
enum WindowId {
    Inline { len: u8, bytes: [u8; 39] },
    Heap(Box<str>),
}

impl WindowId {
    fn new(id: &str) -> WindowId {
        let mut bytes = [0; 39];
        match bytes.get_mut(..id.len()) {
            Some(prefix) => {
                prefix.copy_from_slice(id.as_bytes());
                WindowId::Inline {
                    len: id.len() as u8,
                    bytes,
                }
            }
            None => WindowId::Heap(id.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            WindowId::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).expect("copied from a str")
            }
            WindowId::Heap(id) => id,
        }
    }
}

/// Adds a hit of entry `at` of a sliding temporal correlation at `ts` and says whether the
/// condition holds: rsigma's `apply_window_open`, `push_temporal` and `check_condition` for it.
fn temporal_update(
    c: &CompiledCorrelation,
    refs: &[usize],
    hits: &mut [VecDeque<i64>],
    at: usize,
    ts: i64,
) -> bool {
    let cutoff = ts - c.timespan_secs as i64;
    for times in hits.iter_mut() {
        while times.front().is_some_and(|&t| t < cutoff) {
            times.pop_front();
        }
    }
    hits[refs[at]].push_back(ts);
    let value = match c.correlation_type {
        CorrelationType::TemporalOrdered => {
            let all = refs.iter().all(|&i| !hits[i].is_empty());
            match all && ordered(refs, hits, i64::MIN) {
                true => refs.len(),
                false => 0,
            }
        }
        _ => refs.iter().filter(|&&i| !hits[i].is_empty()).count(),
    };
    c.condition.check(value as f64)
}

/// Adds the event to its window's list of ids, after dropping those older than `cutoff` (a
/// sliding window's start; other windows clear theirs on reset).
fn record_event(
    events: &mut VecDeque<(i64, WindowId)>,
    ts: i64,
    cutoff: Option<i64>,
    e: &EventView<'_>,
) {
    if let Some(cutoff) = cutoff {
        while events.front().is_some_and(|(t, _)| *t < cutoff) {
            events.pop_front();
        }
    }
    if events.len() >= MAX_EVENTS {
        events.pop_front();
    }
    events.push_back((ts, WindowId::new(e.event_id())));
}

/// The correlations a detection rule with this id feeds, with the reference it counts under:
/// rsigma looks up the rule's identity by id (the first rule with it) and indexes both its id
/// and name, so a rule without an id feeds nothing.
fn feeds_of(
    id: Option<&str>,
    rule_ids: &[(Option<String>, Option<String>)],
    correlations: &[Correlation],
) -> Vec<(usize, usize)> {
    let Some(id) = id else {
        return Vec::new();
    };
    let name = rule_ids
        .iter()
        .find(|(i, _)| i.as_deref() == Some(id))
        .and_then(|(_, n)| n.as_deref());
    let identities: Vec<&str> = std::iter::once(id).chain(name).collect();
    correlations
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let refs = &c.compiled.rule_refs;
            let at = identities
                .iter()
                .find_map(|x| refs.iter().position(|r| r == x))?;
            Some((i, at))
        })
        .collect()
}

/// Encodes the group key rsigma would build (`GroupKey::extract`: each field's value as a
/// string, `None` when absent or not a scalar) into `out`, so equal keys give equal bytes.
fn group_key(event: &EventView<'_>, fields: &[GroupField], out: &mut Vec<u8>) {
    out.clear();
    for field in fields {
        let start = out.len();
        out.extend_from_slice(&[1; 9]);
        let written = field.get(event).is_some_and(|v| write_scalar(&v, out));
        if written {
            let len = (out.len() - start - 9) as u64;
            out[start + 1..start + 9].copy_from_slice(&len.to_le_bytes());
        } else {
            out.truncate(start);
            out.push(0);
        }
    }
}

/// Appends what [`scalar_text`] gives for `v`, without building it; false when it gives none.
fn write_scalar(v: &EventValue<'_>, out: &mut Vec<u8>) -> bool {
    use std::io::Write;
    match v {
        EventValue::Str(s) => out.extend_from_slice(s.as_bytes()),
        EventValue::Int(n) => write!(out, "{n}").expect("writing to a Vec"),
        EventValue::Float(f) => write!(out, "{f}").expect("writing to a Vec"),
        EventValue::Bool(b) => write!(out, "{b}").expect("writing to a Vec"),
        _ => return false,
    }
    true
}

fn decode_key(mut key: &[u8]) -> impl Iterator<Item = Option<&str>> {
    std::iter::from_fn(move || {
        let (&tag, rest) = key.split_first()?;
        if tag == 0 {
            key = rest;
            return Some(None);
        }
        let (len, rest) = rest.split_at(8);
        let len = u64::from_le_bytes(len.try_into().expect("8 bytes")) as usize;
        let (text, rest) = rest.split_at(len);
        key = rest;
        Some(Some(std::str::from_utf8(text).expect("encoded from a str")))
    })
}

/// rsigma's `value_to_string` for group keys.
fn scalar_text(v: &EventValue<'_>) -> Option<String> {
    match v {
        EventValue::Str(s) => Some(s.to_string()),
        EventValue::Int(n) => Some(n.to_string()),
        EventValue::Float(f) => Some(f.to_string()),
        EventValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// rsigma's `composite_value_count_key`: the fields' values joined by the unit separator, none
/// when any is missing; `null` counts as a value here.
fn count_key(event: &EventView<'_>, fields: &[String]) -> Option<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for field in fields {
        let v = event.get_field(field)?;
        parts.push(match v {
            EventValue::Null => "null".to_owned(),
            v => scalar_text(&v)?,
        });
    }
    Some(parts.join("\u{1f}"))
}
