//! Events and timelines as rows of the output layer; a timeline's table is grouped by day.

use crate::format::Format;
use crate::sink::{Row, Sink, WriterSink, cap};
use crate::timeline::{Timeline, TimelineEntry};
use glir_events::AuditEvent;
use glir_redact::scrub;
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};

#[derive(Serialize)]
struct EventRow<'a> {
    #[serde(skip)]
    event: &'a AuditEvent,
    time: String,
    source: &'a str,
    event_id: &'a str,
    event_type: Option<&'a str>,
    author_id: Option<i64>,
    author_name: Option<&'a str>,
    ip_address: Option<&'a str>,
    entity_type: Option<&'a str>,
    entity_path: Option<&'a str>,
    target_type: Option<&'a str>,
    target_id: Option<&'a str>,
    target_details: Option<Cow<'a, str>>,
    summary: String,
}

impl<'a> EventRow<'a> {
    fn new(e: &'a AuditEvent) -> Self {
        EventRow {
            event: e,
            time: e.created_at.to_string(),
            source: &e.source,
            event_id: &e.event_id,
            event_type: e.event_type.as_deref(),
            author_id: e.author_id,
            author_name: e.author_name.as_deref(),
            ip_address: e.ip_address.as_deref(),
            entity_type: e.entity_type.as_deref(),
            entity_path: e.entity_path.as_deref(),
            target_type: e.target_type.as_deref(),
            target_id: e.target_id.as_deref(),
            target_details: e.target_details.as_deref().map(scrub),
            summary: scrub(&e.summary()).into_owned(),
        }
    }
}

/// An event's CSV columns, then `extra` ones.
macro_rules! event_columns {
    ($($extra:literal),*) => {
        &[
            "time",
            "source",
            "event_id",
            "event_type",
            "author_id",
            "author_name",
            "ip_address",
            "entity_type",
            "entity_path",
            "target_type",
            "target_id",
            "target_details",
            "summary",
            $($extra),*
        ]
    };
}

impl Row for EventRow<'_> {
    const COLUMNS: &'static [&'static str] = event_columns!();

    fn record(&self) -> Vec<String> {
        let text = |v: Option<&str>| v.unwrap_or_default().to_string();
        vec![
            self.time.clone(),
            self.source.to_string(),
            self.event_id.to_string(),
            text(self.event_type),
            self.author_id.map(|i| i.to_string()).unwrap_or_default(),
            text(self.author_name),
            text(self.ip_address),
            text(self.entity_type),
            text(self.entity_path),
            text(self.target_type),
            text(self.target_id),
            text(self.target_details.as_deref()),
            self.summary.clone(),
        ]
    }

    fn table_columns() -> Vec<String> {
        ["TIME", "TYPE", "ACTOR", "IP", "ENTITY", "SUMMARY"]
            .map(String::from)
            .to_vec()
    }

    fn table_cells(&self) -> Vec<String> {
        let e = self.event;
        vec![
            e.created_at.strftime("%Y-%m-%d %H:%M:%SZ").to_string(),
            e.event_type.clone().unwrap_or_else(|| "-".into()),
            actor(e),
            e.ip_address.clone().unwrap_or_else(|| "-".into()),
            e.entity_path.clone().unwrap_or_else(|| "-".into()),
            self.summary.clone(),
        ]
    }
}

/// A timeline's event: the event's fields and why it is marked.
#[derive(Serialize)]
struct MarkedRow<'a> {
    #[serde(flatten)]
    event: EventRow<'a>,
    marks: Vec<String>,
}

impl Row for MarkedRow<'_> {
    const COLUMNS: &'static [&'static str] = event_columns!("marks");

    fn record(&self) -> Vec<String> {
        let mut r = self.event.record();
        r.push(self.marks.join("; "));
        r
    }
}

/// Write a flat list of events.
pub fn write_events(out: &mut dyn Write, events: &[AuditEvent], format: Format) -> io::Result<()> {
    let mut sink = WriterSink::new(out, format);
    for e in events {
        sink.emit(&EventRow::new(e))?;
    }
    sink.finish()
}

/// Widest actor or event type in a timeline's fixed columns.
const TIMELINE_CAP: usize = 32;

/// Write a timeline: grouped by day in a table, one event per line in JSONL and CSV.
pub fn write_timeline(out: &mut dyn Write, timeline: &Timeline, format: Format) -> io::Result<()> {
    if format != Format::Table {
        let mut sink = WriterSink::new(out, format);
        for entry in timeline.days.iter().flat_map(|d| &d.entries) {
            sink.emit(&MarkedRow {
                event: EventRow::new(&entry.event),
                marks: mark_labels(entry),
            })?;
        }
        return sink.finish();
    }
    for day in &timeline.days {
        let marked = day.entries.iter().filter(|e| !e.marks.is_empty()).count();
        writeln!(
            out,
            "── {} ({}) · {} event{}{}",
            day.date,
            day.date.strftime("%a"),
            day.entries.len(),
            if day.entries.len() == 1 { "" } else { "s" },
            if marked > 0 {
                format!(" · {marked} marked")
            } else {
                String::new()
            }
        )?;
        for entry in &day.entries {
            let e = &entry.event;
            let time = e.created_at.strftime("%H:%M:%S").to_string();
            let flag = if entry.marks.is_empty() { ' ' } else { '!' };
            write!(
                out,
                "{flag} {time}  {:<16} {:<15} {:<34} {}",
                cap(&actor(e), TIMELINE_CAP),
                e.ip_address.as_deref().unwrap_or("-"),
                cap(e.event_type.as_deref().unwrap_or("-"), TIMELINE_CAP),
                scrub(&e.summary())
            )?;
            if !entry.marks.is_empty() {
                write!(out, "  [{}]", mark_labels(entry).join("; "))?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

fn mark_labels(entry: &TimelineEntry) -> Vec<String> {
    entry.marks.iter().map(|m| m.label()).collect()
}

fn actor(e: &AuditEvent) -> String {
    match (&e.author_name, e.author_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => format!("#{id}"),
        (None, None) => "-".into(),
    }
}
