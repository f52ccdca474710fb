//! The fleet's groups (a quarter top-level, the rest subgroups up to three levels deep) and
//! projects, with the spread of settings a real instance has: most private, a few public with
//! public job logs, protected default branches mostly, force pushes and lax approvals on some.

use super::access::People;
use super::{Fleet, IdKind};
use crate::scenario::synthetic::member;
use crate::scenario::{
    ApprovalSettings, Group, Member, Project, ProtectedBranch, PushRule, Visibility,
};
use serde_json::{Map, Value, json};

const GROUP_WORDS: &[&str] = &[
    "platform", "payments", "data", "mobile", "web", "infra", "security", "ml", "billing",
    "search", "identity", "growth", "support", "finance", "devops", "qa", "research", "edge",
    "core", "partners",
];
const PROJECT_WORDS: &[&str] = &[
    "api",
    "web",
    "worker",
    "gateway",
    "frontend",
    "backend",
    "cli",
    "sdk",
    "docs",
    "terraform",
    "helm-charts",
    "pipeline",
    "service",
    "scheduler",
    "notifier",
    "exporter",
    "migrations",
    "portal",
    "auth",
    "ledger",
];

/// Where the groups are: full path by position in `scenario.groups`, and which are top-level.
pub(super) struct Groups {
    pub(super) paths: Vec<String>,
    pub(super) top_level: Vec<usize>,
}

fn visibility(fleet: &mut Fleet, internal: usize, public: usize) -> Visibility {
    match fleet.rng.below(100) {
        n if n < public => Visibility::Public,
        n if n < public + internal => Visibility::Internal,
        _ => Visibility::Private,
    }
}

/// GitLab refuses a project or subgroup more visible than its parent.
fn at_most(v: Visibility, parent: Visibility) -> Visibility {
    let rank = |v: Visibility| match v {
        Visibility::Private => 0,
        Visibility::Internal => 1,
        Visibility::Public => 2,
    };
    if rank(v) > rank(parent) { parent } else { v }
}

fn members(fleet: &mut Fleet, people: &People, count: usize, with_owner: bool) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    if people.members.is_empty() {
        return out;
    }
    for i in 0..count {
        let username = fleet.rng.pick(&people.members).clone();
        if out.iter().any(|m| m.username == username) {
            continue;
        }
        let level = if i == 0 && with_owner {
            50
        } else {
            *fleet.rng.pick(&[10u8, 20, 30, 30, 30, 40])
        };
        out.push(member(&username, level));
    }
    out
}

