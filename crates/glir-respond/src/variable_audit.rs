//! The CI/CD variable leak audit: a project's variables and its ancestor groups', and in which
//! job logs their values appear (as written, URL-encoded, base64, double base64, hex). Values
//! stay `Secret`s; reports carry fingerprints only. It reads from the sources (`glir-collect`)
//! and searches with the scanner, so it lives here, after both, not in a source.

use glir_collect::{JobLogRequest, fetch_job_logs};
use glir_gitlab::{Client, Error, Variable};
use glir_scan::{Scanner, ValueLeakFinder, clean_job_log};
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// One variable and what the audit found about it.
#[derive(Debug, Clone, Serialize)]
pub struct VariableReport {
    pub key: String,
    /// `project acme/app` or `group acme`.
    pub defined_in: String,
    /// The project or group path the variable belongs to.
    pub owner_path: String,
    pub owner_is_group: bool,
    pub environment_scope: String,
    pub masked: bool,
    pub protected: bool,
    pub hidden: bool,
    /// GitLab would accept masking this value.
    pub maskable: bool,
    /// Fingerprint of the value (never the value).
    pub fingerprint: Option<String>,
    pub looks_secret: bool,
    /// Problems in plain words, e.g. "unmasked secret-looking value".
    pub flags: Vec<String>,
    pub leaked_in_jobs: Vec<i64>,
    pub encodings: BTreeSet<String>,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub searched: bool,
}

/// A job log that shows a variable's value, kept for the case with those lines withheld: the
/// log is evidence (and is about to be erased), the value must not travel with it.
#[derive(Debug, Clone)]
pub struct WithheldLog {
    pub job_id: i64,
    pub job_name: String,
    /// SHA-256 and size of the log as GitLab served it, to match a copy of the original later.
    pub original_sha256: String,
    pub original_bytes: u64,
    /// The log, each line that shows a value replaced by a note naming the variables.
    pub text: Vec<u8>,
    pub withheld_lines: usize,
}

/// The audit's result.
#[derive(Debug, Clone, Default)]
pub struct VariableAudit {
    pub project: String,
    /// Whether the project's job logs are visible to non-members.
    pub public_jobs: Option<bool>,
    pub variables: Vec<VariableReport>,
    /// Every job log that shows a value, with those lines withheld.
    pub leaking_logs: Vec<WithheldLog>,
    pub jobs_searched: u64,
    /// Things that could not be read, in plain words.
    pub warnings: Vec<String>,
}

/// Reads the project's (Maintainer) and its groups' variables and searches the project's job
/// logs since `since` for their values. A group the caller cannot read becomes a warning.
pub async fn audit_variables(
    client: &Client,
    scanner: &Scanner,
    project: &str,
    since: Option<Timestamp>,
) -> Result<VariableAudit, Error> {
    let project = client.project(project).await?.body;
    let path = project.path_with_namespace.clone();
    let mut audit = VariableAudit {
        project: path.clone(),
        public_jobs: project.public_jobs,
        ..VariableAudit::default()
    };
    let mut variables: Vec<(String, bool, Variable)> = client
        .all::<Variable>(client.project_variables(&path))
        .await?
        .into_iter()
        .map(|v| (path.clone(), false, v))
        .collect();
    if project.namespace.kind == "group" {
        for group in ancestors(&project.namespace.full_path) {
            match client.all::<Variable>(client.group_variables(&group)).await {
                Ok(vars) => variables.extend(vars.into_iter().map(|v| (group.clone(), true, v))),
                Err(e) => audit.warnings.push(format!(
                    "group {group} variables not read (needs Owner or Maintainer of the group): {e}"
                )),
            }
        }
    }
    let values: Vec<&str> = variables
        .iter()
        .map(|(_, _, v)| v.value.as_ref().map_or("", |s| s.expose()))
        .collect();
    let finder = ValueLeakFinder::new(&values).map_err(|e| Error::Config(e.to_string()))?;
    audit.variables = variables
        .iter()
        .enumerate()
        .map(|(i, (owner, is_group, v))| describe(owner, *is_group, v, scanner, finder.searched(i)))
        .collect();
    let req = JobLogRequest {
        target: path.clone(),
        since,
        artifacts: false,
        max_artifact_bytes: 0,
        concurrency: 4,
        shard: None,
    };
    let reports = &mut audit.variables;
    let leaking = &mut audit.leaking_logs;
    let summary = fetch_job_logs(client, &req, &mut |log| {
        let Ok(raw) = &log.trace else {
            return;
        };
        let clean = clean_job_log(raw);
        // Cleaning keeps every line, so a hit's line is the raw log's line too.
        let mut shown: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        finder.find(&clean.text, &mut |hit| {
            shown
                .entry(hit.line)
                .or_default()
                .insert(reports[hit.value].key.clone());
            let report = &mut reports[hit.value];
            if !report.leaked_in_jobs.contains(&log.job.id) {
                report.leaked_in_jobs.push(log.job.id);
            }
            report.encodings.insert(hit.encoding.label());
            if let Some(at) = log.job.created_at {
                report.first_seen = Some(report.first_seen.map_or(at, |f| f.min(at)));
                report.last_seen = Some(report.last_seen.map_or(at, |l| l.max(at)));
            }
        });
        if !shown.is_empty() {
            leaking.push(withhold(log.job.id, &log.job.name, raw, &shown));
        }
    })
    .await?;
    audit.jobs_searched = summary.jobs;
    for report in &mut audit.variables {
        report.leaked_in_jobs.sort_unstable();
        if !report.leaked_in_jobs.is_empty() {
            report.flags.insert(
                0,
                format!(
                    "value appears in {} job logs: rotate it",
                    report.leaked_in_jobs.len()
                ),
            );
        }
    }
    Ok(audit)
}

