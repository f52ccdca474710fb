//! A scan's result, gathered from every source (files, git history, job logs, artifacts):
//! inline markers and the baseline applied, strings that fail their checks left out, and the
//! plaintext of each distinct GitLab secret kept only when it is to be verified.

use crate::{Baseline, Finding, RawMatch};
use glir_redact::Secret;
use std::collections::HashMap;

/// Takes findings as the scanners report them; [`Collector::finish`] gives the report.
pub struct Collector {
    baseline: Option<Baseline>,
    include_suppressed: bool,
    include_invalid: bool,
    keep_secrets: bool,
    findings: Vec<Finding>,
    secrets: HashMap<String, Secret>,
    suppressed_inline: usize,
    suppressed_baseline: usize,
    invalid: usize,
}

/// Everything a scan produced.
pub struct ScanReport {
    pub findings: Vec<Finding>,
    /// Plaintext per GitLab finding id, only when asked for (to verify); dropped with the report.
    pub secrets: HashMap<String, Secret>,
    pub suppressed_inline: usize,
    pub suppressed_baseline: usize,
    /// Strings of a secret's shape that fail its structure checks, left out (`--include-invalid`
    /// reports them).
    pub invalid: usize,
}

/// What the collector leaves out.
pub struct Policy {
    pub include_suppressed: bool,
    pub include_invalid: bool,
}

impl Collector {
    pub fn new(baseline: Option<Baseline>, policy: Policy, keep_secrets: bool) -> Self {
        Collector {
            baseline,
            include_suppressed: policy.include_suppressed,
            include_invalid: policy.include_invalid,
            keep_secrets,
            findings: Vec::new(),
            secrets: HashMap::new(),
            suppressed_inline: 0,
            suppressed_baseline: 0,
            invalid: 0,
        }
    }

    pub fn add(&mut self, finding: Finding, m: &RawMatch<'_>) {
        // A failed CRC or a wrong length is a typo or a fake: GitLab would reject it.
        if finding.invalid.is_some() && !self.include_invalid {
            self.invalid += 1;
            return;
        }
        if finding.suppressed_by.is_some() && !self.include_suppressed {
            self.suppressed_inline += 1;
            return;
        }
        if self
            .baseline
            .as_ref()
            .is_some_and(|b| b.suppresses(&finding))
        {
            self.suppressed_baseline += 1;
            return;
        }
        if self.keep_secrets && finding.provider == "gitlab" {
            self.secrets
                .entry(finding.finding_id.clone())
                .or_insert_with(|| Secret::new(m.secret.clone()));
        }
        self.findings.push(finding);
    }

    pub fn finish(mut self) -> ScanReport {
        // Files are scanned on several threads: the report comes in one order every run.
        self.findings.sort_by(|a, b| {
            let key = |f: &Finding| {
                (
                    f.location.path().to_owned(),
                    f.location.line(),
                    f.location.column(),
                )
            };
            key(a).cmp(&key(b)).then_with(|| a.rule.cmp(&b.rule))
        });
        ScanReport {
            findings: self.findings,
            secrets: self.secrets,
            suppressed_inline: self.suppressed_inline,
            suppressed_baseline: self.suppressed_baseline,
            invalid: self.invalid,
        }
    }
}

impl ScanReport {
    /// One line: findings, distinct secrets, what was left out and why.
    pub fn summary(&self) -> String {
        let distinct: std::collections::HashSet<&str> = self
            .findings
            .iter()
            .map(|f| f.finding_id.as_str())
            .collect();
        let mut text = format!(
            "{} findings ({} distinct secrets)",
            self.findings.len(),
            distinct.len()
        );
        if self.suppressed_inline + self.suppressed_baseline > 0 {
            text.push_str(&format!(
                "; suppressed: {} by inline markers, {} by the baseline",
                self.suppressed_inline, self.suppressed_baseline
            ));
        }
        if self.invalid > 0 {
            text.push_str(&format!(
                "; {} strings of a secret's shape that fail its checks left out (--include-invalid shows them)",
                self.invalid
            ));
        }
        text
    }
}
