//! `glir rules list | test | lint`, and finding the rule directories every rule command uses.

use crate::cli::{GlobalArgs, OutputFormat, RuleSource, RulesCommand};
use anyhow::{Result, bail};
use glir_detect::{LintFinding, RulePack, TestReport, lint, load_rules, run_tests};
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The pack this binary was built beside; found when glir runs from a source checkout.
const BUILT_WITH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/gitlab");

pub fn run(g: &GlobalArgs, cmd: &RulesCommand) -> Result<ExitCode> {
    match cmd {
        RulesCommand::List(src) => list(g, src),
        RulesCommand::Test(src) => test(g, src),
        RulesCommand::Lint(src) => run_lint(g, src),
    }
}

/// `--rules` dirs, else `./rules/gitlab`, else the build tree's pack.
pub(super) fn rule_dirs(src: &RuleSource) -> Result<Vec<PathBuf>> {
    if !src.dirs.is_empty() {
        return Ok(src.dirs.clone());
    }
    for candidate in [PathBuf::from("rules/gitlab"), PathBuf::from(BUILT_WITH)] {
        if candidate.is_dir() {
            return Ok(vec![candidate]);
        }
    }
    bail!("no rule directory: pass --rules DIR (the pack is rules/gitlab in the glir sources)")
}

/// Loads the pack, printing each broken file to stderr (strict mode makes them an error).
pub(super) fn load_pack(g: &GlobalArgs, src: &RuleSource) -> Result<(RulePack, Vec<PathBuf>)> {
    let dirs = rule_dirs(src)?;
    let pack = load_rules(&dirs, src.strict, &src.disabled)?;
    if !g.quiet {
        for e in &pack.errors {
            eprintln!("warning: rule skipped: {e}");
        }
    }
    Ok((pack, dirs))
}

fn list(g: &GlobalArgs, src: &RuleSource) -> Result<ExitCode> {
    let (pack, _) = load_pack(g, src)?;
    let mut out = std::io::stdout().lock();
    match g.format {
        OutputFormat::Jsonl => {
            for r in &pack.rules {
                writeln!(out, "{}", serde_json::to_string(r)?)?;
            }
        }
        OutputFormat::Table | OutputFormat::Csv => {
            let sep = if g.format == OutputFormat::Csv {
                ","
            } else {
                "  "
            };
            writeln!(out, "{}", ["ID", "LEVEL", "TITLE", "FILE"].join(sep))?;
            for r in &pack.rules {
                let row = [
                    r.id.clone(),
                    r.level.clone(),
                    r.title.clone(),
                    r.file.display().to_string(),
                ];
                let row: Vec<String> = if g.format == OutputFormat::Csv {
                    row.iter().map(|c| super::detect::csv_field(c)).collect()
                } else {
                    row.to_vec()
                };
                writeln!(out, "{}", row.join(sep))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
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
    let report = test_all(&pack, &dirs);
    let mut out = std::io::stdout().lock();
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
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_lint(g: &GlobalArgs, src: &RuleSource) -> Result<ExitCode> {
    let (pack, dirs) = load_pack(g, src)?;
    let mut findings = lint(&pack, None);
    let report = test_all(&pack, &dirs);
    for id in &report.untested {
        if let Some(rule) = pack.rule(id) {
            findings.push(LintFinding {
                file: rule.file.clone(),
                rule_id: Some(id.clone()),
                message: "no test file names this rule".into(),
            });
        }
    }
    let mut out = std::io::stdout().lock();
    for f in &findings {
        match &f.rule_id {
            Some(id) => writeln!(out, "{}: {id}: {}", f.file.display(), f.message)?,
            None => writeln!(out, "{}: {}", f.file.display(), f.message)?,
        }
    }
    writeln!(
        out,
        "{} finding(s) in {} rule(s)",
        findings.len(),
        pack.rules.len()
    )?;
    out.flush()?;
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
