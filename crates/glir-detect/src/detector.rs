//! Streaming evaluation of a [`RulePack`] over canonical events.

use crate::alert::{Alert, actor_of, event_reason};
use crate::dispatch::{Candidate, Dispatch};
use crate::error::DetectError;
use crate::event_view::{EventView, RefsView};
use crate::pack::{RulePack, level_name};
use glir_events::{AuditEvent, EventRef};
use rsigma_eval::{
    CompiledRule, CorrelationConfig, CorrelationEngine, CorrelationEventMode, DetectionBody,
    EvaluationResult, ResultBody, RuleHeader, compiler::eval_condition,
};
use std::collections::HashSet;

/// How many contributing event ids a correlation alert keeps (rsigma keeps the newest).
const MAX_CORRELATION_EVENTS: usize = 100;

/// Runs a pack over events one at a time; memory is the correlation windows only.
///
/// Detection rules are evaluated by rsigma's `eval_condition` on the rules [`Dispatch`] lists
/// for the event's type, and alerts are built straight from the match; only matches of rules a
/// correlation refers to go through rsigma's correlation engine. That is what rsigma's
/// `process_event` does, minus screening every rule and building a full result per match.
pub struct Detector {
    engine: CorrelationEngine,
    dispatch: Dispatch,
    /// Per compiled rule, in engine order.
    rules: Vec<RuleMeta>,
    /// rsigma evicts correlation state once it holds this many entries, and only while it
    /// processes an event: at that size every event goes to it, as with `process_event`.
    max_state: usize,
    candidates: Vec<Candidate>,
    selections: Vec<String>,
    events: u64,
    alerts: u64,
}

/// What an alert of a detection rule carries, prepared once.
struct RuleMeta {
    key: String,
    level: String,
    /// Only feeds correlations (see [`correlation_only`]).
    quiet: bool,
    /// Some correlation refers to it, by id or name.
    feeds: bool,
}

/// Counts for the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct DetectSummary {
    /// Events processed.
    pub events: u64,
    /// Alerts raised.
    pub alerts: u64,
}

fn config() -> CorrelationConfig {
    CorrelationConfig {
        timestamp_fields: vec!["created_at".into()],
        // `RefsView` relies on this mode: it gives rsigma only the event id as JSON.
        correlation_event_mode: CorrelationEventMode::Refs,
        max_correlation_events: MAX_CORRELATION_EVENTS,
        ..CorrelationConfig::default()
    }
}

pub(crate) fn build_engine(pack: &RulePack) -> Result<CorrelationEngine, DetectError> {
    let mut engine = CorrelationEngine::new(config());
    engine
        .add_collection(&pack.collection)
        .map_err(|e| DetectError::Engine(e.to_string()))?;
    Ok(engine)
}

impl Detector {
    /// A detector with fresh correlation state for `pack`.
    pub fn new(pack: &RulePack) -> Result<Detector, DetectError> {
        let engine = build_engine(pack)?;
        let quiet = correlation_only(pack);
        let referenced = correlation_inputs(pack);
        let compiled = engine.engine().rules();
        let rules = compiled
            .iter()
            .map(|r| {
                let key = r.id.clone().unwrap_or_else(|| r.title.clone());
                let named = |v: Option<&String>| v.is_some_and(|v| referenced.contains(v.as_str()));
                RuleMeta {
                    level: level_name(r.level.as_ref()),
                    quiet: quiet.contains(&key),
                    feeds: named(r.id.as_ref()) || named(pack_name(pack, r)),
                    key,
                }
            })
            .collect();
        Ok(Detector {
            dispatch: Dispatch::new(compiled),
            rules,
            max_state: config().max_state_entries,
            engine,
            candidates: Vec::new(),
            selections: Vec::new(),
            events: 0,
            alerts: 0,
        })
    }

    /// Alerts raised by this event: detections on it and correlations it completes. Feed events
    /// in time order, as correlation windows are measured on `created_at`.
    pub fn process(&mut self, event: &AuditEvent) -> Vec<Alert> {
        self.process_ref(EventRef::from(event))
    }

