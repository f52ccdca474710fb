//! Timesketch JSONL: one line per event the case reviewed (the attacker's timeline marked),
//! detection, journal record and recorded case time, so the case can be merged with other
//! sources in a Timesketch sketch.

use super::CaseReport;
use super::document::{actor, kind, target};
use super::json::scrub_value;
use glir_case::StepKind;
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::io::{self, Write};

/// Writes the case as Timesketch JSONL. Each line has the three fields Timesketch requires for
/// JSONL import — `message`, `datetime` (RFC 3339, UTC) and `timestamp_desc` — plus attributes
/// to filter on (`glir_kind`, `case`, `event_type`, `actor`, `ip_address`, `rule_id`,
/// `journal_hash`…). Lines are in report order (events, detections, journal, case times);
/// Timesketch sorts by time itself. Every string is scrubbed.
pub fn write_timesketch(report: &CaseReport, out: &mut dyn Write) -> io::Result<()> {
    let case = report.case.name.as_str();
    let on_timeline: std::collections::HashSet<&str> = report
        .timeline
        .iter()
        .map(|e| e.event_id.as_str())
        .collect();
    for e in &report.events {
        let message = match &e.event_type {
            Some(t) => format!("{t}: {}", e.summary()),
            None => e.summary(),
        };
        write_line(
            out,
            case,
            "audit_event",
            e.created_at,
            "Audit event created",
            message,
            json!({
                "event_id": e.event_id,
                "event_source": e.source,
                "event_type": e.event_type,
                "actor": actor(e),
                "author_id": e.author_id,
                "ip_address": e.ip_address,
                "entity_type": e.entity_type,
                "entity_path": e.entity_path,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "target_details": e.target_details,
                "custom_message": e.custom_message,
                "attacker_timeline": on_timeline.contains(e.event_id.as_str()),
            }),
        )?;
    }
    for a in &report.alerts {
        write_line(
            out,
            case,
            "detection",
            a.time,
            "Detection",
            format!("[{}] {}: {}", a.level, a.title, a.reason),
            json!({
                "rule_id": a.rule_id,
                "rule_title": a.title,
                "level": a.level,
                "tags": a.tags,
                "actor": a.actor,
                "event_ids": a.event_ids,
            }),
        )?;
    }
    for r in &report.actions {
        let desc = match r.entry.kind {
            Some(StepKind::Change) => "Response action",
            Some(StepKind::Plan) => "Response action planned",
            Some(StepKind::Collect) => "Evidence collected",
            Some(StepKind::Case) | None => "Case step",
        };
        let mut message = r.entry.action.clone();
        if let Some(t) = &r.entry.target {
            message.push_str(&format!(" on {}", target(Some(t))));
        }
        if let Some(status) = r.entry.status {
            message.push_str(&format!(" (HTTP {status})"));
        }
        if let Some(note) = &r.entry.note {
            message.push_str(&format!(": {note}"));
        }
        write_line(
            out,
            case,
            "journal",
            r.time,
            desc,
            message,
            json!({
                "journal_seq": r.seq,
                "journal_hash": r.hash,
                "step_kind": kind(r.entry.kind),
                "action": r.entry.action,
                "operator": r.entry.operator,
                "target": r.entry.target.as_ref().map(|t| target(Some(t))),
                "target_kind": r.entry.target.as_ref().map(|t| &t.kind),
                "target_id": r.entry.target.as_ref().map(|t| &t.id),
                "request": r.entry.request,
                "http_status": r.entry.status,
                "request_id": r.entry.request_id,
            }),
        )?;
    }
    let times = &report.case.times;
    let moments = [
        (times.exposed_at, "Exposure recorded", "exposed"),
        (times.detected_at, "Detection recorded", "detected"),
        (times.contained_at, "Containment recorded", "contained"),
        (times.revoked_at, "Revocation recorded", "revoked"),
    ];
    for (time, desc, word) in moments {
        if let Some(time) = time {
            write_line(
                out,
                case,
                "case_time",
                time,
                desc,
                format!("Case {case}: {word}"),
                json!({ "scenario": report.case.scenario }),
            )?;
        }
    }
    Ok(())
}

fn write_line(
    out: &mut dyn Write,
    case: &str,
    glir_kind: &str,
    time: Timestamp,
    timestamp_desc: &str,
    message: String,
    extra: Value,
) -> io::Result<()> {
    let mut line = Map::new();
    line.insert("message".into(), message.into());
    line.insert("datetime".into(), time.to_string().into());
    line.insert("timestamp_desc".into(), timestamp_desc.into());
    line.insert("glir_kind".into(), glir_kind.into());
    line.insert("case".into(), case.into());
    if let Value::Object(extra) = extra {
        // Timesketch shows every attribute; empty ones are noise.
        line.extend(extra.into_iter().filter(|(_, v)| !v.is_null()));
    }
    let mut line = Value::Object(line);
    scrub_value(&mut line);
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")
}
