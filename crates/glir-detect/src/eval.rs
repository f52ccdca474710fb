//! Detection rules evaluated without rsigma's per-call costs, with rsigma's semantics.
//!
//! rsigma's `eval_condition` looks each selection up by name in a hash map, resolves each field
//! by name, and lower-cases every case-insensitive haystack into a new `String`
//! (`s.to_lowercase()` in `matcher/matching.rs`). [`Program`] is the same rule with those
//! resolved once: selections by index, top-level fields by [`Top`], and one lower-cased copy of
//! a haystack per value, kept in a reused buffer. The logic is a transcription of rsigma-eval
//! 0.23's `eval_condition_with_bloom`, `eval_detection_item_with_bloom` and
//! `CompiledMatcher::matches`; matchers it has no reason to speed up (regexes, CIDR, numbers,
//! field references, …) are evaluated by rsigma itself, and rules using detection shapes beyond
//! plain selections (keywords, array scopes) are left to `eval_condition` whole
//! ([`Program::compile`] gives `None`). Tests hold both to the same matches.

use crate::event_view::{EventView, Top};
use glir_baseline::Answer;
use rsigma_eval::matcher::GroupMode;
use rsigma_eval::{
    CompiledDetection, CompiledDetectionItem, CompiledMatcher, CompiledRule, Event, EventValue,
};
use rsigma_parser::{ConditionExpr, Quantifier};

/// One detection rule, ready to evaluate.
pub(crate) struct Program {
    /// rsigma keeps several conditions when a rule lists them; any one holding is a match.
    conditions: Vec<Cond>,
    detections: Vec<Detection>,
}

enum Cond {
    /// A selection by index; an unknown name never matches (as in rsigma).
    Selection(Option<usize>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// `N of pattern`: the selections the pattern names, and how many must match.
    Count {
        selections: Vec<usize>,
        quantifier: Quantifier,
    },
}

enum Detection {
    AllOf(Vec<Item>),
    AnyOf(Vec<Detection>),
    And(Vec<Detection>),
}

struct Item {
    field: Field,
    /// `field|exists: true/false`.
    exists: Option<bool>,
    matcher: Matcher,
    /// rsigma's test for a missing field: only `null` matches it.
    null_matcher: bool,
}

enum Field {
    Top(Top),
    /// `details.<key>` for a plain key; `opaque_objects` when the item's matcher never looks
    /// inside a map, so an object member need not be parsed (see `EventView::details_key`).
    Details {
        key: String,
        opaque_objects: bool,
    },
    /// `baseline.<answer>`.
    Baseline(Answer),
    Path(String),
}

enum Matcher {
    /// A string comparison; `lower` compares the lower-cased haystack with a lower-cased value.
    Str {
        op: StrOp,
        value: String,
        lower: Lower,
    },
    AnyOf(Vec<Matcher>),
    AllOf(Vec<Matcher>),
    Not(Box<Matcher>),
    /// Children all compare lower-cased strings: lower once, compare each.
    LowerGroup {
        children: Vec<Matcher>,
        all: bool,
    },
    /// Evaluated by rsigma.
    Rsigma(Box<CompiledMatcher>),
}

/// How a comparison treats case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lower {
    /// As written (`|cased`).
    No,
    /// Lower-cased haystack against the value, which is already lower case: an ASCII haystack
    /// can then be compared byte by byte ignoring ASCII case, without lowering it.
    Folded,
    /// Lower-cased haystack against a value that is not all lower case (never equal to it, but
    /// kept exactly as rsigma would compare).
    Yes,
}

#[derive(Clone, Copy)]
enum StrOp {
    Exact,
    Contains,
    StartsWith,
    EndsWith,
}

impl StrOp {
    fn test(self, haystack: &str, value: &str) -> bool {
        match self {
            StrOp::Exact => haystack == value,
            StrOp::Contains => haystack.contains(value),
            StrOp::StartsWith => haystack.starts_with(value),
            StrOp::EndsWith => haystack.ends_with(value),
        }
    }

    /// [`test`](Self::test) of an ASCII haystack, lower-cased, against a lower-case value;
    /// `None` for `contains`, which needs the lower-cased copy.
    fn test_ascii_folded(self, haystack: &str, value: &str) -> Option<bool> {
        let (h, v) = (haystack.as_bytes(), value.as_bytes());
        Some(match self {
            StrOp::Exact => h.eq_ignore_ascii_case(v),
            StrOp::StartsWith => h.len() >= v.len() && h[..v.len()].eq_ignore_ascii_case(v),
            StrOp::EndsWith => h.len() >= v.len() && h[h.len() - v.len()..].eq_ignore_ascii_case(v),
            StrOp::Contains => return None,
        })
    }
}

/// Buffers reused across evaluations.
#[derive(Default)]
pub(crate) struct Scratch {
    lower: String,
    number: String,
    /// For rsigma's `eval_condition`, which lists the selections that matched.
    pub(crate) selections: Vec<String>,
}

