//! Running the rule pack's own test events (`tests/<slug>.yml`) through the whole pipeline.

use crate::detector::Detector;
use crate::error::DetectError;
use crate::pack::{RuleKind, RulePack};
use glir_baseline::{Answer, FieldValue, Novelty};
use glir_events::{AuditEvent, EventRef, Layout, parse_event};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where filled-in test event times start; events are a second apart so sequences keep order.
const BASE_TIME: &str = "2026-01-01T00:00:00Z";

/// The outcome of one rule's test file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleTestResult {
    /// The rule the file tests.
    pub rule_id: String,
    /// The test file.
    pub test_file: PathBuf,
    /// One line per failing case; empty when the rule passed.
    pub failures: Vec<String>,
}

impl RuleTestResult {
    /// Whether every case behaved as the file says.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Results of a whole test run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TestReport {
    /// One entry per test file that names a loaded rule.
    pub results: Vec<RuleTestResult>,
    /// Loaded rules no test file names.
    pub untested: Vec<String>,
    /// Test files that could not be run (unreadable, bad YAML, unknown rule), as `file: reason`.
    pub errors: Vec<String>,
}

impl TestReport {
    /// True when every test ran and passed (untested rules are the linter's business).
    pub fn passed(&self) -> bool {
        self.errors.is_empty() && self.results.iter().all(RuleTestResult::passed)
    }
}

/// Run every `*.yml` test file in `tests_dir` against `pack`.
pub fn run_tests(pack: &RulePack, tests_dir: &Path) -> TestReport {
    let mut report = TestReport::default();
    let files = match test_files(tests_dir) {
        Ok(files) => files,
        Err(e) => {
            report.errors.push(format!("{}: {e}", tests_dir.display()));
            Vec::new()
        }
    };
    let mut tested = HashSet::new();
    let shared = Detector::new(pack);
    for file in files {
        match run_file(pack, shared.as_ref().ok(), &file) {
            Ok(result) => {
                tested.insert(result.rule_id.clone());
                report.results.push(result);
            }
            Err(reason) => report.errors.push(format!("{}: {reason}", file.display())),
        }
    }
    if let Err(e) = shared {
        report.errors.push(e.to_string());
    }
    report.untested = pack
        .rules
        .iter()
        .filter(|r| !tested.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    report
}

fn test_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")));
    files.sort();
    Ok(files)
}

fn run_file(
    pack: &RulePack,
    shared: Option<&Detector>,
    file: &Path,
) -> Result<RuleTestResult, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let doc: Value = yaml_serde::from_str(&text).map_err(|e| e.to_string())?;
    let rule_id = match doc.get("rule") {
        Some(Value::String(id)) => id.clone(),
        _ => return Err("missing `rule:` (the tested rule's id)".into()),
    };
    let rule = pack
        .rule(&rule_id)
        .ok_or_else(|| format!("rule `{rule_id}` is not in the loaded pack"))?;
    let positives = events(&doc, "match")?;
    let negatives = events(&doc, "no_match")?;
    let failures = match rule.kind {
        RuleKind::Detection => {
            let detector = shared.ok_or("the pack did not build an engine")?;
            detection_failures(detector, &rule_id, &positives, &negatives)
        }
        RuleKind::Correlation => correlation_failures(pack, &rule_id, &positives, &negatives)
            .map_err(|e| e.to_string())?,
    };
    Ok(RuleTestResult {
        rule_id,
        test_file: file.to_path_buf(),
        failures,
    })
}

fn detection_failures(
    detector: &Detector,
    rule_id: &str,
    positives: &[Case],
    negatives: &[Case],
) -> Vec<String> {
    let fires = |(e, novelty): &Case| {
        detector
            .matching_rules_ref(EventRef::from(e), *novelty)
            .iter()
            .any(|id| id == rule_id)
    };
    let mut failures = Vec::new();
    for (i, case) in positives.iter().enumerate() {
        let e = &case.0;
        if !fires(case) {
            failures.push(format!("match[{i}] did not fire: {}", e.raw));
        }
    }
    for (i, case) in negatives.iter().enumerate() {
        let e = &case.0;
        if fires(case) {
            failures.push(format!("no_match[{i}] fired: {}", e.raw));
        }
    }
    failures
}

fn correlation_failures(
    pack: &RulePack,
    rule_id: &str,
    positives: &[Case],
    negatives: &[Case],
) -> Result<Vec<String>, DetectError> {
    let mut failures = Vec::new();
    if fired_count(pack, rule_id, positives)? == 0 {
        failures.push(format!(
            "the match sequence ({} events) did not fire",
            positives.len()
        ));
    }
    let n = fired_count(pack, rule_id, negatives)?;
    if n > 0 {
        failures.push(format!(
            "the no_match sequence ({} events) fired {n} time(s)",
            negatives.len()
        ));
    }
    Ok(failures)
}

