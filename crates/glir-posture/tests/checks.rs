//! Every bundled check against the simulator: a PASS and a FAIL from `cases.yml`, a SKIP for
//! each prerequisite (tier, version, role, offering), and a lower role never answered wrongly.

use glir_posture::check::{Role, Scope, Tier};
use glir_posture::{Check, Options, Outcome, Quiet, Report, Selection, Status};
use glir_sim::Scenario;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const ADMIN: &str = "glpat-SimAdminToken0000001";
/// Developer of acme, `read_api`.
const DEV: &str = "glpat-SimDevToken100000001";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    check: String,
    pass: Edit,
    fail: Edit,
    #[serde(default)]
    params: Map<String, Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    #[serde(default)]
    settings: Map<String, Value>,
    #[serde(default)]
    group: Map<String, Value>,
    #[serde(default)]
    project: Map<String, Value>,
    #[serde(default)]
    set: Map<String, Value>,
    #[serde(default)]
    push: Map<String, Value>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("cases.yml");
    yaml_serde::from_str(text).expect("cases.yml parses")
}

fn base() -> Value {
    let start = "2026-11-01T00:00:00Z".parse().unwrap();
    serde_json::to_value(Scenario::synthetic(0, start)).unwrap()
}

/// Sets `value` at a JSON pointer, creating the last member of an object.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let parent = if parent.is_empty() {
        &mut *doc
    } else {
        ensure(doc, parent)
    };
    match parent {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(items) => {
            let i: usize = key.parse().expect("an index");
            items[i] = value;
        }
        other => panic!("{pointer}: parent is {other}"),
    }
}

/// The value at `pointer`, made an empty object where missing.
fn ensure<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    let mut at = doc;
    for key in pointer.split('/').skip(1) {
        at = match at {
            Value::Array(items) => &mut items[key.parse::<usize>().expect("an index")],
            Value::Object(map) => map
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new())),
            other => panic!("{pointer}: {other} has no {key}"),
        };
        if at.is_null() {
            *at = Value::Object(Map::new());
        }
    }
    at
}

fn apply(edit: &Edit, doc: &mut Value) {
    for (pointer, map) in [
        ("/settings", &edit.settings),
        ("/groups/0/settings", &edit.group),
        ("/projects/0/settings", &edit.project),
    ] {
        for (k, v) in map {
            set(doc, &format!("{pointer}/{k}"), v.clone());
        }
    }
    for (pointer, value) in &edit.set {
        set(doc, pointer, value.clone());
    }
    for (pointer, value) in &edit.push {
        let at = ensure(doc, pointer);
        if !at.is_array() {
            *at = Value::Array(Vec::new());
        }
        at.as_array_mut().unwrap().push(value.clone());
    }
}

fn scenario(doc: Value) -> Scenario {
    Scenario::from_json_str(&doc.to_string()).unwrap_or_else(|e| panic!("scenario: {e}"))
}

fn bundled() -> Vec<Check> {
    glir_posture::load::bundled().unwrap()
}

fn options(check: &Check, params: &Map<String, Value>) -> Options {
    let selection = match check.spec.scope {
        Scope::Instance => Selection {
            scopes: vec![Scope::Instance],
            ..Selection::default()
        },
        Scope::Group => Selection {
            group: Some("acme".into()),
            scopes: vec![Scope::Group],
            ..Selection::default()
        },
        Scope::Project => Selection {
            project: Some("acme/app".into()),
            ..Selection::default()
        },
    };
    let mut per_check = BTreeMap::new();
    if !params.is_empty() {
        per_check.insert(check.spec.id.clone(), params.clone());
    }
    Options {
        selection,
        ignore: Vec::new(),
        params: per_check,
        concurrency: 4,
        releases: None,
        now: "2026-12-01T00:00:00Z".parse().unwrap(),
    }
}

/// Runs one check on the one target of its scope and returns the whole report.
async fn run(
    scenario: Scenario,
    token: &str,
    check: &Check,
    params: &Map<String, Value>,
) -> Report {
    let sim = glir_sim::start(scenario).await.unwrap();
    let client = glir_test_support::client(&sim.url(), token);
    let one = std::slice::from_ref(check);
    let report = glir_posture::run(&client, one, &options(check, params), &Quiet, None)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", check.spec.id));
    sim.shutdown().await;
    report
}

