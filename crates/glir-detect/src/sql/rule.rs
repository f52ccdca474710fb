//! A compiled detection rule as one condition, following rsigma-eval 0.23's
//! `eval_condition_with_bloom`, `eval_detection_with_bloom` and `eval_detection_item_with_bloom`
//! (`compiler/mod.rs`), as glir's `eval.rs` transcribes them.

use super::Decline;
use super::field::{self, Field};
use super::matcher;
use super::node::{Node, and, at_least, not, or, sql, unsure};
use super::text::{StrOp, fold_ascii, fold_unicode};
use rsigma_eval::{CompiledDetection, CompiledDetectionItem, CompiledMatcher, CompiledRule};
use rsigma_parser::{ConditionExpr, Quantifier};

/// What a `baseline.*` field is to the conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Baseline {
    /// The rule is declined: its answer depends on state glir keeps.
    Decline,
    /// The field's answer is unknown (true in the upper bound, false in the lower): the rule's
    /// other items still narrow the events it can match.
    Unknown,
    /// The other way round: the field is a column of the baseline's answers computed in SQL
    /// (`glir_baseline::Answer::sql`), and every other item is unknown.
    Answers,
}

/// An item whose answer the conversion does not know: true in the upper bound.
fn unknown() -> Node {
    unsure(Node::Const(false), Some("1".to_owned()))
}

/// The rule's condition: any of its conditions holding (rsigma keeps one per `condition:`).
pub(super) fn rule(r: &CompiledRule, b: Baseline) -> Result<Node, Decline> {
    let parts = r
        .conditions
        .iter()
        .map(|c| condition(c, r, b))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(or(parts))
}

fn condition(expr: &ConditionExpr, r: &CompiledRule, b: Baseline) -> Result<Node, Decline> {
    let all = |parts: &[ConditionExpr]| {
        parts
            .iter()
            .map(|p| condition(p, r, b))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match expr {
        // An unknown name never matches.
        ConditionExpr::Identifier(name) => match r.detections.get(name) {
            Some(d) => detection(d, b)?,
            None => Node::Const(false),
        },
        ConditionExpr::And(parts) => and(all(parts)?),
        ConditionExpr::Or(parts) => or(all(parts)?),
        ConditionExpr::Not(inner) => not(condition(inner, r, b)?),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            // Sorted, so the SQL is the same from run to run (the detections are a hash map).
            let mut names: Vec<&String> = r
                .detections
                .keys()
                .filter(|n| pattern.matches_detection_name(n))
                .collect();
            names.sort();
            let parts = names
                .iter()
                .map(|n| detection(&r.detections[*n], b))
                .collect::<Result<Vec<_>, _>>()?;
            let need = match quantifier {
                Quantifier::Any => 1,
                Quantifier::All => parts.len() as u64,
                Quantifier::Count(n) => *n,
            };
            at_least(need, parts)
        }
    })
}

fn detection(d: &CompiledDetection, b: Baseline) -> Result<Node, Decline> {
    let all = |parts: &[CompiledDetection]| {
        parts
            .iter()
            .map(|p| detection(p, b))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match d {
        CompiledDetection::AllOf(items) => and(items
            .iter()
            .map(|i| item(i, b))
            .collect::<Result<Vec<_>, _>>()?),
        CompiledDetection::AnyOf(parts) => or(all(parts)?),
        CompiledDetection::And(parts) => and(all(parts)?),
        CompiledDetection::Keywords(_) => {
            return Err(Decline::new("uses keywords (a search of every field)"));
        }
        CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => {
            return Err(Decline::new("uses an array-scope block"));
        }
    })
}

fn item(i: &CompiledDetectionItem, b: Baseline) -> Result<Node, Decline> {
    let Some(name) = i.field.as_deref() else {
        return Err(Decline::new("uses keywords (a search of every field)"));
    };
    match b {
        Baseline::Unknown if field::is_baseline(name) => return Ok(unknown()),
        Baseline::Answers if field::is_baseline(name) => return Ok(answer(i, name)),
        Baseline::Answers => return Ok(unknown()),
        _ => {}
    }
    let f = field::resolve(name)?;
    let node = if let Some(expect) = i.exists {
        match expect {
            true => f.exists(),
            false => not(f.exists()),
        }
    } else if matches!(i.matcher, CompiledMatcher::Null) {
        // A missing field matches only a bare `null`.
        or(vec![not(f.present()), f.is_null()])
    } else if let CompiledMatcher::FieldRef {
        field: other,
        op,
        case_insensitive,
    } = &i.matcher
    {
        field_ref(&f, other, &format!("{op:?}"), *case_insensitive)?
    } else {
        let m = matcher::value(&i.matcher, &f)?;
        match matcher::holds_on_nothing(&i.matcher) {
            true => and(vec![f.present(), m]),
            false => m,
        }
    };
    Ok(f.guard(node))
}

