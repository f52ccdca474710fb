//! Finding formats: JSONL, SARIF 2.1.0 and GitLab's secret-detection report. Every format is
//! built from [`Finding`]s, which hold only redacted secrets.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use crate::{Finding, Location};

/// Tool name in reports.
const TOOL: &str = "glir";
const TOOL_URI: &str = "https://gitlab.com/glir/glir";
/// GitLab security report schema version emitted
/// (`gitlab-org/security-products/security-report-schemas`, `secret-detection-report-format.json`).
pub const GITLAB_REPORT_VERSION: &str = "15.2.1";
/// GitLab's placeholder commit for findings outside git history (the secrets analyzer uses it
/// for non-git scans; the schema requires `location.commit.sha`).
const NO_COMMIT: &str = "0000000";

/// One JSON object per line.
///
/// # Errors
/// When writing fails.
pub fn write_jsonl(out: &mut dyn Write, findings: &[Finding]) -> std::io::Result<()> {
    for finding in findings {
        serde_json::to_writer(&mut *out, finding)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The redacted one-line message shared by SARIF and the GitLab report.
fn message(finding: &Finding) -> String {
    let validity = if finding.structurally_valid {
        ""
    } else {
        " (fails structure checks: altered, truncated or fake)"
    };
    format!(
        "{} {} ({}){validity}",
        finding.rule_name, finding.secret, finding.fingerprint
    )
}

/// SARIF 2.1.0 log with one run; `partialFingerprints` carry the location and finding ids.
pub fn to_sarif(findings: &[Finding]) -> Value {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for f in findings {
        rules.entry(&f.rule).or_insert_with(|| {
            json!({
                "id": f.rule,
                "name": f.rule,
                "shortDescription": { "text": f.rule_name },
                "properties": { "provider": f.provider },
            })
        });
    }
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut region = json!({ "startLine": f.location.line() });
            if let Some(column) = f.location.column() {
                region["startColumn"] = json!(column);
            }
            json!({
                "ruleId": f.rule,
                "level": if f.structurally_valid { "error" } else { "warning" },
                "message": { "text": message(f) },
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
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": TOOL,
                    "informationUri": TOOL_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.into_values().collect::<Vec<_>>(),
                }
            },
            "results": results,
        }]
    })
}

/// GitLab's secret-detection report (`gl-secret-detection-report.json`), so GitLab shows the
/// findings natively. `scan_start`/`scan_end` use the schema's format `YYYY-MM-DDTHH:MM:SS`
/// (UTC, no zone).
pub fn to_gitlab_secret_detection(findings: &[Finding], scan_start: &str, scan_end: &str) -> Value {
    let scanner = json!({
        "id": TOOL,
        "name": TOOL,
        "url": TOOL_URI,
        "vendor": { "name": TOOL },
        "version": env!("CARGO_PKG_VERSION"),
    });
    let vulnerabilities: Vec<Value> = findings
        .iter()
        .map(|f| {
            let commit = match &f.location {
                Location::Git {
                    commit,
                    author,
                    date,
                    ..
                } => json!({ "sha": commit, "author": author, "date": date }),
                _ => json!({ "sha": NO_COMMIT }),
            };
            json!({
                "id": uuid_shaped(&f.location_fingerprint),
                "category": "secret_detection",
                "name": f.rule_name,
                "description": message(f),
                "severity": if f.structurally_valid { "Critical" } else { "Medium" },
                "confidence": if f.structurally_valid { "High" } else { "Low" },
                // Redacted: GitLab stores and displays this field.
                "raw_source_code_extract": f.secret,
                "scanner": { "id": TOOL, "name": TOOL },
                "location": {
                    "file": f.location.path(),
                    "start_line": f.location.line(),
                    "end_line": f.location.line(),
                    "commit": commit,
                },
                "identifiers": [{
                    "type": "glir_rule_id",
                    "name": format!("glir rule ID {}", f.rule),
                    "value": f.rule,
                }],
            })
        })
        .collect();
    json!({
        "version": GITLAB_REPORT_VERSION,
        "vulnerabilities": vulnerabilities,
        "scan": {
            "analyzer": scanner,
            "scanner": scanner,
            "type": "secret_detection",
            "start_time": scan_start,
            "end_time": scan_end,
            "status": "success",
        }
    })
}

/// `8-4-4-4-12` hex from a 32-digit id: GitLab expects vulnerability ids shaped like UUIDs.
fn uuid_shaped(hex32: &str) -> String {
    let h = format!("{hex32:0<32}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
