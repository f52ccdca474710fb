//! Where an intruder stays: crontabs, SSH keys, systemd units, `ld.so.preload`, `rc.local` and
//! shell profiles. Each is copied and read for what attackers put there.

use crate::findings::{Finding, Kind, Level, Shape, suspicious_command};
use crate::keys;
use crate::manifest::Category;
use crate::run::{Pick, Run};
use std::io;

const CATEGORY: Category = Category::Persistence;
/// The `git` user's home in the Linux package, and so GitLab's own `authorized_keys`.
const GITLAB_HOME: &str = "/var/opt/gitlab";
const PROFILES: [&str; 7] = [
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zprofile",
];

pub(crate) fn collect(run: &mut Run<'_>, since: jiff::Timestamp) -> io::Result<()> {
    crontabs(run)?;
    authorized_keys(run)?;
    systemd(run, since)?;
    preload(run)?;
    if let Some(text) = run.review_named("/etc/rc.local", CATEGORY)? {
        review_commands(run, "/etc/rc.local", &text, Kind::Persistence);
    }
    profiles(run)
}

fn crontabs(run: &mut Run<'_>) -> io::Result<()> {
    if let Some(text) = run.review_named("/etc/crontab", CATEGORY)? {
        review_commands(run, "/etc/crontab", &text, Kind::Cron);
    }
    let cron_dir = |logical: &str| {
        logical
            .strip_prefix("/etc/cron.")
            .is_some_and(|rest| rest.matches('/').count() == 1)
    };
    // /etc/cron.d, cron.hourly, cron.daily, …: one level, each a directory of its own.
    let pick = Pick {
        file: &cron_dir,
        enter: &|logical| logical.starts_with("/etc/cron.") && !logical[10..].contains('/'),
    };
    run.tree("/etc", CATEGORY, true, &pick, reviewed(Kind::Cron))?;
    run.tree(
        "/var/spool/cron",
        CATEGORY,
        true,
        &Pick::ALL,
        |run, host, logical| {
            if !is_regular(host) {
                return Ok(false);
            }
            let Some(text) = run.copy_for_review(host, logical, CATEGORY)? else {
                return Ok(true);
            };
            review_commands(run, logical, &text, Kind::Cron);
            if logical.ends_with("/crontabs/git") || logical.ends_with("/cron/git") {
                for (n, line) in entries(&text) {
                    // GitLab schedules its work in Sidekiq and installs no crontab for `git`.
                    let finding =
                        Finding::new(Kind::Cron, format!("{logical}:{n}"), line).with(vec![(
                            Level::Medium,
                            "a crontab of GitLab's git user: the Linux package installs none"
                                .to_string(),
                        )]);
                    run.findings.push(finding);
                }
            }
            Ok(true)
        },
    )
}

/// A walk callback that copies regular files and reviews their lines as `kind`.
fn reviewed(kind: Kind) -> impl FnMut(&mut Run<'_>, &std::path::Path, &str) -> io::Result<bool> {
    move |run, host, logical| {
        if !is_regular(host) {
            return Ok(false);
        }
        if let Some(text) = run.copy_for_review(host, logical, CATEGORY)? {
            review_commands(run, logical, &text, kind);
        }
        Ok(true)
    }
}

fn is_regular(host: &std::path::Path) -> bool {
    std::fs::symlink_metadata(host).is_ok_and(|m| m.is_file())
}

