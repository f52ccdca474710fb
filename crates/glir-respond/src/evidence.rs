//! Evidence into the case: audit events collected into the store and exported raw as JSONL per
//! scope and window, and snapshots of the GitLab objects a playbook looked at.

use crate::Error;
use glir_case::Case;
use glir_collect::{CollectRequest, CollectSummary, collect_audit_events};
use glir_gitlab::{AuditScope, Client};
use glir_store::{EventFilter, Store};
use jiff::Timestamp;
use serde::Serialize;
use std::sync::atomic::AtomicBool;

/// Collects one scope's audit events over `[since, until)` into the store and writes the raw
/// records of that window to `audit/<scope>-<since>-<until>.jsonl`.
pub async fn collect_audit(
    client: &Client,
    store: &mut Store,
    case: &mut Case,
    scope: AuditScope,
    since: Timestamp,
    until: Timestamp,
    operator: &str,
) -> Result<(CollectSummary, String), Error> {
    let label = match &scope {
        AuditScope::Instance => "instance".to_string(),
        AuditScope::Group(g) => format!("group-{}", g.replace('/', "_")),
        AuditScope::Project(p) => format!("project-{}", p.replace('/', "_")),
    };
    let mut req = CollectRequest::new(scope);
    req.since = Some(since);
    req.until = Some(until);
    let summary =
        collect_audit_events(client, store, &req, &AtomicBool::new(false), &mut |_| {}).await?;
    let events = store.query_events(&EventFilter {
        since: Some(since),
        until: Some(until),
        source: Some(client.host()),
        ..EventFilter::default()
    })?;
    let mut jsonl = String::new();
    for event in &events {
        jsonl.push_str(&event.raw);
        jsonl.push('\n');
    }
    let rel = format!(
        "audit/{label}-{}-{}.jsonl",
        since.strftime("%Y%m%dT%H%M%SZ"),
        until.strftime("%Y%m%dT%H%M%SZ")
    );
    // Re-running over the same window may find more events; a new file keeps the first intact.
    let rel = unused_name(case, &rel)?;
    case.add_evidence(
        &rel,
        glir_redact::scrub(&jsonl).as_bytes(),
        &format!("GET {} audit events {since}..{until}", client.base_url()),
        operator,
    )?;
    Ok((summary, rel))
}

/// Saves what GitLab answered about an object, pretty-printed and scrubbed of token-shaped text.
pub fn snapshot(
    case: &mut Case,
    name: &str,
    source: &str,
    value: &impl Serialize,
    operator: &str,
) -> Result<String, Error> {
    let text = serde_json::to_string_pretty(value)?;
    let rel = unused_name(case, &format!("state/{name}.json"))?;
    case.add_evidence(&rel, glir_redact::scrub(&text).as_bytes(), source, operator)?;
    Ok(rel)
}

fn unused_name(case: &Case, rel: &str) -> Result<String, Error> {
    let manifest = case.manifest()?;
    if manifest.get(rel).is_none() {
        return Ok(rel.to_string());
    }
    let (stem, ext) = rel.rsplit_once('.').unwrap_or((rel, ""));
    for n in 2.. {
        let candidate = format!("{stem}.{n}.{ext}");
        if manifest.get(&candidate).is_none() {
            return Ok(candidate);
        }
    }
    unreachable!("an unused name always exists")
}

/// Saves a playbook run's findings and timeline as `investigation/run-NNN.json`.
pub fn save_investigation(
    case: &mut Case,
    record: &crate::playbook::InvestigationRecord,
    operator: &str,
) -> Result<String, Error> {
    let runs = case
        .manifest()?
        .files
        .iter()
        .filter(|f| f.path.starts_with("investigation/"))
        .count();
    let rel = format!("investigation/run-{:03}.json", runs + 1);
    let text = serde_json::to_string_pretty(record)?;
    case.add_evidence(
        &rel,
        glir_redact::scrub(&text).as_bytes(),
        &format!("glir respond {}", record.playbook),
        operator,
    )?;
    Ok(rel)
}

/// The newest saved run of the case.
pub fn latest_investigation(
    case: &Case,
) -> Result<Option<crate::playbook::InvestigationRecord>, Error> {
    let manifest = case.manifest()?;
    let Some(file) = manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with("investigation/"))
        .max_by(|a, b| a.path.cmp(&b.path))
    else {
        return Ok(None);
    };
    let bytes = std::fs::read(case.evidence_path(&file.path)?).map_err(|source| Error::Io {
        path: file.path.clone(),
        source,
    })?;
    Ok(Some(serde_json::from_slice(&bytes)?))
}
