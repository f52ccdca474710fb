//! The rule pack over stored events: paged oldest first (memory stays flat however many are
//! stored), the baseline taught the history window before the first event, and saved when the
//! run saw everything from some time on.

use crate::error::Error;
use glir_baseline::Baseline;
use glir_detect::{Alert, Detector};
use glir_events::{AuditEvent, EventRef};
use glir_store::{EventFilter, Store};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashSet;

/// Events read from the store per query.
const PAGE: usize = 10_000;

/// What [`detect_stored`] did besides raising alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredRun {
    /// Events detected over.
    pub events: u64,
    /// Stored events before the first one, taught to the baseline as its history.
    pub learned: u64,
    /// Whether the baseline was saved for the next run.
    pub baseline_saved: bool,
    /// Things a person should know: a saved baseline that could not be used.
    pub notes: Vec<String>,
}

/// Runs `detector` over the stored events `filter` selects, oldest first, handing each event
/// and its alerts to `visit`. With `persist` (the responder's store, not a scratch copy of
/// files) the baseline first learns the history window before `filter.since` — from the saved
/// baseline when it reaches no further — and is saved afterwards when the filter let every
/// event from some time on through (a baseline learned through a filter would mislead the next
/// run).
pub fn detect_stored<E: From<Error>>(
    store: &mut Store,
    detector: &mut Detector,
    filter: &EventFilter,
    persist: bool,
    warmup: &mut Warmup,
    visit: impl FnMut(&AuditEvent, Vec<Alert>) -> Result<(), E>,
) -> Result<StoredRun, E> {
    detect_stored_selecting(store, detector, filter, persist, warmup, None, visit)
}

/// [`detect_stored`] where only the events an SQL condition (`whole`, over the ClickHouse
/// `events` columns) selects can raise alerts — an upper bound of every rule's condition, as
/// `RulePack::clickhouse_preselect` gives: on ClickHouse the other events come as the few
/// columns the baseline learns from, teach it and reach `visit` without alerts (no rule could
/// match them), so a pack that reads `baseline.*` fields does not read every record. On SQLite, or with no condition, it is
/// [`detect_stored`].
pub fn detect_stored_selecting<E: From<Error>>(
    store: &mut Store,
    detector: &mut Detector,
    filter: &EventFilter,
    persist: bool,
    warmup: &mut Warmup,
    whole: Option<&str>,
    mut visit: impl FnMut(&AuditEvent, Vec<Alert>) -> Result<(), E>,
) -> Result<StoredRun, E> {
    let mut run = StoredRun::default();
    if persist && let Some(baseline) = detector.baseline_mut() {
        learn_history(store, filter, baseline, &mut run)?;
    }
    match (whole, store.clickhouse()) {
        (Some(whole), Some(clickhouse)) if detector.uses_baseline() => clickhouse
            .for_each_event_or_baseline_columns(filter, whole, |event, is_whole| {
                run.events += 1;
                warmup.before(detector, event.created_at);
                if is_whole {
                    let alerts = detector.process(&event);
                    visit(&event, alerts).map_err(Stop::Caller)
                } else {
                    if let Some(baseline) = detector.baseline_mut() {
                        baseline.observe(&EventRef::from(&event));
                    }
                    // No rule can match it, but a caller may still want to see it (grouping
                    // attaches sessions from such events).
                    visit(&event, Vec::new()).map_err(Stop::Caller)
                }
            })
            .map_err(|stop| match stop {
                Stop::Caller(e) => e,
                Stop::Store(e) => E::from(Error::from(e)),
            })?,
        _ => for_each_event(store, filter, PAGE, |event| {
            run.events += 1;
            warmup.before(detector, event.created_at);
            let alerts = detector.process(event);
            visit(event, alerts)
        })?,
    }
    if persist
        && saves_baseline(filter)
        && let Some(baseline) = detector.take_baseline()
    {
        let state: serde_json::Value = serde_json::from_str(&baseline.to_json())
            .map_err(|e| Error::Baseline(e.to_string()))?;
        store
            .set_checkpoint(BASELINE_SCOPE, &state)
            .map_err(Error::from)?;
        run.baseline_saved = true;
    }
    Ok(run)
}