fn only(report: &Report) -> &Outcome {
    assert_eq!(report.results.len(), 1, "{:#?}", report.results);
    &report.results[0]
}

#[test]
fn every_check_has_a_case_and_every_case_a_check() {
    let ids: Vec<String> = bundled().into_iter().map(|c| c.spec.id).collect();
    let cased: Vec<String> = cases().into_iter().map(|c| c.check).collect();
    // Tested on their own below: the version check reads glir's release data, and a GitLab.com
    // check cannot pass on the loopback simulator.
    let apart = ["instance-version-current", "group-audit-streaming"];
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !cased.contains(id) && !apart.contains(&id.as_str()))
        .collect();
    assert!(missing.is_empty(), "checks without a case: {missing:?}");
    let stray: Vec<&String> = cased.iter().filter(|c| !ids.contains(c)).collect();
    assert!(stray.is_empty(), "cases of no check: {stray:?}");
}

#[tokio::test]
async fn each_check_passes_and_fails_as_gitlab_would() {
    let checks = bundled();
    let mut wrong = Vec::new();
    for case in cases() {
        let check = checks.iter().find(|c| c.spec.id == case.check).unwrap();
        for (edit, want) in [(&case.pass, Status::Pass), (&case.fail, Status::Fail)] {
            let mut doc = base();
            apply(edit, &mut doc);
            let report = run(scenario(doc), ADMIN, check, &case.params).await;
            let got = only(&report);
            if got.status != want {
                wrong.push(format!(
                    "{} wanted {:?}, got {:?}: {}",
                    case.check,
                    want,
                    got.status,
                    got.reason.as_deref().unwrap_or("")
                ));
            } else if want == Status::Fail && got.reason.is_none() {
                wrong.push(format!("{}: a FAIL without a reason", case.check));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn a_tier_below_the_checks_skips_naming_the_tier() {
    let mut wrong = Vec::new();
    for check in bundled() {
        let Some(needed) = check.spec.requires.tier else {
            continue;
        };
        if check.spec.requires.offering == Some(glir_posture::check::Offering::GitlabCom) {
            // The offering is judged first; `gitlab_com_checks_skip_on_a_self_managed_instance`.
            continue;
        }
        let below = if needed == Tier::Ultimate {
            "premium"
        } else {
            "free"
        };
        let mut doc = base();
        set(&mut doc, "/instance/tier", Value::from(below));
        let report = run(scenario(doc), ADMIN, &check, &Map::new()).await;
        let got = only(&report);
        let named = format!("needs GitLab {}", needed.as_str());
        if got.status != Status::Skip || !got.reason.as_deref().unwrap_or("").contains(&named) {
            wrong.push(format!(
                "{}: {:?} {:?}",
                check.spec.id, got.status, got.reason
            ));
        }
        if got.needs_access {
            wrong.push(format!(
                "{}: a tier gap counted as missing access",
                check.spec.id
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn an_older_gitlab_skips_checks_of_newer_features() {
    let mut wrong = Vec::new();
    let mut seen = 0;
    for check in bundled() {
        if check.spec.requires.version.is_none() {
            continue;
        }
        seen += 1;
        let mut doc = base();
        set(&mut doc, "/instance/version", Value::from("15.0.3-ee"));
        let report = run(scenario(doc), ADMIN, &check, &Map::new()).await;
        let got = only(&report);
        if got.status != Status::Skip
            || !got.reason.as_deref().unwrap_or("").contains("needs GitLab")
        {
            wrong.push(format!(
                "{}: {:?} {:?}",
                check.spec.id, got.status, got.reason
            ));
        }
    }
    assert!(seen >= 5, "only {seen} version-gated checks");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn without_an_administrator_every_instance_check_skips_and_the_run_is_incomplete() {
    let checks: Vec<Check> = bundled()
        .into_iter()
        .filter(|c| c.spec.scope == Scope::Instance && c.spec.requires.role == Some(Role::Admin))
        .collect();
    assert!(checks.len() > 30);
    let sim = glir_sim::start(scenario(base())).await.unwrap();
    let client = glir_test_support::client(&sim.url(), DEV);
    let options = Options {
        selection: Selection {
            scopes: vec![Scope::Instance],
            ..Selection::default()
        },
        ignore: Vec::new(),
        params: BTreeMap::new(),
        concurrency: 2,
        releases: None,
        now: "2026-12-01T00:00:00Z".parse().unwrap(),
    };
    let report = glir_posture::run(&client, &checks, &options, &Quiet, None)
        .await
        .unwrap();
    assert_eq!(report.results.len(), checks.len());
    for o in &report.results {
        assert_eq!(o.status, Status::Skip, "{}: {:?}", o.id, o.reason);
        assert!(o.needs_access, "{}", o.id);
        assert!(
            o.reason.as_deref().unwrap().contains("administrator"),
            "{:?}",
            o.reason
        );
    }
    assert!(!report.complete);
    assert!(!report.incomplete.is_empty());
    // Nothing an administrator's token reads was asked for.
    assert_eq!(sim.requests("/application/settings"), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_developer_is_never_answered_wrongly_only_skipped() {
    let checks = bundled();
    let mut wrong = Vec::new();
    for case in cases() {
        let check = checks.iter().find(|c| c.spec.id == case.check).unwrap();
        if check.spec.scope == Scope::Instance {
            continue;
        }
        for edit in [&case.pass, &case.fail] {
            let mut doc = base();
            apply(edit, &mut doc);
            let admin = run(scenario(doc.clone()), ADMIN, check, &case.params).await;
            let dev = run(scenario(doc), DEV, check, &case.params).await;
            let (a, d) = (only(&admin), only(&dev));
            let fine = d.status == a.status || (d.status == Status::Skip && d.needs_access);
            if !fine {
                wrong.push(format!(
                    "{}: admin {:?}, developer {:?} ({:?})",
                    case.check, a.status, d.status, d.reason
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn gitlab_com_checks_skip_on_a_self_managed_instance() {
    let check = bundled()
        .into_iter()
        .find(|c| c.spec.id == "group-audit-streaming")
        .unwrap();
    let report = run(scenario(base()), ADMIN, &check, &Map::new()).await;
    let got = only(&report);
    assert_eq!(got.status, Status::Skip);
    assert!(got.reason.as_deref().unwrap().contains("GitLab.com"));
    assert!(report.complete);
}

#[tokio::test]
async fn the_version_check_fails_an_instance_behind_the_security_releases() {
    let check = bundled()
        .into_iter()
        .find(|c| c.spec.id == "instance-version-current")
        .unwrap();
    let releases = glir_releases::Releases::embedded().unwrap();
    let newest = releases.releases()[0].versions[0].clone();
    let behind = format!("{}.{}.0-ee", newest.major, newest.minor);
    for (version, want) in [
        (format!("{newest}-ee"), Status::Pass),
        (behind, Status::Fail),
    ] {
        let mut doc = base();
        set(&mut doc, "/instance/version", Value::from(version.clone()));
        let report = run(scenario(doc), ADMIN, &check, &Map::new()).await;
        let got = only(&report);
        assert_eq!(got.status, want, "{version}: {:?}", got.reason);
        if want == Status::Fail {
            let reason = got.reason.as_deref().unwrap();
            assert!(
                reason.contains("missed") && reason.contains("upgrade to"),
                "{reason}"
            );
        }
    }
}

#[tokio::test]
async fn checks_sharing_a_graphql_query_ask_it_once_per_target() {
    let checks: Vec<Check> = bundled()
        .into_iter()
        .filter(|c| {
            c.spec.scope == Scope::Project
                && c.spec
                    .source
                    .graphql
                    .as_deref()
                    .is_some_and(|q| q.contains("securityScanners"))
        })
        .collect();
    assert!(checks.len() >= 5, "only {} scanner checks", checks.len());
    let mut doc = base();
    set(
        &mut doc,
        "/projects/0/security_scanners",
        serde_json::json!(["SAST", "SECRET_DETECTION"]),
    );
    let sim = glir_sim::start(scenario(doc)).await.unwrap();
    let client = glir_test_support::client(&sim.url(), ADMIN);
    let report = glir_posture::run(
        &client,
        &checks,
        &options(&checks[0], &Map::new()),
        &Quiet,
        None,
    )
    .await
    .unwrap();
    assert_eq!(report.results.len(), checks.len());
    let passed: Vec<&str> = report
        .results
        .iter()
        .filter(|o| o.status == Status::Pass)
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(passed, ["project-sast", "project-secret-detection"]);
    assert_eq!(sim.requests("/api/graphql"), 1);
    sim.shutdown().await;
}
