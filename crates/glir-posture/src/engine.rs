//! The run: facts, targets, then each target's checks — sources fetched once per target and
//! shared by the checks that read them, targets worked on a few at a time under the client's
//! pacing, each finished target written to the resume file before the next is counted.

use crate::check::{Offering, Scope, Source, Tier};
use crate::expr::{EvalError, Scope as Vars};
use crate::facts::Facts;
use crate::load::Check;
use crate::outcome::{CheckInfo, Failure, Outcome, Report, Requests, Status};
use crate::resume::Journal;
use crate::source::{self, Fetched, Refusal};
use crate::targets::{self, Selection, Target};
use futures::StreamExt;
use glir_gitlab::Client;
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use tokio::sync::OnceCell;

/// A check left out by configuration: every target, or the targets matching `target` (a
/// path, or a prefix ending in `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    pub id: String,
    pub target: Option<String>,
}

impl Ignore {
    /// `id` or `id@target`.
    pub fn parse(text: &str) -> Ignore {
        match text.split_once('@') {
            Some((id, target)) => Ignore {
                id: id.to_string(),
                target: Some(target.to_string()),
            },
            None => Ignore {
                id: text.to_string(),
                target: None,
            },
        }
    }

    fn covers(&self, id: &str, target: &str) -> bool {
        self.id == id
            && match self.target.as_deref() {
                None => true,
                Some(pattern) => match pattern.strip_suffix('*') {
                    Some(prefix) => target.starts_with(prefix),
                    None => target == pattern,
                },
            }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub selection: Selection,
    pub ignore: Vec<Ignore>,
    /// Per check id, thresholds that replace the check's own `params`.
    pub params: BTreeMap<String, Map<String, Value>>,
    /// Targets worked on at once.
    pub concurrency: usize,
    /// Security releases newer than the ones built in (`glir: version`); `None`: built in.
    pub releases: Option<glir_releases::Releases>,
    pub now: Timestamp,
}

/// Told as the run goes, for a progress bar.
pub trait Progress: Sync {
    fn planned(&self, targets: usize, resumed: usize);
    fn finished(&self, target: &str);
}

/// Nothing to show.
pub struct Quiet;

impl Progress for Quiet {
    fn planned(&self, _: usize, _: usize) {}
    fn finished(&self, _: &str) {}
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Gitlab(#[from] glir_gitlab::Error),
    #[error("the token was refused mid-run: {0}")]
    Unauthorized(String),
    #[error("listing what to check failed: {0}")]
    Listing(String),
    #[error("resume file: {0}")]
    Resume(String),
}

/// Runs `checks` and returns every outcome. Faults before the first check (GitLab unreachable,
/// the token refused) end the run; afterwards a fault is one check's ERROR.
pub async fn run(
    client: &Client,
    checks: &[Check],
    options: &Options,
    progress: &dyn Progress,
    mut journal: Option<&mut Journal>,
) -> Result<Report, RunError> {
    let started_at = Timestamp::now();
    let facts = Facts::learn(client).await?;
    let targets = targets::list(client, facts.is_admin, &options.selection)
        .await
        .map_err(|r| match r {
            Refusal::Unauthorized(m) => RunError::Unauthorized(m),
            Refusal::Hidden(m) | Refusal::Failed(m) => RunError::Listing(m),
        })?;
    let run = Run {
        client,
        checks,
        options,
        facts: &facts,
        settings: OnceCell::new(),
        hidden_settings: Err(Refusal::Hidden(
            "only an administrator can read the application settings".to_string(),
        )),
        plans: Mutex::new(HashMap::new()),
    };
    let mut results: Vec<Outcome> = Vec::new();
    let mut todo = Vec::new();
    let mut resumed = 0;
    for target in &targets {
        match journal.as_deref().and_then(|j| j.done(&target.key())) {
            Some(outcomes) => {
                results.extend(outcomes.iter().cloned());
                resumed += 1;
            }
            None => todo.push(target),
        }
    }
    progress.planned(targets.len(), resumed);
    let mut finished = futures::stream::iter(todo)
        .map(|target| {
            let run = &run;
            async move { (target, run.target(target).await) }
        })
        .buffer_unordered(options.concurrency.max(1));
    while let Some((target, outcome)) = finished.next().await {
        let outcomes = outcome?;
        if let Some(journal) = journal.as_deref_mut() {
            journal
                .record(&target.key(), &outcomes)
                .map_err(|e| RunError::Resume(e.to_string()))?;
        }
        progress.finished(&target.label);
        results.extend(outcomes);
    }
    drop(finished);
    results.sort_by(|a, b| (a.scope, &a.target, &a.id).cmp(&(b.scope, &b.target, &b.id)));
    let mut per_scope = BTreeMap::new();
    for t in &targets {
        *per_scope.entry(t.scope.as_str().to_string()).or_insert(0) += 1;
    }
    let incomplete = incomplete(&results);
    let stats = client.stats();
    Ok(Report {
        counts: Report::count(&results),
        complete: incomplete.is_empty(),
        incomplete,
        facts,
        started_at: started_at.to_string(),
        finished_at: Timestamp::now().to_string(),
        targets: per_scope,
        resumed,
        requests: Requests {
            sent: stats.requests,
            retried: stats.retries,
            rate_limited: stats.rate_limited,
            min_interval_ms: u64::try_from(client.min_interval().as_millis()).unwrap_or(u64::MAX),
        },
        checks: checks.iter().map(info).collect(),
        results,
    })
}

/// One check judged offline on data already fetched: `data` is the object a `get` or `target`
/// source gives, or an array for a list source. Prerequisites and `when` are not judged (they
/// need GitLab's facts); the condition, `select`, `aggregate`, labels and fixes are.
pub fn evaluate(check: &Check, target: &Value, data: &Value, now: Timestamp) -> Outcome {
    let label = ["path_with_namespace", "full_path"]
        .iter()
        .find_map(|k| target.get(*k).and_then(Value::as_str))
        .unwrap_or("instance");
    let target = Target {
        scope: check.spec.scope,
        label: label.to_string(),
        object: target.clone(),
    };
    let fetched = match (check.source.is_list(), data) {
        (true, Value::Array(items)) => Fetched::Many(items.clone()),
        (true, other) => Fetched::Many(vec![other.clone()]),
        (false, one) => Fetched::One(one.clone()),
    };
    let mut vars = Vars::root(now);
    vars.set("target", &target.object);
    let mut with_params = vars.child();
    let params = Value::Object(
        check
            .spec
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    );
    with_params.set("params", &params);
    let mut outcome = judge(check, &target, &fetched, &with_params);
    outcome.fixes = crate::fixes::actions(check, &target, &outcome);
    outcome
}

fn info(c: &Check) -> CheckInfo {
    CheckInfo {
        id: c.spec.id.clone(),
        title: c.spec.title.clone(),
        severity: c.spec.severity,
        scope: c.spec.scope,
        threat: c.spec.threat.clone(),
        remediation: c.spec.remediation.clone(),
        references: c.spec.references.clone(),
        cis: c.spec.cis.clone(),
        legitify: c.spec.legitify.clone(),
        attack: c.spec.attack.clone(),
        fixable: c.spec.fix.is_some(),
    }
}

/// What keeps the answer from being whole, in one line each.
fn incomplete(results: &[Outcome]) -> Vec<String> {
    let mut by_check: BTreeMap<(&str, &str), (usize, &str)> = BTreeMap::new();
    for o in results {
        let kind = match o.status {
            Status::Error => "failed",
            Status::Skip if o.needs_access => "not visible to this token",
            _ => continue,
        };
        let entry = by_check
            .entry((o.id.as_str(), kind))
            .or_insert((0, o.reason.as_deref().unwrap_or("")));
        entry.0 += 1;
    }
    by_check
        .into_iter()
        .map(|((id, kind), (n, reason))| format!("{id}: {kind} on {n} target(s), e.g. {reason}"))
        .collect()
}

struct Run<'a> {
    client: &'a Client,
    checks: &'a [Check],
    options: &'a Options,
    facts: &'a Facts,
    settings: OnceCell<Result<Value, Refusal>>,
    /// What a token that is not an administrator's gets instead, without asking.
    hidden_settings: Result<Value, Refusal>,
    /// GitLab.com: each top-level group's plan.
    plans: Mutex<HashMap<String, Option<Tier>>>,
}

/// What a check needs fetched, or why it will not run.
enum Step<'c> {
    Done(Outcome),
    Fetch(&'c Check, String),
}

impl Run<'_> {
    async fn target(&self, target: &Target) -> Result<Vec<Outcome>, RunError> {
        let checks: Vec<&Check> = self
            .checks
            .iter()
            .filter(|c| c.spec.scope == target.scope)
            .collect();
        let settings = if !checks.iter().any(|c| c.reads_settings()) {
            None
        } else if !self.facts.is_admin {
            Some(&self.hidden_settings)
        } else {
            Some(
                self.settings
                    .get_or_init(|| async {
                        match source::get(self.client, "/application/settings").await {
                            Ok(Fetched::One(v)) => Ok(v),
                            Ok(Fetched::Many(_)) => Err(Refusal::Failed(
                                "application settings came as a list".to_string(),
                            )),
                            Err(r) => Err(r),
                        }
                    })
                    .await,
            )
        };
        let tier = self.tier_of(target, &checks).await?;
        let steps = self.prepare(target, &checks, tier, settings);
        let mut fetched: HashMap<String, Result<Fetched, Refusal>> = HashMap::new();
        for step in &steps {
            if let Step::Fetch(check, key) = step
                && !fetched.contains_key(key)
            {
                let answer = self.fetch(check, target, key).await;
                if let Err(Refusal::Unauthorized(m)) = &answer {
                    return Err(RunError::Unauthorized(m.clone()));
                }
                fetched.insert(key.clone(), answer);
            }
        }
        let mut vars = Vars::root(self.options.now);
        vars.set("instance", &self.facts.as_value());
        vars.set("target", &target.object);
        if let Some(Ok(settings)) = settings {
            vars.set("settings", settings);
        }
        Ok(steps
            .into_iter()
            .map(|step| match step {
                Step::Done(outcome) => outcome,
                Step::Fetch(check, key) => {
                    let params = self.params(check);
                    let mut with_params = vars.child();
                    with_params.set("params", &params);
                    let mut outcome = match &fetched[&key] {
                        Ok(data) => judge(check, target, data, &with_params),
                        Err(refusal) => refused(check, target, refusal),
                    };
                    outcome.fixes = crate::fixes::actions(check, target, &outcome);
                    outcome
                }
            })
            .collect())
    }

