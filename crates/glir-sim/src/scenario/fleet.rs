//! The generated instance behind [`Scenario::fleet`](super::Scenario::fleet): thousands of
//! projects in groups and subgroups, users of every kind, credentials, keys, hooks, runners and
//! CI variables, with the realistic minority of risky states a posture check should find.
//! Everything comes from one seeded generator, so a spec always gives the same instance; dates
//! are relative to `spec.now`, so ages ("unused for 120 days") hold whenever it is built.

mod access;
mod estate;
mod pipelines;
mod plumbing;
mod rng;

use super::{Instance, License, Scenario, Tier};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rng::Rng;
use serde_json::{Map, Value, json};

/// What [`Scenario::fleet`](super::Scenario::fleet) builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetSpec {
    /// Projects to create; groups are about a twentieth of that, users about half.
    pub projects: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// The moment the fleet's dates are relative to.
    pub now: Timestamp,
}

impl FleetSpec {
    /// `root`'s token (administrator; `api`, `read_api`, `sudo`).
    pub const ADMIN_TOKEN: &'static str = "glpat-FleetRootAdmin0000001";
    /// `dev.fleet`'s token (`read_api`): Developer in the first top-level group and Maintainer
    /// of one project outside it, for role-dependent views.
    pub const MEMBER_TOKEN: &'static str = "glpat-FleetDeveloper0000001";

    /// `projects` projects, seed 1, dates relative to the start of today (UTC).
    pub fn new(projects: usize) -> FleetSpec {
        let today = Timestamp::now().to_zoned(TimeZone::UTC).date();
        let midnight = today
            .to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or_else(|_| Timestamp::now());
        FleetSpec {
            projects,
            seed: 1,
            now: midnight,
        }
    }
}

impl Default for FleetSpec {
    /// 5,000 projects.
    fn default() -> Self {
        FleetSpec::new(5000)
    }
}

/// The fleet being built: the scenario so far, the generator and id counters.
struct Fleet {
    s: Scenario,
    rng: Rng,
    now: Timestamp,
    next_ids: Ids,
}

/// The next free id of each record kind that GitLab numbers in its own table.
#[derive(Default)]
struct Ids {
    token: i64,
    hook: i64,
    deploy_key: i64,
    deploy_token: i64,
    branch: i64,
    runner: i64,
    push_rule: i64,
}

/// Which counter to draw from.
#[derive(Clone, Copy)]
enum IdKind {
    Token,
    Hook,
    DeployKey,
    DeployToken,
    Branch,
    Runner,
    PushRule,
}

impl Fleet {
    fn id(&mut self, kind: IdKind) -> i64 {
        let ids = &mut self.next_ids;
        let counter = match kind {
            IdKind::Token => &mut ids.token,
            IdKind::Hook => &mut ids.hook,
            IdKind::DeployKey => &mut ids.deploy_key,
            IdKind::DeployToken => &mut ids.deploy_token,
            IdKind::Branch => &mut ids.branch,
            IdKind::Runner => &mut ids.runner,
            IdKind::PushRule => &mut ids.push_rule,
        };
        *counter += 1;
        *counter
    }

    /// `days` days (and a random part of a day) before now.
    fn ago(&mut self, days: usize) -> Timestamp {
        let seconds = i64::try_from(days * 86_400 + self.rng.below(86_400)).unwrap_or(0);
        self.now
            .checked_sub(SignedDuration::from_secs(seconds))
            .unwrap_or(self.now)
    }

    /// `days` days after now.
    fn ahead(&self, days: usize) -> Timestamp {
        let seconds = i64::try_from(days * 86_400).unwrap_or(0);
        self.now
            .checked_add(SignedDuration::from_secs(seconds))
            .unwrap_or(self.now)
    }

    /// The calendar day `days` days from now (negative: in the past).
    fn day(&self, days: i64) -> Date {
        let today = self.now.to_zoned(TimeZone::UTC).date();
        today
            .checked_add(jiff::Span::new().days(days))
            .unwrap_or(today)
    }

    /// A unique secret: `prefix`, random letters and digits, and `id` so no two collide.
    fn secret(&mut self, prefix: &str, id: i64) -> String {
        format!("{prefix}{}{id:06}", self.rng.alphanumeric(14))
    }
}

pub(super) fn build(spec: &FleetSpec) -> Scenario {
    let mut fleet = Fleet {
        s: Scenario {
            description: Some(format!(
                "Synthetic fleet — {} projects, generated with seed {}. Not real data.",
                spec.projects, spec.seed
            )),
            instance: Instance {
                version: "17.11.4-ee".to_string(),
                external_url: "https://gitlab.fleet.test".to_string(),
                tier: Tier::Ultimate,
                ..Instance::default()
            },
            users: Vec::new(),
            groups: Vec::new(),
            projects: Vec::new(),
            tokens: Vec::new(),
            deploy_tokens: Vec::new(),
            triggers: Vec::new(),
            runners: Vec::new(),
            applications: Vec::new(),
            jobs: Vec::new(),
            system_hooks: Vec::new(),
            settings: instance_settings(),
            instance_variables: Vec::new(),
            public_deploy_keys: Vec::new(),
            audit_events: Vec::new(),
            streaming: Vec::new(),
        },
        rng: Rng::new(spec.seed),
        now: spec.now,
        next_ids: Ids::default(),
    };
    fleet.s.instance.license = Some(License {
        expires_at: Some(fleet.day(200)),
        user_limit: u64::try_from(spec.projects).unwrap_or(u64::MAX),
        ..License::default()
    });
    let people = access::people(&mut fleet, spec.projects);
    let groups = estate::groups(&mut fleet, spec.projects, &people);
    estate::projects(&mut fleet, spec.projects, &groups, &people);
    access::resource_tokens(&mut fleet, &groups);
    plumbing::all(&mut fleet, &groups);
    pipelines::all(&mut fleet, spec.seed, &groups);
    fleet.s
}

