//! Which rules an event can possibly match, from its `event_type` alone.
//!
//! Nearly every GitLab rule starts from `event_type: <names>`, so the detector looks up the
//! event's type in a table built from the compiled rules and evaluates only those rules (plus the
//! few that do not pin a type), instead of asking rsigma to screen the whole pack for each event.
//! The table is a necessary condition only: a listed rule is still evaluated in full by rsigma's
//! own `eval_condition`, so what matches is exactly what rsigma's engine matches (tested in
//! `detector`).

use rsigma_eval::{CompiledDetection, CompiledMatcher, CompiledRule};
use rsigma_parser::{ConditionExpr, Quantifier};
use std::collections::{BTreeSet, HashMap};

type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The field the table is keyed on, under its streaming name.
const EVENT_TYPE: &str = "event_type";

/// The rules to look at per lower-cased event type, in engine order.
pub(crate) struct Dispatch {
    /// Per type: the rules listed for it merged with those that pin no type.
    by_type: Map<String, Vec<Candidate>>,
    /// For any other type (or none): the rules that pin no type.
    always: Vec<Candidate>,
}

/// A rule to look at for an event, and whether the event's type alone already matched it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) rule: usize,
    pub(crate) matched: bool,
}

impl Dispatch {
    pub(crate) fn new(rules: &[CompiledRule]) -> Dispatch {
        let mut listed: Map<String, Vec<usize>> = Map::default();
        let mut always = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            match rule_types(rule) {
                Some(types) => types
                    .into_iter()
                    .for_each(|t| listed.entry(t).or_default().push(i)),
                None => always.push(Candidate {
                    rule: i,
                    matched: false,
                }),
            }
        }
        let by_type = listed
            .into_iter()
            .map(|(t, typed)| {
                // A rule whose whole condition is the type is matched by being listed for it.
                let typed = typed.into_iter().map(|rule| Candidate {
                    rule,
                    matched: type_only(&rules[rule]),
                });
                let mut merged: Vec<Candidate> = typed.chain(always.iter().copied()).collect();
                // Engine order, so results come out as rsigma gives them.
                merged.sort_by_key(|c| c.rule);
                (t, merged)
            })
            .collect();
        Dispatch { by_type, always }
    }

    /// The rules to evaluate for an event of this type, in engine order.
    pub(crate) fn candidates(&self, event_type: Option<&str>) -> &[Candidate] {
        // rsigma lower-cases case-insensitive haystacks this way (rsigma-eval 0.23
        // `matcher::helpers::ascii_lowercase_cow`).
        let typed = event_type.and_then(|t| {
            if t.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
                self.by_type.get(t)
            } else {
                self.by_type.get(&t.to_lowercase())
            }
        });
        typed.unwrap_or(&self.always)
    }
}

type Types = BTreeSet<String>;

/// Whether the rule is one condition naming one selection whose only item is a
/// case-insensitive `event_type` equality (possibly to several values).
fn type_only(rule: &CompiledRule) -> bool {
    let [ConditionExpr::Identifier(name)] = rule.conditions.as_slice() else {
        return false;
    };
    let Some(CompiledDetection::AllOf(items)) = rule.detections.get(name) else {
        return false;
    };
    matches!(items.as_slice(), [item] if item.field.as_deref() == Some(EVENT_TYPE)
        && item.exists.is_none()
        && case_insensitive_equality(&item.matcher))
}

fn case_insensitive_equality(matcher: &CompiledMatcher) -> bool {
    match matcher {
        CompiledMatcher::Exact {
            case_insensitive, ..
        } => *case_insensitive,
        CompiledMatcher::AnyOf(children)
        | CompiledMatcher::CaseInsensitiveGroup {
            children,
            mode: rsigma_eval::matcher::GroupMode::Any,
        } => !children.is_empty() && children.iter().all(case_insensitive_equality),
        _ => false,
    }
}

/// Event types a rule needs (any of its conditions may match), `None` when it does not pin one.
fn rule_types(rule: &CompiledRule) -> Option<Types> {
    let mut all = Types::new();
    for condition in &rule.conditions {
        all.extend(condition_types(condition, rule)?);
    }
    (!rule.conditions.is_empty()).then_some(all)
}

fn condition_types(expr: &ConditionExpr, rule: &CompiledRule) -> Option<Types> {
    match expr {
        ConditionExpr::Identifier(name) => detection_types(rule.detections.get(name)?),
        // Every conjunct must hold, so any one that pins types pins the whole.
        ConditionExpr::And(parts) => parts
            .iter()
            .filter_map(|p| condition_types(p, rule))
            .min_by_key(BTreeSet::len),
        ConditionExpr::Or(parts) => union(parts.iter().map(|p| condition_types(p, rule))),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            // The selections the pattern names, as rsigma finds them (`eval_condition`).
            let named = rule
                .detections
                .iter()
                .filter(|(name, _)| pattern.matches_detection_name(name))
                .map(|(_, d)| detection_types(d));
            match quantifier {
                // At least one named selection must match: each must pin types.
                Quantifier::Any | Quantifier::Count(1..) => union(named),
                // Every one must match (none named holds vacuously): any one that pins does.
                Quantifier::All => named.flatten().min_by_key(BTreeSet::len),
                Quantifier::Count(0) => None,
            }
        }
        ConditionExpr::Not(_) => None,
    }
}

fn detection_types(detection: &CompiledDetection) -> Option<Types> {
    match detection {
        CompiledDetection::AllOf(items) => items
            .iter()
            .filter(|item| item.field.as_deref() == Some(EVENT_TYPE) && item.exists.is_none())
            .filter_map(|item| matcher_types(&item.matcher))
            .min_by_key(BTreeSet::len),
        CompiledDetection::AnyOf(parts) => union(parts.iter().map(detection_types)),
        _ => None,
    }
}

/// Values an event type must equal (case-insensitively) for the matcher to match.
fn matcher_types(matcher: &CompiledMatcher) -> Option<Types> {
    match matcher {
        CompiledMatcher::Exact { value, .. } => Some(Types::from([value.to_lowercase()])),
        CompiledMatcher::AnyOf(children) => union(children.iter().map(matcher_types)),
        CompiledMatcher::CaseInsensitiveGroup {
            children,
            mode: rsigma_eval::matcher::GroupMode::Any,
        } => union(children.iter().map(matcher_types)),
        _ => None,
    }
}

fn union(parts: impl Iterator<Item = Option<Types>>) -> Option<Types> {
    let mut all = Types::new();
    for part in parts {
        all.extend(part?);
    }
    Some(all)
}