impl Program {
    /// The rule as a program, or `None` when it uses a detection shape left to rsigma.
    pub(crate) fn compile(rule: &CompiledRule) -> Option<Program> {
        let names: Vec<&String> = rule.detections.keys().collect();
        let detections = names
            .iter()
            .map(|n| detection(&rule.detections[*n]))
            .collect::<Option<Vec<_>>>()?;
        let conditions = rule
            .conditions
            .iter()
            .map(|c| condition(c, &names))
            .collect();
        Some(Program {
            conditions,
            detections,
        })
    }

    /// Whether the rule matches the event.
    pub(crate) fn matches(&self, event: &EventView<'_>, scratch: &mut Scratch) -> bool {
        self.conditions
            .iter()
            .any(|c| self.holds(c, event, scratch))
    }

    fn holds(&self, cond: &Cond, event: &EventView<'_>, scratch: &mut Scratch) -> bool {
        match cond {
            Cond::Selection(i) => i.is_some_and(|i| self.detections[i].matches(event, scratch)),
            Cond::And(parts) => parts.iter().all(|c| self.holds(c, event, scratch)),
            Cond::Or(parts) => parts.iter().any(|c| self.holds(c, event, scratch)),
            Cond::Not(inner) => !self.holds(inner, event, scratch),
            Cond::Count {
                selections,
                quantifier,
            } => {
                let matched = selections
                    .iter()
                    .filter(|&&i| self.detections[i].matches(event, scratch))
                    .count() as u64;
                match quantifier {
                    Quantifier::Any => matched >= 1,
                    Quantifier::All => matched == selections.len() as u64,
                    Quantifier::Count(n) => matched >= *n,
                }
            }
        }
    }
}

fn condition(expr: &ConditionExpr, names: &[&String]) -> Cond {
    let all = |parts: &[ConditionExpr]| parts.iter().map(|p| condition(p, names)).collect();
    match expr {
        ConditionExpr::Identifier(name) => Cond::Selection(names.iter().position(|n| *n == name)),
        ConditionExpr::And(parts) => Cond::And(all(parts)),
        ConditionExpr::Or(parts) => Cond::Or(all(parts)),
        ConditionExpr::Not(inner) => Cond::Not(Box::new(condition(inner, names))),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => Cond::Count {
            selections: (0..names.len())
                .filter(|&i| pattern.matches_detection_name(names[i]))
                .collect(),
            quantifier: quantifier.clone(),
        },
    }
}

fn detection(d: &CompiledDetection) -> Option<Detection> {
    Some(match d {
        CompiledDetection::AllOf(items) => {
            Detection::AllOf(items.iter().map(item).collect::<Option<_>>()?)
        }
        CompiledDetection::AnyOf(parts) => {
            Detection::AnyOf(parts.iter().map(detection).collect::<Option<_>>()?)
        }
        CompiledDetection::And(parts) => {
            Detection::And(parts.iter().map(detection).collect::<Option<_>>()?)
        }
        _ => return None,
    })
}

fn item(i: &CompiledDetectionItem) -> Option<Item> {
    // Keyword items (no field) search every value: left to rsigma.
    let name = i.field.as_deref()?;
    let matcher = matcher(&i.matcher);
    let baseline = name.strip_prefix("baseline.").and_then(Answer::of);
    let field = match (Top::of(name), name.strip_prefix("details.")) {
        _ if let Some(answer) = baseline => Field::Baseline(answer),
        (Some(top), _) => Field::Top(top),
        (None, Some(key)) if !key.contains(['.', '[', '\\']) => Field::Details {
            key: key.to_owned(),
            // `exists` only asks whether the value is null.
            opaque_objects: i.exists.is_some() || matcher.blind_to_maps(),
        },
        _ => Field::Path(name.to_owned()),
    };
    Some(Item {
        field,
        exists: i.exists,
        matcher,
        null_matcher: matches!(i.matcher, CompiledMatcher::Null),
    })
}

fn matcher(m: &CompiledMatcher) -> Matcher {
    let str_op = |op, value: &String, lower: &bool| Matcher::Str {
        op,
        value: value.clone(),
        lower: match lower {
            false => Lower::No,
            true if *value == value.to_lowercase() => Lower::Folded,
            true => Lower::Yes,
        },
    };
    match m {
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
        CompiledMatcher::AnyOf(children) => Matcher::AnyOf(children.iter().map(matcher).collect()),
        CompiledMatcher::AllOf(children) => Matcher::AllOf(children.iter().map(matcher).collect()),
        CompiledMatcher::Not(inner) => Matcher::Not(Box::new(matcher(inner))),
        CompiledMatcher::CaseInsensitiveGroup { children, mode }
            if children.iter().all(lowered_string_op) =>
        {
            Matcher::LowerGroup {
                children: children.iter().map(matcher).collect(),
                all: *mode == GroupMode::All,
            }
        }
        other => Matcher::Rsigma(Box::new(other.clone())),
    }
}

