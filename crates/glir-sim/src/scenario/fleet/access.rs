//! Who uses the fleet: administrators (one without 2FA, one stale), people, service accounts,
//! external, blocked and deactivated users, and their personal access tokens in every state;
//! then project and group access tokens with their bot users.

use super::estate::Groups;
use super::{Fleet, FleetSpec, IdKind};
use crate::scenario::synthetic::member;
use crate::scenario::{Token, TokenKind, User, UserState};
use jiff::Timestamp;

/// The people memberships are drawn from.
pub(super) struct People {
    /// Usernames of active, internal people.
    pub(super) members: Vec<String>,
    /// `dev.fleet`, whose token is [`FleetSpec::MEMBER_TOKEN`].
    pub(super) dev: String,
}

const FIRST: &[&str] = &[
    "alex", "blair", "casey", "dana", "eli", "fran", "gale", "harper", "indra", "jules", "kai",
    "lee", "morgan", "noor", "oli", "pat", "quinn", "rene", "sam", "tay",
];
const LAST: &[&str] = &[
    "ahmed", "berg", "costa", "diaz", "eriksen", "fischer", "garcia", "huang", "ito", "jansen",
    "kowalski", "lopez", "moreau", "novak", "okafor", "petrov", "rossi", "silva", "tanaka",
    "weber",
];

/// Scopes people give their tokens, most common first.
const SCOPES: &[&[&str]] = &[
    &["read_api"],
    &["api"],
    &["read_repository"],
    &["read_repository", "write_repository"],
    &["api", "read_user"],
    &["read_registry"],
    &["api"],
    &["read_api", "read_repository"],
];

fn person(fleet: &mut Fleet, username: &str, name: &str) -> User {
    let id = i64::try_from(fleet.s.users.len()).unwrap_or(i64::MAX) + 1;
    let age = 400 + fleet.rng.below(1500);
    let created = fleet.ago(age);
    let active = fleet.rng.below(30);
    let ip = format!("198.51.100.{}", 1 + fleet.rng.below(250));
    User {
        id,
        username: username.to_string(),
        name: Some(name.to_string()),
        email: Some(format!("{username}@fleet.test")),
        state: UserState::Active,
        is_admin: false,
        is_auditor: false,
        two_factor_enabled: fleet.rng.chance(70),
        bot: false,
        external: false,
        locked: false,
        created_at: Some(created),
        confirmed_at: None,
        last_sign_in_at: Some(fleet.ago(active + 3)),
        current_sign_in_at: Some(fleet.ago(active)),
        current_sign_in_ip: Some(ip.clone()),
        last_sign_in_ip: Some(ip),
        sign_in_count: 1 + u64::try_from(fleet.rng.below(900)).unwrap_or(0),
        last_activity_on: Some(fleet.day(-i64::try_from(active).unwrap_or(0))),
        public_email: None,
        note: None,
        identities: Vec::new(),
        ssh_keys: Vec::new(),
        gpg_keys: Vec::new(),
        emails: Vec::new(),
    }
}

/// Makes the user look idle for `days` days.
fn idle(fleet: &mut Fleet, user: &mut User, days: usize) {
    user.current_sign_in_at = Some(fleet.ago(days));
    user.last_sign_in_at = Some(fleet.ago(days + 30));
    user.last_activity_on = Some(fleet.day(-i64::try_from(days).unwrap_or(0)));
}

