//! rsigma's compiled matchers (rsigma-eval 0.23 `matcher/matching.rs`) as conditions over a
//! field's stored values.
//!
//! Two levels, as in rsigma: a matcher sees the field's whole value (composites, `Not`, `null`),
//! and its leaves ask whether some scalar of it matches (`match_str_value`,
//! `match_numeric_value` and `BoolEq` cross arrays element by element, and see nothing in maps
//! or nulls). A `CaseInsensitiveGroup` is one leaf: its children judge the same scalar,
//! lower-cased.

use super::Decline;
use super::field::{Field, Value};
use super::node::{Node, and, not, or, sql, unsure};
use super::regex;
use super::text::{
    ENTRY_ODD_NUMBER, ENTRY_VALUE, FLOATISH, INT_STRING, StrOp, fold_ascii, fold_unicode,
    folds_exactly, non_ascii, quote,
};
use rsigma_eval::CompiledMatcher;
use rsigma_eval::matcher::GroupMode;
use std::net::IpAddr;

/// The matcher over the field's value, which is there.
pub(super) fn value(m: &CompiledMatcher, f: &Field) -> Result<Node, Decline> {
    Ok(match m {
        CompiledMatcher::Not(inner) => not(value(inner, f)?),
        CompiledMatcher::AllOf(children) => and(each(children, |c| value(c, f))?),
        CompiledMatcher::AnyOf(children) => {
            // Plain equalities against one field read best as one `IN`.
            let (exact, rest): (Vec<&CompiledMatcher>, Vec<&CompiledMatcher>) =
                children.iter().partition(|c| in_list(c).is_some());
            let mut parts = each(rest, |c| value(c, f))?;
            parts.extend(exact_lists(&exact, f));
            or(parts)
        }
        CompiledMatcher::Null => f.is_null(),
        CompiledMatcher::NumericEq(n) => numeric(f, Cmp::Eq, *n)?,
        CompiledMatcher::NumericGt(n) => numeric(f, Cmp::Gt, *n)?,
        CompiledMatcher::NumericGte(n) => numeric(f, Cmp::Gte, *n)?,
        CompiledMatcher::NumericLt(n) => numeric(f, Cmp::Lt, *n)?,
        CompiledMatcher::NumericLte(n) => numeric(f, Cmp::Lte, *n)?,
        CompiledMatcher::BoolEq(b) => boolean(f, *b),
        CompiledMatcher::FieldRef { .. } => {
            return Err(Decline::new(
                "uses |fieldref (only between top-level fields)",
            ));
        }
        CompiledMatcher::Exists(_) => return Err(Decline::new("uses |exists inside a list")),
        CompiledMatcher::Expand { .. } => return Err(Decline::new("uses |expand")),
        CompiledMatcher::TimestampPart { .. } => {
            return Err(Decline::new("uses a time-part modifier (|hour, |day, …)"));
        }
        // Everything else judges one scalar at a time, as its text.
        leaf => {
            let elem = Elem::of(leaf, false)?;
            f.some(|v| text_of(v, &elem))
        }
    })
}

/// Whether the matcher holds on a value with no scalars (a map, an empty array): only `Not`
/// can make something of nothing.
pub(super) fn holds_on_nothing(m: &CompiledMatcher) -> bool {
    match m {
        CompiledMatcher::Not(inner) => !holds_on_nothing(inner),
        CompiledMatcher::AllOf(children) => children.iter().all(holds_on_nothing),
        CompiledMatcher::AnyOf(children) => children.iter().any(holds_on_nothing),
        _ => false,
    }
}

fn each<'a, T: 'a>(
    items: impl IntoIterator<Item = T>,
    f: impl Fn(T) -> Result<Node, Decline>,
) -> Result<Vec<Node>, Decline> {
    items.into_iter().map(f).collect()
}

/// A plain equality's value and case sensitivity, when the matcher is one.
fn in_list(m: &CompiledMatcher) -> Option<(&str, bool)> {
    match m {
        CompiledMatcher::Exact {
            value,
            case_insensitive,
        } => Some((value, *case_insensitive)),
        _ => None,
    }
}

