//! Instance compromise: undo what came from the attacker's addresses, then rotate every
//! credential the inventory lists, in batches (administrators' and automation credentials, CI/CD
//! secrets, the rest), with what each step breaks. The compromised accounts' tokens are revoked
//! and webhooks created during the incident removed. Only what no API can do stays manual:
//! updating GitLab (with the version to go to and the advisories it fixes), the server's own
//! triage, and secrets that other systems issued.

use super::generic::from_new_ips;
use super::rotation::{self, Batch};
use super::{plan_findings, plan_instance_two_factor, scope_collection};
use crate::evidence::snapshot;
use crate::playbook::Run;
use crate::{Action, Error, Finding, findings};
use glir_gitlab::{JobFilter, User, UserFilter};
use glir_inventory::{Credential, Inventory, Kind, Options, OwnerKind, Scope, Silent, State};
use glir_releases::{Releases, Status, Verdict, Version};
use glir_store::EventFilter;
use jiff::Timestamp;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Places listed at once while taking the inventory.
const CONCURRENCY: usize = 4;

pub(crate) async fn instance_compromise(run: &mut Run<'_, '_>) -> Result<Vec<Finding>, Error> {
    scope_collection(run).await?;
    // Across the instance, only what each actor did from an address new to them.
    let events = from_new_ips(run.events(EventFilter::default())?);
    let mut found = findings(&events);
    for f in &found {
        run.timeline.extend(f.event_ids.iter().cloned());
    }
    plan_findings(run, &found, 0);
    if run.admin() {
        plan_instance_two_factor(run);
    }
    // The accounts the attacker acted as, and the ones the plan blocks as the attacker's.
    let mut compromised: BTreeSet<i64> = found
        .iter()
        .filter_map(|f| f.author_id)
        .filter(|id| *id > 0)
        .collect();
    compromised.extend(run.plan.steps.iter().filter_map(|s| match s.action {
        Action::BlockUser { user_id } => Some(user_id),
        _ => None,
    }));
    let incident_start = found.first().map_or(run.r.since, |f| f.time);
    if let Some(inventory) = take_inventory(run).await? {
        let rotation = Rotation {
            admins: administrators(run).await,
            compromised,
            incident_start,
            own_token: own_token(run).await,
        };
        found.extend(rotation.plan(run, &inventory).await);
    }
    // What the incident itself calls for comes first, with the administrators' credentials.
    for step in &mut run.plan.steps {
        if step.batch.is_none() && !matches!(step.action, Action::Manual { .. }) {
            step.batch = Some(Batch::Automation.number());
            step.risk = format!("{}: {}", Batch::Automation.label(), step.risk);
        }
    }
    run.plan.steps.sort_by_key(|s| s.batch.unwrap_or(u32::MAX));
    for (i, step) in run.plan.steps.iter_mut().enumerate() {
        step.n = i + 1;
    }
    plan_update(run).await;
    plan_host_triage(run);
    Ok(found)
}

/// The inventory of the instance, kept as evidence; `None` (a skipped check) when GitLab would
/// not give it.
async fn take_inventory(run: &mut Run<'_, '_>) -> Result<Option<Inventory>, Error> {
    let options = Options {
        scope: Scope::Instance,
        kinds: Vec::new(),
        concurrency: CONCURRENCY,
    };
    let inventory = match glir_inventory::collect(run.r.client, &options, &Silent).await {
        Ok(inventory) => inventory,
        Err(e) => {
            let access = match &e {
                glir_inventory::Error::Gitlab { source, .. } => source.is_access_denied(),
                glir_inventory::Error::Unexpected(_) => false,
            };
            run.failed("the credential inventory (glir inventory)", e, access);
            return Ok(None);
        }
    };
    let rel = snapshot(
        run.r.case,
        "inventory",
        "glir inventory (every credential GET /api/v4 lists)",
        &inventory,
        &run.r.operator,
    )?;
    run.summary.push(format!(
        "inventory: {} credentials in {} groups and {} projects, {} ({rel})",
        inventory.credentials.len(),
        inventory.walked.groups,
        inventory.walked.projects,
        if inventory.complete {
            "every family listed whole".to_string()
        } else {
            "partial: the rotation covers what it lists".to_string()
        }
    ));
    for kind in inventory.coverage.iter().filter(|k| !k.is_complete()) {
        for gap in &kind.gaps {
            run.summary.push(format!(
                "inventory gap: {} of {} {}: {}",
                kind.kind,
                gap.scope,
                gap.status.as_str(),
                gap.reason
            ));
        }
    }
    Ok(Some(inventory))
}

