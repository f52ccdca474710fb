//! `glir demo`: the whole investigation loop, offline. The bundled simulator plays a GitLab
//! instance holding a synthetic incident; glir collects from it through the real client and
//! store, then prints what a responder would look at first.

use super::collect::{collect, print_summary};
use super::rules::load_rules_to_run;
use super::whoami::print_identity;
use super::{runtime, write_value};
use crate::cli::{DemoArgs, GlobalArgs, OutputFormat, RuleSource};
use crate::output::stdout;
use anyhow::{Context, Result};
use glir_baseline::{Baseline, Config as BaselineConfig};
use glir_collect::CollectRequest;
use glir_detect::{Alert, Detector, level_rank};
use glir_gitlab::{AuditScope, Auth, Client};
use glir_probe::{Targets, probe};
use glir_redact::Secret;
use glir_report::{Format, Mark, build_timeline, write_timeline};
use glir_sim::Scenario;
use glir_store::{EventFilter, Store};
use jiff::{SignedDuration, Timestamp};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// The demo story: this token of this user was found committed to a public project.
const LEAKED_TOKEN_NAME: &str = "deploy-automation";
/// Steps the demo walks through.
const STEPS: u32 = 7;
/// The group whose CI job logs and artifacts the demo scans for the leaked token.
const SCANNED_GROUP: &str = "acme";
/// The responder's own credential in the scenario: an administrator's token.
const INVESTIGATOR: &str = "root";