fn settings(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

pub(super) fn groups(fleet: &mut Fleet, projects: usize, people: &People) -> Groups {
    let count = (projects / 20).max(2);
    let top = (count / 4).max(1);
    let mut paths: Vec<String> = Vec::new();
    let mut depths: Vec<usize> = Vec::new();
    let mut top_level = Vec::new();
    for i in 0..count {
        let id = 100 + i64::try_from(i).unwrap_or(0);
        let word = *fleet.rng.pick(GROUP_WORDS);
        let path = format!("{word}-{i}");
        let mut g = Group::new(id, &path);
        g.name = Some(format!("{} {i}", capitalised(word)));
        let age = 300 + fleet.rng.below(1500);
        g.created_at = Some(fleet.ago(age));
        let owner = i < top || fleet.rng.chance(30);
        let size = if i < top {
            2 + fleet.rng.below(5)
        } else {
            fleet.rng.below(3)
        };
        g.members = members(fleet, people, size, owner);
        let full = if i < top {
            g.visibility = visibility(fleet, 15, 5);
            top_level.push(i);
            g.require_two_factor_authentication = fleet.rng.chance(30);
            if g.require_two_factor_authentication && fleet.rng.chance(30) {
                g.two_factor_grace_period = 0;
            }
            g.settings = group_settings(fleet);
            depths.push(1);
            path
        } else {
            // Nest under an earlier group, never deeper than three levels.
            let mut parent = fleet.rng.below(i);
            if depths[parent] >= 3 {
                parent = top_level[fleet.rng.below(top_level.len())];
            }
            g.parent_id = Some(fleet.s.groups[parent].id);
            g.visibility = at_most(visibility(fleet, 15, 5), fleet.s.groups[parent].visibility);
            depths.push(depths[parent] + 1);
            format!("{}/{path}", paths[parent])
        };
        paths.push(full);
        fleet.s.groups.push(g);
    }
    if let Some(&first) = top_level.first() {
        let dev = people.dev.clone();
        fleet.s.groups[first].members.push(member(&dev, 30));
    }
    Groups { paths, top_level }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Top-level group settings: branch protection weakened on some, forking outside the group
/// prevented on about a third, the unique project download limit on a few.
fn group_settings(fleet: &mut Fleet) -> Map<String, Value> {
    let mut pairs = Vec::new();
    if fleet.rng.chance(10) {
        pairs.push(("default_branch_protection", json!(0)));
    }
    if fleet.rng.chance(35) {
        pairs.push(("prevent_forking_outside_group", json!(true)));
    }
    if fleet.rng.chance(10) {
        pairs.push(("unique_project_download_limit", json!(100)));
        pairs.push((
            "unique_project_download_limit_interval_in_seconds",
            json!(3600),
        ));
        pairs.push(("auto_ban_user_on_excessive_projects_download", json!(true)));
    }
    settings(pairs)
}

pub(super) fn projects(fleet: &mut Fleet, count: usize, groups: &Groups, people: &People) {
    for i in 0..count {
        let id = 1000 + i64::try_from(i).unwrap_or(0);
        let g = fleet.rng.below(groups.paths.len());
        let word = *fleet.rng.pick(PROJECT_WORDS);
        let mut p = Project::new(id, &format!("{word}-{i}"), &groups.paths[g]);
        let created_days = 30 + fleet.rng.below(1500);
        p.created_at = Some(fleet.ago(created_days));
        p.visibility = at_most(visibility(fleet, 10, 5), fleet.s.groups[g].visibility);
        // Job logs of public projects stay public by default; elsewhere half turn it off.
        p.public_jobs = p.visibility == Visibility::Public || fleet.rng.chance(50);
        p.archived = fleet.rng.chance(5);
        if fleet.rng.chance(30) {
            let size = 1 + fleet.rng.below(2);
            p.members = members(fleet, people, size, false);
        }
        if fleet.rng.chance(80) {
            p.protected_branches.push(protected_main(fleet));
        }
        if fleet.rng.chance(30) {
            p.approvals = ApprovalSettings {
                approvals_before_merge: 1 + u32::try_from(fleet.rng.below(2)).unwrap_or(0),
                merge_requests_author_approval: fleet.rng.chance(30),
                reset_approvals_on_push: fleet.rng.chance(70),
                ..ApprovalSettings::default()
            };
        }
        if fleet.rng.chance(10) {
            p.push_rule = Some(push_rule(fleet));
        }
        p.settings = project_settings(fleet, created_days);
        fleet.s.projects.push(p);
    }
    // dev.fleet maintains one project outside the group it belongs to.
    let dev = people.dev.clone();
    let outside = groups.top_level.first().map(|&g| groups.paths[g].clone());
    if let Some(p) = fleet.s.projects.iter_mut().find(|p| {
        outside
            .as_deref()
            .is_none_or(|o| p.namespace != o && !p.namespace.starts_with(&format!("{o}/")))
    }) {
        p.members.retain(|m| m.username != dev);
        p.members.push(member(&dev, 40));
    }
}

/// `main` protected, usually for Maintainers only; a tenth allow force pushes and a few let
/// Developers push.
fn protected_main(fleet: &mut Fleet) -> ProtectedBranch {
    ProtectedBranch {
        id: fleet.id(IdKind::Branch),
        name: "main".to_string(),
        push_access_level: if fleet.rng.chance(15) { 30 } else { 40 },
        merge_access_level: if fleet.rng.chance(25) { 30 } else { 40 },
        allow_force_push: fleet.rng.chance(10),
        code_owner_approval_required: fleet.rng.chance(30),
    }
}

fn push_rule(fleet: &mut Fleet) -> PushRule {
    let mut rule = PushRule::new(fleet.id(IdKind::PushRule));
    rule.prevent_secrets = fleet.rng.chance(60);
    rule.member_check = fleet.rng.chance(50);
    rule.deny_delete_tag = fleet.rng.chance(40);
    rule.reject_unsigned_commits = fleet.rng.chance(20);
    rule.commit_committer_check = fleet.rng.chance(30);
    if fleet.rng.chance(30) {
        rule.file_name_regex = Some("(jar|exe|pem|key)$".to_string());
    }
    rule
}

/// Merge checks on some projects, CI restrictions on fewer, secret push protection on a few;
/// the oldest projects predate the inbound job token scope, and many have not been touched
/// for a long time.
fn project_settings(fleet: &mut Fleet, created_days: usize) -> Map<String, Value> {
    let mut pairs = Vec::new();
    if fleet.rng.chance(40) {
        pairs.push(("only_allow_merge_if_pipeline_succeeds", json!(true)));
    }
    if fleet.rng.chance(25) {
        pairs.push((
            "only_allow_merge_if_all_discussions_are_resolved",
            json!(true),
        ));
    }
    if fleet.rng.chance(10) {
        pairs.push(("forking_access_level", json!("disabled")));
    }
    if fleet.rng.chance(20) {
        pairs.push(("restrict_user_defined_variables", json!(true)));
        pairs.push((
            "ci_pipeline_variables_minimum_override_role",
            json!(*fleet.rng.pick(&["maintainer", "no_one_allowed"])),
        ));
    }
    if fleet.rng.chance(15) {
        pairs.push(("inbound_job_token_scope_enabled", json!(false)));
    }
    if fleet.rng.chance(10) {
        pairs.push(("secret_push_protection_enabled", json!(true)));
    }
    if fleet.rng.chance(5) {
        pairs.push(("shared_runners_enabled", json!(false)));
    }
    let idle_days = fleet.rng.below(created_days.max(1));
    let last_activity = fleet.ago(idle_days);
    pairs.push((
        "last_activity_at",
        json!(crate::api::render::ts(last_activity)),
    ));
    settings(pairs)
}
