//! The report as a format-neutral document: titled sections of paragraphs, lists and tables of
//! plain text. Markdown and HTML only escape and lay it out, so they cannot drift apart, and
//! scrubbing happens here, once, for every value either of them prints.

use super::CaseReport;
use super::window::interval_lines;
use glir_case::{CaseStatus, JournalRecord, StepKind, Target};
use glir_events::AuditEvent;
use glir_redact::scrub;
use jiff::Timestamp;

pub(super) struct Document {
    pub title: String,
    pub generated: String,
    pub sections: Vec<Section>,
}

pub(super) struct Section {
    pub title: &'static str,
    /// A stable anchor for links into the HTML file.
    pub id: &'static str,
    pub blocks: Vec<Block>,
}

pub(super) enum Block {
    Paragraph(String),
    /// A pass/fail line the reader must not miss.
    Verdict {
        ok: bool,
        text: String,
    },
    Heading(&'static str),
    List(Vec<String>),
    Table {
        head: &'static [&'static str],
        rows: Vec<Vec<String>>,
    },
}

/// Builds the document; every string in it has been through `scrub`.
pub(super) fn build(report: &CaseReport) -> Document {
    let mut doc = Document {
        title: format!("Case report: {}", report.case.name),
        generated: format!(
            "Generated {} UTC by glir {}.",
            utc(report.generated_at),
            report.glir_version
        ),
        sections: vec![
            summary(report),
            exposure(report),
            timeline(&report.timeline),
            detections(report),
            findings(report),
            actions(&report.actions),
            skipped(report),
            evidence(report),
            integrity(report),
        ],
    };
    scrub_document(&mut doc);
    doc
}

fn summary(report: &CaseReport) -> Section {
    let case = &report.case;
    let mut details = vec![
        vec!["Case".into(), case.name.clone()],
        vec!["Scenario".into(), dash(case.scenario.as_deref())],
        vec![
            "Status".into(),
            match case.status {
                CaseStatus::Open => "open",
                CaseStatus::Closed => "closed",
            }
            .into(),
        ],
        vec![
            "Opened".into(),
            format!("{} UTC by {}", utc(case.opened_at), case.opened_by),
        ],
    ];
    if let Some(closed) = case.closed_at {
        details.push(vec!["Closed".into(), format!("{} UTC", utc(closed))]);
    }
    if let Some(url) = &case.gitlab_url {
        details.push(vec!["GitLab".into(), url.clone()]);
    }
    let blocks = vec![
        Block::Table {
            head: &["Field", "Value"],
            rows: details,
        },
        if report.summary.is_empty() {
            Block::Paragraph("No summary lines were recorded.".into())
        } else {
            Block::List(report.summary.clone())
        },
    ];
    Section {
        title: "Summary",
        id: "summary",
        blocks,
    }
}

fn exposure(report: &CaseReport) -> Section {
    let times = &report.case.times;
    let moments = [
        ("Exposed", times.exposed_at),
        ("Detected", times.detected_at),
        ("Contained", times.contained_at),
        ("Revoked", times.revoked_at),
    ];
    let rows = moments
        .into_iter()
        .map(|(name, time)| {
            vec![
                name.to_string(),
                time.map_or_else(|| "not recorded".into(), utc),
            ]
        })
        .collect();
    Section {
        title: "Exposure window",
        id: "exposure-window",
        blocks: vec![
            Block::Table {
                head: &["Moment", "Time (UTC)"],
                rows,
            },
            Block::List(interval_lines(times, report.generated_at)),
        ],
    }
}

fn timeline(events: &[AuditEvent]) -> Section {
    let rows = events
        .iter()
        .map(|e| {
            vec![
                utc(e.created_at),
                actor(e),
                dash(e.ip_address.as_deref()),
                dash(e.event_type.as_deref()),
                dash(e.entity_path.as_deref()),
                e.summary(),
                e.event_id.clone(),
            ]
        })
        .collect();
    Section {
        title: "Attacker timeline",
        id: "timeline",
        blocks: vec![table_or(
            &[
                "Time (UTC)",
                "Actor",
                "IP",
                "Event type",
                "Entity",
                "Summary",
                "Event id",
            ],
            rows,
            "No events in the case's timeline.",
        )],
    }
}