    /// Everything decided before a request: ignored, prerequisites, `when`, settings, the path.
    fn prepare<'c>(
        &self,
        target: &Target,
        checks: &[&'c Check],
        tier: Option<Tier>,
        settings: Option<&Result<Value, Refusal>>,
    ) -> Vec<Step<'c>> {
        let mut vars = Vars::root(self.options.now);
        vars.set("instance", &self.facts.as_value());
        vars.set("target", &target.object);
        checks
            .iter()
            .map(|&check| {
                let skip = |reason: String, needs_access: bool| {
                    let mut o = outcome(check, target, Status::Skip, Some(reason));
                    o.needs_access = needs_access;
                    Step::Done(o)
                };
                if self
                    .options
                    .ignore
                    .iter()
                    .any(|i| i.covers(check.id(), &target.label))
                {
                    return skip("ignored by configuration".to_string(), false);
                }
                if let Some(reason) = self.facts.unmet(&check.spec.requires, tier) {
                    let access = reason.contains("administrator");
                    return skip(reason, access);
                }
                if let (Some(when), Some(spec)) = (&check.when, &check.spec.when) {
                    let mut with_params = vars.child();
                    with_params.set("params", &self.params(check));
                    match when.truth(&with_params) {
                        Ok(true) => {}
                        Ok(false) => return skip(spec.otherwise.clone(), false),
                        Err(e) => return Step::Done(errored(check, target, e.to_string())),
                    }
                }
                if check.reads_settings() {
                    match settings {
                        Some(Ok(_)) => {}
                        Some(Err(Refusal::Failed(m))) => {
                            return Step::Done(errored(check, target, m.clone()));
                        }
                        Some(Err(Refusal::Hidden(m) | Refusal::Unauthorized(m))) => {
                            return skip(format!("reads the instance settings: {m}"), true);
                        }
                        None => {
                            return Step::Done(errored(
                                check,
                                target,
                                "the instance settings were not read".to_string(),
                            ));
                        }
                    }
                }
                match key_of(&check.source, target) {
                    Ok(key) => Step::Fetch(check, key),
                    Err(m) => Step::Done(errored(check, target, m)),
                }
            })
            .collect()
    }

    async fn fetch(&self, check: &Check, target: &Target, key: &str) -> Result<Fetched, Refusal> {
        match &check.source {
            Source::Target => Ok(Fetched::One(target.object.clone())),
            Source::Get(_) => source::get(self.client, key).await,
            Source::List { each, .. } => {
                let items = source::list(self.client, key).await?;
                let Some(each) = each else {
                    return Ok(Fetched::Many(items));
                };
                let mut detailed = Vec::with_capacity(items.len());
                for item in &items {
                    let path =
                        source::fill(each, &target.object, Some(item)).map_err(Refusal::Failed)?;
                    match source::get(self.client, &path).await? {
                        Fetched::One(v) => detailed.push(v),
                        Fetched::Many(_) => {
                            return Err(Refusal::Failed(format!("{path} answered a list")));
                        }
                    }
                }
                Ok(Fetched::Many(detailed))
            }
            Source::Graphql { query, items } => {
                source::graphql(self.client, query, items, &target.object)
                    .await
                    .map(Fetched::Many)
            }
            Source::Glir(name) => {
                crate::version::fetch(name, self.facts, self.options.releases.as_ref())
            }
        }
    }

    fn params(&self, check: &Check) -> Value {
        let mut params: Map<String, Value> = check
            .spec
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(own) = self.options.params.get(check.id()) {
            params.extend(own.clone());
        }
        Value::Object(params)
    }

    /// The tier a target's checks are judged at: on GitLab.com its top-level group's plan
    /// (asked once per top-level group, only when a check needs a tier).
    async fn tier_of(&self, target: &Target, checks: &[&Check]) -> Result<Option<Tier>, RunError> {
        if self.facts.offering != Offering::GitlabCom
            || target.scope == Scope::Instance
            || !checks.iter().any(|c| c.spec.requires.tier.is_some())
        {
            return Ok(None);
        }
        let path = match target.scope {
            Scope::Project => target.object["namespace"]["full_path"].as_str(),
            _ => target.object["full_path"].as_str(),
        }
        .unwrap_or("");
        let top = path.split('/').next().unwrap_or("").to_string();
        if let Some(known) = self.plans.lock().map_err(poisoned)?.get(&top) {
            return Ok(*known);
        }
        let url = source::fill("/namespaces/{target.t}", &json!({"t": top}), None)
            .map_err(RunError::Listing)?;
        let plan = match source::get(self.client, &url).await {
            Ok(Fetched::One(v)) => v["plan"].as_str().and_then(Tier::from_plan),
            Err(Refusal::Unauthorized(m)) => return Err(RunError::Unauthorized(m)),
            _ => None,
        };
        self.plans.lock().map_err(poisoned)?.insert(top, plan);
        Ok(plan)
    }
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> RunError {
    RunError::Listing("a worker panicked while holding the plan cache".to_string())
}

