//! `--save` and `--stored`: findings kept in the store, where the shards of one scan (and runs
//! repeated) merge. A finding is keyed by its location fingerprint, the same secret in the same
//! place, and stored as its JSON, which holds the redacted secret and its fingerprint only.

use super::{Verifications, output};
use crate::cli::{GlobalArgs, ScanArgs};
use crate::config::Settings;
use crate::output::status;
use anyhow::{Context, Result};
use glir_scan::{Finding, ScanReport};
use glir_store::Store;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// Stores `findings`; returns the summary's part: how many were new and how many were stored
/// already (by another shard, or by this one run before).
pub fn save(store: &mut Store, findings: &[Finding]) -> Result<String> {
    // The same secret twice in one place (twice on one log line) is one stored finding, and
    // counted once.
    let mut by_key = BTreeMap::new();
    for f in findings {
        by_key
            .entry(f.location_fingerprint.clone())
            .or_insert_with(|| serde_json::to_string(f).expect("a finding serializes"));
    }
    let pairs: Vec<(String, String)> = by_key.into_iter().collect();
    let stats = store
        .insert_findings(&pairs)
        .context("cannot store the findings")?;
    Ok(format!(
        "; stored: {} new, {} already stored",
        stats.inserted, stats.duplicates
    ))
}

/// Lists the stored findings as a scan lists its own: same formats, same order, same exit code.
pub fn list(g: &GlobalArgs, settings: &Settings, args: &ScanArgs) -> Result<ExitCode> {
    let store = super::super::read_store(settings)?;
    let mut findings = store
        .query_findings()
        .context("cannot read the stored findings")?
        .iter()
        .map(|record| serde_json::from_str::<Finding>(record))
        .collect::<Result<Vec<_>, _>>()
        .context("the store holds a finding this glir cannot read")?;
    // The order a scan reports in (`Collector::finish`), not the store's key order.
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            (
                f.location.path().to_owned(),
                f.location.line(),
                f.location.column(),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.rule.cmp(&b.rule))
    });
    let report = ScanReport {
        findings,
        secrets: Default::default(),
        suppressed_inline: 0,
        suppressed_baseline: 0,
        invalid: 0,
    };
    let now = jiff::Timestamp::now();
    output::write(g, args, &report, &Verifications::new(), now, now)?;
    if !g.quiet {
        status!("stored: {}", report.summary());
    }
    Ok(if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
