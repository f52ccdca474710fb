//! A rule pack on a ClickHouse store: which rules the database can pre-select events for, as
//! SQL over the `events` table (glir-store `clickhouse/schema.rs`), and which stay in-process.
//!
//! The database selects candidate events with a rule's condition; glir then runs its ordinary
//! [`Detector`](crate::Detector), over a pack of just those rules, on just those events in time
//! order. So a condition must select every event rsigma matches (missing one loses an alert)
//! and should select no other (one more costs only time). Conditions are written from rsigma's
//! compiled rules, what the detector evaluates (`rule.rs`, `matcher.rs`), and are exact except
//! where the table cannot tell what rsigma would see; there they select the event anyway
//! (`node.rs` says when). A rule using anything else is left in-process, with the reason.
//!
//! rsigma-convert's `Backend` was not used: it converts the parsed rule's values to query text
//! one by one with no notion of where the stored form is unsure, glir-detect may not depend on
//! it, and what the detector runs is the compiled form.

mod correlation;
mod field;
mod matcher;
mod node;
mod regex;
mod rule;
mod text;

#[cfg(test)]
mod tests;

use crate::pack::{RuleKind, RulePack};
use node::{Bound, Node};
use rsigma_parser::{FilterRuleTarget, SigmaCollection};

/// How one rule of a pack runs against a ClickHouse store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushdown {
    /// The rule's condition as a ClickHouse boolean expression over the `events` columns
    /// (UInt8, never NULL), selecting exactly the events the rule matches in-process, and a few
    /// more only where the columns cannot tell (a float kept as text, a key holding a dot, an
    /// empty object, a character ClickHouse lower-cases differently). A correlation's selects
    /// the events of the rules it counts, and for a count with a lower bound only those of
    /// groups that reach it over the whole table: a subquery over `{db}.events`, `{db}`
    /// standing for the store's database as in `ClickHouseStore::query_rows`.
    Sql(String),
    /// Left to in-process evaluation, and why ("reads baseline.* fields", "uses |cidr", ...).
    InProcess(String),
}

/// How one rule of a pack runs against a ClickHouse store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePlan {
    /// The rule's id, else its title: the key the detector's alerts carry.
    pub key: String,
    /// The rule's title.
    pub title: String,
    /// Detection or correlation.
    pub kind: RuleKind,
    /// Its condition in SQL, or why it has none.
    pub pushdown: Pushdown,
    /// Whether it raises alerts of its own: false for a detection rule that only feeds
    /// correlations (no `generate: true`), whose events a store need only select for them.
    pub alerts: bool,
}

/// Why a rule stays in-process.
#[derive(Debug, Clone)]
pub(crate) struct Decline(String);

impl Decline {
    pub(crate) fn new(reason: impl Into<String>) -> Decline {
        Decline(reason.into())
    }

    fn baseline() -> Decline {
        Decline::new("reads baseline.* fields, which glir computes in-process")
    }
}

/// Longest condition pushed down: ClickHouse refuses queries over 256 KiB
/// (`max_query_size`), and a store selects with several rules' conditions at once.
const MAX_SQL: usize = 64 * 1024;

/// What the pack looks like to ClickHouse.
struct Analysis {
    /// Per detection rule, in pack order: its condition, or why it has none.
    detections: Vec<Result<Node, String>>,
    /// Per correlation, in pack order: the detection rules it counts, directly or through
    /// other correlations, and the correlations it refers to.
    bases: Vec<Vec<usize>>,
    refers: Vec<Vec<usize>>,
    /// Per correlation: its condition, or why it has none.
    correlations: Vec<Result<String, String>>,
}

