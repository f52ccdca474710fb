//! `glir rules list | test | lint`, and finding the rule directories every rule command uses.

use crate::cli::{GlobalArgs, OutputFormat, RuleSource, RulesCommand};
use anyhow::{Context, Result, bail};
use glir_detect::{LintFinding, RulePack, TestReport, lint, load_rules, run_tests};
use std::collections::HashSet;
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

/// Loads the pack, printing each broken file to stderr (strict mode makes them an error).
pub(super) fn load_pack(g: &GlobalArgs, src: &RuleSource) -> Result<(RulePack, RuleDirs)> {
    let dirs = rule_dirs(src)?;
    let pack = load_rules(&dirs.dirs, src.strict, &src.disabled)?;
    if !g.quiet {
        for e in &pack.errors {
            eprintln!("warning: rule skipped: {e}");
        }
    }
    Ok((pack, dirs))
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
    let mut out = std::io::stdout().lock();
    match g.format {
        OutputFormat::Jsonl => {
            for r in &pack.rules {
                writeln!(out, "{}", serde_json::to_string(r)?)?;
            }
        }
        _ => {
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
                    shown(&r.file),
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
    let report = test_all(&pack, &dirs.dirs);
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
