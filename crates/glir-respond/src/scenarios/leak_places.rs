//! Where else a leaked token shows, in the groups its owner works in: job logs, searched for the
//! token as written and encoded (base64, URL, hex), artifact files, and CI/CD variables that
//! hold it. Each log that shows it is kept in the case with those lines withheld; every place is
//! a finding and a planned step.

use crate::playbook::Run;
use crate::variable_audit::withhold;
use crate::{Action, Error, Finding};
use glir_collect::{JobLogRequest, fetch_job_logs};
use glir_redact::Secret;
use glir_scan::{
    ArchiveLimits, RuleOptions, RuleSet, Scanner, ValueLeakFinder, clean_job_log, scan_zip,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Groups searched at most: a token's owner may belong to many; these are the ones the window's
/// events name.
const MAX_GROUPS: usize = 5;

/// The top-level groups of `paths` (project or group paths), at most [`MAX_GROUPS`].
pub(super) fn top_groups<'a>(paths: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    paths
        .filter_map(|p| {
            p.split('/')
                .next()
                .filter(|g| !g.is_empty() && p.contains('/'))
        })
        .map(str::to_string)
        .take(MAX_GROUPS)
        .collect()
}

/// Artifact archives read at most, per job: the scan caps what it inflates besides.
const MAX_ARTIFACT_BYTES: u64 = 50 << 20;

/// Searches the job logs and artifacts of `groups` since the window's start for `token`;
/// returns a finding per log or artifact file that shows it and plans their erasure after
/// keeping the logs (an artifact holding the token is named with its archive's SHA-256, not
/// kept: keeping it would keep the token).
pub(super) async fn token_in_job_logs(
    run: &mut Run<'_, '_>,
    token: &Secret,
    groups: &BTreeSet<String>,
) -> Result<Vec<Finding>, Error> {
    let finder =
        ValueLeakFinder::new(&[token.expose()]).map_err(|e| Error::Input(e.to_string()))?;
    let scanner = Scanner::new(
        RuleSet::builtin(&RuleOptions::default()).map_err(|e| Error::Input(e.to_string()))?,
    )
    .map_err(|e| Error::Input(e.to_string()))?;
    let mut found = Vec::new();
    let mut kept = Vec::new();
    let mut searched = 0;
    for group in groups {
        let req = JobLogRequest {
            target: group.clone(),
            since: Some(run.r.since),
            artifacts: true,
            max_artifact_bytes: MAX_ARTIFACT_BYTES,
            concurrency: 4,
            shard: None,
        };
        let mut shows = Vec::new();
        let mut in_artifacts: Vec<(String, i64, String, String, String)> = Vec::new();
        let fetched = fetch_job_logs(run.r.client, &req, &mut |log| {
            if let Some(Ok(archive)) = &log.artifacts {
                let mut entries = BTreeSet::new();
                scan_zip(
                    &scanner,
                    archive,
                    &ArchiveLimits::default(),
                    &mut |entry, m| {
                        if m.secret == token.expose() {
                            entries.insert(entry.to_string());
                        }
                    },
                );
                let sha256 = hex::encode(Sha256::digest(archive));
                for entry in entries {
                    in_artifacts.push((
                        log.project.clone(),
                        log.job.id,
                        log.job.name.clone(),
                        entry,
                        sha256.clone(),
                    ));
                }
            }
            let Ok(raw) = &log.trace else {
                return;
            };
            let clean = clean_job_log(raw);
            let mut lines: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
            let mut encodings = BTreeSet::new();
            finder.find(&clean.text, &mut |hit| {
                lines
                    .entry(hit.line)
                    .or_default()
                    .insert("the leaked token".to_string());
                encodings.insert(hit.encoding.label());
            });
            if !lines.is_empty() {
                shows.push((
                    log.project.clone(),
                    log.job.created_at,
                    withhold(log.job.id, &log.job.name, raw, &lines),
                    encodings,
                ));
            }
        })
        .await;
        match fetched {
            Ok(summary) => searched += summary.jobs,
            Err(e) => {
                let access = e.is_access_denied();
                run.failed(format!("job logs of group {group}"), e, access);
                continue;
            }
        }
        for (project, created, log, encodings) in shows {
            let rel = log.keep(run.r.case, &project, "the leaked token", &run.r.operator)?;
            let encodings: Vec<&str> = encodings.iter().map(String::as_str).collect();
            found.push(Finding {
                kind: "token_in_job_log".into(),
                event_type: String::new(),
                severity: "high".into(),
                title: format!(
                    "the token shows in job {} ({}) of {project} ({})",
                    log.job_id,
                    log.job_name,
                    encodings.join(", ")
                ),
                time: created.unwrap_or(run.r.since),
                actor: None,
                author_id: None,
                ip: None,
                object_id: Some(log.job_id),
                change: None,
                target: Some(log.job_name.clone()),
                entity_path: Some(project.clone()),
                from: None,
                to: None,
                event_ids: Vec::new(),
            });
            kept.push(rel);
        }
        for (project, job_id, job_name, entry, sha256) in in_artifacts {
            found.push(Finding {
                kind: "token_in_artifact".into(),
                event_type: String::new(),
                severity: "high".into(),
                title: format!(
                    "the token is in artifact file {entry} of job {job_id} ({job_name}) of {project} (archive sha256 {sha256})"
                ),
                time: run.r.since,
                actor: None,
                author_id: None,
                ip: None,
                object_id: Some(job_id),
                change: None,
                target: Some(entry),
                entity_path: Some(project),
                from: None,
                to: None,
                event_ids: Vec::new(),
            });
        }
    }
    run.summary.push(format!(
        "searched {searched} job logs of {} for the token: it shows in {}",
        groups.iter().cloned().collect::<Vec<_>>().join(", "),
        found.len()
    ));
    if !found.is_empty() {
        run.plan.push(
            Action::Manual {
                title: "erase the job logs and artifacts that show the token (POST /projects/:id/jobs/:job_id/erase)"
                    .into(),
            },
            format!(
                "anyone who can read them has the token; they are kept in the case first ({}), with the lines that show it withheld",
                kept.join(", ")
            ),
            "the logs are gone for everyone".into(),
            None,
            Vec::new(),
        );
    }
    Ok(found)
}

