//! The shared shape of every playbook: record who asks what of which instance, collect the
//! window's audit events, run the detections, read what the scenario needs, list findings and
//! plan. Scenario-specific parts live in `scenarios/`. The case's own earlier containment is
//! recognised among the events (`own_changes.rs`) and kept out of findings and alerts.

use crate::evidence::collect_audit;
use crate::own_changes::{OwnChange, OwnSteps};
use crate::{Action, Error, Finding, Plan};
use glir_case::{Case, TimeKind};
use glir_collect::Coverage;
use glir_detect::{Detector, RulePack};
use glir_events::Alert;
use glir_events::AuditEvent;
use glir_gitlab::{AuditScope, Client, User};
use glir_redact::Secret;
use glir_store::{EventFilter, Store};
use jiff::Timestamp;
use serde_json::json;
use std::collections::BTreeSet;

/// The guide's scenarios, plus exfiltration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Playbook {
    TokenExposure,
    AccountCompromise,
    JobTokenExposure,
    CiSecretExposure,
    InstanceCompromise,
    Misconfiguration,
    Exfiltration,
}

impl Playbook {
    /// Every playbook, in the guide's order: what `glir respond` offers.
    pub const ALL: [Playbook; 7] = [
        Playbook::TokenExposure,
        Playbook::AccountCompromise,
        Playbook::JobTokenExposure,
        Playbook::CiSecretExposure,
        Playbook::InstanceCompromise,
        Playbook::Misconfiguration,
        Playbook::Exfiltration,
    ];

    /// The playbook of this [`name`](Self::name).
    pub fn named(name: &str) -> Option<Playbook> {
        Playbook::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Playbook::TokenExposure => "token-exposure",
            Playbook::AccountCompromise => "account-compromise",
            Playbook::JobTokenExposure => "job-token-exposure",
            Playbook::CiSecretExposure => "ci-secret-exposure",
            Playbook::InstanceCompromise => "instance-compromise",
            Playbook::Misconfiguration => "misconfiguration",
            Playbook::Exfiltration => "exfiltration",
        }
    }
}

/// What the playbook is about.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A leaked token (read from stdin by the CLI, never from argv).
    Token(Secret),
    /// A username.
    User(String),
    /// A project path or id (with a job id for a job token).
    Project { project: String, job: Option<i64> },
    /// A group path or id.
    Group(String),
    /// The whole instance.
    Instance,
}

/// Everything a playbook run needs.
pub struct Respond<'a> {
    pub client: &'a Client,
    pub store: &'a mut Store,
    pub case: &'a mut Case,
    pub pack: &'a RulePack,
    pub operator: String,
    pub since: Timestamp,
    pub until: Timestamp,
}

/// What a run leaves in the case for `glir report`: `investigation/run-NNN.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InvestigationRecord {
    pub playbook: String,
    pub since: Timestamp,
    pub until: Timestamp,
    pub summary: Vec<String>,
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// Ids of the attacker-timeline events (in the store).
    pub timeline: Vec<String>,
    /// Evidence path of the plan this run saved.
    pub plan: String,
    /// Complete, or partial with what this run could not see (absent in older cases).
    #[serde(default)]
    pub coverage: Option<Coverage>,
    /// Events the case's own applied steps caused, left out of findings and alerts.
    #[serde(default)]
    pub own_changes: Vec<OwnChange>,
}

/// A check the playbook could not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    pub check: String,
    pub reason: String,
    /// GitLab failed (no answer, 5xx, 429) rather than refused: running again may do it.
    #[serde(default)]
    pub fault: bool,
}

/// What a playbook run produced.
#[derive(Debug, serde::Serialize)]
pub struct Investigation {
    pub playbook: Playbook,
    /// Plain-word lines about the subject, for the terminal and the report summary.
    pub summary: Vec<String>,
    pub events: usize,
    pub alerts: Vec<Alert>,
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// Events the case's own applied steps caused (glir's containment), not the attacker's.
    pub own_changes: Vec<OwnChange>,
    /// Complete when every check ran; partial names what this token could not see.
    pub coverage: Coverage,
    pub plan: Plan,
    pub plan_path: String,
}

/// State shared by the scenario modules while they work.
pub(crate) struct Run<'r, 'a> {
    pub r: &'r mut Respond<'a>,
    pub caller: Option<User>,
    pub summary: Vec<String>,
    pub skipped: Vec<Skipped>,
    pub plan: Plan,
    /// Events of the attacker's timeline, by id.
    pub timeline: BTreeSet<String>,
    /// The case's applied steps, to recognise the events they caused.
    own: OwnSteps,
}

impl Run<'_, '_> {
    pub fn admin(&self) -> bool {
        self.caller
            .as_ref()
            .is_some_and(|u| u.is_admin == Some(true))
    }

