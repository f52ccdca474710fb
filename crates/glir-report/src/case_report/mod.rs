//! The case report: what happened, what was found, what was done, and the proof. One data
//! structure, rendered as Markdown, a self-contained HTML file, JSON, or Timesketch JSONL.
//!
//! Markdown and HTML render the same [`document::Document`], so the two always show the same
//! sections; building it is where every free-text value is scrubbed of token-shaped text.

mod document;
mod html;
mod json;
mod md;
mod timesketch;
mod window;

pub use html::to_html;
pub use json::to_json;
pub use md::to_markdown;
pub use timesketch::write_timesketch;

use glir_case::{CaseInfo, JournalRecord, Manifest};
use glir_events::Alert;
use glir_events::AuditEvent;
use jiff::Timestamp;
use serde::Serialize;

/// Everything a report shows, gathered by the caller (the `glir report` command or a playbook).
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    pub generated_at: Timestamp,
    pub glir_version: String,
    pub case: CaseInfo,
    /// Plain-word lines for the top of the report, most important first.
    pub summary: Vec<String>,
    /// The attacker's (or subject's) timeline, oldest first.
    pub timeline: Vec<AuditEvent>,
    /// Every event the investigation reviewed, oldest first (the timeline's among them): what
    /// a Timesketch export carries.
    pub events: Vec<AuditEvent>,
    /// Detections over the case's events.
    pub alerts: Vec<Alert>,
    /// What the investigation found (persistence, exposures, misconfigurations).
    pub findings: Vec<ReportFinding>,
    /// Journal records of planned and applied actions, with their hashes.
    pub actions: Vec<JournalRecord>,
    /// Checks that were not run, and why (permissions, GitLab version, offline).
    pub skipped: Vec<SkippedCheck>,
    /// The evidence manifest.
    pub evidence: Manifest,
    /// Outcome of `glir case verify` when the report was written.
    pub integrity: Integrity,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    /// Stable kind, e.g. `new_personal_access_token`, `new_ssh_key`, `leaked_variable`.
    pub kind: String,
    /// One line, e.g. "Token \"backup\" created for svc-backup by dana from 203.0.113.66".
    pub title: String,
    pub severity: String,
    pub time: Option<Timestamp>,
    /// Audit events supporting the finding.
    pub event_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedCheck {
    pub check: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Integrity {
    pub verified: bool,
    pub journal_records: u64,
    pub evidence_files: usize,
    /// Problems in plain words (empty when verified).
    pub problems: Vec<String>,
    /// Hash of the journal's last record: quote it to pin the report to the journal.
    pub journal_head: String,
}