/// Each sequence gets fresh correlation state, so one case cannot complete another's window.
fn fired_count(pack: &RulePack, rule_id: &str, seq: &[Case]) -> Result<usize, DetectError> {
    let mut detector = Detector::new(pack)?;
    Ok(seq
        .iter()
        .flat_map(|(e, novelty)| {
            detector
                .process_judged(EventRef::from(e), *novelty)
                .alerts()
        })
        .filter(|a| a.rule_id == rule_id)
        .count())
}

/// A test event and what the baseline says of it (its `baseline:` mapping, if any).
pub(crate) type Case = (AuditEvent, Option<Novelty>);

/// A case's `baseline:` mapping as the baseline's answer: named answers as given, the rest
/// false, past warm-up. Cases without one are judged without a baseline.
fn novelty(case: &serde_json::Map<String, Value>, at: &str) -> Result<Option<Novelty>, String> {
    let Some(given) = case.get("baseline") else {
        return Ok(None);
    };
    let given = given
        .as_object()
        .ok_or_else(|| format!("{at}: `baseline` must be a mapping"))?;
    let mut n = Novelty {
        ready: true,
        ..Novelty::default()
    };
    for (name, value) in given {
        let answer =
            Answer::of(name).ok_or_else(|| format!("{at}: unknown baseline field `{name}`"))?;
        let value = match value {
            Value::Bool(b) => Some(FieldValue::Bool(*b)),
            Value::Number(n) => n.as_i64().map(FieldValue::Int),
            _ => None,
        };
        if !value.is_some_and(|v| n.set(answer, v)) {
            return Err(format!(
                "{at}: baseline.{name} must be true or false, or a count"
            ));
        }
    }
    Ok(Some(n))
}

/// The cases under `key`, as streamed records parsed by glir-events, with `id` and
/// `created_at` filled in where the file leaves them out, each with its baseline answer.
pub(crate) fn events(doc: &Value, key: &str) -> Result<Vec<Case>, String> {
    let Some(list) = doc.get(key) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| format!("`{key}` must be a list of events"))?;
    let base: jiff::Timestamp = BASE_TIME.parse().map_err(|e| format!("{e}"))?;
    list.iter()
        .enumerate()
        .map(|(i, case)| {
            let mut obj = case
                .as_object()
                .cloned()
                .ok_or_else(|| format!("{key}[{i}] is not a mapping"))?;
            let offset = jiff::SignedDuration::from_secs(i as i64);
            obj.entry("id")
                .or_insert_with(|| Value::String(format!("{key}-{i}")));
            obj.entry("created_at")
                .or_insert_with(|| Value::String((base + offset).to_string()));
            let novelty = novelty(&obj, &format!("{key}[{i}]"))?;
            obj.remove("baseline");
            let raw = Value::Object(obj).to_string();
            let event = parse_event(&raw, Some(Layout::Stream), "rule-test")
                .map_err(|e| format!("{key}[{i}]: {e}"))?;
            Ok((event, novelty))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LoadOptions, load_rules};

    /// Every test event of the shipped pack, plus each with its type upper-cased and without it.
    fn pack_events() -> Vec<AuditEvent> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab/tests");
        let mut out = Vec::new();
        for file in test_files(&dir).unwrap() {
            let doc: Value = yaml_serde::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
            for key in ["match", "no_match"] {
                out.extend(events(&doc, key).unwrap().into_iter().map(|(e, _)| e));
            }
        }
        let variants: Vec<AuditEvent> = out
            .iter()
            .flat_map(|e| {
                let mut upper = e.clone();
                upper.event_type = e.event_type.as_deref().map(str::to_uppercase);
                let mut untyped = e.clone();
                untyped.event_type = None;
                [upper, untyped]
            })
            .collect();
        out.extend(variants);
        out
    }

    #[test]
    fn the_dispatch_matches_exactly_what_rsigma_screening_the_whole_pack_matches() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab");
        let pack = load_rules(
            &[dir],
            &LoadOptions {
                strict: true,
                ..LoadOptions::default()
            },
        )
        .unwrap();
        let detector = Detector::new(&pack).unwrap();
        let events = pack_events();
        let mut matched = 0;
        for e in &events {
            let fast = detector.matching_rules(e);
            assert_eq!(fast, detector.reference_rules(e), "{e:?}");
            matched += fast.len();
        }
        // Not a vacuous comparison: most test events match something.
        assert!(
            matched > events.len() / 3,
            "{matched} matches over {} events",
            events.len()
        );
    }
}