/// A `baseline.*` item over the answer columns: a yes/no answer compared with a boolean, a
/// count with a number (rsigma's `BoolEq` and numeric matchers); anything else, and a name
/// the baseline does not answer (absent, so it never matches), as rsigma would see it only in
/// glir — unknown here.
fn answer(i: &CompiledDetectionItem, name: &str) -> Node {
    let Some(a) = name
        .strip_prefix("baseline.")
        .and_then(glir_baseline::Answer::of)
    else {
        return unknown();
    };
    if i.exists.is_some() {
        return unknown();
    }
    let column = a.sql();
    match (&i.matcher, a.is_count()) {
        (CompiledMatcher::BoolEq(v), false) => sql(format!("{column} = {}", u8::from(*v))),
        (CompiledMatcher::NumericEq(n), true) => count(column, "=", *n),
        (CompiledMatcher::NumericGt(n), true) => count(column, ">", *n),
        (CompiledMatcher::NumericGte(n), true) => count(column, ">=", *n),
        (CompiledMatcher::NumericLt(n), true) => count(column, "<", *n),
        (CompiledMatcher::NumericLte(n), true) => count(column, "<=", *n),
        _ => unknown(),
    }
}

/// A count compared with a number: exact for the counts (below 2^32) against a finite bound,
/// as the number is written in full.
fn count(column: &str, op: &str, n: f64) -> Node {
    if !n.is_finite() {
        return unknown();
    }
    sql(format!("toFloat64({column}) {op} {n:?}"))
}

/// `field|fieldref: other` between two top-level fields (rsigma's `FieldRef`): both there,
/// compared as text (an integer as its digits), lower-cased unless `|cased`.
fn field_ref(f: &Field, other: &str, op: &str, ci: bool) -> Result<Node, Decline> {
    let op = match op {
        "Exact" => StrOp::Exact,
        "Contains" => StrOp::Contains,
        "StartsWith" => StrOp::StartsWith,
        "EndsWith" => StrOp::EndsWith,
        _ => return Err(Decline::new("uses |fieldref with an unknown comparison")),
    };
    let other_field = field::resolve(other)?;
    let (a, b) = match (f, &other_field) {
        (Field::Column(a), Field::Column(b)) => (*a, *b),
        (Field::Missing, _) | (_, Field::Missing) => return Ok(Node::Const(false)),
        _ => return Err(Decline::new("uses |fieldref on a details field")),
    };
    let text = |c: field::Column| match (c.int, c.nullable) {
        (true, _) => format!("toString(ifNull({}, 0))", c.name),
        (false, true) => format!("ifNull({}, '')", c.name),
        (false, false) => c.name.to_owned(),
    };
    let (ta, tb) = (text(a), text(b));
    let both = and(vec![Field::Column(a).present(), Field::Column(b).present()]);
    let cmp = match (ci, a.int, b.int) {
        // rsigma compares the values themselves here: an integer is never equal to a string.
        (false, x, y) if op == StrOp::Exact && x != y => Node::Const(false),
        (false, _, _) | (true, true, true) => sql(op.sql_of(&ta, &tb)),
        // Digits are ASCII, so folding the other side for ASCII text is exact.
        (true, true, false) => sql(op.sql_of(&ta, &fold_ascii(&tb))),
        (true, false, true) => sql(op.sql_of(&fold_ascii(&ta), &tb)),
        (true, false, false) => {
            let (fa, ua) = fold_unicode(&ta);
            let (fb, ub) = fold_unicode(&tb);
            super::node::unsure(sql(op.sql_of(&fa, &fb)), Some(format!("{ua} OR {ub}")))
        }
    };
    Ok(and(vec![both, cmp]))
}
