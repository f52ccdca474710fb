//! A necessary condition for an `event_count` or `value_count` correlation to fire on an
//! event's group: the group's count over the whole table reaches the threshold.
//!
//! A window holds some of a group's events, so its count is at most the group's count over
//! everything stored. The count here never undercounts rsigma's: each detection rule that
//! matches an event feeds the window once (rsigma-eval 0.23 `feed_detections`, glir's
//! `Correlator::feed`), so an event counts once per rule whose condition (its upper bound)
//! holds; `value_count` counts the distinct values present; and the SQL groups are unions of
//! rsigma's (`GroupKey::extract`: a value's text, `None` when absent — here absent and empty
//! are one group).

use super::field::{self, Field};
use super::node::{Bound, Node};
use rsigma_parser::{ConditionOperator, CorrelationCondition, CorrelationRule, CorrelationType};

/// The condition over an event's row, or `None` when there is none to give.
pub(super) fn prefilter(
    corr: &CorrelationRule,
    rules: &[usize],
    detections: &[Result<Node, String>],
) -> Option<String> {
    if !corr.aliases.is_empty() {
        return None;
    }
    let CorrelationCondition::Threshold {
        predicates, field, ..
    } = &corr.condition
    else {
        return None;
    };
    // The least count the condition allows.
    let least = predicates
        .iter()
        .filter_map(|(op, n)| match op {
            ConditionOperator::Gte | ConditionOperator::Eq => Some(*n),
            ConditionOperator::Gt => n.checked_add(1),
            _ => None,
        })
        .max()?;
    // One matching event is what the rules' own conditions already ask for.
    if least <= 1 {
        return None;
    }
    let mut keys = Vec::new();
    for f in &corr.group_by {
        keys.extend(text_column(f)?);
    }
    let conds = rules
        .iter()
        .map(|&i| detections[i].as_ref().ok().map(|n| n.render(Bound::Upper)))
        .collect::<Option<Vec<_>>>()?;
    let count = match corr.correlation_type {
        CorrelationType::EventCount => format!("sum({})", conds.join(" + ")),
        CorrelationType::ValueCount => {
            let [f] = field.as_deref()? else { return None };
            let Field::Column(c) = field::resolve(f).ok()? else {
                return None;
            };
            // A missing value is not counted (`Correlator::feed`, rsigma's
            // `composite_value_count_key`), nor is NULL by `uniqExact`.
            format!("uniqExact({})", c.name)
        }
        _ => return None,
    };
    let any = format!("({})", conds.join(" OR "));
    let sub = |cols: &str| {
        format!(
            "SELECT {cols} FROM {{db}}.events FINAL WHERE {any} GROUP BY {cols} HAVING {count} >= {least}"
        )
    };
    Some(match keys.len() {
        0 => format!("((SELECT {count} FROM {{db}}.events FINAL WHERE {any}) >= {least})"),
        1 => format!("({} IN ({}))", keys[0], sub(&keys[0])),
        _ => {
            let cols = keys.join(", ");
            format!("(({cols}) IN ({}))", sub(&cols))
        }
    })
}

/// A group-by field as text, absent as empty: `Some(None)` for a field no event has (one
/// group), `None` for one this cannot group by.
fn text_column(name: &str) -> Option<Option<String>> {
    Some(match field::resolve(name).ok()? {
        Field::Column(c) if c.int => Some(format!("ifNull(toString({}), '')", c.name)),
        Field::Column(c) if c.nullable => Some(format!("ifNull({}, '')", c.name)),
        Field::Column(c) => Some(c.name.to_owned()),
        Field::Missing => None,
        Field::Details { .. } => return None,
    })
}