/// Equalities against one field as `IN` lists: one for case-sensitive values, one for
/// case-insensitive values that `folds_exactly`, and the rest one by one.
fn exact_lists(exact: &[&CompiledMatcher], f: &Field) -> Vec<Node> {
    let mut cased = Vec::new();
    let mut folded = Vec::new();
    let mut parts = Vec::new();
    for m in exact {
        let Some((v, ci)) = in_list(m) else { continue };
        match (ci, folds_exactly(v)) {
            (false, _) => cased.push(v.to_owned()),
            (true, true) => folded.push(v.to_owned()),
            (true, false) => parts.push(Elem::Str {
                op: StrOp::Exact,
                value: v.to_owned(),
                ci,
            }),
        }
    }
    if !cased.is_empty() {
        parts.push(Elem::In {
            values: cased,
            ci: false,
        });
    }
    if !folded.is_empty() {
        parts.push(Elem::In {
            values: folded,
            ci: true,
        });
    }
    parts
        .into_iter()
        .map(|e| f.some(|v| text_of(v, &e)))
        .collect()
}

/// A test of one scalar's text.
enum Elem {
    Str {
        op: StrOp,
        value: String,
        ci: bool,
    },
    /// Equal to one of `values` (lower case already when `ci`, and `folds_exactly` then).
    In {
        values: Vec<String>,
        ci: bool,
    },
    Regex(regex::Re2),
    /// An IPv4 network: the address range, inclusive.
    Cidr4 {
        lo: u32,
        hi: u32,
    },
    Not(Box<Elem>),
    All(Vec<Elem>),
    Any(Vec<Elem>),
    /// The children judge the text lower-cased (rsigma's `matches_pre_lowered`).
    Lowered(Box<Elem>),
}

