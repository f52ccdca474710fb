//! Helpers shared by the integration tests.
#![allow(dead_code)]

use glir_detect::{Alert, Detector, LoadOptions, RulePack, load_rules};
use glir_events::{AuditEvent, Layout, parse_event};
use std::path::Path;

/// Writes `files` (name, YAML) into a fresh directory.
pub fn rule_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

pub fn load(dir: &Path) -> RulePack {
    load_rules(&[dir.to_path_buf()], &LoadOptions::default()).unwrap()
}

/// A pack of one detection rule whose detection section is `detection` (indented YAML).
pub fn single_rule(detection: &str) -> (tempfile::TempDir, RulePack) {
    let yaml = format!(
        "title: Test rule\nid: test-rule\nlevel: high\ntags: [attack.persistence]\n\
         logsource: {{product: gitlab, service: audit}}\ndetection:\n{detection}\n"
    );
    let dir = rule_dir(&[("r.yml", &yaml)]);
    let pack = load(dir.path());
    assert!(pack.errors.is_empty(), "{:?}", pack.errors);
    (dir, pack)
}

/// A streamed event from a JSON object literal.
pub fn stream(json: &str) -> AuditEvent {
    parse_event(json, Some(Layout::Stream), "test").unwrap()
}

pub fn fires(pack: &RulePack, event: &AuditEvent) -> bool {
    let mut d = Detector::new(pack).unwrap();
    !d.process(event).is_empty()
}

pub fn run(pack: &RulePack, events: &[AuditEvent]) -> Vec<Alert> {
    let mut d = Detector::new(pack).unwrap();
    events.iter().flat_map(|e| d.process(e)).collect()
}