/// The request a check's source makes for this target (its cache key).
fn key_of(source: &Source, target: &Target) -> Result<String, String> {
    match source {
        Source::Get(path) | Source::List { path, .. } => source::fill(path, &target.object, None),
        Source::Target => Ok(format!("target:{}", target.key())),
        Source::Graphql { query, .. } => Ok(format!("graphql:{query}")),
        Source::Glir(name) => Ok(format!("glir:{name}")),
    }
}

fn outcome(check: &Check, target: &Target, status: Status, reason: Option<String>) -> Outcome {
    Outcome {
        id: check.spec.id.clone(),
        title: check.spec.title.clone(),
        status,
        severity: check.spec.severity,
        scope: check.spec.scope,
        target: target.label.clone(),
        reason,
        failures: Vec::new(),
        examined: None,
        needs_access: false,
        fixes: Vec::new(),
    }
}

fn errored(check: &Check, target: &Target, reason: String) -> Outcome {
    outcome(check, target, Status::Error, Some(reason))
}

fn refused(check: &Check, target: &Target, refusal: &Refusal) -> Outcome {
    match refusal {
        Refusal::Hidden(m) => {
            // A tier or version the target is known to lack was a SKIP before the request; what
            // GitLab hides now is this token's reach (or a gap glir could not tell apart from it).
            let mut o = outcome(check, target, Status::Skip, Some(m.clone()));
            o.needs_access = true;
            o
        }
        Refusal::Failed(m) | Refusal::Unauthorized(m) => errored(check, target, m.clone()),
    }
}