/// Files come without history: their first span only teaches the baseline.
pub struct Warmup {
    /// Set until the first event is seen.
    span: Option<SignedDuration>,
}

impl Warmup {
    /// The first `span` of events only teaches the baseline; `None` detects from the first.
    pub fn new(span: Option<SignedDuration>) -> Self {
        Warmup { span }
    }
}

impl Warmup {
    /// Whether a warm-up span is still to be set (on the first event).
    pub fn spans(&self) -> bool {
        self.span.is_some()
    }

    pub fn before(&mut self, detector: &mut Detector, first: Timestamp) {
        if let Some(span) = self.span.take()
            && let Some(baseline) = detector.baseline_mut()
        {
            baseline.warm_up_until(first.saturating_add(span).unwrap_or(first));
        }
    }
}

/// The store's checkpoint scope the baseline is saved under.
pub const BASELINE_SCOPE: &str = "baseline";

/// Only a run over everything from some time on has seen every event it learned: a baseline
/// learned through a filter (one actor, one type) would be wrong for the next run.
pub fn saves_baseline(f: &EventFilter) -> bool {
    selects_everything(&EventFilter {
        since: None,
        ..f.clone()
    })
}

/// Teaches the baseline the stored events of its history window before the first event detected
/// over, from the saved baseline when it reaches no further than that.
fn learn_history(
    store: &Store,
    filter: &EventFilter,
    baseline: &mut Baseline,
    run: &mut StoredRun,
) -> Result<(), Error> {
    let Some(start) = filter.since else {
        // Detecting over everything stored: the baseline learns as it goes.
        return Ok(());
    };
    let history = baseline.config().history;
    let mut from = start.saturating_sub(history).unwrap_or(start);
    if let Some(saved) = store.checkpoint(BASELINE_SCOPE)? {
        match Baseline::from_json(&saved.to_string()) {
            Ok(saved)
                if saved.config() == baseline.config()
                    && saved
                        .learned_until()
                        .is_some_and(|t| t < start && t >= from) =>
            {
                from = saved.learned_until().unwrap_or(from);
                *baseline = saved;
            }
            Ok(_) => {}
            Err(e) => run
                .notes
                .push(format!("the saved baseline is not used: {e}")),
        }
    }
    let window = EventFilter {
        since: Some(from),
        until: Some(start),
        ..EventFilter::default()
    };
    for_each_event(store, &window, PAGE, |event| {
        // The saved baseline already holds the events of its last instant.
        if baseline
            .learned_until()
            .is_none_or(|t| event.created_at > t)
        {
            baseline.observe(&EventRef::from(event));
            run.learned += 1;
        }
        Ok::<(), Error>(())
    })
}

/// The baseline a timeline's "new IP" marks are judged against: learned from the stored events
/// of the same subject (`shown` without its time range and limit) in the history window before
/// `first`, the first event shown, so a mark does not depend on `--since` or `--limit`. Paged,
/// so a busy subject's fortnight does not sit in memory at once.
pub fn history_before(
    store: &Store,
    shown: &EventFilter,
    first: Timestamp,
    baseline: &mut Baseline,
) -> Result<u64, Error> {
    let since = first
        .saturating_sub(baseline.config().history)
        .unwrap_or(first);
    let window = EventFilter {
        since: Some(since),
        until: Some(first),
        limit: None,
        newest_first: false,
        ..shown.clone()
    };
    let mut learned = 0;
    for_each_event(store, &window, PAGE, |e| -> Result<(), Error> {
        baseline.observe(&EventRef::from(e));
        learned += 1;
        Ok(())
    })?;
    Ok(learned)
}

/// Whether the filter lets every event through (then files need no scratch store to filter).
pub fn selects_everything(f: &EventFilter) -> bool {
    let EventFilter {
        actor,
        ip,
        event_type,
        target_type,
        entity,
        since,
        until,
        source,
        limit,
        newest_first,
    } = f;
    actor.is_none()
        && ip.is_none()
        && event_type.is_none()
        && target_type.is_none()
        && entity.is_none()
        && since.is_none()
        && until.is_none()
        && source.is_none()
        && limit.is_none()
        && !newest_first
}

