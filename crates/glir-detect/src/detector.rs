//! Streaming evaluation of a [`RulePack`] over canonical events.

use crate::alert::{Alert, actor_of, event_reason};
use crate::correlate::{Correlator, Fired, MAX_EVENTS};
use crate::dispatch::{Candidate, Dispatch};
use crate::error::DetectError;
use crate::eval::{Program, Scratch};
use crate::event_view::{EventView, RefsView};
use crate::pack::{RulePack, level_name};
use glir_baseline::{Baseline, Config as BaselineConfig, Novelty};
use glir_events::{AuditEvent, EventRef};
use rsigma_eval::{
    CompiledRule, CorrelationConfig, CorrelationEngine, CorrelationEventMode, DetectionBody,
    EvaluationResult, ResultBody, RuleHeader, compiler::eval_condition,
};
use std::collections::HashSet;

/// Runs a pack over events one at a time; memory is the correlation windows only.
///
/// Only the rules [`Dispatch`] lists for the event's type are evaluated, each by its
/// [`Program`] (rsigma's `eval_condition` for rules without one). Matches of rules a correlation
/// refers to go into glir's own correlation windows ([`Correlator`]), or rsigma's engine for
/// packs those do not cover. That is what rsigma's `process_event` does, minus screening every
/// rule and building a full result per match: what fired is recorded as rule and window, and
/// alerts are built only when asked for ([`Hits::alerts`]).
pub struct Detector {
    engine: CorrelationEngine,
    /// `None` when rsigma's engine keeps the correlation state.
    correlator: Option<Correlator>,
    dispatch: Dispatch,
    /// Per compiled rule, in engine order.
    rules: Vec<RuleMeta>,
    /// rsigma evicts correlation state once it holds this many entries, and only while it
    /// processes an event: at that size every event goes to it, as with `process_event`.
    max_state: usize,
    /// Per compiled rule: glir's program for it, `None` when rsigma evaluates it.
    programs: Vec<Option<Program>>,
    scratch: Scratch,
    /// What the current event raised.
    hits: Vec<Hit>,
    /// Correlation results of rsigma's engine for the current event.
    results: Vec<EvaluationResult>,
    events: u64,
    alerts: u64,
    /// Kept when the pack reads `baseline.*` fields: every event is learned, and its novelty
    /// given to the rules.
    baseline: Option<Baseline>,
}

/// One alert of the current event, not built yet.
#[derive(Debug, Clone, Copy)]
enum Hit {
    /// A detection rule, by engine index.
    Rule(usize),
    Correlation(Fired),
    /// A correlation result of rsigma's engine, by index in `Detector::results`.
    Rsigma(usize),
}