/// The administrators' ids (`GET /users?admins=true`, an administrator's filter); without
/// them, administrators' tokens are rotated with everyone's, in the last batch.
async fn administrators(run: &mut Run<'_, '_>) -> BTreeSet<i64> {
    if !run.admin() {
        return BTreeSet::new();
    }
    let client = run.r.client;
    let listed = client
        .all::<User>(client.users(&UserFilter {
            admins: true,
            ..UserFilter::default()
        }))
        .await;
    match listed {
        Ok(admins) => admins.into_iter().map(|u| u.id).collect(),
        Err(e) => {
            let access = e.is_access_denied();
            run.failed("the administrators (GET /users?admins=true)", e, access);
            BTreeSet::new()
        }
    }
}

/// The id of the token this run uses, which must be rotated last: rotating it earlier would
/// stop the steps after it.
async fn own_token(run: &Run<'_, '_>) -> Option<i64> {
    run.r
        .client
        .personal_access_token_self()
        .await
        .ok()
        .map(|t| t.body.id)
}

/// What the rotation needs to know besides the inventory.
struct Rotation {
    admins: BTreeSet<i64>,
    compromised: BTreeSet<i64>,
    incident_start: Timestamp,
    own_token: Option<i64>,
}

impl Rotation {
    /// Plans the inventory's rotation; returns a finding per webhook created during the
    /// incident.
    async fn plan(&self, run: &mut Run<'_, '_>, inv: &Inventory) -> Vec<Finding> {
        let now = inv.generated_at;
        let found = self.plan_incident(run, inv);
        let mut ordered: Vec<(Batch, &Credential)> = inv
            .credentials
            .iter()
            .map(|c| (rotation::batch_of(c, self.admin_owned(c)), c))
            .collect();
        ordered.sort_by_key(|(batch, _)| *batch);
        let mut last = None;
        let mut users = VariableUsers::default();
        for (batch, c) in ordered {
            if c.kind == Kind::CiVariable {
                if rotation::looks_secret(c) {
                    let who = users.of(run, c).await;
                    run.plan.push_in_batch(
                        batch.number(),
                        Action::Manual {
                            title: rotation::variable_title(c),
                        },
                        format!(
                            "the guide: rotate every credential ({}): the variable looks like a secret of another system",
                            batch.label()
                        ),
                        format!("{}: {}", batch.label(), rotation::variable_risk(c, &who)),
                        None,
                    );
                }
                continue;
            }
            let Some(step) = rotation::step_for(c, now) else {
                continue;
            };
            if planned(run, &step.action) {
                continue;
            }
            if self.is_own_token(c) {
                last = Some(step);
                continue;
            }
            run.plan.push_in_batch(
                batch.number(),
                step.action,
                format!("the guide: rotate every credential ({})", batch.label()),
                format!("{}: {}", batch.label(), step.risk),
                Some(step.pre_state),
            );
        }
        if let Some(step) = last {
            run.plan.push_in_batch(
                Batch::Rest.number(),
                step.action,
                "the guide: rotate every credential; this is the token glir runs with".into(),
                format!(
                    "{}: rotated last so the steps before it still run; glir's next command needs the new token (in the case's secrets/); {}",
                    Batch::Rest.label(),
                    step.risk
                ),
                Some(step.pre_state),
            );
        }
        found
    }

    /// The compromised accounts' tokens revoked and the webhooks created since the incident
    /// began removed: what the drill this replaced missed.
    fn plan_incident(&self, run: &mut Run<'_, '_>, inv: &Inventory) -> Vec<Finding> {
        let mut found = Vec::new();
        for c in &inv.credentials {
            let owner = c.owner.id.filter(|_| c.owner.kind == OwnerKind::User);
            let token = matches!(c.kind, Kind::PersonalAccessToken | Kind::ImpersonationToken);
            if token
                && owner.is_some_and(|id| self.compromised.contains(&id))
                && matches!(c.state, State::Active | State::Expired)
                && let Ok(token_id) = c.id.parse()
            {
                run.plan.push(
                    Action::RevokePersonalAccessToken { token_id },
                    format!(
                        "{} acted from the attacker's address: their tokens are the attacker's too",
                        c.owner.name
                    ),
                    format!(
                        "whatever {} runs with \"{}\" fails; they get a new token once the account is theirs again",
                        c.owner.name,
                        c.name.as_deref().unwrap_or("this token")
                    ),
                    Some(json!({"key": c.key, "scopes": c.scopes, "last_used_at": c.last_used_at})),
                    Vec::new(),
                );
            }
            if c.kind == Kind::Webhook
                && c.created_at.is_some_and(|at| at >= self.incident_start)
                && let (Some(owner), Ok(hook_id)) = (rotation::place(c), c.id.parse())
            {
                let host = c
                    .facts
                    .get("url_host")
                    .and_then(|h| h.as_str())
                    .unwrap_or("?");
                let title = format!(
                    "webhook {hook_id} to {host} on {} created during the incident",
                    owner.label()
                );
                run.plan.push(
                    Action::RemoveHook { owner, hook_id },
                    title.clone(),
                    "whatever receives this hook stops getting events; a hook added by the attacker is how data leaves".into(),
                    Some(json!({"key": c.key, "url_host": host, "created_at": c.created_at})),
                    Vec::new(),
                );
                found.push(Finding {
                    kind: "new_webhook".into(),
                    event_type: String::new(),
                    severity: "high".into(),
                    title,
                    time: c.created_at.unwrap_or(self.incident_start),
                    actor: None,
                    author_id: None,
                    ip: None,
                    object_id: Some(hook_id),
                    change: None,
                    target: Some(host.to_string()),
                    entity_path: Some(c.owner.name.clone()),
                    from: None,
                    to: None,
                    event_ids: Vec::new(),
                });
            }
        }
        found
    }