/// A missing field means GitLab did not show it: an older version, a lower tier, or a role
/// that is not shown it.
fn missing(check: &Check, target: &Target, e: EvalError) -> Outcome {
    match e {
        EvalError::Missing(field) => {
            let mut o = outcome(
                check,
                target,
                Status::Skip,
                Some(format!(
                    "GitLab's answer has no `{field}`: an older version, a lower tier, or a role that is not shown it"
                )),
            );
            o.needs_access = true;
            o
        }
        EvalError::Failed(m) => errored(check, target, m),
    }
}

fn judge(check: &Check, target: &Target, data: &Fetched, vars: &Vars<'_>) -> Outcome {
    match data {
        Fetched::One(object) => {
            let mut scope = vars.child();
            scope.set("item", object);
            let Some(condition) = &check.condition else {
                return errored(
                    check,
                    target,
                    "a single object has no items to aggregate".into(),
                );
            };
            match condition.truth(&scope) {
                Ok(true) => outcome(check, target, Status::Pass, None),
                Ok(false) => outcome(
                    check,
                    target,
                    Status::Fail,
                    Some(unmet(check, condition, &scope)),
                ),
                Err(e) => missing(check, target, e),
            }
        }
        Fetched::Many(items) => judge_items(check, target, items, vars),
    }
}