/// The CI/CD variables of `groups` and their projects whose value is the token: whatever reads
/// them keeps working with a revoked token until the value is replaced, and anyone who can read
/// them had it.
pub(super) async fn token_in_variables(
    run: &mut Run<'_, '_>,
    token: &Secret,
    groups: &BTreeSet<String>,
) -> Result<Vec<Finding>, Error> {
    let client = run.r.client;
    let mut owners: Vec<(String, glir_gitlab::PageRequest)> = Vec::new();
    for group in groups {
        owners.push((format!("group {group}"), client.group_variables(group)));
        match client
            .all::<glir_gitlab::Project>(client.group_projects(group, true))
            .await
        {
            Ok(projects) => owners.extend(projects.into_iter().map(|p| {
                let req = client.project_variables(&p.path_with_namespace);
                (format!("project {}", p.path_with_namespace), req)
            })),
            Err(e) => {
                let access = e.is_access_denied();
                run.failed(format!("projects of group {group}"), e, access);
            }
        }
    }
    let mut found = Vec::new();
    for (owner, req) in owners {
        let variables = match client.all::<glir_gitlab::Variable>(req).await {
            Ok(variables) => variables,
            Err(e) => {
                let access = e.is_access_denied();
                run.failed(format!("CI/CD variables of {owner}"), e, access);
                continue;
            }
        };
        for v in variables {
            if v.value
                .as_ref()
                .is_none_or(|value| value.expose() != token.expose())
            {
                continue;
            }
            found.push(Finding {
                kind: "token_in_variable".into(),
                event_type: String::new(),
                severity: "high".into(),
                title: format!("CI/CD variable {} of {owner} holds the token", v.key),
                time: run.r.since,
                actor: None,
                author_id: None,
                ip: None,
                object_id: None,
                change: None,
                target: Some(v.key.clone()),
                entity_path: Some(owner.clone()),
                from: None,
                to: None,
                event_ids: Vec::new(),
            });
            run.plan.push(
                Action::Manual {
                    title: format!(
                        "give CI/CD variable {} of {owner} a new token once this one is revoked",
                        v.key
                    ),
                },
                "it holds the leaked token: every job that reads it had the token".into(),
                "jobs that use it fail between the revocation and the new value".into(),
                None,
                Vec::new(),
            );
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::top_groups;

    #[test]
    fn top_groups_of_project_and_group_paths() {
        let groups = top_groups(["acme/app", "acme/infra/k8s", "ops/tools", "dana"].into_iter());
        assert_eq!(groups.into_iter().collect::<Vec<_>>(), ["acme", "ops"]);
    }
}