/// Why a stream of stored events ended early: the store failed, or the caller stopped it.
enum Stop<E> {
    Store(glir_store::StoreError),
    Caller(E),
}

impl<E> From<glir_store::StoreError> for Stop<E> {
    fn from(e: glir_store::StoreError) -> Self {
        Stop::Store(e)
    }
}

/// Pages through the store oldest first. A page resumes at the last page's newest time
/// (inclusive) and skips the ids already seen at that instant, so events sharing a timestamp
/// across a page boundary are neither lost nor repeated.
pub fn for_each_event<E: From<Error>>(
    store: &Store,
    filter: &EventFilter,
    mut page_size: usize,
    mut f: impl FnMut(&AuditEvent) -> Result<(), E>,
) -> Result<(), E> {
    // ClickHouse streams a whole result (a time range at a time), where a page would re-read
    // and re-sort everything after its start.
    if let Some(clickhouse) = store.clickhouse() {
        return clickhouse
            .for_each_event(filter, None, |e| f(&e).map_err(Stop::Caller))
            .map_err(|stop| match stop {
                Stop::Caller(e) => e,
                Stop::Store(e) => E::from(Error::from(e)),
            });
    }
    let mut remaining = filter.limit.unwrap_or(usize::MAX);
    let mut since = filter.since;
    let mut seen_at_since: HashSet<(String, String)> = HashSet::new();
    while remaining > 0 {
        let page = store
            .query_events(&EventFilter {
                since,
                limit: Some(page_size.saturating_add(seen_at_since.len())),
                ..filter.clone()
            })
            .map_err(Error::from)?;
        let full = page.len() >= page_size.saturating_add(seen_at_since.len());
        let Some(last) = page.last().map(|e| e.created_at) else {
            return Ok(());
        };
        if full && Some(last) == since {
            // One instant fills the page: widen it rather than loop on the same rows.
            page_size = page_size.saturating_mul(2);
            continue;
        }
        let mut next_seen = HashSet::new();
        for e in &page {
            let key = (e.source.clone(), e.event_id.clone());
            if Some(e.created_at) == since && seen_at_since.contains(&key) {
                continue;
            }
            if remaining == 0 {
                return Ok(());
            }
            remaining -= 1;
            f(e)?;
            if e.created_at == last {
                next_seen.insert(key);
            }
        }
        if !full {
            return Ok(());
        }
        if Some(last) != since {
            seen_at_since = next_seen;
        } else {
            seen_at_since.extend(next_seen);
        }
        since = Some(last);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use glir_events::{Layout, parse_event};

    type Result<T> = std::result::Result<T, Error>;

    #[test]
    fn paging_neither_loses_nor_repeats_events_sharing_a_timestamp() {
        let mut store = Store::open_in_memory().unwrap();
        // Five events at one instant, then two later: pages of 2 split the instant repeatedly.
        let times = ["00", "00", "00", "00", "00", "01", "02"];
        let events: Vec<_> = times
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let raw = format!(
                    r#"{{"id":"{i}","created_at":"2026-11-25T02:00:{s}Z","event_type":"add_ssh_key"}}"#
                );
                parse_event(&raw, Some(Layout::Stream), "t").unwrap()
            })
            .collect();
        store.insert_events(&events).unwrap();
        let mut seen = Vec::new();
        for_each_event(&store, &EventFilter::default(), 2, |e| -> Result<()> {
            seen.push(e.event_id.clone());
            Ok(())
        })
        .unwrap();
        seen[..5].sort();
        assert_eq!(seen, ["0", "1", "2", "3", "4", "5", "6"]);
        let mut limited = 0;
        let filter = EventFilter {
            limit: Some(3),
            ..EventFilter::default()
        };
        for_each_event(&store, &filter, 2, |_| -> Result<()> {
            limited += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(limited, 3);
    }
}