/// Instance settings of a real instance: mostly hardened, with the handful of gaps a posture
/// check should report (no instance-wide 2FA, no admin mode, local requests from webhooks
/// allowed, Git abuse auto-ban off), and GitLab.com's documented authenticated API limit of
/// 2,000 requests a minute (doc/user/gitlab_com/_index.md, "Rate limits").
fn instance_settings() -> Map<String, Value> {
    let settings = json!({
        "signup_enabled": false,
        "email_confirmation_setting": "hard",
        "minimum_password_length": 12,
        "password_number_required": true,
        "password_symbol_required": false,
        "password_uppercase_required": true,
        "password_lowercase_required": true,
        "require_two_factor_authentication": false,
        "require_admin_two_factor_authentication": true,
        "admin_mode": false,
        "deactivate_dormant_users": true,
        "deactivate_dormant_users_period": 90,
        "max_personal_access_token_lifetime": 365,
        "require_personal_access_token_expiry": true,
        "allow_local_requests_from_web_hooks_and_services": true,
        "dsa_key_restriction": -1,
        "rsa_key_restriction": 2048,
        "usage_ping_enabled": false,
        "default_project_visibility": "private",
        "default_artifacts_expire_in": "7 days",
        "throttle_authenticated_api_enabled": true,
        "throttle_authenticated_api_requests_per_period": 2000,
        "throttle_authenticated_api_period_in_seconds": 60,
        "throttle_unauthenticated_api_enabled": true,
        "throttle_unauthenticated_api_requests_per_period": 500,
        "throttle_unauthenticated_api_period_in_seconds": 60,
        "throttle_authenticated_web_enabled": true,
        "throttle_authenticated_web_requests_per_period": 1000,
        "throttle_authenticated_web_period_in_seconds": 60,
        "max_number_of_repository_downloads": 50,
        "max_number_of_repository_downloads_within_time_period": 3600,
        "auto_ban_user_on_excessive_projects_download": false,
    });
    match settings {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{RunnerType, UserState, Visibility};
    use std::time::Instant;

    fn spec(projects: usize) -> FleetSpec {
        FleetSpec {
            projects,
            seed: 42,
            now: "2026-11-20T00:00:00Z".parse().expect("timestamp"),
        }
    }

    #[test]
    fn a_five_thousand_project_fleet_builds_and_validates_in_under_a_second() {
        let started = Instant::now();
        let s = Scenario::fleet(spec(5000));
        let world = crate::world::World::build(s.clone());
        let took = started.elapsed();
        assert!(world.is_ok(), "{:?}", world.err());
        // Debug builds are several times slower than release; the budget is for both.
        assert!(took.as_millis() < 1000, "built in {took:?}");
        assert_eq!(s.projects.len(), 5000);
        let groups = s.groups.len();
        assert!((200..=300).contains(&groups), "{groups} groups");
        assert!(s.groups.iter().any(|g| g.parent_id.is_some()), "subgroups");
        let users = s.users.len();
        assert!((2000..=3500).contains(&users), "{users} users");
    }

    #[test]
    fn the_fleet_holds_every_kind_of_risk_in_a_minority() {
        let s = Scenario::fleet(spec(2000));
        let share = |n: usize, of: usize| n * 100 / of.max(1);
        let public = s
            .projects
            .iter()
            .filter(|p| p.visibility == Visibility::Public)
            .count();
        assert!(
            public > 0 && share(public, s.projects.len()) < 20,
            "{public}"
        );
        let admins: Vec<_> = s.users.iter().filter(|u| u.is_admin).collect();
        assert!(
            admins.iter().any(|u| !u.two_factor_enabled),
            "an admin without 2FA"
        );
        assert!(s.users.iter().any(|u| u.state == UserState::Blocked));
        assert!(s.users.iter().any(|u| u.state == UserState::Deactivated));
        assert!(s.users.iter().any(|u| u.external));
        assert!(s.users.iter().any(|u| u.bot));
        let no_expiry = s.tokens.iter().filter(|t| t.expires_at.is_none()).count();
        assert!(no_expiry > 0 && share(no_expiry, s.tokens.len()) < 50);
        assert!(
            s.projects
                .iter()
                .flat_map(|p| &p.deploy_keys)
                .any(|k| k.can_push)
        );
        let hooks: Vec<_> = s.projects.iter().flat_map(|p| &p.hooks).collect();
        assert!(hooks.iter().any(|h| !h.enable_ssl_verification));
        assert!(
            s.runners
                .iter()
                .any(|r| r.runner_type == RunnerType::ProjectType && !r.locked)
        );
        let unmasked_secret = s
            .projects
            .iter()
            .flat_map(|p| &p.variables)
            .any(|v| v.key.contains("SECRET") && !v.masked);
        assert!(unmasked_secret, "an unmasked secret-looking variable");
        assert_eq!(
            s.settings.get("throttle_authenticated_api_enabled"),
            Some(&json!(true))
        );
    }

    #[test]
    fn the_same_spec_gives_the_same_fleet() {
        assert_eq!(Scenario::fleet(spec(300)), Scenario::fleet(spec(300)));
        let other = FleetSpec {
            seed: 43,
            ..spec(300)
        };
        assert_ne!(Scenario::fleet(spec(300)), Scenario::fleet(other));
    }

    #[test]
    fn tiny_fleets_are_valid_too() {
        for projects in [0, 1, 7, 40] {
            let s = Scenario::fleet(spec(projects));
            assert!(s.validate().is_ok(), "{projects}: {:?}", s.validate());
        }
    }
}