    /// A check this token may not make.
    pub fn skip(&mut self, check: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            check: check.into(),
            reason: reason.into(),
            fault: false,
        });
    }

    /// A check that failed: skipped for lack of access when GitLab refused it, otherwise a
    /// fault, which a plain run again may get past and a more privileged token would not.
    pub fn failed(&mut self, check: impl Into<String>, reason: impl ToString, access: bool) {
        self.skipped.push(Skipped {
            check: check.into(),
            reason: reason.to_string(),
            fault: !access,
        });
    }

    /// Collects audit events of `scope` for the window; a refusal becomes a skipped check.
    pub async fn collect(&mut self, scope: AuditScope) -> Result<(), Error> {
        let label = format!("{scope:?}");
        let r = &mut *self.r;
        match collect_audit(
            r.client,
            r.store,
            r.case,
            scope,
            r.since,
            r.until,
            &r.operator,
        )
        .await
        {
            Ok((summary, rel)) => {
                self.summary.push(format!(
                    "collected {} audit events ({label}) into {rel}",
                    summary.fetched
                ));
                if !summary.coverage.is_complete() {
                    self.skip(
                        format!("every audit event ({label})"),
                        summary.coverage.to_string(),
                    );
                }
                Ok(())
            }
            Err(Error::Collect(e)) => {
                let access = e.is_access_denied();
                self.failed(format!("audit events ({label})"), e, access);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The window's stored events from this instance, oldest first, without those the case's
    /// own containment caused.
    pub fn events(&self, filter: EventFilter) -> Result<Vec<AuditEvent>, Error> {
        let mut events = self.all_events(filter)?;
        let own: BTreeSet<String> = self
            .own
            .find(&events)
            .into_iter()
            .map(|o| o.event_id)
            .collect();
        events.retain(|e| !own.contains(&e.event_id));
        Ok(events)
    }

    /// [`Run::events`], the case's own included.
    fn all_events(&self, filter: EventFilter) -> Result<Vec<AuditEvent>, Error> {
        Ok(self.r.store.query_events(&EventFilter {
            since: Some(self.r.since),
            until: Some(self.r.until),
            source: Some(self.r.client.host()),
            ..filter
        })?)
    }
}

/// Runs `playbook` on `subject`: evidence, detections, findings, plan (saved, not applied).
pub async fn investigate(
    r: &mut Respond<'_>,
    playbook: Playbook,
    subject: Subject,
) -> Result<Investigation, Error> {
    let started = Timestamp::now();
    // Who the responder is decides which checks can run; a GitLab that does not say must stop
    // the run, not make it read as "not an administrator".
    let caller = match r.client.current_user().await {
        Ok(answer) => Some(answer.body),
        Err(e) if e.is_access_denied() => None,
        Err(e) => return Err(e.into()),
    };
    let version = r.client.version().await.ok().map(|v| v.body.version);
    let plan = Plan::new(&r.case.info().name, playbook.name());
    let own = OwnSteps::load(r.case, caller.as_ref().map(|u| u.id))?;
    let mut run = Run {
        r,
        caller,
        summary: Vec::new(),
        skipped: Vec::new(),
        plan,
        timeline: BTreeSet::new(),
        own,
    };
    let scenario_findings = match playbook {
        Playbook::TokenExposure => crate::scenarios::token_exposure(&mut run, &subject).await?,
        Playbook::AccountCompromise => {
            crate::scenarios::account_compromise(&mut run, &subject).await?
        }
        Playbook::JobTokenExposure => {
            crate::scenarios::job_token_exposure(&mut run, &subject).await?
        }
        Playbook::CiSecretExposure => {
            crate::scenarios::ci_secret_exposure(&mut run, &subject).await?
        }
        Playbook::InstanceCompromise => crate::scenarios::instance_compromise(&mut run).await?,
        other => crate::scenarios::other(&mut run, other, &subject).await?,
    };
    // The window's events, read once for the detections, the count and the case links.
    let window = run.all_events(EventFilter::default())?;
    let own_changes = run.own.find(&window);
    let own_ids: BTreeSet<String> = own_changes.iter().map(|o| o.event_id.clone()).collect();
    let alerts = detect(run.r, &own_ids)?;
    let events = window.len();
    for f in &scenario_findings {
        run.timeline.extend(f.event_ids.iter().cloned());
    }
    let Run {
        r,
        caller,
        mut summary,
        skipped,
        mut plan,
        timeline,
        own: _,
    } = run;
    summary.extend(own_changes.iter().map(OwnChange::line));
    // What this token could not do is still part of the response: a step for whoever can.
    for s in &skipped {
        let title = if s.fault {
            format!("run again once GitLab answers: {}", s.check)
        } else {
            format!("for a responder with more access: {}", s.check)
        };
        plan.push(
            Action::Manual { title },
            format!("this run could not: {}", s.reason),
            "-".into(),
            None,
            Vec::new(),
        );
    }
    if r.case.info().times.detected_at.is_none() {
        r.case
            .record_time(TimeKind::Detected, started, &r.operator)?;
    }
    let plan_path = plan.save(r.case, &r.operator)?;
    link_rows(r, &window, &alerts, &scenario_findings, &plan, &plan_path)?;
    let coverage = coverage_of(&skipped);
    crate::evidence::save_investigation(
        r.case,
        &InvestigationRecord {
            playbook: playbook.name().to_string(),
            since: r.since,
            until: r.until,
            summary: summary.clone(),
            findings: scenario_findings.clone(),
            skipped: skipped.clone(),
            timeline: timeline.into_iter().collect(),
            plan: plan_path.clone(),
            coverage: Some(coverage.clone()),
            own_changes: own_changes.clone(),
        },
        &r.operator,
    )?;
    r.case.record_acquisition(
        json!({
            "command": format!("glir respond {}", playbook.name()),
            "glir_version": env!("CARGO_PKG_VERSION"),
            "gitlab_url": r.client.base_url().to_string(),
            "gitlab_version": version,
            "caller": caller.as_ref().map(|u| json!({"id": u.id, "username": u.username, "admin": u.is_admin})),
            "window": {"since": r.since, "until": r.until},
            "started_at": started,
            "finished_at": Timestamp::now(),
            "requests": r.client.stats().requests,
            "skipped": skipped,
        }),
        &r.operator,
    )?;
    Ok(Investigation {
        playbook,
        summary,
        events,
        alerts,
        findings: scenario_findings,
        skipped,
        own_changes,
        coverage,
        plan,
        plan_path,
    })
}

/// Complete when every check ran; otherwise partial, naming the checks that could not.
fn coverage_of(skipped: &[Skipped]) -> Coverage {
    if skipped.is_empty() {
        return Coverage::Complete;
    }
    let checks = |fault: bool| -> Vec<&str> {
        skipped
            .iter()
            .filter(|s| s.fault == fault)
            .map(|s| s.check.as_str())
            .collect()
    };
    let (refused, failed) = (checks(false), checks(true));
    let mut missing = Vec::new();
    if !failed.is_empty() {
        missing.push(format!(
            "{} check(s) failed because GitLab did not answer ({}); run the playbook again",
            failed.len(),
            failed.join(", ")
        ));
    }
    if !refused.is_empty() {
        missing.push(format!(
            "{} check(s) could not run ({})",
            refused.len(),
            refused.join(", ")
        ));
    }
    Coverage::Partial {
        missing: missing.join("; "),
        needs: if refused.is_empty() {
            String::new()
        } else {
            "a token with the access each names (often an administrator's)".into()
        },
    }
}

/// Records in the store which rows belong to the case: the window's events, the alerts, the
/// findings and the planned steps.
fn link_rows(
    r: &mut Respond<'_>,
    window: &[AuditEvent],
    alerts: &[Alert],
    findings: &[Finding],
    plan: &Plan,
    plan_path: &str,
) -> Result<(), Error> {
    let case = r.case.info().name.clone();
    let events: Vec<String> = window.iter().map(|e| e.event_id.clone()).collect();
    r.store.link_case(&case, "event", &events)?;
    let alert_keys: Vec<String> = alerts
        .iter()
        .map(|a| format!("{}:{}", a.rule_id, a.event_ids.join(",")))
        .collect();
    r.store.link_case(&case, "alert", &alert_keys)?;
    let finding_keys: Vec<String> = findings
        .iter()
        .map(|f| format!("{}:{}:{}", f.kind, f.time, f.event_ids.join(",")))
        .collect();
    r.store.link_case(&case, "finding", &finding_keys)?;
    let steps: Vec<String> = plan
        .steps
        .iter()
        .map(|s| format!("{plan_path}#{}", s.n))
        .collect();
    r.store.link_case(&case, "action", &steps)?;
    Ok(())
}

/// The rule pack over the window's events, as `glir detect` runs it over the store (the
/// baseline learns the stored history before the window); alerts are stored for reports. An
/// alert raised only by the case's own containment (`own`) is glir's doing, not the attacker's,
/// and is dropped.
fn detect(r: &mut Respond<'_>, own: &BTreeSet<String>) -> Result<Vec<Alert>, Error> {
    let mut detector = Detector::new(r.pack)?;
    let mut alerts = Vec::new();
    let window = EventFilter {
        since: Some(r.since),
        until: Some(r.until),
        source: Some(r.client.host()),
        ..EventFilter::default()
    };
    glir_analyze::detect_stored(
        r.store,
        &mut detector,
        &window,
        true,
        &mut glir_analyze::Warmup::new(None),
        |_, raised| -> Result<(), Error> {
            alerts.extend(raised.into_iter().filter(|a| {
                a.event_ids.is_empty() || a.event_ids.iter().any(|id| !own.contains(id))
            }));
            Ok(())
        },
    )?;
    r.store.insert_alerts(&alerts)?;
    Ok(alerts)
}

/// IPs an actor used only after its first IP: in a compromise, the attacker's.
pub(crate) fn new_ips(events: &[AuditEvent]) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut new = BTreeSet::new();
    for e in events {
        let Some(ip) = &e.ip_address else { continue };
        if known.is_empty() {
            known.insert(ip.clone());
        } else if !known.contains(ip) {
            new.insert(ip.clone());
        }
    }
    new
}
