//! The rule pack over a ClickHouse store: the database selects, glir decides.
//!
//! Each rule whose condition converts to SQL (`RulePack::clickhouse_plan`) becomes part of one
//! `WHERE` that ClickHouse evaluates over every stored event; only the events it selects leave
//! the database, and glir's ordinary detector — a pack of just those rules, correlations
//! included — runs over them in time order. A rule's SQL selects every event the rule matches
//! (a few more where the columns cannot tell, which the detector then turns down), and a
//! correlation sees exactly the events of the rules it refers to, so the alerts are those of an
//! in-process run; `crates/glir-analyze/tests/pushdown.rs` holds the two to the same alerts.
//! The rules that do not convert (they read `baseline.*` fields, or use a matcher ClickHouse
//! cannot mirror exactly) run in glir, and the run says which. A rule can only match events its
//! other items allow (`RulePack::clickhouse_preselect`): those are read whole, every other event
//! as a handful of columns (grouping attaches sessions from them). The `baseline.*` answers of
//! the events read whole are computed by ClickHouse from every stored event
//! (`ClickHouseStore::baseline_answers`, equal to glir's baseline field by field); where that
//! fails, glir's baseline learns every event from those columns instead, and the run says so.

use crate::error::Error;
use crate::stored::{StoredRun, Warmup, detect_stored_selecting};
use glir_detect::{Alert, DetectSummary, Detector, Pushdown, RulePack, RulePlan};
use glir_events::{AuditEvent, EventRef};
use glir_store::clickhouse::baseline::BaselineAnswers;
use glir_store::{EventFilter, Store};

/// What [`detect_pushed_down`] did.
#[derive(Debug, Clone, Default)]
pub struct PushdownRun {
    /// The in-process part: the rules left to glir, over every event the filter selects.
    pub in_process: Option<StoredRun>,
    /// Whether the in-process part read whole only the events its rules may match (the rest
    /// as the columns its baseline learns from).
    pub preselected: bool,
    /// Events the SQL selected for the rules pushed down.
    pub candidates: u64,
    /// Events whose `baseline.*` answers ClickHouse computed (`None`: glir's baseline learned
    /// every event, or no rule reads one).
    pub baseline_in_sql: Option<u64>,
    /// How each rule ran.
    pub plan: Vec<RulePlan>,
    /// Events the filter selects, and alerts raised by both parts.
    pub summary: DetectSummary,
}

impl PushdownRun {
    /// Rules whose conditions ran as SQL.
    pub fn pushed(&self) -> usize {
        self.plan
            .iter()
            .filter(|p| matches!(p.pushdown, Pushdown::Sql(_)))
            .count()
    }
}

