//! A posture run as Markdown: what failed first (by severity), what could not be checked and
//! why, then every check's remediation, for a ticket or a wiki page.

use glir_posture::{Report, Status};
use std::fmt::Write;

pub fn posture_markdown(report: &Report) -> String {
    let mut md = String::new();
    let f = &report.facts;
    let _ = writeln!(md, "# GitLab posture: {}\n", f.url);
    let _ = writeln!(
        md,
        "GitLab {} ({}), checked {} as {}{}.\n",
        f.version.as_deref().unwrap_or("version unknown"),
        f.tier.map_or("tier unknown", |t| t.as_str()),
        report.finished_at,
        f.username.as_deref().unwrap_or("?"),
        if f.is_admin { ", an administrator" } else { "" }
    );
    let c = &report.counts;
    let _ = writeln!(
        md,
        "| PASS | FAIL | SKIP | ERROR |\n|---:|---:|---:|---:|\n| {} | {} | {} | {} |\n",
        c.pass, c.fail, c.skip, c.error
    );
    if !report.complete {
        let _ = writeln!(md, "**Incomplete.** This token could not see everything:\n");
        for line in &report.incomplete {
            let _ = writeln!(md, "- {}", cell(line));
        }
        md.push('\n');
    }
    let mut failed: Vec<_> = report
        .results
        .iter()
        .filter(|o| o.status == Status::Fail)
        .collect();
    failed.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    let _ = writeln!(md, "## Failed ({})\n", failed.len());
    if !failed.is_empty() {
        let _ = writeln!(
            md,
            "| severity | check | target | what |\n|---|---|---|---|"
        );
        for o in &failed {
            let _ = writeln!(
                md,
                "| {} | `{}` {} | {} | {} |",
                o.severity.as_str(),
                o.id,
                cell(&o.title),
                cell(&o.target),
                cell(o.reason.as_deref().unwrap_or(""))
            );
        }
        md.push('\n');
    }
    let others: Vec<_> = report
        .results
        .iter()
        .filter(|o| matches!(o.status, Status::Skip | Status::Error))
        .collect();
    let _ = writeln!(md, "## Not checked ({})\n", others.len());
    if !others.is_empty() {
        let _ = writeln!(md, "| status | check | target | why |\n|---|---|---|---|");
        for o in others {
            let _ = writeln!(
                md,
                "| {} | `{}` | {} | {} |",
                o.status.as_str(),
                o.id,
                cell(&o.target),
                cell(o.reason.as_deref().unwrap_or(""))
            );
        }
        md.push('\n');
    }
    let _ = writeln!(md, "## Remediation\n");
    let mut shown: Vec<&str> = failed.iter().map(|o| o.id.as_str()).collect();
    shown.dedup();
    for id in shown {
        if let Some(check) = report.checks.iter().find(|c| c.id == id) {
            let _ = writeln!(
                md,
                "### `{}` — {}\n\n{}\n\n**Fix:** {}\n",
                check.id,
                cell(&check.title),
                cell(&check.threat),
                cell(&check.remediation)
            );
            for r in &check.references {
                let _ = writeln!(md, "- <{r}>");
            }
            md.push('\n');
        }
    }
    md
}

/// Text made safe for a table cell: pipes escaped, line breaks and HTML taken out.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