/// Lines that are not blank or comments, numbered from 1.
fn entries(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

/// System crontabs name a user before the command; users' crontabs do not; the rest is shell.
fn shape_of(logical: &str) -> Shape {
    if logical == "/etc/crontab" || logical.starts_with("/etc/cron.d/") {
        Shape::Crontab { user_field: true }
    } else if logical.starts_with("/var/spool/cron/") {
        Shape::Crontab { user_field: false }
    } else {
        Shape::Command
    }
}

fn review_commands(run: &mut Run<'_>, logical: &str, text: &str, kind: Kind) {
    let shape = shape_of(logical);
    for (n, line) in entries(text) {
        let reasons = suspicious_command(line, shape);
        if !reasons.is_empty() {
            run.findings
                .push(Finding::new(kind, format!("{logical}:{n}"), line).with(reasons));
        }
    }
}

fn authorized_keys(run: &mut Run<'_>) -> io::Result<()> {
    let mut homes: Vec<(String, String)> = run
        .users
        .iter()
        .filter(|u| !u.home.is_empty() && u.home != "/" && u.home != GITLAB_HOME)
        .map(|u| (u.home.clone(), u.name.clone()))
        .collect();
    homes.sort();
    homes.dedup_by(|a, b| a.0 == b.0);
    for (home, user) in homes {
        for name in ["authorized_keys", "authorized_keys2"] {
            let logical = format!("{}/.ssh/{name}", home.trim_end_matches('/'));
            let Ok(host) = run.root.resolve(&logical) else {
                continue;
            };
            if let Some(text) = run.copy_for_review(&host, &logical, CATEGORY)? {
                let found = keys::review(&logical, &text, false, &user);
                run.findings.extend(found);
            }
        }
    }
    let logical = format!("{GITLAB_HOME}/.ssh/authorized_keys");
    if let Some(text) = run.review_named(&logical, CATEGORY)? {
        let found = keys::review(&logical, &text, true, "git");
        run.findings.extend(found);
    }
    Ok(())
}

fn systemd(run: &mut Run<'_>, since: jiff::Timestamp) -> io::Result<()> {
    run.tree(
        "/etc/systemd/system",
        CATEGORY,
        true,
        &Pick::ALL,
        |run, host, logical| {
            let Ok(meta) = std::fs::symlink_metadata(host) else {
                return Ok(false);
            };
            if !meta.is_file() {
                return Ok(false);
            }
            let Some(text) = run.copy_for_review(host, logical, CATEGORY)? else {
                return Ok(true);
            };
            let changed = meta
                .modified()
                .ok()
                .and_then(|t| jiff::Timestamp::try_from(t).ok())
                .is_some_and(|t| t >= since);
            let mut finding = Finding::new(Kind::Persistence, logical, "");
            if changed {
                finding.flag(
                    Level::Medium,
                    format!("unit created or changed since {since}"),
                );
            }
            for (n, line) in entries(&text) {
                // `ExecStart=-/path args`: the command is the value.
                if line.trim_start().starts_with("Exec")
                    && let Some((_, command)) = line.split_once('=')
                {
                    for (level, why) in suspicious_command(command, Shape::Command) {
                        finding.flag(level, format!("line {n}: {why}"));
                        if finding.evidence.is_empty() {
                            finding.evidence = line.trim().chars().take(400).collect();
                        }
                    }
                }
            }
            if !finding.reasons.is_empty() {
                run.findings.push(finding);
            }
            Ok(true)
        },
    )?;
    // The vendor's units: described with their hashes, not copied (the package owns them).
    run.tree(
        "/lib/systemd/system",
        CATEGORY,
        false,
        &Pick::ALL,
        |_, _, _| Ok(false),
    )
}

fn preload(run: &mut Run<'_>) -> io::Result<()> {
    let logical = "/etc/ld.so.preload";
    let Some(text) = run.review_named(logical, CATEGORY)? else {
        return Ok(());
    };
    for (n, line) in entries(&text) {
        // Every dynamically linked program loads these libraries first: a rootkit's way in.
        let finding = Finding::new(Kind::Persistence, format!("{logical}:{n}"), line).with(vec![(
            Level::High,
            "a library every program loads (ld.so.preload is empty on a usual system)".to_string(),
        )]);
        run.findings.push(finding);
    }
    Ok(())
}

fn profiles(run: &mut Run<'_>) -> io::Result<()> {
    let mut homes = vec!["/root".to_string(), GITLAB_HOME.to_string()];
    for user in &run.users {
        if (user.name == "root" || user.name == "git") && !homes.contains(&user.home) {
            homes.push(user.home.clone());
        }
    }
    for home in homes {
        for name in PROFILES {
            let logical = format!("{}/{name}", home.trim_end_matches('/'));
            let Ok(host) = run.root.resolve(&logical) else {
                continue;
            };
            if let Some(text) = run.copy_for_review(&host, &logical, CATEGORY)? {
                review_commands(run, &logical, &text, Kind::Persistence);
            }
        }
    }
    for logical in ["/etc/profile", "/etc/bash.bashrc", "/etc/environment"] {
        if let Some(text) = run.review_named(logical, CATEGORY)? {
            review_commands(run, logical, &text, Kind::Persistence);
        }
    }
    run.tree(
        "/etc/profile.d",
        CATEGORY,
        true,
        &Pick::ALL,
        reviewed(Kind::Persistence),
    )
}
