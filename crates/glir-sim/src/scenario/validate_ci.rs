//! Checks for the credential families, jobs and variables; like the rest of validation, each
//! error names the field as a JSON path, e.g. `jobs[3].project: no project "acme/ap"`.

use super::validate::invalid;
use super::{ArtifactFile, Scenario, TokenKind, Variable};
use crate::error::SimError;
use std::collections::HashSet;

/// Job statuses GitLab knows (`app/models/concerns/ci/has_status.rb`).
const JOB_STATUSES: &[&str] = &[
    "created",
    "waiting_for_resource",
    "preparing",
    "pending",
    "running",
    "success",
    "failed",
    "canceled",
    "skipped",
    "manual",
    "scheduled",
];

/// What the checks look names up in: lower-cased usernames, group and project full paths.
pub(super) struct Names<'a> {
    pub(super) users: &'a HashSet<String>,
    pub(super) groups: &'a HashSet<String>,
    pub(super) projects: HashSet<String>,
}

impl Names<'_> {
    fn user(&self, field: String, name: &str) -> Result<(), SimError> {
        known(self.users, field, "user", name)
    }
    fn group(&self, field: String, path: &str) -> Result<(), SimError> {
        known(self.groups, field, "group", path)
    }
    fn project(&self, field: String, path: &str) -> Result<(), SimError> {
        known(&self.projects, field, "project", path)
    }
}

fn known(set: &HashSet<String>, field: String, what: &str, name: &str) -> Result<(), SimError> {
    if set.contains(&name.to_lowercase()) {
        Ok(())
    } else {
        Err(invalid(field, format!("no {what} \"{name}\"")))
    }
}

/// Ids unique within a list and positive.
fn unique_id(ids: &mut HashSet<i64>, field: String, id: i64) -> Result<(), SimError> {
    if id <= 0 {
        return Err(invalid(field, "must be positive"));
    }
    if !ids.insert(id) {
        return Err(invalid(field, format!("duplicate id {id}")));
    }
    Ok(())
}

/// Every plaintext credential must be distinct across families: the sim finds a token by value.
fn unique_secret<'a>(
    seen: &mut HashSet<&'a str>,
    field: String,
    value: &'a str,
) -> Result<(), SimError> {
    if value.trim().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if !seen.insert(value) {
        // The value is a secret, so the message does not repeat it.
        return Err(invalid(field, "same plaintext as an earlier credential"));
    }
    Ok(())
}