/// Runs `pack` over the events `filter` selects in a ClickHouse store, pushing what converts
/// down as SQL (see the module documentation); `detector` builds the detector of a part of the
/// pack (the caller's baseline settings), `progress` hears of every event read. Alerts reach
/// `visit` with their event, in event time order (then event id), as from [`detect_stored`].
/// On an SQLite store everything runs in-process.
#[allow(clippy::too_many_arguments)]
pub fn detect_pushed_down<E: From<Error>>(
    store: &mut Store,
    pack: &RulePack,
    detector: &dyn Fn(&RulePack) -> Result<Detector, E>,
    filter: &EventFilter,
    persist: bool,
    warmup: &mut Warmup,
    progress: &mut dyn FnMut(),
    mut visit: impl FnMut(&AuditEvent, Vec<Alert>) -> Result<(), E>,
) -> Result<PushdownRun, E> {
    let plan = pack.clickhouse_plan();
    let (pushed, rest) = match store.clickhouse() {
        Some(_) => pack.split_for_pushdown(),
        None => (None, Some(pack.clone())),
    };
    let mut run = PushdownRun {
        plan,
        ..PushdownRun::default()
    };
    // The SQL side runs first; its alerts wait in a spool file (in event order) while the
    // in-glir side runs, and the two are merged as that one goes. Memory stays flat however
    // many alerts there are.
    let mut spool = Spool::new().map_err(E::from)?;
    if let (Some(pushed), Some(clickhouse)) = (&pushed, store.clickhouse()) {
        let condition = pushed
            .clickhouse_plan()
            .into_iter()
            .filter_map(|p| match p.pushdown {
                // A rule that only feeds correlations is selected through them.
                Pushdown::Sql(sql) if p.alerts => Some(format!("({sql})")),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        let mut d = detector(pushed)?;
        if !condition.is_empty() {
            let mut candidates = 0;
            clickhouse
                .for_each_event(filter, Some(&condition), |event| {
                    progress();
                    candidates += 1;
                    let alerts = d.process(&event);
                    if alerts.is_empty() {
                        return Ok(());
                    }
                    if rest.is_none() {
                        return visit(&event, alerts).map_err(Stop::Caller);
                    }
                    spool
                        .push(&event, &alerts)
                        .map_err(|e| Stop::Caller(E::from(e)))
                })
                .map_err(|stop| match stop {
                    Stop::Caller(e) => e,
                    Stop::Store(e) => E::from(Error::from(e)),
                })?;
            run.candidates = candidates;
        }
        run.summary.alerts += d.finish().alerts;
        if rest.is_none() {
            run.summary.events = clickhouse
                .count_events_where(filter, None)
                .map_err(|e| E::from(Error::from(e)))?;
        }
    }
    // Every event reaches `visit` in order, as from `detect_stored`, alerts or not: grouping
    // attaches an alert's session (the actor's later events from its address) from the events
    // that raised nothing, and the few columns the baseline reads are enough for that.
    let mut waiting = spool.read().map_err(E::from)?;
    let mut merged = |event: &AuditEvent, mut alerts: Vec<Alert>| -> Result<(), E> {
        let at = (event.created_at.as_microsecond(), event.event_id.as_str());
        let mut whole = None;
        while let Some((earlier, earlier_alerts)) = waiting.next_until(at).map_err(E::from)? {
            if (
                earlier.created_at.as_microsecond(),
                earlier.event_id.as_str(),
            ) == at
            {
                alerts.extend(earlier_alerts);
                // The spool holds the event whole; this side may have read only a few columns.
                whole = Some(earlier);
            } else {
                visit(&earlier, earlier_alerts)?;
            }
        }
        visit(whole.as_ref().unwrap_or(event), alerts)
    };
    if let Some(rest) = &rest {
        let mut d = detector(rest)?;
        // Only events the rules may match are read whole.
        let whole = store.clickhouse().and_then(|_| rest.clickhouse_preselect());
        let mut notes = Vec::new();
        if let Some(answered) = baseline_in_sql(store, rest, &mut d, filter, persist, warmup)
            .unwrap_or_else(|e| {
                notes.push(format!(
                    "the baseline could not be computed in ClickHouse, glir learned it instead: {e}"
                ));
                None
            })
            && let Some(clickhouse) = store.clickhouse()
        {
            let mut events = 0;
            let answers = &answered.answers;
            clickhouse
                .for_each_event_or_baseline_columns(
                    filter,
                    &answered.selects(),
                    |event, is_whole| {
                        events += 1;
                        progress();
                        let alerts = if is_whole {
                            let key = (event.created_at.as_microsecond(), event.event_id.clone());
                            let novelty = answers.get(&key).copied();
                            d.process_judged(EventRef::from(&event), novelty).alerts()
                        } else {
                            // No rule can match it; grouping still attaches sessions from it.
                            Vec::new()
                        };
                        merged(&event, alerts).map_err(Stop::Caller)
                    },
                )
                .map_err(|stop| match stop {
                    Stop::Caller(e) => e,
                    Stop::Store(e) => E::from(Error::from(e)),
                })?;
            run.summary.alerts += d.finish().alerts;
            run.summary.events = events;
            run.preselected = true;
            run.baseline_in_sql = Some(answers.len() as u64);
            run.in_process = Some(StoredRun {
                events,
                notes,
                ..StoredRun::default()
            });
        } else {
            // The baseline learns every event, from a few columns where the rules cannot match.
            let stored = detect_stored_selecting(
                store,
                &mut d,
                filter,
                persist,
                warmup,
                whole.as_deref(),
                |event, alerts| {
                    progress();
                    merged(event, alerts)
                },
            )?;
            run.summary.alerts += d.finish().alerts;
            run.summary.events = stored.events;
            run.preselected = whole.is_some();
            let mut stored = stored;
            stored.notes.extend(notes);
            run.in_process = Some(stored);
        }
    } else if let Some(clickhouse) = store.clickhouse() {
        clickhouse
            .for_each_event_or_baseline_columns(filter, "0", |event, _| {
                merged(&event, Vec::new()).map_err(Stop::Caller)
            })
            .map_err(|stop| match stop {
                Stop::Caller(e) => e,
                Stop::Store(e) => E::from(Error::from(e)),
            })?;
    }
    for left in waiting.rest() {
        let (event, alerts) = left.map_err(E::from)?;
        visit(&event, alerts)?;
    }
    Ok(run)
}

/// The `baseline.*` answers ClickHouse computes for the events some rule of `rest` may match
/// (`RulePack::clickhouse_baseline_preselect`), when the detector reads them and the run has
/// no warm-up span (a stored run has none): judged on the events the run detects over and, for
/// a run from `since` over the responder's store, the stored history window before it — what
/// glir's baseline would learn, without a saved baseline (the store holds the history it was
/// learned from). `None` where glir's baseline must learn instead.
fn baseline_in_sql(
    store: &Store,
    rest: &RulePack,
    detector: &mut Detector,
    filter: &EventFilter,
    persist: bool,
    warmup: &Warmup,
) -> Result<Option<BaselineAnswers>, glir_store::StoreError> {
    let (Some(clickhouse), Some(baseline)) = (store.clickhouse(), detector.baseline_mut()) else {
        return Ok(None);
    };
    if warmup.spans() {
        return Ok(None);
    }
    let Some(rules) = rest.clickhouse_baseline_preselect() else {
        return Ok(None);
    };
    let config = *baseline.config();
    let history_from = filter
        .since
        .filter(|_| persist)
        .map(|since| since.saturating_sub(config.history).unwrap_or(since));
    clickhouse
        .baseline_answers(filter, history_from, &rules, &config)
        .map(Some)
}

/// Why a stream ended early: the store failed, or the caller stopped it.
enum Stop<E> {
    Store(glir_store::StoreError),
    Caller(E),
}

impl<E> From<glir_store::StoreError> for Stop<E> {
    fn from(e: glir_store::StoreError) -> Self {
        Stop::Store(e)
    }
}

/// Events with their alerts, in the order written, in an unnamed temporary file (gone with
/// the process).
struct Spool {
    file: std::io::BufWriter<std::fs::File>,
}

impl Spool {
    fn new() -> Result<Spool, Error> {
        let file = tempfile::tempfile().map_err(|e| Error::Spool(e.to_string()))?;
        Ok(Spool {
            file: std::io::BufWriter::new(file),
        })
    }

    fn push(&mut self, event: &AuditEvent, alerts: &[Alert]) -> Result<(), Error> {
        serde_json::to_writer(&mut self.file, &(event, alerts))
            .map_err(|e| Error::Spool(e.to_string()))?;
        std::io::Write::write_all(&mut self.file, b"\n").map_err(|e| Error::Spool(e.to_string()))
    }

    /// The entries back, in the order pushed.
    fn read(self) -> Result<Waiting, Error> {
        use std::io::Seek;
        let mut file = self
            .file
            .into_inner()
            .map_err(|e| Error::Spool(e.to_string()))?;
        file.rewind().map_err(|e| Error::Spool(e.to_string()))?;
        Ok(Waiting {
            lines: std::io::BufRead::lines(std::io::BufReader::new(file)),
            held: None,
        })
    }
}

type Entry = (AuditEvent, Vec<Alert>);

/// A spool being read back, one entry looked ahead.
struct Waiting {
    lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
    held: Option<Entry>,
}

impl Waiting {
    fn parse(line: std::io::Result<String>) -> Result<Entry, Error> {
        let line = line.map_err(|e| Error::Spool(e.to_string()))?;
        serde_json::from_str(&line).map_err(|e| Error::Spool(e.to_string()))
    }

    /// The event of the next entry, read but kept.
    fn peek(&mut self) -> Result<Option<&AuditEvent>, Error> {
        if self.held.is_none()
            && let Some(line) = self.lines.next()
        {
            self.held = Some(Self::parse(line)?);
        }
        Ok(self.held.as_ref().map(|(event, _)| event))
    }

    /// The next entry whose event comes no later than `at` (time in µs, event id), if any.
    fn next_until(&mut self, at: (i64, &str)) -> Result<Option<Entry>, Error> {
        match self.peek()? {
            Some(e) if (e.created_at.as_microsecond(), e.event_id.as_str()) <= at => {
                Ok(self.held.take())
            }
            _ => Ok(None),
        }
    }

    fn rest(self) -> impl Iterator<Item = Result<Entry, Error>> {
        self.held
            .map(Ok)
            .into_iter()
            .chain(self.lines.map(Self::parse))
    }
}
