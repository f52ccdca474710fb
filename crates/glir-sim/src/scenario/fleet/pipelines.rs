//! What the fleet's pipelines scan and where it deploys: security scanners on about half the
//! projects (SAST most often, DAST rarely), scan execution policies on a quarter of the top-level
//! groups and a few projects (some paused or only scheduled), a handful of branches per project
//! with a stale, unmerged minority, and protected environments on some of the projects that
//! deploy. It draws from a generator of its own, so the rest of the fleet is the same with or
//! without it.

use super::Fleet;
use super::estate::Groups;
use super::rng::Rng;
use crate::scenario::{Branch, PolicyRule, ProtectedEnvironment, ScanExecutionPolicy};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

/// Scanners with the share (in percent) of scanning projects whose pipelines run each.
const SCANNERS: &[(&str, usize)] = &[
    ("SAST", 80),
    ("SECRET_DETECTION", 65),
    ("DEPENDENCY_SCANNING", 50),
    ("CONTAINER_SCANNING", 30),
    ("SAST_IAC", 10),
    ("DAST", 8),
    ("API_FUZZING", 3),
];

const BRANCH_WORDS: &[&str] = &[
    "feature/login",
    "feature/billing-v2",
    "fix/timeout",
    "fix/null-pointer",
    "chore/deps",
    "experiment/cache",
    "release/1.4",
    "hotfix/cve",
    "wip/refactor",
    "docs/readme",
];

/// Mixed into the fleet's seed so this generator's stream differs from the main one.
const SALT: u64 = 0x5EC0_91FE_11E5_0001;

pub(super) fn all(fleet: &mut Fleet, seed: u64, groups: &Groups) {
    let mut rng = Rng::new(seed ^ SALT);
    let now = fleet.now;
    for &g in &groups.top_level {
        if rng.chance(25) {
            fleet.s.groups[g].scan_execution_policies = vec![group_policy(&mut rng)];
        }
    }
    for p in &mut fleet.s.projects {
        if rng.chance(55) {
            p.security_scanners = SCANNERS
                .iter()
                .filter(|(_, share)| rng.chance(*share))
                .map(|(name, _)| name.to_string())
                .collect();
        }
        if rng.chance(3) {
            p.scan_execution_policies = vec![ScanExecutionPolicy {
                name: "Project secret detection".to_string(),
                description: String::new(),
                enabled: true,
                rule: PolicyRule::Pipeline,
                scans: vec!["secret_detection".to_string()],
            }];
        }
        p.branches = branches(&mut rng, now);
        if rng.chance(15) {
            p.settings
                .insert("environments_access_level".to_string(), json!("disabled"));
        } else {
            p.protected_environments = environments(&mut rng);
        }
    }
}

/// A group's policy: mostly SAST, secret detection and dependency scanning in every pipeline;
/// some paused, some only on a schedule.
fn group_policy(rng: &mut Rng) -> ScanExecutionPolicy {
    let scheduled = rng.chance(15);
    ScanExecutionPolicy {
        name: if scheduled {
            "Nightly scans".to_string()
        } else {
            "Security scans in every pipeline".to_string()
        },
        description: String::new(),
        enabled: !rng.chance(10),
        rule: if scheduled {
            PolicyRule::Schedule
        } else {
            PolicyRule::Pipeline
        },
        scans: ["sast", "secret_detection", "dependency_scanning"]
            .into_iter()
            .map(str::to_string)
            .collect(),
    }
}

/// Up to five branches besides the default one: most committed to in the last two months, a
/// quarter left for longer (up to two and a half years), a fifth merged and not deleted.
fn branches(rng: &mut Rng, now: Timestamp) -> Vec<Branch> {
    let count = rng.below(6);
    let mut out: Vec<Branch> = Vec::new();
    for _ in 0..count {
        let name = rng.pick(BRANCH_WORDS).to_string();
        if out.iter().any(|b| b.name == name) {
            continue;
        }
        let days = if rng.chance(25) {
            100 + rng.below(800)
        } else {
            rng.below(60)
        };
        let seconds = i64::try_from(days * 86_400 + rng.below(86_400)).unwrap_or(0);
        out.push(Branch {
            name,
            committed_date: now
                .checked_sub(SignedDuration::from_secs(seconds))
                .unwrap_or(now),
            merged: rng.chance(20),
        });
    }
    out
}

/// Production protected on about a third of the projects that can deploy, staging alone on a
/// few, nothing on the rest.
fn environments(rng: &mut Rng) -> Vec<ProtectedEnvironment> {
    let protect = |name: &str, level: u8, approvals: u32| ProtectedEnvironment {
        name: name.to_string(),
        deploy_access_level: level,
        required_approval_count: approvals,
    };
    match rng.below(100) {
        n if n < 30 => {
            let approvals = u32::from(rng.chance(30));
            let mut out = vec![protect("production", 40, approvals)];
            if rng.chance(40) {
                out.push(protect("staging", 30, 0));
            }
            out
        }
        n if n < 38 => vec![protect("staging", 30, 0)],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{FleetSpec, Scenario};

    #[test]
    fn the_fleet_scans_deploys_and_branches_in_every_state() {
        let s = Scenario::fleet(FleetSpec {
            projects: 2000,
            seed: 42,
            now: "2026-11-20T00:00:00Z".parse().expect("timestamp"),
        });
        let now: jiff::Timestamp = "2026-11-20T00:00:00Z".parse().expect("timestamp");
        let share = |n: usize| n * 100 / s.projects.len();
        let scanning = |name: &str| {
            s.projects
                .iter()
                .filter(|p| p.security_scanners.iter().any(|x| x == name))
                .count()
        };
        let sast = share(scanning("SAST"));
        assert!((30..60).contains(&sast), "{sast}% run SAST");
        let dast = scanning("DAST");
        assert!(dast > 0 && share(dast) < 10, "{dast} run DAST");
        assert!(s.projects.iter().any(|p| p.security_scanners.is_empty()));
        let stale = s
            .projects
            .iter()
            .flat_map(|p| &p.branches)
            .filter(|b| !b.merged && now.duration_since(b.committed_date).as_hours() > 90 * 24)
            .count();
        let branches = s.projects.iter().map(|p| p.branches.len()).sum::<usize>();
        assert!(
            stale > 0 && stale * 100 / branches < 40,
            "{stale} of {branches}"
        );
        let production = s
            .projects
            .iter()
            .filter(|p| {
                p.protected_environments
                    .iter()
                    .any(|e| e.name == "production")
            })
            .count();
        assert!((15..45).contains(&share(production)), "{production}");
        assert!(
            s.projects
                .iter()
                .any(|p| p.settings.get("environments_access_level").is_some())
        );
        let policies: Vec<_> = s
            .groups
            .iter()
            .flat_map(|g| &g.scan_execution_policies)
            .collect();
        assert!(!policies.is_empty() && policies.iter().any(|p| p.enabled));
        assert!(
            s.groups
                .iter()
                .any(|g| g.parent_id.is_none() && g.scan_execution_policies.is_empty())
        );
    }
}
