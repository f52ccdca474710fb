//! GitLab-shaped events from the repository: the rule pack's own tests (every rule's matching
//! and non-matching events), glir-events' fixtures (GitLab's documented samples in all three
//! layouts, and other tools' captures), and a slice of the labelled detection benchmark
//! (`scripts/detection_bench/gen.py`: a month of an instance with attack scenarios, in REST,
//! stream and `audit_json.log` layouts).

use glir_events::{AuditEvent, Layout, parse_event};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Each event with a fresh id `tag-N`, so events from different sources never collide in the
/// store (whose identity is time and id).
fn renamed(tag: &str, events: Vec<AuditEvent>) -> Vec<AuditEvent> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, mut e)| {
            e.event_id = format!("{tag}-{i}");
            e
        })
        .collect()
}

/// The `match` and `no_match` events of every rule test of the pack, as streamed records.
pub fn rule_tests() -> Vec<AuditEvent> {
    let dir = repo().join("rules/gitlab/tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the pack's tests")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    let base: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    for file in files {
        let doc: Value = yaml_serde::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for key in ["match", "no_match"] {
            for (i, case) in doc[key].as_array().into_iter().flatten().enumerate() {
                let mut obj = case.as_object().cloned().expect("an event mapping");
                obj.remove("baseline");
                obj.entry("id").or_insert_with(|| Value::from("x"));
                let at = base + jiff::SignedDuration::from_secs(i as i64);
                obj.entry("created_at")
                    .or_insert_with(|| Value::from(at.to_string()));
                let raw = Value::Object(obj).to_string();
                out.push(parse_event(&raw, Some(Layout::Stream), "rule-test").unwrap());
            }
        }
    }
    renamed("rt", out)
}

/// Every record glir-events parses in its fixtures, whatever the file's shape.
pub fn fixtures() -> Vec<AuditEvent> {
    let mut files = Vec::new();
    for dir in [
        "crates/glir-events/tests/fixtures",
        "crates/glir-events/tests/fixtures/external",
    ] {
        for e in std::fs::read_dir(repo().join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.is_file() && !path.extension().is_some_and(|x| x == "md" || x == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        out.extend(records(&text).filter_map(|r| parse_event(&r, None, "fixture").ok()));
    }
    renamed("fx", out)
}

/// The JSON objects of a file: one document, an array of them, or one per line.
fn records(text: &str) -> Box<dyn Iterator<Item = String> + '_> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => Box::new(items.into_iter().map(|v| v.to_string())),
        Ok(v @ Value::Object(_)) => Box::new(std::iter::once(v.to_string())),
        _ => Box::new(
            text.lines()
                .filter(|l| l.trim_start().starts_with('{'))
                .map(str::to_owned),
        ),
    }
}

/// Every `every`-th event of the labelled benchmark, plus every attack event, in its three
/// layouts; empty (after saying so) where `python3` is not there.
pub fn benchmark(every: usize) -> Vec<AuditEvent> {
    let Some(out) = glir_test_support::detection_bench::generate(3, 120, 10) else {
        return Vec::new();
    };
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("labels.json")).unwrap())
            .unwrap();
    let attack = |e: &AuditEvent| labels["events"].get(e.event_id.as_str()).is_some();
    let mut all = Vec::new();
    for (tag, file) in [
        ("bs", "stream.jsonl"),
        ("br", "rest.json"),
        ("bl", "audit_json.log"),
    ] {
        let text = std::fs::read_to_string(out.path().join(file)).unwrap();
        let events: Vec<AuditEvent> = records(&text)
            .filter_map(|r| parse_event(&r, None, "bench").ok())
            .enumerate()
            .filter(|(i, e)| i % every == 0 || attack(e))
            .map(|(_, e)| e)
            .collect();
        all.extend(renamed(tag, events));
    }
    all
}