impl Analysis {
    fn of(pack: &RulePack) -> Analysis {
        let c = &pack.collection;
        let detections = match crate::detector::build_engine(pack) {
            // The engine's compiled rules carry the pack's filters; they are in pack order.
            Ok(engine) if engine.engine().rules().len() == c.rules.len() => engine
                .engine()
                .rules()
                .iter()
                .map(|r| match rule::rule(r, rule::Baseline::Decline) {
                    Ok(n) if n.render(Bound::Upper).len() > MAX_SQL => {
                        Err("has a condition too long for one query".to_owned())
                    }
                    Ok(n) => Ok(n),
                    Err(Decline(why)) => Err(why),
                })
                .collect(),
            Ok(_) => vec![Err("was not compiled as loaded".to_owned()); c.rules.len()],
            Err(e) => vec![Err(format!("is in a pack rsigma rejects: {e}")); c.rules.len()],
        };
        let named = |id: &Option<String>, name: &Option<String>, r: &String| {
            id.as_ref() == Some(r) || name.as_ref() == Some(r)
        };
        let refers: Vec<Vec<usize>> = c
            .correlations
            .iter()
            .map(|corr| {
                (0..c.correlations.len())
                    .filter(|&j| {
                        let other = &c.correlations[j];
                        corr.rules.iter().any(|r| named(&other.id, &other.name, r))
                    })
                    .collect()
            })
            .collect();
        let direct: Vec<Vec<usize>> = c
            .correlations
            .iter()
            .map(|corr| {
                (0..c.rules.len())
                    .filter(|&i| {
                        let rule = &c.rules[i];
                        corr.rules.iter().any(|r| named(&rule.id, &rule.name, r))
                    })
                    .collect()
            })
            .collect();
        let bases: Vec<Vec<usize>> = (0..c.correlations.len())
            .map(|j| {
                let mut seen = vec![false; c.correlations.len()];
                let mut out = Vec::new();
                collect_bases(j, &direct, &refers, &mut seen, &mut out);
                out.sort_unstable();
                out.dedup();
                out
            })
            .collect();
        let correlations = c
            .correlations
            .iter()
            .enumerate()
            .map(|(j, corr)| {
                let mut nodes = Vec::new();
                for &i in &bases[j] {
                    match &detections[i] {
                        Ok(n) => nodes.push(n.clone()),
                        Err(why) => {
                            let key = pack.rules.get(i).map_or("?", |r| r.id.as_str());
                            return Err(format!(
                                "correlates `{key}`, which runs in-process: it {why}"
                            ));
                        }
                    }
                }
                if nodes.is_empty() {
                    return Err("correlates no detection rule".to_owned());
                }
                let prefilter = match refers[j].is_empty() {
                    true => correlation::prefilter(corr, &direct[j], &detections),
                    false => None,
                };
                let mut sql = node::or(nodes).render(Bound::Upper);
                if let Some(p) = prefilter {
                    sql = format!("({sql} AND {p})");
                }
                match sql.len() > MAX_SQL {
                    true => Err("has a condition too long for one query".to_owned()),
                    false => Ok(sql),
                }
            })
            .collect();
        Analysis {
            detections,
            bases,
            refers,
            correlations,
        }
    }
}

/// The detection rules correlation `j` counts, through correlations of correlations.
fn collect_bases(
    j: usize,
    direct: &[Vec<usize>],
    refers: &[Vec<usize>],
    seen: &mut [bool],
    out: &mut Vec<usize>,
) {
    if std::mem::replace(&mut seen[j], true) {
        return;
    }
    out.extend(&direct[j]);
    for &k in &refers[j] {
        collect_bases(k, direct, refers, seen, out);
    }
}

impl RulePack {
    /// Per rule of the pack (detections and correlations, in pack order), how it runs on
    /// ClickHouse. A correlation's SQL selects the events of the rules it counts; for an
    /// `event_count` or `value_count` with a lower bound, only those in groups whose count over
    /// the whole table reaches it. A detection rule that only feeds correlations (no
    /// `generate: true`) raises no alert of its own, so a store need not select for it.
    pub fn clickhouse_plan(&self) -> Vec<RulePlan> {
        let a = Analysis::of(self);
        let n = self.collection.rules.len();
        let feeders = crate::detector::correlation_only(self);
        self.rules
            .iter()
            .enumerate()
            .map(|(i, info)| {
                let outcome = match i < n {
                    true => a.detections[i]
                        .as_ref()
                        .map(|node| node.render(Bound::Upper))
                        .map_err(String::clone),
                    false => a
                        .correlations
                        .get(i - n)
                        .cloned()
                        .unwrap_or_else(|| Err("is not in the pack's collection".to_owned())),
                };
                RulePlan {
                    alerts: !(i < n && feeders.contains(&info.id)),
                    key: info.id.clone(),
                    title: info.title.clone(),
                    kind: info.kind,
                    pushdown: match outcome {
                        Ok(sql) => Pushdown::Sql(sql),
                        Err(why) => Pushdown::InProcess(why),
                    },
                }
            })
            .collect()
    }

    /// One condition selecting every event some detection rule of the pack may match, for
    /// rules that read `baseline.*` fields too: their other items narrow it, the baseline
    /// answers count as unknown (glir computes them). An upper bound, so the detector turns the
    /// extra events down; `None` when some rule cannot be bounded (it declines for another
    /// reason) or the condition would be too long for one query.
    pub fn clickhouse_preselect(&self) -> Option<String> {
        let engine = crate::detector::build_engine(self).ok()?;
        let parts = engine
            .engine()
            .rules()
            .iter()
            .map(|r| rule::rule(r, rule::Baseline::Unknown).ok())
            .collect::<Option<Vec<_>>>()?;
        let sql = node::or(parts).render(Bound::Upper);
        (sql.len() <= MAX_SQL).then_some(sql)
    }