/// A case-insensitive string comparison, which rsigma's groups apply to a pre-lowered haystack.
fn lowered_string_op(m: &CompiledMatcher) -> bool {
    matches!(
        m,
        CompiledMatcher::Exact {
            case_insensitive: true,
            ..
        } | CompiledMatcher::Contains {
            case_insensitive: true,
            ..
        } | CompiledMatcher::StartsWith {
            case_insensitive: true,
            ..
        } | CompiledMatcher::EndsWith {
            case_insensitive: true,
            ..
        }
    )
}

impl Detection {
    fn matches(&self, event: &EventView<'_>, scratch: &mut Scratch) -> bool {
        match self {
            Detection::AllOf(items) => items.iter().all(|i| i.matches(event, scratch)),
            Detection::AnyOf(parts) => parts.iter().any(|d| d.matches(event, scratch)),
            Detection::And(parts) => parts.iter().all(|d| d.matches(event, scratch)),
        }
    }
}

impl Item {
    fn matches(&self, event: &EventView<'_>, scratch: &mut Scratch) -> bool {
        let value = match &self.field {
            Field::Top(top) => event.top(*top),
            Field::Details {
                key,
                opaque_objects,
            } => event.details_key(key, *opaque_objects),
            Field::Baseline(answer) => event.baseline_answer(*answer),
            Field::Path(path) => event.get_field(path),
        };
        if let Some(expect) = self.exists {
            return value.is_some_and(|v| !v.is_null()) == expect;
        }
        match value {
            Some(v) => self.matcher.matches(&v, event, scratch),
            None => self.null_matcher,
        }
    }
}

impl Matcher {
    /// Whether the matcher gives the same answer for every map: string comparisons see no
    /// string in one (rsigma's `match_str_value`), so only rsigma's own matchers might look.
    fn blind_to_maps(&self) -> bool {
        match self {
            Matcher::Str { .. } | Matcher::LowerGroup { .. } => true,
            Matcher::AnyOf(children) | Matcher::AllOf(children) => {
                children.iter().all(Matcher::blind_to_maps)
            }
            Matcher::Not(inner) => inner.blind_to_maps(),
            Matcher::Rsigma(_) => false,
        }
    }

    fn matches(&self, v: &EventValue<'_>, event: &EventView<'_>, scratch: &mut Scratch) -> bool {
        match self {
            Matcher::Str { .. } | Matcher::LowerGroup { .. } => {
                with_str(v, &mut scratch.number, &mut |s| {
                    self.matches_str(s, &mut scratch.lower)
                })
            }
            Matcher::AnyOf(children) => children.iter().any(|m| m.matches(v, event, scratch)),
            Matcher::AllOf(children) => children.iter().all(|m| m.matches(v, event, scratch)),
            Matcher::Not(inner) => !inner.matches(v, event, scratch),
            Matcher::Rsigma(m) => m.matches(v, event),
        }
    }

    /// A string comparison on `s`; `lower` is a buffer for its lower-cased copy.
    fn matches_str(&self, s: &str, lower: &mut String) -> bool {
        match self {
            Matcher::Str {
                op,
                value,
                lower: Lower::No,
            } => op.test(s, value),
            Matcher::Str {
                op,
                value,
                lower: Lower::Folded,
            } if s.is_ascii() => match op.test_ascii_folded(s, value) {
                Some(found) => found,
                None => op.test(lowered(s, lower), value),
            },
            Matcher::Str { op, value, .. } => op.test(lowered(s, lower), value),
            Matcher::LowerGroup { children, all } => {
                let s = lowered(s, lower);
                // Children are lowered comparisons, so `s` is already what they compare.
                let test = |m: &Matcher| match m {
                    Matcher::Str { op, value, .. } => op.test(s, value),
                    _ => unreachable!("groups hold string comparisons only"),
                };
                match all {
                    true => children.iter().all(test),
                    false => children.iter().any(test),
                }
            }
            _ => unreachable!("only string matchers reach here"),
        }
    }
}

/// `s` lower-cased as `str::to_lowercase` does, into `buf` unless it already is.
fn lowered<'a>(s: &'a str, buf: &'a mut String) -> &'a str {
    if s.is_ascii() {
        if !s.bytes().any(|b| b.is_ascii_uppercase()) {
            return s;
        }
        buf.clear();
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        *buf = s.to_lowercase();
    }
    buf
}

/// rsigma's `match_str_value`: strings as they are, numbers and booleans as text, arrays when
/// any element does; `number` is a buffer for the text of a number.
fn with_str(v: &EventValue<'_>, number: &mut String, test: &mut dyn FnMut(&str) -> bool) -> bool {
    use std::fmt::Write;
    match v {
        EventValue::Str(s) => test(s),
        EventValue::Int(n) => {
            number.clear();
            write!(number, "{n}").expect("writing to a String");
            test(number)
        }
        EventValue::Float(f) => {
            number.clear();
            write!(number, "{f}").expect("writing to a String");
            test(number)
        }
        EventValue::Bool(b) => test(if *b { "true" } else { "false" }),
        EventValue::Array(items) => items.iter().any(|v| with_str(v, number, test)),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