fn judge_items(check: &Check, target: &Target, items: &[Value], vars: &Vars<'_>) -> Outcome {
    let mut selected = Vec::new();
    for item in items {
        let mut scope = vars.child();
        scope.set("item", item);
        match check.select.as_ref().map(|s| s.truth(&scope)) {
            None | Some(Ok(true)) => selected.push(item.clone()),
            Some(Ok(false)) => {}
            Some(Err(e)) => return missing(check, target, e),
        }
    }
    if let Some(aggregate) = &check.aggregate {
        let mut scope = vars.child();
        scope.set_list("items", &selected);
        let mut o = match aggregate.truth(&scope) {
            Ok(true) => outcome(check, target, Status::Pass, None),
            Ok(false) => outcome(
                check,
                target,
                Status::Fail,
                Some(unmet(check, aggregate, &scope)),
            ),
            Err(e) => return missing(check, target, e),
        };
        o.examined = Some(selected.len());
        return o;
    }
    let Some(condition) = &check.condition else {
        return errored(check, target, "no condition".into());
    };
    let mut failures = Vec::new();
    for item in &selected {
        let mut scope = vars.child();
        scope.set("item", item);
        match condition.truth(&scope) {
            Ok(true) => {}
            Ok(false) => failures.push(Failure {
                item: check
                    .label
                    .as_ref()
                    .and_then(|l| l.text_of(&scope).ok())
                    .or_else(|| item.get("id").map(Value::to_string))
                    .unwrap_or_else(|| "?".to_string()),
                detail: check.detail.as_ref().and_then(|d| d.text_of(&scope).ok()),
                reference: reference(item),
            }),
            Err(e) => return missing(check, target, e),
        }
    }
    let status = if failures.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let reason = (!failures.is_empty()).then(|| {
        format!(
            "{} of {} failing: {}",
            failures.len(),
            selected.len(),
            failures
                .iter()
                .take(3)
                .map(|f| f.item.as_str())
                .collect::<Vec<_>>()
                .join(", ")
                + if failures.len() > 3 { ", …" } else { "" }
        )
    });
    let mut o = outcome(check, target, status, reason);
    o.failures = failures;
    o.examined = Some(selected.len());
    o
}