fn detections(report: &CaseReport) -> Section {
    let rows = report
        .alerts
        .iter()
        .map(|a| {
            vec![
                a.level.clone(),
                a.title.clone(),
                dash(a.actor.as_deref()),
                utc(a.time),
                a.reason.clone(),
                a.event_ids.join(", "),
            ]
        })
        .collect();
    Section {
        title: "Detections",
        id: "detections",
        blocks: vec![table_or(
            &[
                "Level",
                "Rule",
                "Actor",
                "Time (UTC)",
                "Reason",
                "Event ids",
            ],
            rows,
            "No detection fired on the case's events.",
        )],
    }
}

fn findings(report: &CaseReport) -> Section {
    let rows = report
        .findings
        .iter()
        .map(|f| {
            vec![
                f.severity.clone(),
                f.kind.clone(),
                f.title.clone(),
                f.time.map_or_else(|| "-".into(), utc),
                f.event_ids.join(", "),
            ]
        })
        .collect();
    Section {
        title: "Findings",
        id: "findings",
        blocks: vec![table_or(
            &["Severity", "Kind", "Finding", "Time (UTC)", "Event ids"],
            rows,
            "Nothing was found.",
        )],
    }
}

fn actions(records: &[JournalRecord]) -> Section {
    let (plans, steps): (Vec<&JournalRecord>, Vec<&JournalRecord>) = records
        .iter()
        .partition(|r| r.entry.kind == Some(StepKind::Plan));
    let taken = steps
        .iter()
        .map(|r| {
            vec![
                r.seq.to_string(),
                kind(r.entry.kind).into(),
                utc(r.time),
                r.entry.action.clone(),
                target(r.entry.target.as_ref()),
                r.entry.status.map_or_else(|| "-".into(), |s| s.to_string()),
                dash(r.entry.request_id.as_deref()),
                short_hash(&r.hash),
                dash(r.entry.note.as_deref()),
            ]
        })
        .collect();
    let pending = plans
        .iter()
        .filter(|plan| !applied_later(plan, &steps))
        .map(|r| {
            vec![
                r.seq.to_string(),
                utc(r.time),
                r.entry.action.clone(),
                target(r.entry.target.as_ref()),
                short_hash(&r.hash),
                dash(r.entry.note.as_deref()),
            ]
        })
        .collect();
    Section {
        title: "Actions taken",
        id: "actions",
        blocks: vec![
            table_or(
                &[
                    "Seq",
                    "Kind",
                    "Time (UTC)",
                    "Action",
                    "Target",
                    "HTTP status",
                    "GitLab request id",
                    "Journal hash",
                    "Note",
                ],
                taken,
                "No action was taken.",
            ),
            Block::Heading("Planned, not applied"),
            table_or(
                &[
                    "Seq",
                    "Time (UTC)",
                    "Action",
                    "Target",
                    "Journal hash",
                    "Note",
                ],
                pending,
                "Every planned action was applied.",
            ),
        ],
    }
}

/// A plan counts as applied when a later change record has the same action on the same target.
fn applied_later(plan: &JournalRecord, steps: &[&JournalRecord]) -> bool {
    steps.iter().any(|step| {
        step.entry.kind == Some(StepKind::Change)
            && step.seq > plan.seq
            && step.entry.action == plan.entry.action
            && same_target(step.entry.target.as_ref(), plan.entry.target.as_ref())
    })
}

fn same_target(a: Option<&Target>, b: Option<&Target>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.kind == b.kind && a.id == b.id,
        (None, None) => true,
        _ => false,
    }
}

