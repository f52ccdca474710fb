//! Alerts as a SARIF 2.1.0 log, for code-scanning dashboards and CI annotations.

use crate::alert::Alert;
use crate::pack::RulePack;
use serde_json::{Value, json};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// One SARIF run: every loaded rule as a reporting descriptor, every alert as a result.
pub fn to_sarif(pack: &RulePack, alerts: &[Alert]) -> Value {
    let rules: Vec<Value> = pack
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.title,
                "shortDescription": {"text": r.title},
                "defaultConfiguration": {"level": sarif_level(&r.level)},
                "properties": {"sigmaLevel": r.level, "file": r.file.display().to_string()},
            })
        })
        .collect();
    let results: Vec<Value> = alerts
        .iter()
        .map(|a| {
            json!({
                "ruleId": a.rule_id,
                "level": sarif_level(&a.level),
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
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "glir", "informationUri": "https://example.invalid/glir", "rules": rules}},
            "results": results,
        }],
    })
}

/// SARIF has three result levels; Sigma's five fold onto them.
fn sarif_level(sigma: &str) -> &'static str {
    match sigma {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}
