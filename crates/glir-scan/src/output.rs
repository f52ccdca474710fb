//! Finding formats: JSONL and GitLab's secret-detection report (SARIF is `glir-report`'s). Every format is
//! built from [`Finding`]s, which hold only redacted secrets.

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
                "description": f.message(),
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