    fn admin_owned(&self, c: &Credential) -> bool {
        c.owner.kind == OwnerKind::User && c.owner.id.is_some_and(|id| self.admins.contains(&id))
    }

    fn is_own_token(&self, c: &Credential) -> bool {
        c.kind == Kind::PersonalAccessToken
            && self.own_token.is_some_and(|own| c.id.parse() == Ok(own))
    }
}

/// Whether a step already acts on the object `action` acts on (a finding's revocation, a
/// removed hook): one change per object.
fn planned(run: &Run<'_, '_>, action: &Action) -> bool {
    let target = action.target();
    run.plan.steps.iter().any(|s| s.action.target() == target)
}

/// Who gets a variable, asked once per project or group: GitLab does not record which job
/// reads which variable, so a project's recent job names and a group's projects stand in.
#[derive(Default)]
struct VariableUsers {
    known: BTreeMap<String, String>,
}

/// Recent jobs read per project: one page.
const RECENT_JOBS: u32 = 20;
/// Names shown at most.
const NAMES_SHOWN: usize = 5;

impl VariableUsers {
    async fn of(&mut self, run: &Run<'_, '_>, c: &Credential) -> String {
        let owner = c.owner.to_string();
        if let Some(known) = self.known.get(&owner) {
            return known.clone();
        }
        let client = run.r.client;
        let who = match c.owner.kind {
            OwnerKind::Project => {
                let req = client.project_jobs(
                    &c.owner.name,
                    &JobFilter {
                        scope: Vec::new(),
                        per_page: Some(RECENT_JOBS),
                    },
                );
                let names: BTreeSet<String> = client
                    .get_page::<glir_gitlab::Job>(&req, None)
                    .await
                    .map(|page| page.items.into_iter().map(|j| j.name).collect())
                    .unwrap_or_default();
                format!(
                    "the jobs of project {}{}",
                    c.owner.name,
                    listed("recent", &names)
                )
            }
            OwnerKind::Group => {
                let names: BTreeSet<String> = client
                    .all::<glir_gitlab::Project>(client.group_projects(&c.owner.name, true))
                    .await
                    .map(|ps| ps.into_iter().map(|p| p.path_with_namespace).collect())
                    .unwrap_or_default();
                format!(
                    "the jobs of every project of group {}{}",
                    c.owner.name,
                    listed("", &names)
                )
            }
            _ => "the jobs of every project".to_string(),
        };
        self.known.insert(owner, who.clone());
        who
    }
}