/// What one event raised. Building the alerts (their reason, ids and copies of rule metadata)
/// is left to [`alerts`](Self::alerts), so counting or filtering costs nothing per alert.
pub struct Hits<'d, 'e> {
    detector: &'d Detector,
    event: EventRef<'e>,
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
        max_correlation_events: MAX_EVENTS,
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
        Detector::build(pack, crate::correlate::supports(&pack.collection))
    }

    /// A detector whose correlation state rsigma's engine keeps, whatever the pack: the
    /// reference glir's own windows are tested against.
    #[cfg(test)]
    pub(crate) fn with_rsigma_correlations(pack: &RulePack) -> Result<Detector, DetectError> {
        Detector::build(pack, false)
    }

    /// Whether glir's own windows keep the correlation state.
    #[cfg(test)]
    pub(crate) fn owns_correlations(&self) -> bool {
        self.correlator.is_some()
    }

    fn build(pack: &RulePack, own_correlations: bool) -> Result<Detector, DetectError> {
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
        let correlator = match own_correlations {
            true => {
                let ids: Vec<_> = compiled
                    .iter()
                    .map(|r| (r.id.clone(), pack_name(pack, r).cloned()))
                    .collect();
                let c = Correlator::new(&pack.collection, &ids)
                    .map_err(|e| DetectError::Engine(e.to_string()))?;
                Some(c)
            }
            false => None,
        };
        let programs = compiled.iter().map(Program::compile).collect();
        Ok(Detector {
            dispatch: Dispatch::new(compiled),
            rules,
            max_state: config().max_state_entries,
            correlator,
            engine,
            programs,
            scratch: Scratch::default(),
            hits: Vec::new(),
            results: Vec::new(),
            events: 0,
            alerts: 0,
            baseline: reads_baseline(pack).then(|| Baseline::new(BaselineConfig::default())),
        })
    }

    /// Whether the pack reads `baseline.*` fields, so the detector keeps a baseline.
    pub fn uses_baseline(&self) -> bool {
        self.baseline.is_some()
    }

    /// Judges events against `baseline` (learned from history, or restored) instead of a cold
    /// one; a pack that reads no `baseline.*` field keeps none.
    pub fn set_baseline(&mut self, baseline: Baseline) {
        if self.baseline.is_some() {
            self.baseline = Some(baseline);
        }
    }

    /// The baseline, to learn history into or to set a warm-up span on.
    pub fn baseline_mut(&mut self) -> Option<&mut Baseline> {
        self.baseline.as_mut()
    }

    /// The baseline with every processed event learned, to save for the next run.
    pub fn take_baseline(&mut self) -> Option<Baseline> {
        self.baseline.take()
    }

    /// Alerts raised by this event: detections on it and correlations it completes. Feed events
    /// in time order, as correlation windows are measured on `created_at`.
    pub fn process(&mut self, event: &AuditEvent) -> Vec<Alert> {
        self.process_ref(EventRef::from(event)).alerts()
    }

    /// [`process`](Self::process) for a borrowed event, e.g. one of an `EventBatch`, without
    /// building the alerts yet.
    pub fn process_ref<'e>(&mut self, event: EventRef<'e>) -> Hits<'_, 'e> {
        let novelty = self.baseline.as_mut().map(|b| b.observe(&event));
        self.process_judged(event, novelty)
    }

    /// [`process_ref`](Self::process_ref) with the baseline's answer given (rule tests state
    /// it; a receiver may keep the baseline elsewhere): the detector's own baseline is not
    /// consulted.
    pub fn process_judged<'e>(
        &mut self,
        event: EventRef<'e>,
        novelty: Option<Novelty>,
    ) -> Hits<'_, 'e> {
        self.events += 1;
        self.hits.clear();
        self.results.clear();
        let view = EventView::with_baseline(event, novelty);
        let ts = event.created_at.as_second();
        let compiled = self.engine.engine().rules();
        let mut feed = Vec::new();
        if let Some(c) = &mut self.correlator {
            c.begin();
        }
        for &Candidate { rule: i, matched } in self.dispatch.candidates(event.event_type) {
            let rule = &compiled[i];
            if !matched && !matches(rule, self.programs[i].as_ref(), &view, &mut self.scratch) {
                continue;
            }
            let meta = &self.rules[i];
            if meta.feeds {
                match &mut self.correlator {
                    Some(c) => c.feed(i, &view, ts),
                    None => feed.push(detection_result(rule)),
                }
            }
            if !meta.quiet {
                self.hits.push(Hit::Rule(i));
            }
        }
        match &self.correlator {
            Some(c) => self
                .hits
                .extend(c.fired().iter().map(|&f| Hit::Correlation(f))),
            None if !feed.is_empty() || self.engine.state_count() >= self.max_state => {
                let results = self
                    .engine
                    .process_with_detections(&RefsView(&view), feed, ts);
                self.results
                    .extend(results.into_iter().filter(|r| !r.is_detection()));
                self.hits.extend((0..self.results.len()).map(Hit::Rsigma));
            }
            None => {}
        }
        self.alerts += self.hits.len() as u64;
        Hits {
            detector: self,
            event,
        }
    }

    /// Ids of the detection rules matching this event on its own, including rules that only
    /// feed correlations; no correlation state changes. Used by rule tests.
    pub fn matching_rules(&self, event: &AuditEvent) -> Vec<String> {
        self.matching_rules_ref(EventRef::from(event), None)
    }

    /// [`matching_rules`](Self::matching_rules) of a borrowed event, with what the baseline
    /// says of it.
    pub(crate) fn matching_rules_ref(
        &self,
        event: EventRef<'_>,
        novelty: Option<Novelty>,
    ) -> Vec<String> {
        let view = EventView::with_baseline(event, novelty);
        let mut scratch = Scratch::default();
        let candidates = self.dispatch.candidates(event.event_type);
        let compiled = self.engine.engine().rules();
        candidates
            .iter()
            .filter(|c| {
                let program = self.programs[c.rule].as_ref();
                c.matched || matches(&compiled[c.rule], program, &view, &mut scratch)
            })
            .map(|c| self.rules[c.rule].key.clone())
            .collect()
    }

    /// Whether glir's own program evaluates the rule with this id.
    #[cfg(test)]
    pub(crate) fn has_program(&self, id: &str) -> bool {
        let i = self.rules.iter().position(|r| r.key == id).expect("a rule");
        self.programs[i].is_some()
    }

    /// [`matching_rules`](Self::matching_rules) as rsigma's engine finds them, screening the
    /// whole pack over the event's fields as JSON: the reference the dispatch and programs are
    /// tested against.
    #[cfg(test)]
    pub(crate) fn reference_rules(&self, event: &AuditEvent) -> Vec<String> {
        let fields = crate::fields::sigma_fields(EventRef::from(event));
        self.engine
            .evaluate(&rsigma_eval::JsonEvent::borrow(&fields))
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

/// Whether `rule` matches: by its program, else as rsigma's `evaluate_rule` decides without
/// building its result (the first condition that holds decides).
fn matches(
    rule: &CompiledRule,
    program: Option<&Program>,
    view: &EventView<'_>,
    scratch: &mut Scratch,
) -> bool {
    if let Some(program) = program {
        return program.matches(view, scratch);
    }
    rule.conditions.iter().any(|condition| {
        scratch.selections.clear();
        eval_condition(condition, &rule.detections, view, &mut scratch.selections)
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
pub(crate) fn correlation_only(pack: &RulePack) -> HashSet<String> {
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

impl Hits<'_, '_> {
    /// How many alerts the event raised.
    pub fn len(&self) -> usize {
        self.detector.hits.len()
    }

    /// Whether it raised none.
    pub fn is_empty(&self) -> bool {
        self.detector.hits.is_empty()
    }

    /// The alerts, detections first in pack order, then correlations in the order they fired.
    pub fn alerts(&self) -> Vec<Alert> {
        let d = self.detector;
        let e = &self.event;
        // Every alert on one event shares its reason.
        let reason = match d.hits.is_empty() {
            true => String::new(),
            false => event_reason(e),
        };
        let compiled = d.engine.engine().rules();
        d.hits
            .iter()
            .map(|&hit| match hit {
                Hit::Rule(i) => {
                    let (rule, meta) = (&compiled[i], &d.rules[i]);
                    Alert {
                        rule_id: meta.key.clone(),
                        title: rule.title.clone(),
                        level: meta.level.clone(),
                        tags: rule.tags.clone(),
                        event_ids: vec![e.event_id.to_owned()],
                        actor: actor_of(e),
                        time: e.created_at,
                        reason: format!("{}: {reason}", rule.title),
                    }
                }
                Hit::Correlation(fired) => {
                    let c = d.correlator.as_ref().expect("fired by the correlator");
                    let corr = c.correlation(fired);
                    let (ids, group) = c.window(fired);
                    Alert {
                        rule_id: corr.id.clone().unwrap_or_else(|| corr.title.clone()),
                        title: corr.title.clone(),
                        level: level_name(corr.level.as_ref()),
                        tags: corr.tags.clone(),
                        event_ids: with_event(ids.map(str::to_owned).collect(), e),
                        actor: group_actor(group.into_iter()).or_else(|| actor_of(e)),
                        time: e.created_at,
                        reason: format!("{}: {reason}", corr.title),
                    }
                }
                Hit::Rsigma(i) => correlation_alert(&d.results[i], e, &reason),
            })
            .collect()
    }
}

/// The ids of a correlation's window, with the completing event's among them.
fn with_event(mut ids: Vec<String>, event: &EventRef<'_>) -> Vec<String> {
    if !ids.iter().any(|id| id == event.event_id) {
        ids.push(event.event_id.to_owned());
    }
    ids
}

/// Who a correlation is about when it groups by author: its group key's author.
fn group_actor<'a>(mut group: impl Iterator<Item = (&'a str, &'a str)>) -> Option<String> {
    group
        .find(|(k, _)| *k == "author_name" || *k == "author_id")
        .map(|(_, v)| v.to_owned())
}

/// `reason` is [`event_reason`] of `event`.
fn correlation_alert(r: &EvaluationResult, event: &EventRef<'_>, reason: &str) -> Alert {
    let (event_ids, actor) = match &r.body {
        ResultBody::Detection(_) => (vec![event.event_id.to_owned()], actor_of(event)),
        ResultBody::Correlation(c) => {
            let ids = c
                .event_refs
                .iter()
                .flatten()
                .filter_map(|e| e.id.clone())
                .collect();
            let group = c.group_key.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            (
                with_event(ids, event),
                group_actor(group).or_else(|| actor_of(event)),
            )
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

/// Whether any rule of the pack reads a `baseline.*` field.
fn reads_baseline(pack: &RulePack) -> bool {
    pack.rules
        .iter()
        .any(|r| r.fields.iter().any(|f| f.starts_with("baseline.")))
}