pub(super) fn check(s: &Scenario, names: &Names<'_>) -> Result<(), SimError> {
    let mut secrets: HashSet<&str> = s.tokens.iter().map(|t| t.token.as_str()).collect();
    for (i, t) in s.tokens.iter().enumerate() {
        let field = format!("tokens[{i}].resource");
        match (t.kind, &t.resource) {
            (TokenKind::ProjectAccess, Some(p)) => names.project(field, p)?,
            (TokenKind::GroupAccess, Some(g)) => names.group(field, g)?,
            (TokenKind::ProjectAccess | TokenKind::GroupAccess, None) => {
                return Err(invalid(field, "an access token needs its project or group"));
            }
            (_, Some(_)) => {
                return Err(invalid(field, "only access tokens belong to a resource"));
            }
            (_, None) => {}
        }
    }
    let mut ids = HashSet::new();
    for (i, d) in s.deploy_tokens.iter().enumerate() {
        let at = format!("deploy_tokens[{i}]");
        unique_id(&mut ids, format!("{at}.id"), d.id)?;
        unique_secret(&mut secrets, format!("{at}.token"), &d.token)?;
        match (&d.project, &d.group) {
            (Some(p), None) => names.project(format!("{at}.project"), p)?,
            (None, Some(g)) => names.group(format!("{at}.group"), g)?,
            _ => {
                return Err(invalid(
                    format!("{at}.project"),
                    "exactly one of project and group must be given",
                ));
            }
        }
    }
    let mut ids = HashSet::new();
    for (i, t) in s.triggers.iter().enumerate() {
        let at = format!("triggers[{i}]");
        unique_id(&mut ids, format!("{at}.id"), t.id)?;
        unique_secret(&mut secrets, format!("{at}.token"), &t.token)?;
        names.project(format!("{at}.project"), &t.project)?;
        names.user(format!("{at}.owner"), &t.owner)?;
    }
    let mut ids = HashSet::new();
    for (i, r) in s.runners.iter().enumerate() {
        let at = format!("runners[{i}]");
        unique_id(&mut ids, format!("{at}.id"), r.id)?;
        unique_secret(&mut secrets, format!("{at}.token"), &r.token)?;
        if let Some(p) = &r.project {
            names.project(format!("{at}.project"), p)?;
        }
        if let Some(g) = &r.group {
            names.group(format!("{at}.group"), g)?;
        }
    }
    let mut ids = HashSet::new();
    for (i, a) in s.applications.iter().enumerate() {
        let at = format!("applications[{i}]");
        unique_id(&mut ids, format!("{at}.id"), a.id)?;
        unique_secret(&mut secrets, format!("{at}.secret"), &a.secret)?;
    }
    let mut ids = HashSet::new();
    for (i, j) in s.jobs.iter().enumerate() {
        let at = format!("jobs[{i}]");
        unique_id(&mut ids, format!("{at}.id"), j.id)?;
        names.project(format!("{at}.project"), &j.project)?;
        names.user(format!("{at}.user"), &j.user)?;
        if !JOB_STATUSES.contains(&j.status.as_str()) {
            return Err(invalid(
                format!("{at}.status"),
                format!("unknown job status \"{}\"", j.status),
            ));
        }
        if let Some(token) = &j.token {
            unique_secret(&mut secrets, format!("{at}.token"), token)?;
        }
        check_artifacts(&format!("{at}.artifacts"), &j.artifacts)?;
    }
    for (i, g) in s.groups.iter().enumerate() {
        check_variables(&format!("groups[{i}].variables"), &g.variables)?;
    }
    for (i, p) in s.projects.iter().enumerate() {
        check_variables(&format!("projects[{i}].variables"), &p.variables)?;
    }
    Ok(())
}

fn check_artifacts(at: &str, files: &[ArtifactFile]) -> Result<(), SimError> {
    let mut paths = HashSet::new();
    for (i, f) in files.iter().enumerate() {
        let here = format!("{at}[{i}]");
        if f.path.is_empty() || f.path.starts_with('/') || f.path.split('/').any(|s| s == "..") {
            return Err(invalid(
                format!("{here}.path"),
                "must be a relative path inside the archive",
            ));
        }
        if !paths.insert(f.path.as_str()) {
            return Err(invalid(format!("{here}.path"), "duplicate path"));
        }
        if f.content.is_some() != f.files.is_empty() {
            return Err(invalid(
                format!("{here}.content"),
                "give either content or files (a nested zip)",
            ));
        }
        check_artifacts(&format!("{here}.files"), &f.files)?;
    }
    Ok(())
}

pub(super) fn check_variables(at: &str, variables: &[Variable]) -> Result<(), SimError> {
    let mut keys = HashSet::new();
    for (i, v) in variables.iter().enumerate() {
        let here = format!("{at}[{i}]");
        let valid_key = !v.key.is_empty()
            && v.key.len() <= 255
            && v.key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_key {
            return Err(invalid(
                format!("{here}.key"),
                "must be 1 to 255 characters of A-Z, a-z, 0-9 and _",
            ));
        }
        if !keys.insert((v.key.as_str(), v.environment_scope.as_str())) {
            return Err(invalid(
                format!("{here}.key"),
                format!(
                    "duplicate variable {} in scope {}",
                    v.key, v.environment_scope
                ),
            ));
        }
        if !matches!(v.variable_type.as_str(), "env_var" | "file") {
            return Err(invalid(
                format!("{here}.variable_type"),
                "must be env_var or file",
            ));
        }
        // doc/ci/variables/_index.md: hidden variables are always masked too.
        if v.hidden && !v.masked {
            return Err(invalid(
                format!("{here}.masked"),
                "a hidden variable is masked",
            ));
        }
    }
    Ok(())
}