fn skipped(report: &CaseReport) -> Section {
    let rows = report
        .skipped
        .iter()
        .map(|s| vec![s.check.clone(), s.reason.clone()])
        .collect();
    Section {
        title: "Checks skipped",
        id: "skipped",
        blocks: vec![table_or(&["Check", "Why"], rows, "Every check ran.")],
    }
}

fn evidence(report: &CaseReport) -> Section {
    let rows = report
        .evidence
        .files
        .iter()
        .map(|f| {
            vec![
                f.path.clone(),
                f.bytes.to_string(),
                f.sha256.clone(),
                utc(f.added_at),
                f.source.clone(),
            ]
        })
        .collect();
    Section {
        title: "Evidence manifest",
        id: "evidence",
        blocks: vec![table_or(
            &["Path", "Bytes", "SHA-256", "Added (UTC)", "Source"],
            rows,
            "No evidence file was collected.",
        )],
    }
}

fn integrity(report: &CaseReport) -> Section {
    let i = &report.integrity;
    let mut blocks = vec![if i.verified {
        Block::Verdict {
            ok: true,
            text: format!(
                "Verified: {} journal records and {} evidence files match their hashes.",
                i.journal_records, i.evidence_files
            ),
        }
    } else {
        Block::Verdict {
            ok: false,
            text: format!(
                "Not verified: {} problem{} found in {} journal records and {} evidence files.",
                i.problems.len(),
                if i.problems.len() == 1 { "" } else { "s" },
                i.journal_records,
                i.evidence_files
            ),
        }
    }];
    if !i.problems.is_empty() {
        blocks.push(Block::List(i.problems.clone()));
    }
    blocks.push(Block::Paragraph(format!(
        "Journal head hash: {}",
        i.journal_head
    )));
    Section {
        title: "Integrity",
        id: "integrity",
        blocks,
    }
}

fn table_or(head: &'static [&'static str], rows: Vec<Vec<String>>, empty: &str) -> Block {
    if rows.is_empty() {
        Block::Paragraph(empty.into())
    } else {
        Block::Table { head, rows }
    }
}

/// Human-facing times: UTC, to the second, without the `T`/`Z` noise of RFC 3339.
pub(super) fn utc(time: Timestamp) -> String {
    time.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

pub(super) fn actor(e: &AuditEvent) -> String {
    match (&e.author_name, e.author_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => format!("#{id}"),
        (None, None) => "-".into(),
    }
}

pub(super) fn target(target: Option<&Target>) -> String {
    match target {
        Some(Target {
            kind,
            id,
            label: Some(label),
        }) => format!("{kind} {id} ({label})"),
        Some(Target { kind, id, .. }) => format!("{kind} {id}"),
        None => "-".into(),
    }
}

pub(super) fn kind(kind: Option<StepKind>) -> &'static str {
    match kind {
        Some(StepKind::Case) => "case",
        Some(StepKind::Collect) => "collect",
        Some(StepKind::Plan) => "plan",
        Some(StepKind::Change) => "change",
        None => "-",
    }
}

/// Sixteen hex digits identify a record among a case's few hundred; the full hash is in JSON.
fn short_hash(hash: &str) -> String {
    hash.chars().take(16).collect()
}

fn dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_string()
}

fn scrub_document(doc: &mut Document) {
    let scrub_in_place = |s: &mut String| {
        if let std::borrow::Cow::Owned(clean) = scrub(s) {
            *s = clean;
        }
    };
    scrub_in_place(&mut doc.title);
    scrub_in_place(&mut doc.generated);
    for section in &mut doc.sections {
        for block in &mut section.blocks {
            match block {
                Block::Paragraph(text) | Block::Verdict { text, .. } => scrub_in_place(text),
                Block::List(items) => items.iter_mut().for_each(scrub_in_place),
                Block::Table { rows, .. } => rows.iter_mut().flatten().for_each(scrub_in_place),
                Block::Heading(_) => {}
            }
        }
    }
}