    /// [`clickhouse_preselect`](Self::clickhouse_preselect) rule by rule, each in two halves:
    /// an upper bound of the rule over the `events` columns with its `baseline.*` items
    /// unknown, and one over the baseline's answer columns (`glir_baseline::Answer::sql`) with
    /// its other items unknown. An event the rule matches satisfies both, so an SQL baseline
    /// need only answer the events some rule's first half selects and return those some rule's
    /// two halves both keep. `None` as for `clickhouse_preselect`.
    pub fn clickhouse_baseline_preselect(&self) -> Option<Vec<(String, String)>> {
        let engine = crate::detector::build_engine(self).ok()?;
        let halves = engine
            .engine()
            .rules()
            .iter()
            .map(|r| {
                let events = rule::rule(r, rule::Baseline::Unknown).ok()?;
                let answers = rule::rule(r, rule::Baseline::Answers).ok()?;
                Some((events.render(Bound::Upper), answers.render(Bound::Upper)))
            })
            .collect::<Option<Vec<_>>>()?;
        let total: usize = halves.iter().map(|(e, a)| e.len() + a.len()).sum();
        (total <= MAX_SQL).then_some(halves)
    }

    /// The pack split in two: the rules that run as SQL pre-selection (detections whose
    /// condition converts, and correlations all of whose referenced rules convert), and the
    /// rest (in-process over every event). Either may be `None` when empty.
    ///
    /// Rules that correlations tie together stay together: a correlation and every rule it
    /// refers to (and everything tied to those) go to the same side, the SQL side only if all
    /// of them convert. So a detection rule that feeds an in-process correlation runs
    /// in-process, and no rule is in both packs, which would raise its alerts twice. Each part
    /// keeps the pack's filters that apply to its rules; the load report (`skipped`, `errors`)
    /// stays with this pack.
    pub fn split_for_pushdown(&self) -> (Option<RulePack>, Option<RulePack>) {
        let c = &self.collection;
        let (n, m) = (c.rules.len(), c.correlations.len());
        if self.rules.len() != n + m {
            return (None, Some(self.clone()));
        }
        let a = Analysis::of(self);
        // Rules tied by correlations, as one set each (union-find over detections, then
        // correlations).
        let mut parent: Vec<usize> = (0..n + m).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for j in 0..m {
            let tied = a.bases[j]
                .iter()
                .copied()
                .chain(a.refers[j].iter().map(|k| n + k));
            for other in tied.collect::<Vec<_>>() {
                let (x, y) = (root(&mut parent, n + j), root(&mut parent, other));
                parent[x] = y;
            }
        }
        let converts = |i: usize| match i < n {
            true => a.detections[i].is_ok(),
            false => a.correlations[i - n].is_ok(),
        };
        let mut set_converts = vec![true; n + m];
        for i in 0..n + m {
            let r = root(&mut parent, i);
            set_converts[r] &= converts(i);
        }
        let pushed: Vec<bool> = (0..n + m)
            .map(|i| set_converts[root(&mut parent, i)])
            .collect();
        let part = |side: bool| self.part(|i| pushed[i] == side);
        (part(true), part(false))
    }

    /// The rules `keep` (by index into [`RulePack::rules`]) chooses, as a pack; `None` when
    /// it chooses none.
    fn part(&self, keep: impl Fn(usize) -> bool) -> Option<RulePack> {
        let c = &self.collection;
        let n = c.rules.len();
        let chosen: Vec<usize> = (0..self.rules.len()).filter(|&i| keep(i)).collect();
        if chosen.is_empty() {
            return None;
        }
        let mut collection = SigmaCollection::new();
        for &i in &chosen {
            match i < n {
                true => collection.rules.push(c.rules[i].clone()),
                false => collection.correlations.push(c.correlations[i - n].clone()),
            }
        }
        // rsigma matches a filter's rules by id or title (`Engine::apply_filter`).
        collection.filters = c
            .filters
            .iter()
            .filter(|f| match &f.rules {
                FilterRuleTarget::Any => true,
                FilterRuleTarget::Specific(refs) => collection.rules.iter().any(|r| {
                    refs.iter()
                        .any(|x| r.id.as_ref() == Some(x) || r.title == *x)
                }),
            })
            .cloned()
            .collect();
        Some(RulePack {
            rules: chosen.iter().map(|&i| self.rules[i].clone()).collect(),
            skipped: Vec::new(),
            errors: Vec::new(),
            collection,
        })
    }
}
