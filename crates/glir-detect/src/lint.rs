//! Pack hygiene: fields and event types GitLab does not have, missing tests, duplicate ids.

use crate::event_types::is_known_event_type;
use crate::fields::is_known_field;
use crate::pack::RulePack;
use crate::ruletest::run_tests;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One problem the linter found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LintFinding {
    /// The rule file (or test file) concerned.
    pub file: PathBuf,
    /// The rule concerned, when the problem is about one rule.
    pub rule_id: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Lint `pack`; with `tests_dir`, also report rules that have no test file there.
pub fn lint(pack: &RulePack, tests_dir: Option<&Path>) -> Vec<LintFinding> {
    let mut findings: Vec<LintFinding> = pack
        .errors
        .iter()
        .map(|e| LintFinding {
            file: e.file.clone(),
            rule_id: None,
            message: format!("does not load: {e}"),
        })
        .collect();
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    for rule in &pack.rules {
        let finding = |message: String| LintFinding {
            file: rule.file.clone(),
            rule_id: Some(rule.id.clone()),
            message,
        };
        for field in rule.fields.iter().filter(|f| !is_known_field(f)) {
            findings.push(finding(format!(
                "field `{field}` is not a GitLab audit event field (use the streaming names or details.*)"
            )));
        }
        for t in rule.event_types.iter().filter(|t| !is_known_event_type(t)) {
            findings.push(finding(format!("unknown event type `{t}`")));
        }
        if let Some(first) = seen.insert(&rule.id, &rule.file) {
            findings.push(finding(format!(
                "duplicate id, also used in {}",
                first.display()
            )));
        }
    }
    if let Some(dir) = tests_dir {
        let report = run_tests(pack, dir);
        for id in &report.untested {
            if let Some(rule) = pack.rule(id) {
                findings.push(LintFinding {
                    file: rule.file.clone(),
                    rule_id: Some(id.clone()),
                    message: format!("no test file in {}", dir.display()),
                });
            }
        }
        for e in report.errors {
            findings.push(LintFinding {
                file: dir.to_path_buf(),
                rule_id: None,
                message: e,
            });
        }
    }
    findings
}
