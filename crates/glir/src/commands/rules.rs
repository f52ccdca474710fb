//! `glir rules list | test | lint`, and finding the rule directories every rule command uses.

use super::{report_format, write_value};
use crate::cli::{GlobalArgs, RuleSource, RulesCommand};
use crate::output::{status, stdout};
use anyhow::{Context, Result, bail};
use glir_detect::{
    LintFinding, LoadOptions, RuleInfo, RulePack, SkipReason, SkippedRule, TestReport, lint,
    load_rule_texts, load_rules, run_tests,
};
use glir_report::{Row, Sink, WriterSink};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/rule_pack.rs"));
}

/// The directories a rule command reads. The bundled pack is unpacked into a temporary
/// directory that lives as long as this value.
pub(super) struct RuleDirs {
    pub(super) dirs: Vec<PathBuf>,
    _unpacked: Option<tempfile::TempDir>,
}

pub fn run(g: &GlobalArgs, cmd: &RulesCommand) -> Result<ExitCode> {
    match cmd {
        RulesCommand::List(src) => list(g, src),
        RulesCommand::Test(src) => test(g, src),
        RulesCommand::Lint(src) => run_lint(g, src),
    }
}

/// `--rules` dirs, else the pack built into this binary.
pub(super) fn rule_dirs(src: &RuleSource) -> Result<RuleDirs> {
    if !src.dirs.is_empty() {
        return Ok(RuleDirs {
            dirs: src.dirs.clone(),
            _unpacked: None,
        });
    }
    if embedded::RULE_PACK.is_empty() {
        bail!("this glir was built without its rule pack: pass --rules DIR");
    }
    let temp = tempfile::Builder::new()
        .prefix("glir-rules-")
        .tempdir()
        .context("cannot unpack the bundled rules")?;
    for (relative, text) in embedded::RULE_PACK {
        let path = temp.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| {
                format!("cannot unpack the bundled rules into {}", parent.display())
            })?;
        }
        std::fs::write(&path, text)
            .with_context(|| format!("cannot unpack the bundled rule {relative}"))?;
    }
    Ok(RuleDirs {
        dirs: vec![temp.path().to_path_buf()],
        _unpacked: Some(temp),
    })
}

/// Loads the pack, printing each broken file to stderr (strict mode makes them an error) and
/// one line for all the rules of other log sources; with the directories it came from, which
/// `rules test` and `lint` read further (the built-in pack is unpacked for them).
pub(super) fn load_pack(g: &GlobalArgs, src: &RuleSource) -> Result<(RulePack, RuleDirs)> {
    let dirs = rule_dirs(src)?;
    let pack = load_rules(&dirs.dirs, &load_options(src))?;
    report_loaded(g, &pack);
    Ok((pack, dirs))
}

/// [`load_pack`] for commands that only run the rules: the built-in pack is read from memory,
/// not unpacked (writing its files was most of a small `detect`'s time).
pub(super) fn load_rules_to_run(g: &GlobalArgs, src: &RuleSource) -> Result<RulePack> {
    if !src.dirs.is_empty() {
        return Ok(load_pack(g, src)?.0);
    }
    if embedded::RULE_PACK.is_empty() {
        bail!("this glir was built without its rule pack: pass --rules DIR");
    }
    let files: Vec<(PathBuf, &str)> = embedded::RULE_PACK
        .iter()
        .map(|(relative, text)| (PathBuf::from("rules/gitlab").join(relative), *text))
        .collect();
    let pack = load_rule_texts(&files, &load_options(src))?;
    report_loaded(g, &pack);
    Ok(pack)
}

fn load_options(src: &RuleSource) -> LoadOptions {
    LoadOptions {
        strict: src.strict,
        disabled: src.disabled.clone(),
        any_logsource: src.any_logsource,
    }
}

fn report_loaded(g: &GlobalArgs, pack: &RulePack) {
    if !g.quiet {
        for e in &pack.errors {
            status!("warning: rule skipped: {e}");
        }
        if let Some(line) = skipped_summary(&pack.skipped) {
            status!("{line}");
        }
    }
}

/// One line for every rule left out for its log source: a general Sigma checkout holds
/// thousands, so they are counted by product rather than listed (`glir rules lint` lists them).
fn skipped_summary(skipped: &[SkippedRule]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    let mut products: BTreeMap<&str, usize> = BTreeMap::new();
    let mut correlations = 0;
    for s in skipped {
        match &s.reason {
            SkipReason::Logsource { product } => {
                *products
                    .entry(product.as_deref().unwrap_or("none"))
                    .or_default() += 1;
            }
            SkipReason::ReferencesSkipped => correlations += 1,
        }
    }
    let mut products: Vec<(&str, usize)> = products.into_iter().collect();
    // Most common first; the map already ordered equal counts by name.
    products.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = products
        .iter()
        .take(SHOWN)
        .map(|(p, n)| format!("{p} {}", thousands(*n)))
        .collect();
    if products.len() > SHOWN {
        parts.push("…".into());
    }
    let mut detail = String::new();
    if !parts.is_empty() {
        detail = format!("product: {}", parts.join(", "));
    }
    if correlations > 0 {
        let sep = if detail.is_empty() { "" } else { "; " };
        detail += &format!(
            "{sep}{} correlation{} of them",
            thousands(correlations),
            if correlations == 1 { "" } else { "s" }
        );
    }
    let n = skipped.len();
    Some(format!(
        "warning: {} rule{} skipped: {} logsource is not GitLab ({detail}); pass --any-logsource to evaluate them",
        thousands(n),
        if n == 1 { "" } else { "s" },
        if n == 1 { "its" } else { "their" },
    ))
}

