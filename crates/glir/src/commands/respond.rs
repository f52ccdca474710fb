//! `glir respond KIND` and `glir apply CASE`: a playbook's evidence, findings and plan, and the
//! confirmed application of a saved plan.

use super::case::cases;
use super::rules::load_rules_to_run;
use super::{open_store, operator, runtime, write_value};
use crate::cli::{ApplyArgs, GlobalArgs, OutputFormat, RespondArgs};
use crate::config::Settings;
use crate::output::{status, stdout, to_stderr};
use crate::timespec::resolve;
use anyhow::{Context, Result, bail};
use glir_case::{Case, NewCase};
use glir_redact::Secret;
use glir_respond::{
    Investigation, Outcome, Plan, Playbook, Respond, StepResult, Subject, apply_with_tokens,
    investigate,
};
use glir_tokens::{IdentifyOptions, candidates};
use jiff::{SignedDuration, Timestamp};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

const DEFAULT_WINDOW: SignedDuration = SignedDuration::from_hours(30 * 24);

pub fn run(g: &GlobalArgs, settings: &Settings, args: &RespondArgs) -> Result<ExitCode> {
    let subject = subject(args)?;
    // The leaked token read from stdin, kept (as a Secret) for admin-API revocations.
    let tokens: Vec<Secret> = match &subject {
        Subject::Token(token) => vec![token.clone()],
        _ => Vec::new(),
    };
    let now = Timestamp::now();
    let since = resolve(args.since, now).unwrap_or(now - DEFAULT_WINDOW);
    let until = resolve(args.until, now).unwrap_or(now);
    let exposed_at = resolve(args.exposed_at, now);
    let client = super::client(settings, Duration::from_millis(50))?;
    let mut store = open_store(settings)?;
    let pack = load_rules_to_run(g, &args.rules)?;
    let operator = operator();
    let name = args
        .case
        .clone()
        .unwrap_or_else(|| format!("{}-{}", args.kind.name(), now.strftime("%Y%m%dT%H%M%SZ")));
    let all = cases(settings, &args.dir);
    let existing = match all.load(&name) {
        Ok(case) => Some(refuse_closed(case)?),
        Err(glir_case::Error::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let rt = runtime()?;
    // Before a case is opened: a GitLab that cannot say who the responder is (down, a wrong
    // certificate, a revoked token) would leave an empty case and a run that reads as "no
    // access".
    if let Err(e) = rt.block_on(client.current_user())
        && !e.is_access_denied()
    {
        bail!("GitLab did not say who the responder's token is: {e}; no case was opened");
    }
    let mut case = match existing {
        Some(case) => case,
        None => all.open_new(
            &name,
            NewCase {
                scenario: Some(args.kind.name().to_string()),
                exposed_at,
                operator: operator.clone(),
                glir_version: env!("CARGO_PKG_VERSION").to_string(),
                gitlab_url: settings.url.clone(),
            },
        )?,
    };
    if let Some(at) = exposed_at {
        case.record_time(glir_case::TimeKind::Exposed, at, &operator)?;
    }
    let investigation = rt.block_on(async {
        let mut respond = Respond {
            client: &client,
            store: &mut store,
            case: &mut case,
            pack: &pack,
            operator: operator.clone(),
            since,
            until,
        };
        investigate(&mut respond, args.kind, subject).await
    })?;
    // The plan is shown before `apply` asks to confirm it.
    let json = g.format == OutputFormat::Json;
    if !json {
        write_investigation(&mut stdout(), &name, &case, &investigation)?;
    }
    let applied = if args.apply {
        Some(apply_plan(
            &rt,
            &client,
            &mut store,
            &mut case,
            &investigation.plan,
            &investigation.plan_path,
            args.yes,
            &operator,
            &tokens,
        )?)
    } else {
        None
    };
    let value = serde_json::json!({
        "case": name,
        "dir": case.dir(),
        "investigation": investigation,
        "applied": applied,
    });
    // A failed or declined apply says 1; otherwise a partial investigation says 3.
    let code = match &applied {
        Some(a) if a.failed_or_declined() => a.exit_code(),
        _ if !investigation.coverage.is_complete() => ExitCode::from(super::EXIT_PARTIAL),
        _ => ExitCode::SUCCESS,
    };
    if write_value(g.format, &value)? {
        return Ok(code);
    }
    let mut out = stdout();
    match &applied {
        None => writeln!(
            out,
            "\nNothing was changed. Apply with: glir apply {name}   (or re-run with --apply)"
        )?,
        Some(applied) => write_applied(&mut out, applied, &name)?,
    }
    Ok(code)
}

fn write_investigation(
    out: &mut impl Write,
    name: &str,
    case: &Case,
    investigation: &Investigation,
) -> Result<()> {
    writeln!(out, "case {} ({})", name, case.dir().display())?;
    for line in &investigation.summary {
        writeln!(out, "  {line}")?;
    }
    writeln!(
        out,
        "\n{} events reviewed, {} detections, {} findings",
        investigation.events,
        investigation.alerts.len(),
        investigation.findings.len()
    )?;
    for f in &investigation.findings {
        writeln!(out, "  [{}] {}", f.severity, f.title)?;
    }
    for s in &investigation.skipped {
        writeln!(out, "  skipped: {} — {}", s.check, s.reason)?;
    }
    writeln!(out, "coverage: {}", investigation.coverage)?;
    write_plan(out, &investigation.plan, &investigation.plan_path)
}

pub fn run_apply(g: &GlobalArgs, settings: &Settings, args: &ApplyArgs) -> Result<ExitCode> {
    let mut case = refuse_closed(cases(settings, &args.dir).load(&args.case)?)?;
    let Some((path, plan)) = Plan::latest(&case)? else {
        bail!(
            "case {} has no plan: run `glir respond KIND --case {}` first",
            args.case,
            args.case
        );
    };
    let plan = match args.batch {
        None => plan,
        Some(n) => {
            let batch = plan.batch(n);
            if batch.steps.is_empty() {
                bail!(
                    "the plan {path} of case {} has no step in batch {n}",
                    args.case
                );
            }
            batch
        }
    };
    let json = g.format == OutputFormat::Json;
    if !json {
        write_plan(&mut stdout(), &plan, &path)?;
    }
    let client = super::client(settings, Duration::from_millis(50))?;
    let rt = runtime()?;
    let mut store = open_store(settings)?;
    let tokens = if glir_respond::needs_tokens(&plan) {
        read_tokens()?
    } else {
        Vec::new()
    };
    let applied = apply_plan(
        &rt,
        &client,
        &mut store,
        &mut case,
        &plan,
        &path,
        args.yes,
        &operator(),
        &tokens,
    )?;
    let value =
        serde_json::json!({"case": args.case, "plan_path": path, "plan": plan, "applied": applied});
    if !write_value(g.format, &value)? {
        write_applied(&mut stdout(), &applied, &args.case)?;
    }
    Ok(applied.exit_code())
}

/// What applying a plan did: each step's result and whether the journal still verifies.
/// `results` is empty when the responder declined.
#[derive(serde::Serialize)]
pub(super) struct Applied {
    confirmed: bool,
    results: Vec<StepResult>,
    journal_records: u64,
    journal_verified: bool,
    failed: usize,
}

impl Applied {
    fn failed_or_declined(&self) -> bool {
        !self.confirmed || self.failed > 0
    }

    /// 1 when nothing was applied or a step failed.
    pub(super) fn exit_code(&self) -> ExitCode {
        if self.failed_or_declined() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn apply_plan(
    rt: &tokio::runtime::Runtime,
    client: &glir_gitlab::Client,
    store: &mut glir_store::Store,
    case: &mut Case,
    plan: &Plan,
    path: &str,
    yes: bool,
    operator: &str,
    tokens: &[Secret],
) -> Result<Applied> {
    let changes = plan
        .steps
        .iter()
        .filter(|s| !matches!(s.action, glir_respond::Action::Manual { .. }))
        .count();
    if !confirm(changes, client, yes)? {
        return Ok(Applied {
            confirmed: false,
            results: Vec::new(),
            journal_records: 0,
            journal_verified: false,
            failed: 0,
        });
    }
    let results = rt.block_on(apply_with_tokens(
        client, case, plan, path, operator, tokens,
    ))?;
    let applied: Vec<String> = results.iter().map(|r| r.journal_hash.clone()).collect();
    store.link_case(&case.info().name, "journal", &applied)?;
    let report = case.verify()?;
    let failed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .count();
    Ok(Applied {
        confirmed: true,
        results,
        journal_records: report.journal_records,
        journal_verified: report.ok(),
        failed,
    })
}

pub(super) fn write_applied(out: &mut impl Write, applied: &Applied, case: &str) -> Result<()> {
    if !applied.confirmed {
        writeln!(out, "Not applied.")?;
        return Ok(());
    }
    writeln!(out)?;
    for r in &applied.results {
        write_result(out, r)?;
    }
    writeln!(
        out,
        "\njournal: {} records, {}",
        applied.journal_records,
        if applied.journal_verified {
            "verified"
        } else {
            "DOES NOT VERIFY (run glir case verify)"
        }
    )?;
    if applied.failed > 0 {
        writeln!(
            out,
            "{} steps failed; see the journal and re-run `glir apply {case}` once fixed",
            applied.failed
        )?;
    }
    Ok(())
}

/// A closed case takes no more investigation or containment: before any request is sent.
pub(super) fn refuse_closed(case: Case) -> Result<Case> {
    if case.info().status == glir_case::CaseStatus::Closed {
        return Err(glir_case::Error::Closed(case.info().name.clone()).into());
    }
    Ok(case)
}

fn confirm(changes: usize, client: &glir_gitlab::Client, yes: bool) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!("not interactive: pass --yes to apply without asking");
    }
    to_stderr(format_args!(
        "Apply {changes} changes to {}? Type yes to continue: ",
        client.base_url()
    ));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

pub(super) fn write_plan(out: &mut impl Write, plan: &Plan, path: &str) -> Result<()> {
    writeln!(
        out,
        "\nplan ({} steps, saved as evidence {path}):",
        plan.steps.len()
    )?;
    for step in &plan.steps {
        writeln!(out, "  {:>2}. {}", step.n, step.effect)?;
        writeln!(out, "      why:  {}", step.why)?;
        if step.risk != "-" && !step.risk.is_empty() {
            writeln!(out, "      risk: {}", step.risk)?;
        }
    }
    Ok(())
}

fn write_result(out: &mut impl Write, r: &StepResult) -> Result<()> {
    let outcome = match r.outcome {
        Outcome::Applied => "applied",
        Outcome::AlreadyDone => "already done",
        Outcome::Failed => "FAILED",
        Outcome::Manual => "manual",
    };
    writeln!(
        out,
        "  {:>2}. {:<13} {:<30} {}  journal {}",
        r.n,
        outcome,
        r.action,
        r.request_id
            .as_deref()
            .map(|id| format!("request {id}"))
            .unwrap_or_default(),
        &r.journal_hash[..16]
    )?;
    if r.outcome == Outcome::Failed {
        writeln!(out, "      {}", r.note)?;
    }
    Ok(())
}

fn subject(args: &RespondArgs) -> Result<Subject> {
    let need = |value: &Option<String>, flag: &str| {
        value
            .clone()
            .with_context(|| format!("{} needs {flag}", args.kind.name()))
    };
    Ok(match args.kind {
        Playbook::TokenExposure => Subject::Token(read_token()?),
        Playbook::AccountCompromise => Subject::User(need(&args.user, "--user USERNAME")?),
        Playbook::JobTokenExposure | Playbook::CiSecretExposure => Subject::Project {
            project: need(&args.project, "--project PATH")?,
            job: args.job,
        },
        Playbook::InstanceCompromise => Subject::Instance,
        Playbook::Misconfiguration => match (&args.project, &args.group) {
            (Some(project), _) => Subject::Project {
                project: project.clone(),
                job: None,
            },
            (None, Some(group)) => Subject::Group(group.clone()),
            (None, None) => bail!("misconfiguration needs --project or --group"),
        },
        Playbook::Exfiltration => match &args.user {
            Some(user) => Subject::User(user.clone()),
            None => Subject::Instance,
        },
    })
}

fn read_token() -> Result<Secret> {
    if std::io::stdin().is_terminal() {
        status!("paste the leaked token and press Enter (it is not echoed to the log):");
    }
    // The first line that holds anything: a bare token, or a pasted log or `.env` line with one.
    for line in std::io::stdin().lock().lines() {
        let line = Secret::new(line.context("cannot read the token from stdin")?);
        if line.expose().trim().is_empty() {
            continue;
        }
        let mut found = candidates(line.expose(), &IdentifyOptions::default());
        return match found.len() {
            1 => Ok(Secret::new(found.remove(0).0)),
            0 => bail!(
                "the line on stdin holds no GitLab token (glpat-, gldt-, glrt-, … or a CI job JWT); nothing was sent to GitLab and no case was opened"
            ),
            n => {
                let shown: Vec<&str> = found.iter().map(|(_, id)| id.redacted.as_str()).collect();
                bail!(
                    "the line on stdin holds {n} GitLab tokens ({}): respond to one at a time",
                    shown.join(", ")
                )
            }
        };
    }
    bail!(
        "token-exposure reads the leaked token from stdin: `glir respond token-exposure < token.txt`"
    )
}

/// Leaked tokens for the plan's admin-API steps, one per stdin line (never from argv).
fn read_tokens() -> Result<Vec<Secret>> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        status!(
            "this plan revokes tokens through the admin token API: paste each leaked token, then an empty line:"
        );
    }
    let mut tokens = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read tokens from stdin")?;
        if line.trim().is_empty() {
            if interactive {
                break;
            }
            continue;
        }
        tokens.push(Secret::new(line.trim().to_string()));
    }
    Ok(tokens)
}
