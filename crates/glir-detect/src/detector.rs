//! Streaming evaluation of a [`RulePack`] over canonical events.

use crate::alert::{Alert, actor_of, event_reason};
use crate::error::DetectError;
use crate::event_view::{EventView, RefsView};
use crate::pack::{RulePack, level_name};
use glir_events::AuditEvent;
use rsigma_eval::{
    CorrelationConfig, CorrelationEngine, CorrelationEventMode, EvaluationResult, ResultBody,
};
use std::collections::HashSet;

/// How many contributing event ids a correlation alert keeps (rsigma keeps the newest).
const MAX_CORRELATION_EVENTS: usize = 100;

/// Runs a pack over events one at a time; memory is the correlation windows only.
pub struct Detector {
    engine: CorrelationEngine,
    /// Ids of detection rules that only feed correlations (see [`correlation_only`]).
    quiet: HashSet<String>,
    events: u64,
    alerts: u64,
}

/// Counts for the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct DetectSummary {
    /// Events processed.
    pub events: u64,
    /// Alerts raised.
    pub alerts: u64,
}

pub(crate) fn build_engine(pack: &RulePack) -> Result<CorrelationEngine, DetectError> {
    let config = CorrelationConfig {
        timestamp_fields: vec!["created_at".into()],
        // `RefsView` relies on this mode: it gives rsigma only the event id as JSON.
        correlation_event_mode: CorrelationEventMode::Refs,
        max_correlation_events: MAX_CORRELATION_EVENTS,
        ..CorrelationConfig::default()
    };
    let mut engine = CorrelationEngine::new(config);
    engine
        .add_collection(&pack.collection)
        .map_err(|e| DetectError::Engine(e.to_string()))?;
    Ok(engine)
}

impl Detector {
    /// A detector with fresh correlation state for `pack`.
    pub fn new(pack: &RulePack) -> Result<Detector, DetectError> {
        Ok(Detector {
            engine: build_engine(pack)?,
            quiet: correlation_only(pack),
            events: 0,
            alerts: 0,
        })
    }

    /// Alerts raised by this event: detections on it and correlations it completes. Feed events
    /// in time order, as correlation windows are measured on `created_at`.
    pub fn process(&mut self, event: &AuditEvent) -> Vec<Alert> {
        let results = self
            .engine
            .process_event_at(&RefsView(EventView(event)), event.created_at.as_second());
        self.events += 1;
        let mut reason = None;
        let alerts: Vec<Alert> = results
            .iter()
            .filter(|r| !(r.is_detection() && self.quiet.contains(rule_key(r))))
            .map(|r| {
                let reason = reason.get_or_insert_with(|| event_reason(event));
                to_alert(r, event, reason)
            })
            .collect();
        self.alerts += alerts.len() as u64;
        alerts
    }

    /// Ids of the detection rules matching this event on its own, including rules that only
    /// feed correlations; no correlation state changes. Used by rule tests.
    pub fn matching_rules(&self, event: &AuditEvent) -> Vec<String> {
        self.engine
            .evaluate(&EventView(event))
            .iter()
            .map(rule_id)
            .collect()
    }

    /// Ends the run. rsigma fires correlations as the completing event arrives, so nothing is
    /// pending; what remains is the count of what was seen.
    pub fn finish(self) -> DetectSummary {
        DetectSummary {
            events: self.events,
            alerts: self.alerts,
        }
    }
}

/// Sigma correlation spec: rules a correlation refers to do not alert on their own unless it
/// says `generate: true`. rsigma's `emit_detections: false` only honours references by id, not
/// by `name` (rsigma-eval 0.23 `filter_detections`), so glir resolves names itself.
fn correlation_only(pack: &RulePack) -> HashSet<String> {
    let c = &pack.collection;
    let referenced: HashSet<&str> = c
        .correlations
        .iter()
        .filter(|corr| !corr.generate)
        .flat_map(|corr| corr.rules.iter().map(String::as_str))
        .collect();
    let generated: HashSet<&str> = c
        .correlations
        .iter()
        .filter(|corr| corr.generate)
        .flat_map(|corr| corr.rules.iter().map(String::as_str))
        .collect();
    let named = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|n| referenced.contains(n) && !generated.contains(n))
    };
    c.rules
        .iter()
        .filter(|r| named(&r.id) || named(&r.name))
        .map(|r| r.id.clone().unwrap_or_else(|| r.title.clone()))
        .collect()
}

/// The rule's `id`, its title when it has none.
fn rule_key(r: &EvaluationResult) -> &str {
    r.header.rule_id.as_deref().unwrap_or(&r.header.rule_title)
}

fn rule_id(r: &EvaluationResult) -> String {
    rule_key(r).to_owned()
}

/// `reason` is [`event_reason`] of `event`.
fn to_alert(r: &EvaluationResult, event: &AuditEvent, reason: &str) -> Alert {
    let (event_ids, actor) = match &r.body {
        ResultBody::Detection(_) => (vec![event.event_id.clone()], actor_of(event)),
        ResultBody::Correlation(c) => {
            let mut ids: Vec<String> = c
                .event_refs
                .iter()
                .flatten()
                .filter_map(|e| e.id.clone())
                .collect();
            if !ids.contains(&event.event_id) {
                ids.push(event.event_id.clone());
            }
            // The group key names who the correlation is about when it groups by author.
            let grouped = c
                .group_key
                .iter()
                .find(|(k, _)| k == "author_name" || k == "author_id")
                .map(|(_, v)| v.clone());
            (ids, grouped.or_else(|| actor_of(event)))
        }
    };
    Alert {
        rule_id: rule_id(r),
        title: r.header.rule_title.clone(),
        level: level_name(r.header.level.as_ref()),
        tags: r.header.tags.clone(),
        event_ids,
        actor,
        time: event.created_at,
        reason: format!("{}: {reason}", r.header.rule_title),
    }
}
