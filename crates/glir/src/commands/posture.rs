//! `glir posture`: the checks run against GitLab, shown as a table of what failed (or the whole
//! run as JSON, Markdown or SARIF), failures optionally saved as a plan in a case.
//!
//! Exit codes: 0 nothing failed at or above `--fail-on`; 10 + the worst failed severity (11
//! low, 12 medium, 13 high, 14 critical; 10 info); 4 when nothing failed but the token could not
//! see everything; 2 a fault or usage error.

use super::case::cases;
use super::{EXIT_PARTIAL, operator, runtime, write_value};
use crate::cli::{GlobalArgs, OutputFormat, PostureArgs, PostureScope, PostureSeverity};
use crate::config::Settings;
use crate::output::{status, stdout};
use anyhow::{Context, Result, bail};
use glir_case::NewCase;
use glir_posture::{Check, Ignore, Journal, Options, Progress, Report, Scope, Selection, Severity};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use serde_json::{Map, Value};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// GitLab.com's documented authenticated API limit (doc/user/gitlab_com/_index.md, "Rate limits
/// on GitLab.com"): 2,000 requests a minute per user.
const GITLAB_COM_PER_MINUTE: u32 = 2_000;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &PostureArgs) -> Result<ExitCode> {
    let checks = load(settings, args)?;
    if args.list {
        return list(g, &checks);
    }
    let probe = super::client(settings, Duration::ZERO)?;
    let rt = runtime()?;
    let interval = match args.rate {
        Some(0) => bail!("--rate must be at least 1 request a minute"),
        Some(per_minute) => Duration::from_secs(60) / per_minute,
        None => rt.block_on(instance_pace(&probe)),
    };
    let client = super::client(settings, interval)?;
    let mut journal = match &args.resume {
        Some(path) => Some(Journal::open(path, client.base_url().as_str())?),
        None => None,
    };
    let options = Options {
        selection: Selection {
            group: args.group.clone(),
            project: args.project.clone(),
            scopes: args.scopes.iter().map(|s| scope(*s)).collect(),
        },
        ignore: settings
            .posture
            .ignore
            .iter()
            .chain(&args.ignore)
            .map(|i| Ignore::parse(i))
            .collect(),
        params: settings
            .posture
            .params
            .iter()
            .map(|(id, table)| {
                let map = serde_json::to_value(table)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .unwrap_or_else(Map::new);
                (id.clone(), map)
            })
            .collect(),
        concurrency: usize::from(args.concurrency),
        releases: match &settings.releases_file {
            Some(path) => Some(glir_releases::Releases::from_path(path)?),
            None => None,
        },
        now: Timestamp::now(),
    };
    let bar = Bar::new(g.quiet || !std::io::stderr().is_terminal());
    let report = rt
        .block_on(glir_posture::run(
            &client,
            &checks,
            &options,
            &bar,
            journal.as_mut(),
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.0.finish_and_clear();
    if let Some(path) = &args.sarif {
        let log = serde_json::to_vec_pretty(&glir_report::posture_to_sarif(&report))?;
        std::fs::write(path, log).with_context(|| format!("cannot write {}", path.display()))?;
    }
    match g.format {
        OutputFormat::Md => {
            let mut out = stdout();
            out.write_all(glir_report::posture_markdown(&report).as_bytes())?;
            out.flush()?;
        }
        OutputFormat::Sarif => {
            glir_report::write_json(&mut stdout(), &glir_report::posture_to_sarif(&report))?;
        }
        format => {
            if !write_value(format, &report)? {
                table(&report, args.all)?;
            }
        }
    }
    if args.plan_fixes {
        plan_fixes(settings, args, &report, &checks)?;
    }
    Ok(exit_code(&report, severity(args.fail_on)))
}

fn load(settings: &Settings, args: &PostureArgs) -> Result<Vec<Check>> {
    let dirs: Vec<_> = settings
        .posture
        .checks
        .iter()
        .chain(&args.dirs)
        .cloned()
        .collect();
    let mut checks = glir_posture::load::with_dirs(&dirs)?;
    if !args.only.is_empty() {
        if let Some(unknown) = args
            .only
            .iter()
            .find(|id| !checks.iter().any(|c| &c.spec.id == *id))
        {
            bail!("--check {unknown}: no such check (glir posture --list shows them)");
        }
        checks.retain(|c| args.only.contains(&c.spec.id));
    }
    if !args.scopes.is_empty() {
        let wanted: Vec<Scope> = args.scopes.iter().map(|s| scope(*s)).collect();
        checks.retain(|c| wanted.contains(&c.spec.scope));
    }
    Ok(checks)
}

fn list(g: &GlobalArgs, checks: &[Check]) -> Result<ExitCode> {
    let rows: Vec<Value> = checks
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.spec.id,
                "severity": c.spec.severity,
                "scope": c.spec.scope,
                "title": c.spec.title,
                "requires": c.spec.requires,
                "fix": c.spec.fix.as_ref().map(|f| f.action),
                "origin": c.origin,
            })
        })
        .collect();
    if !write_value(g.format, &rows)? {
        let mut out = stdout();
        for c in checks {
            writeln!(
                out,
                "{:<44} {:<8} {:<8} {}",
                c.spec.id,
                c.spec.severity.as_str(),
                c.spec.scope.as_str(),
                c.spec.title
            )?;
        }
        writeln!(out, "{} checks", checks.len())?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The spacing that keeps a long run under the instance's authenticated API rate limit: 90%
/// of it when an administrator can read it, GitLab.com's documented limit there, else none.
async fn instance_pace(client: &glir_gitlab::Client) -> Duration {
    if client.host() == "gitlab.com" {
        return Duration::from_secs(60) / (GITLAB_COM_PER_MINUTE * 9 / 10);
    }
    let Ok(answer) = client.get::<Value>("/application/settings", &[]).await else {
        return Duration::ZERO;
    };
    let s = &answer.body;
    if s["throttle_authenticated_api_enabled"] != Value::Bool(true) {
        return Duration::ZERO;
    }
    let (Some(requests), Some(seconds)) = (
        s["throttle_authenticated_api_requests_per_period"].as_u64(),
        s["throttle_authenticated_api_period_in_seconds"].as_u64(),
    ) else {
        return Duration::ZERO;
    };
    let allowed = (requests * 9 / 10).max(1);
    Duration::from_secs_f64(seconds as f64 / allowed as f64)
}

fn table(report: &Report, all: bool) -> Result<()> {
    let mut out = stdout();
    let f = &report.facts;
    writeln!(
        out,
        "{} — GitLab {}{}, {} as {}{}",
        f.url,
        f.version.as_deref().unwrap_or("?"),
        f.tier.map_or(String::new(), |t| format!(" {}", t.as_str())),
        report
            .targets
            .iter()
            .map(|(scope, n)| match (scope.as_str(), n) {
                ("instance", _) => "the instance".to_string(),
                (scope, 1) => format!("1 {scope}"),
                (scope, n) => format!("{n} {scope}s"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        f.username.as_deref().unwrap_or("?"),
        if f.is_admin { " (administrator)" } else { "" }
    )?;
    let mut shown: Vec<_> = report
        .results
        .iter()
        .filter(|o| all || o.status != glir_posture::Status::Pass)
        .collect();
    let rank = |s: glir_posture::Status| match s {
        glir_posture::Status::Fail => 0,
        glir_posture::Status::Error => 1,
        glir_posture::Status::Skip => 2,
        glir_posture::Status::Pass => 3,
    };
    shown.sort_by(|a, b| {
        rank(a.status)
            .cmp(&rank(b.status))
            .then(b.severity.cmp(&a.severity))
            .then(a.id.cmp(&b.id))
            .then(a.target.cmp(&b.target))
    });
    for o in &shown {
        writeln!(
            out,
            "{:<5} {:<8} {:<42} {:<30} {}",
            o.status.as_str(),
            o.severity.as_str(),
            o.id,
            o.target,
            o.reason.as_deref().unwrap_or("")
        )?;
    }
    let c = &report.counts;
    writeln!(
        out,
        "\n{} PASS, {} FAIL, {} SKIP, {} ERROR over {} checks; {} requests ({} rate-limited){}",
        c.pass,
        c.fail,
        c.skip,
        c.error,
        report.checks.len(),
        report.requests.sent,
        report.requests.rate_limited,
        if report.resumed > 0 {
            format!("; {} targets from the resume file", report.resumed)
        } else {
            String::new()
        }
    )?;
    if !report.complete {
        writeln!(out, "INCOMPLETE: this token could not see everything:")?;
        for line in &report.incomplete {
            writeln!(out, "  {line}")?;
        }
    }
    out.flush()?;
    Ok(())
}

fn plan_fixes(
    settings: &Settings,
    args: &PostureArgs,
    report: &Report,
    checks: &[Check],
) -> Result<()> {
    let Some(name) = &args.case else {
        bail!("--plan-fixes needs --case");
    };
    let plan = glir_posture::fixes::plan(report, checks, name);
    if plan.steps.is_empty() {
        status!("no failing check has a fix glir can apply: no plan saved");
        return Ok(());
    }
    let all = cases(settings, &args.dir);
    let operator = operator();
    let mut case = match all.load(name) {
        Ok(case) => {
            if case.info().status == glir_case::CaseStatus::Closed {
                return Err(glir_case::Error::Closed(name.clone()).into());
            }
            case
        }
        Err(glir_case::Error::NotFound(_)) => all.open_new(
            name,
            NewCase {
                scenario: Some("posture".to_string()),
                operator: operator.clone(),
                glir_version: env!("CARGO_PKG_VERSION").to_string(),
                gitlab_url: Some(report.facts.url.clone()),
                exposed_at: None,
            },
        )?,
        Err(e) => return Err(e.into()),
    };
    let path = plan.save(&mut case, &operator)?;
    status!(
        "plan of {} fixes saved in case {name} as {path}; review it, then `glir apply {name}`",
        plan.steps.len()
    );
    Ok(())
}

fn exit_code(report: &Report, floor: Severity) -> ExitCode {
    match report.worst_failure(floor) {
        Some(worst) => ExitCode::from(10 + worst as u8),
        None if !report.complete => ExitCode::from(EXIT_PARTIAL),
        None => ExitCode::SUCCESS,
    }
}

fn scope(s: PostureScope) -> Scope {
    match s {
        PostureScope::Instance => Scope::Instance,
        PostureScope::Group => Scope::Group,
        PostureScope::Project => Scope::Project,
    }
}

fn severity(s: PostureSeverity) -> Severity {
    match s {
        PostureSeverity::Info => Severity::Info,
        PostureSeverity::Low => Severity::Low,
        PostureSeverity::Medium => Severity::Medium,
        PostureSeverity::High => Severity::High,
        PostureSeverity::Critical => Severity::Critical,
    }
}

/// A bar over targets on stderr.
struct Bar(ProgressBar);

impl Bar {
    fn new(hidden: bool) -> Bar {
        let bar = if hidden {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} targets {msg} ({elapsed}, eta {eta})",
            )
            .expect("static template"),
        );
        Bar(bar)
    }
}

impl Progress for Bar {
    fn planned(&self, targets: usize, resumed: usize) {
        self.0.set_length(targets as u64);
        self.0.set_position(resumed as u64);
    }

    fn finished(&self, target: &str) {
        self.0.set_message(target.to_string());
        self.0.inc(1);
    }
}