/// A token with no expiry, used at `last_used` (if ever).
fn token(
    fleet: &mut Fleet,
    user: &str,
    name: &str,
    scopes: &[&str],
    last_used: Option<Timestamp>,
) -> Token {
    let id = fleet.id(IdKind::Token);
    let age = 100 + fleet.rng.below(600);
    let created = fleet.ago(age);
    Token {
        id,
        token: fleet.secret("glpat-", id),
        user: user.to_string(),
        name: name.to_string(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        created_at: Some(created),
        expires_at: None,
        revoked: false,
        last_used_at: last_used,
        description: None,
        kind: TokenKind::Personal,
        resource: None,
        access_level: None,
        last_used_ips: Vec::new(),
    }
}

/// A token in one of the states a fleet's tokens are in: half fresh, the rest without expiry,
/// expired, unused for more than 90 days or revoked.
fn token_in_some_state(fleet: &mut Fleet, user: &str, name: &str, scopes: &[&str]) -> Token {
    let roll = fleet.rng.below(100);
    let days = fleet.rng.below(7);
    let recent = fleet.ago(days);
    let mut t = token(fleet, user, name, scopes, Some(recent));
    let ahead = i64::try_from(10 + fleet.rng.below(350)).unwrap_or(30);
    t.expires_at = Some(fleet.day(ahead));
    match roll {
        0..15 => t.expires_at = None,
        15..25 => {
            let behind = i64::try_from(1 + fleet.rng.below(300)).unwrap_or(1);
            t.expires_at = Some(fleet.day(-behind));
            t.last_used_at = Some(fleet.ago(usize::try_from(behind).unwrap_or(1) + 5));
        }
        25..45 => {
            let unused = 91 + fleet.rng.below(300);
            t.last_used_at = if fleet.rng.chance(50) {
                Some(fleet.ago(unused))
            } else {
                None
            };
        }
        45..50 => t.revoked = true,
        _ => {}
    }
    t
}

pub(super) fn people(fleet: &mut Fleet, projects: usize) -> People {
    let total = (projects / 2).max(12);
    let mut root = person(fleet, "root", "Administrator");
    root.is_admin = true;
    root.two_factor_enabled = true;
    let recent = fleet.ago(0);
    let mut admin_token = token(
        fleet,
        "root",
        "fleet-admin",
        &["api", "read_api", "sudo"],
        Some(recent),
    );
    admin_token.token = FleetSpec::ADMIN_TOKEN.to_string();
    admin_token.expires_at = Some(fleet.day(300));
    fleet.s.users.push(root);
    fleet.s.tokens.push(admin_token);

    let admins = 2 + total / 400;
    for i in 0..admins {
        let (username, name) = match i {
            0 => ("admin-nomfa".to_string(), "Admin Without MFA".to_string()),
            1 => ("admin-stale".to_string(), "Former Admin".to_string()),
            _ => (format!("admin-{i}"), format!("Admin {i}")),
        };
        let mut admin = person(fleet, &username, &name);
        admin.is_admin = true;
        admin.two_factor_enabled = i != 0;
        if i == 1 {
            idle(fleet, &mut admin, 400);
        }
        let t = token_in_some_state(fleet, &username, "admin-automation", &["api", "sudo"]);
        fleet.s.users.push(admin);
        fleet.s.tokens.push(t);
    }

    let dev = "dev.fleet".to_string();
    let mut dev_user = person(fleet, &dev, "Dev Fleet");
    dev_user.two_factor_enabled = true;
    let recent = fleet.ago(1);
    let mut dev_token = token(fleet, &dev, "fleet-member", &["read_api"], Some(recent));
    dev_token.token = FleetSpec::MEMBER_TOKEN.to_string();
    dev_token.expires_at = Some(fleet.day(90));
    fleet.s.users.push(dev_user);
    fleet.s.tokens.push(dev_token);

    // Service accounts are bot users whose tokens often never expire.
    for i in 0..(total / 50).max(1) {
        let username = format!("service_account_{}", fleet.rng.hex(8));
        let mut sa = person(fleet, &username, &format!("Service account {i}"));
        sa.bot = true;
        sa.two_factor_enabled = false;
        sa.current_sign_in_ip = None;
        sa.last_sign_in_ip = None;
        let mut t = token_in_some_state(fleet, &username, "ci-automation", &["api"]);
        if fleet.rng.chance(50) {
            t.expires_at = None;
        }
        fleet.s.users.push(sa);
        fleet.s.tokens.push(t);
    }

    let mut members = Vec::new();
    let mut n = 0;
    while fleet.s.users.len() < total {
        n += 1;
        let first = *fleet.rng.pick(FIRST);
        let last = *fleet.rng.pick(LAST);
        let username = format!("{first}.{last}{n}");
        let mut u = person(fleet, &username, &format!("{first} {last}"));
        match fleet.rng.below(100) {
            0..2 => u.state = UserState::Blocked,
            2..5 => {
                u.state = UserState::Deactivated;
                let days = 120 + fleet.rng.below(400);
                idle(fleet, &mut u, days);
            }
            5..6 => u.state = UserState::Banned,
            6..16 => {
                let days = 91 + fleet.rng.below(500);
                idle(fleet, &mut u, days);
            }
            _ => {}
        }
        u.external = fleet.rng.chance(5);
        if fleet.rng.chance(30) {
            let scopes = *fleet.rng.pick(SCOPES);
            let t = token_in_some_state(fleet, &username, "laptop", scopes);
            fleet.s.tokens.push(t);
        }
        if u.state == UserState::Active && !u.external {
            members.push(username);
        }
        fleet.s.users.push(u);
    }
    People { members, dev }
}

/// A bot user for an access token, member of its project or group.
fn bot(fleet: &mut Fleet, username: &str, name: &str) -> User {
    let mut b = person(fleet, username, name);
    b.bot = true;
    b.two_factor_enabled = false;
    b.email = Some(format!("{username}@noreply.fleet.test"));
    b.current_sign_in_ip = None;
    b.last_sign_in_ip = None;
    b.sign_in_count = 0;
    b
}

/// Project access tokens on about a tenth of the projects and group access tokens on about a
/// fifth of the top-level groups, each with its bot user as a member.
pub(super) fn resource_tokens(fleet: &mut Fleet, groups: &Groups) {
    for p in 0..fleet.s.projects.len() {
        if !fleet.rng.chance(10) {
            continue;
        }
        let (pid, path) = {
            let project = &fleet.s.projects[p];
            (
                project.id,
                format!("{}/{}", project.namespace, project.path),
            )
        };
        let username = format!("project_{pid}_bot_{}", fleet.rng.hex(8));
        let user = bot(fleet, &username, "deploy-bot");
        let level = *fleet.rng.pick(&[30u8, 40, 40, 50]);
        let scopes = *fleet
            .rng
            .pick(&[&["api"][..], &["read_api"], &["read_repository"]]);
        let mut t = token_in_some_state(fleet, &username, "deploy-bot", scopes);
        t.kind = TokenKind::ProjectAccess;
        t.resource = Some(path);
        t.access_level = Some(level);
        fleet.s.projects[p].members.push(member(&username, level));
        fleet.s.users.push(user);
        fleet.s.tokens.push(t);
    }
    for &g in &groups.top_level {
        if !fleet.rng.chance(20) {
            continue;
        }
        let gid = fleet.s.groups[g].id;
        let username = format!("group_{gid}_bot_{}", fleet.rng.hex(8));
        let user = bot(fleet, &username, "group-automation");
        let mut t = token_in_some_state(fleet, &username, "group-automation", &["api"]);
        t.kind = TokenKind::GroupAccess;
        t.resource = Some(groups.paths[g].clone());
        t.access_level = Some(40);
        fleet.s.groups[g].members.push(member(&username, 40));
        fleet.s.users.push(user);
        fleet.s.tokens.push(t);
    }
}