pub fn run(g: &GlobalArgs, args: &DemoArgs) -> Result<ExitCode> {
    let scenario = Scenario::demo();
    let investigator = scenario
        .tokens
        .iter()
        .find(|t| t.user == INVESTIGATOR && !t.revoked)
        .context("demo scenario has no investigator token")?
        .token
        .clone();
    let leaked = scenario
        .tokens
        .iter()
        .find(|t| t.name == LEAKED_TOKEN_NAME)
        .context("demo scenario has no leaked token")?;
    let (leaked_owner, leaked_secret) = (leaked.user.clone(), Secret::new(leaked.token.clone()));
    // Audit events name authors by display name and email, not username.
    let owner_email = scenario
        .users
        .iter()
        .find(|u| u.username == leaked_owner)
        .and_then(|u| u.email.clone())
        .context("demo scenario: the leaked token's owner has no email")?;
    let (since, until) = event_span(&scenario).context("demo scenario has no audit events")?;

    let temp;
    let data_dir = match &args.keep {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary directory")?;
            temp.path().to_path_buf()
        }
    };
    let store_path = data_dir.join("glir.db");
    let mut store = Store::open(&store_path)?;
    let description = scenario.description.clone().unwrap_or_default();

    // `--format json` gives what each step found as one document; the narrative is for a person.
    let json = g.format == OutputFormat::Json;
    let mut out: Box<dyn Write> = if json {
        Box::new(std::io::sink())
    } else {
        Box::new(stdout())
    };
    let mut found = serde_json::Map::new();
    writeln!(
        out,
        "glir demo: a simulated GitLab incident, investigated end to end"
    )?;
    writeln!(
        out,
        "SYNTHETIC DRILL DATA. No real instance, person or credential is involved."
    )?;
    writeln!(out)?;
    for line in wrap(&description, 96) {
        writeln!(out, "  {line}")?;
    }

    runtime()?.block_on(async {
        let sim = glir_sim::start(scenario).await?;
        let client = Client::builder(&sim.url())?
            .auth(Auth::PrivateToken(Secret::new(investigator.clone())))
            .user_agent(format!("glir/{} (demo)", env!("CARGO_PKG_VERSION")))
            .build()?;

        step(&mut out, 1, "Who am I on this instance?", "glir whoami")?;
        let identity = probe(&client, &Targets::default()).await;
        let inv = Secret::new(investigator);
        let token_line = format!("{} ({}) — the responder's admin token", inv.redacted(), inv.fingerprint());
        print_identity(&mut out, &identity, Some(&token_line))?;

        step(
            &mut out,
            2,
            "Collect the instance's audit events",
            &format!("glir collect audit-events --instance --since {since} --until {until}"),
        )?;
        let mut req = CollectRequest::new(AuditScope::Instance);
        req.since = Some(since);
        req.until = Some(until);
        let summary = collect(&client, &mut store, &req, &AtomicBool::new(false), g.quiet).await?;
        print_summary(&mut out, &summary)?;
        found.insert("collected".into(), serde_json::to_value(&summary)?);

        step(
            &mut out,
            3,
            &format!(
                "The leaked token {} ({}) belongs to {leaked_owner}: their timeline",
                leaked_secret.redacted(),
                leaked_secret.fingerprint()
            ),
            &format!("glir timeline --actor {owner_email}"),
        )?;
        let events = store.query_events(&EventFilter {
            actor: Some(owner_email.clone()),
            ..EventFilter::default()
        })?;
        // The owner's whole history is shown: nothing before it to learn.
        let timeline = build_timeline(events, &mut Baseline::new(BaselineConfig::default()));
        write_timeline(&mut out, &timeline, Format::Table)?;

        step(&mut out, 4, "What stands out", "glir events --ip <new IP>")?;
        let mut new_ips: Vec<(Timestamp, String)> = Vec::new();
        for entry in timeline.marked() {
            for mark in &entry.marks {
                if let Mark::NewIp { ip } = mark {
                    new_ips.push((entry.event.created_at, ip.clone()));
                }
            }
        }
        let entries: Vec<_> = timeline.days.iter().flat_map(|d| &d.entries).collect();
        for (first_seen, ip) in &new_ips {
            let from_ip: Vec<_> = entries
                .iter()
                .filter(|e| e.event.ip_address.as_deref() == Some(ip.as_str()))
                .collect();
            writeln!(
                out,
                "  {leaked_owner}'s account acted from a new IP, {ip}, first at {first_seen}: {} events",
                from_ip.len()
            )?;
            for entry in from_ip {
                let reasons: Vec<String> = entry
                    .marks
                    .iter()
                    .filter(|m| matches!(m, Mark::Notable { .. }))
                    .map(Mark::label)
                    .collect();
                writeln!(
                    out,
                    "    {}  {:<18} {}",
                    entry.event.created_at.strftime("%Y-%m-%d %H:%M"),
                    reasons.join(", "),
                    glir_redact::scrub(&entry.event.summary())
                )?;
            }
        }
        found.insert(
            "new_ips".into(),
            serde_json::json!(new_ips.iter().map(|(at, ip)| serde_json::json!({"ip": ip, "first_seen": at})).collect::<Vec<_>>()),
        );
        let elsewhere = entries
            .iter()
            .filter(|e| !e.marks.is_empty())
            .filter(|e| !new_ips.iter().any(|(_, ip)| e.event.ip_address.as_deref() == Some(ip.as_str())))
            .count();
        writeln!(
            out,
            "  {elsewhere} other marked events of {leaked_owner} came from known IPs: review them in the timeline above."
        )?;

        step(&mut out, 5, "Detections: the GitLab Sigma rule pack over every collected event", "glir detect")?;
        let pack = load_rules_to_run(g, &RuleSource::default())?;
        let mut detector = Detector::new(&pack)?;
        let mut alerts = Vec::new();
        glir_analyze::detect_stored(
            &mut store,
            &mut detector,
            &EventFilter::default(),
            false,
            &mut glir_analyze::Warmup::new(None),
            |_, raised| -> Result<()> {
                alerts.extend(raised);
                Ok(())
            },
        )?;
        found.insert("alerts".into(), serde_json::to_value(&alerts)?);
        let shown: Vec<&Alert> = alerts
            .iter()
            .filter(|a| level_rank(&a.level) >= level_rank("medium"))
            .collect();
        writeln!(
            out,
            "  {} rules, {} alerts; the {} at medium or above:",
            pack.rules.len(),
            alerts.len(),
            shown.len()
        )?;
        for a in shown {
            writeln!(
                out,
                "  {}  {:<8} {:<16} {}",
                a.time.strftime("%Y-%m-%d %H:%M"),
                a.level,
                a.actor.as_deref().unwrap_or("-"),
                a.reason
            )?;
        }
        step(
            &mut out,
            6,
            "Triage the leaked token: what it is, whether it is live, where else it leaked",
            "glir token inspect < token.txt; glir scan --gitlab-jobs acme --artifacts --verify",
        )?;
        triage(&mut out, &client, &sim.url(), &leaked_secret).await?;

        step(
            &mut out,
            7,
            "Contain it: plan, apply to the simulator, verify the journal, write the report",
            "glir respond token-exposure --case demo < token.txt; glir apply demo; glir case verify demo; glir report demo",
        )?;
        let mut case = glir_case::Cases::new(data_dir.join("cases")).open_new(
            "demo",
            glir_case::NewCase {
                scenario: Some("token-exposure".into()),
                operator: super::operator(),
                glir_version: env!("CARGO_PKG_VERSION").to_string(),
                gitlab_url: Some(sim.url()),
                ..glir_case::NewCase::default()
            },
        )?;
        let investigation = {
            let mut respond = glir_respond::Respond {
                client: &client,
                store: &mut store,
                case: &mut case,
                pack: &pack,
                operator: super::operator(),
                since,
                until: Timestamp::now(),
            };
            glir_respond::investigate(
                &mut respond,
                glir_respond::Playbook::TokenExposure,
                glir_respond::Subject::Token(leaked_secret.clone()),
            )
            .await?
        };
        writeln!(out, "  plan ({} steps, saved in the case as {}):", investigation.plan.steps.len(), investigation.plan_path)?;
        for s in &investigation.plan.steps {
            writeln!(out, "    {}. {}", s.n, s.effect)?;
        }
        writeln!(out, "  applying to the simulator (on a real instance glir asks first, or needs --yes):")?;
        let results = glir_respond::apply(&client, &mut case, &investigation.plan, &investigation.plan_path, &super::operator()).await?;
        for r in &results {
            let outcome = match r.outcome {
                glir_respond::Outcome::Applied => "applied",
                glir_respond::Outcome::AlreadyDone => "already done",
                glir_respond::Outcome::Failed => "FAILED",
                glir_respond::Outcome::Manual => "left to a person",
            };
            writeln!(out, "    {}. {:<16} {:<30} journal {}", r.n, outcome, r.action, &r.journal_hash[..16])?;
        }
        found.insert("plan".into(), serde_json::to_value(&investigation.plan)?);
        found.insert("applied".into(), serde_json::to_value(&results)?);
        let verified = case.verify()?;
        found.insert("journal_verified".into(), verified.ok().into());
        writeln!(
            out,
            "  journal: {} records, {}",
            verified.journal_records,
            if verified.ok() { "hash chain and evidence verified" } else { "DOES NOT VERIFY" }
        )?;
        let report = super::report::write_report(&case, &store, crate::cli::OutputFormat::Md, None)?;
        let html = super::report::write_report(&case, &store, crate::cli::OutputFormat::Html, None)?;
        found.insert("report".into(), serde_json::json!([report, html]));
        writeln!(out, "  report: {}", report.display())?;
        writeln!(out, "          {}", html.display())?;
        if args.keep.is_none() {
            writeln!(out, "  (in the temporary directory, removed at exit: `glir demo --keep DIR` keeps the case and its report)")?;
        }
        writeln!(out)?;
        match &args.keep {
            Some(dir) => writeln!(
                out,
                "The store is kept in {}; explore it with `glir --data-dir {} events --ip <IP>`.",
                dir.display(),
                dir.display()
            )?,
            None => writeln!(
                out,
                "The demo's store was temporary; run `glir demo --keep DIR` to explore it afterwards."
            )?,
        }
        sim.shutdown().await;
        anyhow::Ok(())
    })?;
    write_value(g.format, &found)?;
    Ok(ExitCode::SUCCESS)
}

