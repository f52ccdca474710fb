//! Checks for keys, emails, hooks and protected branches: ids unique within each kind (GitLab
//! keeps each in one table) and access levels GitLab accepts. Errors name the field as a JSON
//! path, e.g. `projects[1].hooks[0].id: duplicate hook id 72`.

use super::validate::invalid;
use super::{Hook, Scenario};
use crate::error::SimError;
use std::collections::HashSet;

/// Protected branch access levels (`ProtectedRefAccess::ALLOWED_ACCESS_LEVELS`).
const BRANCH_LEVELS: &[u8] = &[0, 30, 40, 60];

/// Remembers ids of one kind and names the first duplicate.
struct Unique {
    kind: &'static str,
    seen: HashSet<i64>,
}

impl Unique {
    fn new(kind: &'static str) -> Unique {
        Unique {
            kind,
            seen: HashSet::new(),
        }
    }

    fn add(&mut self, field: String, id: i64) -> Result<(), SimError> {
        if id <= 0 {
            return Err(invalid(field, "must be positive"));
        }
        if !self.seen.insert(id) {
            return Err(invalid(field, format!("duplicate {} id {id}", self.kind)));
        }
        Ok(())
    }
}

pub(super) fn check(s: &Scenario) -> Result<(), SimError> {
    let mut ssh = Unique::new("SSH key");
    let mut gpg = Unique::new("GPG key");
    let mut emails = Unique::new("email");
    for (i, u) in s.users.iter().enumerate() {
        for (j, k) in u.ssh_keys.iter().enumerate() {
            ssh.add(format!("users[{i}].ssh_keys[{j}].id"), k.id)?;
        }
        for (j, k) in u.gpg_keys.iter().enumerate() {
            gpg.add(format!("users[{i}].gpg_keys[{j}].id"), k.id)?;
        }
        for (j, e) in u.emails.iter().enumerate() {
            emails.add(format!("users[{i}].emails[{j}].id"), e.id)?;
        }
    }
    let mut hooks = Unique::new("hook");
    let mut deploy_keys = Unique::new("deploy key");
    let mut branches = Unique::new("protected branch");
    for (i, g) in s.groups.iter().enumerate() {
        check_hooks(&mut hooks, &format!("groups[{i}].hooks"), &g.hooks)?;
    }
    for (i, p) in s.projects.iter().enumerate() {
        check_hooks(&mut hooks, &format!("projects[{i}].hooks"), &p.hooks)?;
        for (j, k) in p.deploy_keys.iter().enumerate() {
            deploy_keys.add(format!("projects[{i}].deploy_keys[{j}].id"), k.id)?;
        }
        for (j, b) in p.protected_branches.iter().enumerate() {
            let at = format!("projects[{i}].protected_branches[{j}]");
            branches.add(format!("{at}.id"), b.id)?;
            for (name, level) in [
                ("push_access_level", b.push_access_level),
                ("merge_access_level", b.merge_access_level),
            ] {
                if !BRANCH_LEVELS.contains(&level) {
                    return Err(invalid(
                        format!("{at}.{name}"),
                        format!("{level} is not one of 0, 30, 40, 60"),
                    ));
                }
            }
        }
    }
    check_hooks(&mut hooks, "system_hooks", &s.system_hooks)
}

fn check_hooks(ids: &mut Unique, at: &str, hooks: &[Hook]) -> Result<(), SimError> {
    for (j, h) in hooks.iter().enumerate() {
        ids.add(format!("{at}[{j}].id"), h.id)?;
        if url::Url::parse(&h.url).is_err() {
            return Err(invalid(format!("{at}[{j}].url"), "not a URL"));
        }
    }
    Ok(())
}