impl WithheldLog {
    /// Adds the log to `case` as `job-logs/<project>/<job>.log`, its source naming what was
    /// withheld (`what`) and the original's hash; returns the evidence path.
    pub(crate) fn keep(
        &self,
        case: &mut glir_case::Case,
        project: &str,
        what: &str,
        operator: &str,
    ) -> Result<String, glir_case::Error> {
        let rel = format!("job-logs/{}/{}.log", project.replace('/', "_"), self.job_id);
        let source = format!(
            "GET /api/v4/projects/:id/jobs/{}/trace ({}): {} lines showing {what} withheld; original sha256 {} ({} bytes)",
            self.job_id,
            self.job_name,
            self.withheld_lines,
            self.original_sha256,
            self.original_bytes
        );
        case.add_evidence(&rel, &self.text, &source, operator)?;
        Ok(rel)
    }
}

/// `raw` with each line in `shown` replaced by a note naming the variables it showed.
pub(crate) fn withhold(
    job_id: i64,
    job_name: &str,
    raw: &[u8],
    shown: &BTreeMap<usize, BTreeSet<String>>,
) -> WithheldLog {
    let mut text = Vec::with_capacity(raw.len());
    for (i, line) in raw.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            text.push(b'\n');
        }
        match shown.get(&(i + 1)) {
            Some(keys) => {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                text.extend_from_slice(
                    format!(
                        "[glir: line withheld, it shows the value of {}]",
                        keys.join(", ")
                    )
                    .as_bytes(),
                );
            }
            None => text.extend_from_slice(line),
        }
    }
    WithheldLog {
        job_id,
        job_name: job_name.to_string(),
        original_sha256: hex::encode(Sha256::digest(raw)),
        original_bytes: raw.len() as u64,
        text,
        withheld_lines: shown.len(),
    }
}

fn describe(
    owner: &str,
    is_group: bool,
    v: &Variable,
    scanner: &Scanner,
    searched: bool,
) -> VariableReport {
    let value = v.value.as_ref().map(|s| s.expose()).unwrap_or_default();
    let looks_secret = looks_secret(&v.key, value, scanner);
    let hidden = v.hidden.unwrap_or(false);
    let mut flags = Vec::new();
    if looks_secret && !v.masked && !hidden {
        flags.push("unmasked secret-looking value: job logs can print it".to_string());
        if !maskable(value) {
            flags.push(
                "GitLab cannot mask this value: use a file variable or an external secret"
                    .to_string(),
            );
        }
    }
    if looks_secret && !v.protected {
        flags.push("unprotected: every branch's pipelines can read it".to_string());
    }
    if !searched && !hidden && !value.is_empty() {
        flags.push("value too short to search for".to_string());
    }
    VariableReport {
        key: v.key.clone(),
        defined_in: format!("{} {owner}", if is_group { "group" } else { "project" }),
        owner_path: owner.to_string(),
        owner_is_group: is_group,
        environment_scope: v.environment_scope.clone().unwrap_or_else(|| "*".into()),
        masked: v.masked,
        protected: v.protected,
        hidden,
        maskable: maskable(value),
        fingerprint: v.value.as_ref().map(|s| s.fingerprint()),
        looks_secret,
        flags,
        leaked_in_jobs: Vec::new(),
        encodings: BTreeSet::new(),
        first_seen: None,
        last_seen: None,
        searched,
    }
}

/// A name that says secret, a value a secret rule recognises, or a long random-looking value.
fn looks_secret(key: &str, value: &str, scanner: &Scanner) -> bool {
    let key = key.to_ascii_lowercase();
    let named = [
        "token",
        "secret",
        "passw",
        "pwd",
        "key",
        "private",
        "credential",
        "auth",
    ]
    .iter()
    .any(|w| key.contains(w));
    let mut recognised = false;
    scanner.scan(value.as_bytes(), &mut |_| recognised = true);
    named || recognised || (value.len() >= 16 && glir_scan::shannon_entropy(value) >= 3.5)
}

/// GitLab masks only single-line values of 8+ characters from the Base64 alphabet plus
/// `@ _ - : . ~` (doc/ci/variables/_index.md, "Mask a CI/CD variable").
fn maskable(value: &str) -> bool {
    value.len() >= 8
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@_-:+/=.~".contains(&b))
}

/// `a/b/c` → `a`, `a/b`, `a/b/c`: variables are inherited from every ancestor group.
fn ancestors(full_path: &str) -> Vec<String> {
    let parts: Vec<&str> = full_path.split('/').collect();
    (1..=parts.len()).map(|n| parts[..n].join("/")).collect()
}

#[cfg(test)]
mod tests {
    use super::{ancestors, maskable};

    #[test]
    fn maskability_follows_gitlabs_rules() {
        assert!(maskable("SimMaskedDeployPw0001"));
        assert!(maskable("abc+/def=ghi@jk"));
        assert!(!maskable("short"));
        assert!(!maskable("Sim+Leak/Secret=Value!2026"));
        assert!(!maskable("has space inside"));
    }

    #[test]
    fn every_ancestor_group_is_listed() {
        assert_eq!(ancestors("a/b/c"), ["a", "a/b", "a/b/c"]);
        assert_eq!(ancestors("acme"), ["acme"]);
    }

    #[test]
    fn random_text_has_more_entropy_than_words() {
        assert!(glir_scan::shannon_entropy("k8Zq2Lp9Xw4Rt7Vn3Bc6") > 3.5);
        assert!(glir_scan::shannon_entropy("aaaaaaaaaaaaaaaaaaaa") < 1.0);
    }
}