/// `2312` as `2,312`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn list(g: &GlobalArgs, src: &RuleSource) -> Result<ExitCode> {
    let (pack, dirs) = load_pack(g, src)?;
    // Paths relative to their rule directory: the bundled pack lives in a temporary one.
    let shown = |file: &std::path::Path| {
        dirs.dirs
            .iter()
            .find_map(|d| file.strip_prefix(d).ok())
            .unwrap_or(file)
            .display()
            .to_string()
    };
    let mut listing = WriterSink::new(stdout(), report_format(g.format));
    for rule in &pack.rules {
        listing.emit(&RuleRow {
            rule,
            file: shown(&rule.file),
        })?;
    }
    listing.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// A rule as `rules list` shows it: every field in JSON, the file relative to its directory.
#[derive(Serialize)]
struct RuleRow<'a> {
    #[serde(flatten)]
    rule: &'a RuleInfo,
    #[serde(skip)]
    file: String,
}

impl Row for RuleRow<'_> {
    const COLUMNS: &'static [&'static str] = &["id", "level", "title", "file"];

    fn record(&self) -> Vec<String> {
        vec![
            self.rule.id.clone(),
            self.rule.level.clone(),
            self.rule.title.clone(),
            self.file.clone(),
        ]
    }
}

/// Every rule directory's `tests/` folder, run against the whole pack.
fn test_all(pack: &RulePack, dirs: &[PathBuf]) -> TestReport {
    let mut merged = TestReport::default();
    for dir in dirs {
        let tests = dir.join("tests");
        if tests.is_dir() {
            let r = run_tests(pack, &tests);
            merged.results.extend(r.results);
            merged.errors.extend(r.errors);
        }
    }
    let tested: HashSet<&str> = merged.results.iter().map(|r| r.rule_id.as_str()).collect();
    merged.untested = pack
        .rules
        .iter()
        .filter(|r| !tested.contains(r.id.as_str()))
        .map(|r| r.id.clone())
        .collect();
    merged
}

fn test(g: &GlobalArgs, src: &RuleSource) -> Result<ExitCode> {
    let (pack, dirs) = load_pack(g, src)?;
    let report = test_all(&pack, &dirs.dirs);
    let code = if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if write_value(g.format, &report)? {
        return Ok(code);
    }
    let mut out = stdout();
    for r in report.results.iter().filter(|r| !r.passed()) {
        writeln!(out, "FAIL {} ({})", r.rule_id, r.test_file.display())?;
        for f in &r.failures {
            writeln!(out, "  {f}")?;
        }
    }
    for e in &report.errors {
        writeln!(out, "ERROR {e}")?;
    }
    let passed = report.results.iter().filter(|r| r.passed()).count();
    writeln!(
        out,
        "{passed}/{} rule tests passed, {} test file error(s), {} rule(s) without tests",
        report.results.len(),
        report.errors.len(),
        report.untested.len()
    )?;
    out.flush()?;
    Ok(code)
}

fn run_lint(g: &GlobalArgs, src: &RuleSource) -> Result<ExitCode> {
    let (pack, dirs) = load_pack(g, src)?;
    let mut findings = lint(&pack, None);
    let report = test_all(&pack, &dirs.dirs);
    for id in &report.untested {
        if let Some(rule) = pack.rule(id) {
            findings.push(LintFinding {
                file: rule.file.clone(),
                rule_id: Some(id.clone()),
                message: "no test file names this rule".into(),
            });
        }
    }
    let code = if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    let skipped: Vec<serde_json::Value> = pack
        .skipped
        .iter()
        .map(|s| serde_json::json!({"file": s.file, "id": s.id, "reason": s.reason.to_string()}))
        .collect();
    let value = serde_json::json!({
        "findings": findings,
        "skipped": skipped,
        "rules": pack.rules.len(),
    });
    if write_value(g.format, &value)? {
        return Ok(code);
    }
    let mut out = stdout();
    for f in &findings {
        match &f.rule_id {
            Some(id) => writeln!(out, "{}: {id}: {}", f.file.display(), f.message)?,
            None => writeln!(out, "{}: {}", f.file.display(), f.message)?,
        }
    }
    // Warnings, not findings: a pack mixing log sources is not wrong, only not all for GitLab.
    for s in &pack.skipped {
        writeln!(
            out,
            "{}: {}: warning: skipped: {}",
            s.file.display(),
            s.id,
            s.reason
        )?;
    }
    writeln!(
        out,
        "{} finding(s) in {} rule(s), {} rule(s) skipped",
        findings.len(),
        pack.rules.len(),
        pack.skipped.len()
    )?;
    out.flush()?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn skipped(product: Option<&str>, kind: SkipReason) -> SkippedRule {
        SkippedRule {
            file: PathBuf::from("r.yml"),
            id: "r".into(),
            title: "r".into(),
            kind: glir_detect::RuleKind::Detection,
            reason: match kind {
                SkipReason::Logsource { .. } => SkipReason::Logsource {
                    product: product.map(str::to_owned),
                },
                other => other,
            },
        }
    }

    #[test]
    fn skipped_rules_are_summed_up_by_product_most_common_first() {
        let logsource = || SkipReason::Logsource { product: None };
        let mut rules = vec![skipped(Some("linux"), logsource()); 300];
        rules.extend(vec![skipped(Some("windows"), logsource()); 1_900]);
        rules.push(skipped(None, logsource()));
        rules.push(skipped(None, SkipReason::ReferencesSkipped));
        assert_eq!(
            skipped_summary(&rules).unwrap(),
            "warning: 2,202 rules skipped: their logsource is not GitLab (product: windows 1,900, \
             linux 300, none 1; 1 correlation of them); pass --any-logsource to evaluate them"
        );
        assert_eq!(skipped_summary(&[]), None);
    }

    #[test]
    fn thousands_are_separated_by_commas() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (1_234_567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
    }
}