/// ` (recent: a, b, c and 4 more)`, or nothing for no names.
fn listed(label: &str, names: &BTreeSet<String>) -> String {
    if names.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = names.iter().take(NAMES_SHOWN).map(String::as_str).collect();
    let more = names.len().saturating_sub(NAMES_SHOWN);
    let label = if label.is_empty() {
        String::new()
    } else {
        format!("{label}: ")
    };
    format!(
        " ({label}{}{})",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// The guide's "update GitLab", with the version to go to and the advisories it fixes from
/// glir-releases' verdict; no step when the version is current.
async fn plan_update(run: &mut Run<'_, '_>) {
    let version = run.r.client.version().await.map(|v| v.body.version);
    let title = match version {
        Ok(text) => match (text.parse::<Version>(), Releases::embedded()) {
            (Ok(version), Ok(releases)) => {
                let verdict = releases.check(&version);
                match update_title(&verdict) {
                    Some(title) => title,
                    None => {
                        run.summary.push(format!(
                            "GitLab {text} is current as of glir's security release data ({})",
                            verdict.data_updated
                        ));
                        return;
                    }
                }
            }
            (Err(e), _) => format!(
                "update GitLab: glir cannot read its version ({e}); `glir releases check --version VERSION` judges it against the security releases"
            ),
            (_, Err(e)) => format!(
                "update GitLab {text} to the latest patch release: glir's release data did not load ({e}); `glir releases check --file FILE` takes newer data"
            ),
        },
        Err(e) => format!(
            "update GitLab: GitLab did not say its version ({e}); `glir releases check --version VERSION` judges it against the security releases"
        ),
    };
    run.plan.push(
        Action::Manual { title },
        "the guide: update GitLab to the latest patch release".into(),
        "downtime while the upgrade runs; read the version's upgrade notes first".into(),
        None,
        Vec::new(),
    );
}

/// Advisories named in a title at most.
const ADVISORIES_SHOWN: usize = 4;

/// What to upgrade to and why, or `None` when the version lacks nothing glir knows of.
fn update_title(v: &Verdict) -> Option<String> {
    let target = match v.status {
        Status::Current | Status::NewerThanData => return None,
        Status::Behind => v.upgrade.on_line.clone().map(|on_line| {
            format!(
                "upgrade to {on_line} (the newest patch of {}; {} is the latest release)",
                v.line, v.upgrade.latest
            )
        }),
        Status::UnsupportedLine => v.upgrade.oldest_maintained.clone().map(|nearest| {
            format!(
                "{} no longer gets security fixes: upgrade to {nearest} (the nearest maintained release) or {} (the latest)",
                v.line, v.upgrade.latest
            )
        }),
    }
    .unwrap_or_else(|| format!("upgrade to {}", v.upgrade.latest));
    let mut advisories: Vec<&glir_releases::Advisory> =
        v.missed.iter().flat_map(|m| &m.advisories).collect();
    advisories.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    advisories.dedup_by(|a, b| a.id == b.id);
    let named: Vec<String> = advisories
        .iter()
        .take(ADVISORIES_SHOWN)
        .map(|a| match a.severity {
            Some(s) => format!("{} ({})", a.id, s.name()),
            None => a.id.clone(),
        })
        .collect();
    let more = advisories.len().saturating_sub(ADVISORIES_SHOWN);
    let fixes = if named.is_empty() {
        String::new()
    } else {
        format!(
            ", fixing {}{}",
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    Some(format!(
        "update GitLab: {} lacks {} security release(s){fixes}; {target}; `glir releases check` lists each",
        v.version,
        v.missed.len()
    ))
}

/// The guide's server-side steps: nothing GitLab's API reaches.
fn plan_host_triage(run: &mut Run<'_, '_>) {
    run.plan.push(
        Action::Manual {
            title: "on the GitLab server: read its logs, redacted configuration, persistence (cron, systemd, SSH keys), processes and listening ports into a hashed bundle with `glir triage host`, and keep the case on write-once storage with `glir case mirror --copy-to`".into(),
        },
        "the guide: save server state and logs; look for processes and ports GitLab does not use".into(),
        "none: triage reads, it changes nothing".into(),
        None,
        Vec::new(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_step_names_the_target_version_and_the_worst_advisories() {
        let releases = Releases::embedded().unwrap();
        let oldest = releases
            .releases()
            .last()
            .and_then(|r| r.oldest_fix())
            .unwrap()
            .clone();
        let verdict = releases.check(&oldest);
        let title = update_title(&verdict).unwrap();
        assert!(title.starts_with("update GitLab: "), "{title}");
        assert!(
            title.contains(&verdict.upgrade.latest.to_string()),
            "{title}"
        );
        // The worst advisory it lacks is named first.
        let worst = verdict
            .missed
            .iter()
            .flat_map(|m| &m.advisories)
            .filter_map(|a| a.severity)
            .max()
            .unwrap();
        let first = title.split(", fixing ").nth(1).unwrap_or_default();
        assert!(
            first
                .split(", ")
                .next()
                .unwrap_or_default()
                .ends_with(&format!("({})", worst.name())),
            "{title}"
        );
        let latest = releases.check(&verdict.upgrade.latest);
        assert_eq!(update_title(&latest), None);
    }

    #[test]
    fn names_are_listed_with_a_count_of_the_rest() {
        let names: BTreeSet<String> = (1..=7).map(|i| format!("job{i}")).collect();
        assert_eq!(
            listed("recent", &names),
            " (recent: job1, job2, job3, job4, job5 and 2 more)"
        );
        assert_eq!(listed("", &BTreeSet::new()), "");
    }
}