impl Elem {
    /// The test a leaf matcher makes; `lowered` when inside a `CaseInsensitiveGroup`.
    fn of(m: &CompiledMatcher, lowered: bool) -> Result<Elem, Decline> {
        let str_op = |op, value: &String, ci: &bool| Elem::Str {
            op,
            value: value.clone(),
            ci: *ci,
        };
        Ok(match m {
            CompiledMatcher::Exact {
                value,
                case_insensitive,
            } => str_op(StrOp::Exact, value, case_insensitive),
            CompiledMatcher::Contains {
                value,
                case_insensitive,
            } => str_op(StrOp::Contains, value, case_insensitive),
            CompiledMatcher::StartsWith {
                value,
                case_insensitive,
            } => str_op(StrOp::StartsWith, value, case_insensitive),
            CompiledMatcher::EndsWith {
                value,
                case_insensitive,
            } => str_op(StrOp::EndsWith, value, case_insensitive),
            // Needles are stored lower-cased when case-insensitive, as `Contains` values are.
            CompiledMatcher::AhoCorasickSet {
                needles,
                case_insensitive,
                ..
            } => Elem::Any(
                needles
                    .iter()
                    .map(|n| str_op(StrOp::Contains, n, case_insensitive))
                    .collect(),
            ),
            CompiledMatcher::Regex(re) => Elem::Regex(regex::translate(re.as_str())?),
            CompiledMatcher::RegexSetMatch { set, mode } => {
                let res = set
                    .patterns()
                    .iter()
                    .map(|p| regex::translate(p).map(Elem::Regex))
                    .collect::<Result<Vec<_>, _>>()?;
                match mode {
                    GroupMode::Any => Elem::Any(res),
                    GroupMode::All => Elem::All(res),
                }
            }
            CompiledMatcher::Cidr(net) => match (net.network(), net.broadcast()) {
                (IpAddr::V4(lo), IpAddr::V4(hi)) => Elem::Cidr4 {
                    lo: lo.into(),
                    hi: hi.into(),
                },
                _ => return Err(Decline::new("uses |cidr with an IPv6 network")),
            },
            CompiledMatcher::CaseInsensitiveGroup { children, mode } => {
                let children = children
                    .iter()
                    .map(|c| Elem::of(c, true))
                    .collect::<Result<Vec<_>, _>>()?;
                let inner = match mode {
                    GroupMode::Any => Elem::any(children),
                    GroupMode::All => Elem::All(children),
                };
                match lowered {
                    true => inner,
                    false => Elem::Lowered(Box::new(inner)),
                }
            }
            // Only inside a group: rsigma's `matches_pre_lowered` takes these element-wise.
            CompiledMatcher::Not(inner) if lowered => Elem::Not(Box::new(Elem::of(inner, true)?)),
            CompiledMatcher::AnyOf(cs) if lowered => Elem::any(
                cs.iter()
                    .map(|c| Elem::of(c, true))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            CompiledMatcher::AllOf(cs) if lowered => Elem::All(
                cs.iter()
                    .map(|c| Elem::of(c, true))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            other => {
                return Err(Decline::new(format!(
                    "uses a matcher glir cannot write as SQL ({})",
                    kind_name(other)
                )));
            }
        })
    }

    /// Any of `children`, plain equalities gathered into `IN` lists.
    fn any(children: Vec<Elem>) -> Elem {
        let (mut cased, mut folded, mut rest) = (Vec::new(), Vec::new(), Vec::new());
        for c in children {
            match c {
                Elem::Str {
                    op: StrOp::Exact,
                    value,
                    ci: false,
                } => cased.push(value),
                Elem::Str {
                    op: StrOp::Exact,
                    value,
                    ci: true,
                } if folds_exactly(&value) => folded.push(value),
                c => rest.push(c),
            }
        }
        for (values, ci) in [(cased, false), (folded, true)] {
            if !values.is_empty() {
                rest.push(Elem::In { values, ci });
            }
        }
        match rest.len() {
            1 => rest.pop().expect("one"),
            _ => Elem::Any(rest),
        }
    }

    /// The test on text `s`; `lowered` when the text is the haystack lower-cased.
    fn sql(&self, s: &str, lowered: bool) -> Node {
        match self {
            Elem::Str { op, value, ci } => match (ci, folds_exactly(value)) {
                (false, _) => sql(op.sql(s, value)),
                (true, true) => sql(op.sql(&fold_ascii(s), value)),
                (true, false) => {
                    let (folded, unsafe_chars) = fold_unicode(s);
                    unsure(sql(op.sql(&folded, value)), Some(unsafe_chars))
                }
            },
            Elem::In { values, ci } => {
                let list: Vec<String> = values.iter().map(|v| quote(v)).collect();
                let hay = match ci {
                    true => fold_ascii(s),
                    false => s.to_owned(),
                };
                sql(format!("{hay} IN ({})", list.join(", ")))
            }
            Elem::Regex(re) => {
                // In a group the regex sees the lower-cased text; for patterns that read only
                // ASCII the folded text is as good (see `fold_ascii`).
                let hay = match lowered {
                    true => fold_ascii(s),
                    false => s.to_owned(),
                };
                let test = sql(format!("match({hay}, {})", quote(&re.pattern)));
                match re.exact_on_any_text(lowered) {
                    true => test,
                    false => unsure(test, Some(non_ascii(s))),
                }
            }
            Elem::Cidr4 { lo, hi } => sql(format!(
                "match({s}, {}) AND IPv4StringToNum({s}) BETWEEN {lo} AND {hi}",
                quote(IPV4)
            )),
            Elem::Not(inner) => not(inner.sql(s, lowered)),
            Elem::All(parts) => and(parts.iter().map(|p| p.sql(s, lowered)).collect()),
            Elem::Any(parts) => or(parts.iter().map(|p| p.sql(s, lowered)).collect()),
            Elem::Lowered(inner) => inner.sql(s, true),
        }
    }
}

/// Text Rust's `Ipv4Addr::from_str` accepts: four decimal octets, no leading zeros.
const IPV4: &str = r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$";

/// rsigma's `match_str_value`: a string as it is, a number or a bool as its text; nothing in
/// a null. A number stored as other than an `i64`'s text (a float, or an integer beyond `i64`)
/// is text Rust would write differently (`1.0` is `1` to Rust), so it is unsure.
fn text_of(v: &Value, elem: &Elem) -> Node {
    match v {
        Value::Str(s) => elem.sql(s, false),
        Value::Int(n) => elem.sql(&format!("toString({n})"), false),
        Value::Entry => and(vec![
            sql("t != 4"),
            unsure(
                elem.sql(ENTRY_VALUE, false),
                Some(ENTRY_ODD_NUMBER.to_owned()),
            ),
        ]),
    }
}

#[derive(Clone, Copy)]
enum Cmp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// rsigma's numeric matchers (`match_numeric_value`): an integer as `i64 as f64`, a string as
/// `str::parse::<f64>`, compared with the rule's `f64`. Integers of at most 18 digits compare
/// exactly as integers against the bound rounded the right way; other numbers (floats, longer
/// integers, `inf`, …) would need Rust's float parsing, so they are unsure.
fn numeric(f: &Field, cmp: Cmp, n: f64) -> Result<Node, Decline> {
    if !n.is_finite() || n.abs() >= (1u64 << 52) as f64 {
        return Err(Decline::new(format!(
            "compares with {n:?}, beyond what glir compares exactly in SQL"
        )));
    }
    // The integers x with `x as f64 <cmp> n`, for |x| small enough to be exact; larger ones
    // round monotonically and cannot cross a bound this small.
    let test = |x: &str| -> Node {
        let (lo, hi) = (n.floor() as i64, n.ceil() as i64);
        match cmp {
            Cmp::Gt => sql(format!("{x} > {lo}")),
            Cmp::Gte => sql(format!("{x} >= {hi}")),
            Cmp::Lt => sql(format!("{x} < {hi}")),
            Cmp::Lte => sql(format!("{x} <= {lo}")),
            // rsigma: `(v - n).abs() < f64::EPSILON`.
            Cmp::Eq => {
                let near = n.round();
                match (near - n).abs() < f64::EPSILON {
                    true => sql(format!("{x} = {}", near as i64)),
                    false => Node::Const(false),
                }
            }
        }
    };
    let parsed = |s: &str, shape: &str| -> Node {
        unsure(
            and(vec![
                sql(format!("match({s}, {shape})")),
                test(&format!("toInt64OrZero({s})")),
            ]),
            Some(format!(
                "NOT match({s}, {shape}) AND match(lower({s}), {FLOATISH})"
            )),
        )
    };
    Ok(f.some(|v| match v {
        Value::Int(n) => test(n),
        Value::Str(s) => parsed(s, INT_STRING),
        // A bool or a null is no number; a number's text has no sign or leading zero to read.
        Value::Entry => and(vec![sql("t IN (1, 2)"), parsed("v", INT_STRING)]),
    }))
}

/// rsigma's `BoolEq`: a bool, or a string reading `true`/`1`/`yes` (`false`/`0`/`no`) in any
/// case; numbers are not booleans.
fn boolean(f: &Field, b: bool) -> Node {
    let words = match b {
        true => "('true', '1', 'yes')",
        false => "('false', '0', 'no')",
    };
    f.some(|v| match v {
        Value::Int(_) => Node::Const(false),
        Value::Str(s) => sql(format!("{} IN {words}", fold_ascii(s))),
        Value::Entry => or(vec![
            sql(format!("t = 3 AND v = '{b}'")),
            sql(format!("t = 1 AND {} IN {words}", fold_ascii("v"))),
        ]),
    })
}

fn kind_name(m: &CompiledMatcher) -> &'static str {
    match m {
        CompiledMatcher::Not(_) => "a negation",
        CompiledMatcher::AnyOf(_) | CompiledMatcher::AllOf(_) => "a list",
        _ => "an unexpected matcher",
    }
}