/// From the day of the first event to just after the last.
fn event_span(scenario: &Scenario) -> Option<(Timestamp, Timestamp)> {
    let first = scenario.audit_events.iter().map(|e| e.created_at).min()?;
    let last = scenario.audit_events.iter().map(|e| e.created_at).max()?;
    let day_start = first
        .to_zoned(jiff::tz::TimeZone::UTC)
        .start_of_day()
        .ok()?
        .timestamp();
    Some((day_start, last + SignedDuration::from_mins(1)))
}

fn step(out: &mut dyn Write, n: u32, title: &str, command: &str) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "━━ {n}/{STEPS}  {title}")?;
    writeln!(out, "   $ {command}")?;
    writeln!(out)
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Step 6: identify the token offline, look it up as the administrator (the token itself is not
/// used, so its last-used evidence stays intact), and find every other place it leaked in CI.
async fn triage(out: &mut dyn Write, client: &Client, url: &str, leaked: &Secret) -> Result<()> {
    let id = glir_tokens::identify(leaked.expose(), &glir_tokens::IdentifyOptions::default());
    writeln!(out, "  {}: {}", leaked.redacted(), id.family.describe())?;
    let mut verifier = glir_verify::Verifier::new(
        glir_verify::Connection {
            url: url.to_string(),
            ca_bundle: None,
            proxy: None,
            user_agent: format!("glir/{} (demo)", env!("CARGO_PKG_VERSION")),
            min_interval: std::time::Duration::ZERO,
        },
        Some(client.clone()),
    )?;
    let verdict = verifier.verify(leaked, &id).await;
    writeln!(
        out,
        "  verdict: {} — {}",
        verdict.verdict.as_str(),
        verdict.reason
    )?;
    writeln!(
        out,
        "  (asked with {}; the leaked token itself was never sent)",
        verdict.probe
    )?;

    let scanner = glir_scan::Scanner::new(glir_scan::RuleSet::builtin(
        &glir_scan::RuleOptions::default(),
    )?)?;
    let req = glir_collect::JobLogRequest {
        target: SCANNED_GROUP.to_string(),
        since: None,
        artifacts: true,
        max_artifact_bytes: 50 << 20,
        concurrency: 4,
        shard: None,
    };
    let mut places = Vec::new();
    let mut other_secrets = 0usize;
    let limits = glir_scan::ArchiveLimits::default();
    let summary = glir_collect::fetch_job_logs(client, &req, &mut |log| {
        let job = format!("{} job {} ({})", log.project, log.job.id, log.job.name);
        super::scan::scan_job(&scanner, &log, &limits, &mut |finding, _| {
            if finding.fingerprint != id.fingerprint {
                other_secrets += 1;
                return;
            }
            let layer = if finding.encoding.is_plain() {
                String::new()
            } else {
                format!(", {} encoded", finding.encoding)
            };
            places.push(match &finding.location {
                glir_scan::Location::Artifact { entry, line, .. } => {
                    format!("{job}: artifact {entry} line {line}")
                }
                other => format!("{job}: log line {}{layer}", other.line()),
            });
        });
    })
    .await?;
    writeln!(
        out,
        "  {} CI jobs of {SCANNED_GROUP} scanned: the token is also in {} places (rotate and erase them):",
        summary.jobs,
        places.len()
    )?;
    for place in &places {
        writeln!(out, "    {place}")?;
    }
    if other_secrets > 0 {
        writeln!(
            out,
            "  plus {other_secrets} other secret findings: run the scan command above for all of them."
        )?;
    }
    Ok(())
}