    /// [`process`](Self::process) for a borrowed event, e.g. one of an `EventBatch`.
    pub fn process_ref(&mut self, event: EventRef<'_>) -> Vec<Alert> {
        self.events += 1;
        let view = EventView::new(event);
        self.dispatch
            .candidates(event.event_type, &mut self.candidates);
        let compiled = self.engine.engine().rules();
        let mut alerts = Vec::new();
        let mut feed = Vec::new();
        let mut reason = None;
        for &Candidate { rule: i, matched } in &self.candidates {
            let rule = &compiled[i];
            if !matched && !matches(rule, &view, &mut self.selections) {
                continue;
            }
            let meta = &self.rules[i];
            if meta.feeds {
                feed.push(detection_result(rule));
            }
            if !meta.quiet {
                let reason = reason.get_or_insert_with(|| event_reason(&event));
                alerts.push(Alert {
                    rule_id: meta.key.clone(),
                    title: rule.title.clone(),
                    level: meta.level.clone(),
                    tags: rule.tags.clone(),
                    event_ids: vec![event.event_id.to_owned()],
                    actor: actor_of(&event),
                    time: event.created_at,
                    reason: format!("{}: {reason}", rule.title),
                });
            }
        }
        if !feed.is_empty() || self.engine.state_count() >= self.max_state {
            let results = self.engine.process_with_detections(
                &RefsView(&view),
                feed,
                event.created_at.as_second(),
            );
            for r in results.iter().filter(|r| !r.is_detection()) {
                let reason = reason.get_or_insert_with(|| event_reason(&event));
                alerts.push(correlation_alert(r, &event, reason));
            }
        }
        self.alerts += alerts.len() as u64;
        alerts
    }

    /// Ids of the detection rules matching this event on its own, including rules that only
    /// feed correlations; no correlation state changes. Used by rule tests.
    pub fn matching_rules(&self, event: &AuditEvent) -> Vec<String> {
        let view = EventView::new(EventRef::from(event));
        let (mut candidates, mut selections) = (Vec::new(), Vec::new());
        self.dispatch
            .candidates(event.event_type.as_deref(), &mut candidates);
        let compiled = self.engine.engine().rules();
        candidates
            .into_iter()
            .filter(|c| c.matched || matches(&compiled[c.rule], &view, &mut selections))
            .map(|c| self.rules[c.rule].key.clone())
            .collect()
    }

    /// [`matching_rules`](Self::matching_rules) as rsigma's engine finds them, screening the
    /// whole pack: the reference the dispatch is tested against.
    #[cfg(test)]
    pub(crate) fn reference_rules(&self, event: &AuditEvent) -> Vec<String> {
        self.engine
            .evaluate(&EventView::new(EventRef::from(event)))
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

/// `evaluate_rule` without building its result: the first condition that holds decides.
fn matches(rule: &CompiledRule, view: &EventView<'_>, selections: &mut Vec<String>) -> bool {
    rule.conditions.iter().any(|condition| {
        selections.clear();
        eval_condition(condition, &rule.detections, view, selections)
    })
}

/// What rsigma's correlation layer reads of a detection: the rule's identity (its
/// `feed_detections` looks rules up by `header.rule_id`). Match details are left empty.
fn detection_result(rule: &CompiledRule) -> EvaluationResult {
    EvaluationResult {
        header: RuleHeader {
            rule_title: rule.title.clone(),
            rule_id: rule.id.clone(),
            level: rule.level,
            tags: Vec::new(),
            custom_attributes: rule.custom_attributes.clone(),
            enrichments: None,
        },
        body: ResultBody::Detection(DetectionBody {
            matched_selections: Vec::new(),
            matched_fields: Vec::new(),
            event: None,
        }),
    }
}

/// The `name` of the pack rule compiled as `compiled` (rsigma's compiled rule drops it).
fn pack_name<'p>(pack: &'p RulePack, compiled: &CompiledRule) -> Option<&'p String> {
    pack.collection
        .rules
        .iter()
        .find(|r| r.id == compiled.id && r.title == compiled.title)
        .and_then(|r| r.name.as_ref())
}

/// Ids and names that correlations refer to.
fn correlation_inputs(pack: &RulePack) -> HashSet<&str> {
    pack.collection
        .correlations
        .iter()
        .flat_map(|c| c.rules.iter().map(String::as_str))
        .collect()
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
fn correlation_alert(r: &EvaluationResult, event: &EventRef<'_>, reason: &str) -> Alert {
    let (event_ids, actor) = match &r.body {
        ResultBody::Detection(_) => (vec![event.event_id.to_owned()], actor_of(event)),
        ResultBody::Correlation(c) => {
            let mut ids: Vec<String> = c
                .event_refs
                .iter()
                .flatten()
                .filter_map(|e| e.id.clone())
                .collect();
            if !ids.iter().any(|id| id == event.event_id) {
                ids.push(event.event_id.to_owned());
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
