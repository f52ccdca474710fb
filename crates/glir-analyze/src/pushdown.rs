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
//! cannot mirror exactly) run in glir over every event, and the run says which. Their baseline
//! must learn every event, but a rule can only match events its other items allow
//! (`RulePack::clickhouse_preselect`): those are read whole, every other event as the handful of
//! columns the baseline learns from.

use crate::error::Error;
use crate::stored::{StoredRun, Warmup, detect_stored_selecting};
use glir_detect::{Alert, DetectSummary, Detector, Pushdown, RulePack, RulePlan};
use glir_events::AuditEvent;
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
    let mut raised: Vec<Raised> = Vec::new();
    let mut run = PushdownRun {
        plan,
        ..PushdownRun::default()
    };
    if let Some(rest) = &rest {
        let mut d = detector(rest)?;
        // The baseline learns every event, but only events the rules may match are read whole.
        let whole = store.clickhouse().and_then(|_| rest.clickhouse_preselect());
        let stored = detect_stored_selecting(
            store,
            &mut d,
            filter,
            persist,
            warmup,
            whole.as_deref(),
            |event, alerts| {
                progress();
                if !alerts.is_empty() {
                    raised.push(Raised::new(event, alerts, 0));
                }
                Ok::<(), E>(())
            },
        )?;
        run.preselected = whole.is_some();
        run.summary.alerts += d.finish().alerts;
        run.summary.events = stored.events;
        run.in_process = Some(stored);
    }
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
                    if !alerts.is_empty() {
                        raised.push(Raised::new(&event, alerts, 1));
                    }
                    Ok::<(), Error>(())
                })
                .map_err(E::from)?;
            run.candidates = candidates;
        }
        run.summary.alerts += d.finish().alerts;
        if rest.is_none() {
            run.summary.events = clickhouse
                .count_events_where(filter, None)
                .map_err(|e| E::from(Error::from(e)))?;
        }
    }
    // Both parts in one time order, as one run over every event would give them.
    raised
        .sort_by(|a, b| (a.at, &a.event.event_id, a.part).cmp(&(b.at, &b.event.event_id, b.part)));
    let mut raised = raised.into_iter().peekable();
    while let Some(mut first) = raised.next() {
        while let Some(next) =
            raised.next_if(|n| n.at == first.at && n.event.event_id == first.event.event_id)
        {
            first.alerts.extend(next.alerts);
        }
        visit(&first.event, first.alerts)?;
    }
    Ok(run)
}

/// An event that raised alerts in one part of the run.
struct Raised {
    at: i64,
    part: u8,
    event: AuditEvent,
    alerts: Vec<Alert>,
}

impl Raised {
    fn new(event: &AuditEvent, alerts: Vec<Alert>, part: u8) -> Raised {
        Raised {
            at: event.created_at.as_microsecond(),
            part,
            event: event.clone(),
            alerts,
        }
    }
}
