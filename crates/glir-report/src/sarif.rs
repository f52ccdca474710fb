//! SARIF 2.1.0 logs, for code-scanning dashboards and CI annotations: one module for every value
//! glir reports this way (detection alerts, secret findings), so the log's skeleton, the tool's
//! name and the level mapping are written once.

use crate::sink::Sink;
use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use glir_detect::RuleInfo;
use glir_events::Alert;
use glir_scan::Finding;
use serde_json::{Value, json};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const TOOL: &str = "glir";
const TOOL_URI: &str = "https://gitlab.com/glir/glir";

/// Alerts as one run: every loaded rule a reporting descriptor, every alert a result.
pub fn alerts_to_sarif(rules: &[RuleInfo], alerts: &[Alert]) -> Value {
    let descriptors = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.title,
                "shortDescription": {"text": r.title},
                "defaultConfiguration": {"level": sigma_level(&r.level)},
                "properties": {"sigmaLevel": r.level, "file": r.file.display().to_string()},
            })
        })
        .collect();
    let results = alerts
        .iter()
        .map(|a| {
            json!({
                "ruleId": a.rule_id,
                "level": sigma_level(&a.level),
                "message": {"text": a.reason},
                "properties": {
                    "eventIds": a.event_ids,
                    "actor": a.actor,
                    "time": a.time.to_string(),
                    "tags": a.tags,
                    "sigmaLevel": a.level,
                },
            })
        })
        .collect();
    log(descriptors, results)
}

/// A SARIF file of alerts as a sink: kept as they come, written whole when the run ends.
pub struct SarifFile {
    path: PathBuf,
    rules: Vec<RuleInfo>,
    alerts: Vec<Alert>,
}

impl SarifFile {
    /// A log of alerts of `rules` (every one a reporting descriptor) to be written to `path`.
    pub fn new(path: PathBuf, rules: Vec<RuleInfo>) -> Self {
        SarifFile {
            path,
            rules,
            alerts: Vec::new(),
        }
    }
}

impl Sink<Alert> for SarifFile {
    fn emit(&mut self, alert: &Alert) -> io::Result<()> {
        self.alerts.push(alert.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let log = serde_json::to_vec_pretty(&alerts_to_sarif(&self.rules, &self.alerts))?;
        std::fs::write(&self.path, log)
            .map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", self.path.display())))
    }
}

/// Secret findings as one run; `partialFingerprints` carry the location and finding ids, so a
/// dashboard follows a finding across scans.
pub fn findings_to_sarif(findings: &[Finding]) -> Value {
    let mut descriptors: BTreeMap<&str, Value> = BTreeMap::new();
    for f in findings {
        descriptors.entry(&f.rule).or_insert_with(|| {
            json!({
                "id": f.rule,
                "name": f.rule,
                "shortDescription": { "text": f.rule_name },
                "properties": { "provider": f.provider },
            })
        });
    }
    let results = findings
        .iter()
        .map(|f| {
            let mut region = json!({ "startLine": f.location.line() });
            if let Some(column) = f.location.column() {
                region["startColumn"] = json!(column);
            }
            json!({
                "ruleId": f.rule,
                "level": if f.structurally_valid { "error" } else { "warning" },
                "message": { "text": f.message() },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.location.path() },
                        "region": region,
                    }
                }],
                "partialFingerprints": {
                    "glir/location/v1": f.location_fingerprint,
                    "glir/finding/v1": f.finding_id,
                },
                "properties": {
                    "fingerprint": f.fingerprint,
                    "family": f.family,
                    "encoding": f.encoding,
                    "structurally_valid": f.structurally_valid,
                },
            })
        })
        .collect();
    log(descriptors.into_values().collect(), results)
}

/// The log around one run.
/// A posture run: every check a reporting descriptor (its threat, remediation and references,
/// CIS and ATT&CK ids as tags), every FAIL a result located at its target (and item).
pub fn posture_to_sarif(report: &glir_posture::Report) -> Value {
    let descriptors = report
        .checks
        .iter()
        .map(|c| {
            let tags: Vec<String> = c
                .cis
                .iter()
                .map(|id| format!("CIS-GitLab-{id}"))
                .chain(c.attack.iter().map(|t| format!("attack.{}", t.to_lowercase())))
                .collect();
            json!({
                "id": c.id,
                "name": c.id,
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": c.threat},
                "help": {"text": c.remediation},
                "helpUri": c.references.first(),
                "defaultConfiguration": {"level": sigma_level(c.severity.as_str())},
                "properties": {"severity": c.severity.as_str(), "scope": c.scope.as_str(), "tags": tags},
            })
        })
        .collect();
    let mut results = Vec::new();
    for o in report
        .results
        .iter()
        .filter(|o| o.status == glir_posture::Status::Fail)
    {
        let items: Vec<Option<&str>> = if o.failures.is_empty() {
            vec![None]
        } else {
            o.failures.iter().map(|f| Some(f.item.as_str())).collect()
        };
        for item in items {
            let place = match item {
                Some(item) => format!("{} {}: {item}", o.scope.as_str(), o.target),
                None => format!("{} {}", o.scope.as_str(), o.target),
            };
            let text = match &o.reason {
                Some(reason) if item.is_none() => format!("{} ({place}): {reason}", o.title),
                _ => format!("{} ({place})", o.title),
            };
            results.push(json!({
                "ruleId": o.id,
                "level": sigma_level(o.severity.as_str()),
                "message": {"text": text},
                "locations": [{"logicalLocations": [{
                    "name": item.unwrap_or(&o.target),
                    "fullyQualifiedName": place,
                    "kind": o.scope.as_str(),
                }]}],
                "partialFingerprints": {"glir/posture/v1": format!("{}|{}|{}", o.id, o.target, item.unwrap_or(""))},
            }));
        }
    }
    log(descriptors, results)
}

fn log(rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": TOOL,
                    "informationUri": TOOL_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }],
    })
}

/// SARIF has three result levels; Sigma's five fold onto them.
fn sigma_level(sigma: &str) -> &'static str {
    match sigma {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}