/// What a failure says: the check's `detail`, else the condition that did not hold.
fn unmet(check: &Check, condition: &crate::expr::Expr, scope: &Vars<'_>) -> String {
    check
        .detail
        .as_ref()
        .and_then(|d| d.text_of(scope).ok())
        .unwrap_or_else(|| format!("not met: {}", condition.text()))
}

/// The fields that name an object for a fix; none of them is a secret.
fn reference(item: &Value) -> Value {
    let mut out = Map::new();
    for key in ["id", "key", "environment_scope", "name", "username"] {
        if let Some(v) = item.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_is_judged_offline_with_its_fix() {
        let checks = crate::load::bundled().unwrap();
        let check = checks
            .iter()
            .find(|c| c.spec.id == "project-ci-variables-protected")
            .unwrap();
        let now = "2026-12-01T00:00:00Z".parse().unwrap();
        let target = json!({"path_with_namespace": "acme/app"});
        let vars = json!([
            {"key": "AWS_SECRET_ACCESS_KEY", "masked": false, "protected": true, "environment_scope": "*"},
            {"key": "NODE_ENV", "masked": false, "protected": false, "environment_scope": "*"},
            {"key": "DEPLOY_TOKEN_URL", "masked": false, "protected": false, "environment_scope": "*"}
        ]);
        let o = evaluate(check, &target, &vars, now);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.examined, Some(1), "NODE_ENV and a *_URL are not secrets");
        assert_eq!(o.failures[0].item, "AWS_SECRET_ACCESS_KEY");
        assert_eq!(o.fixes.len(), 2, "{:?}", o.fixes);
        assert!(
            o.fixes
                .iter()
                .all(|f| f.target().1.starts_with("project acme/app/")),
            "{:?}",
            o.fixes
        );
        let fixed = json!([{"key": "AWS_SECRET_ACCESS_KEY", "masked": true, "protected": true}]);
        assert_eq!(evaluate(check, &target, &fixed, now).status, Status::Pass);
    }

    #[test]
    fn ignores_cover_an_id_everywhere_or_at_matching_targets() {
        let everywhere = Ignore::parse("project-public-jobs");
        assert!(everywhere.covers("project-public-jobs", "acme/app"));
        assert!(!everywhere.covers("other", "acme/app"));
        let one = Ignore::parse("project-public-jobs@acme/app");
        assert!(one.covers("project-public-jobs", "acme/app"));
        assert!(!one.covers("project-public-jobs", "acme/app2"));
        let prefix = Ignore::parse("project-public-jobs@acme/docs*");
        assert!(prefix.covers("project-public-jobs", "acme/docs-site"));
        assert!(!prefix.covers("project-public-jobs", "acme/app"));
    }
}
