//! Writers for each format. Tables are for a terminal; JSONL and CSV are for other tools.

use crate::format::Format;
use crate::timeline::{Timeline, TimelineEntry};
use glir_events::AuditEvent;
use glir_redact::scrub;
use serde::Serialize;
use std::borrow::Cow;
use std::io::{self, Write};

const TABLE_COLUMN_CAP: usize = 32;

#[derive(Serialize)]
struct EventRow<'a> {
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
    #[serde(skip_serializing_if = "Option::is_none")]
    marks: Option<Vec<String>>,
}

impl<'a> EventRow<'a> {
    fn new(e: &'a AuditEvent, marks: Option<Vec<String>>) -> Self {
        EventRow {
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
            marks,
        }
    }
}

/// Write a flat list of events.
pub fn write_events(out: &mut dyn Write, events: &[AuditEvent], format: Format) -> io::Result<()> {
    match format {
        Format::Jsonl => {
            for e in events {
                write_json_line(out, &EventRow::new(e, None))?;
            }
            Ok(())
        }
        Format::Csv => write_csv(out, events.iter().map(|e| EventRow::new(e, None)), false),
        Format::Table => {
            let rows: Vec<[String; 6]> = events.iter().map(table_cells).collect();
            write_table(
                out,
                ["TIME", "TYPE", "ACTOR", "IP", "ENTITY", "SUMMARY"],
                &rows,
            )
        }
    }
}

/// Write a timeline: grouped by day in a table, one event per line in JSONL and CSV.
pub fn write_timeline(out: &mut dyn Write, timeline: &Timeline, format: Format) -> io::Result<()> {
    let entries = timeline.days.iter().flat_map(|d| &d.entries);
    match format {
        Format::Jsonl => {
            for entry in entries {
                write_json_line(out, &EventRow::new(&entry.event, Some(mark_labels(entry))))?;
            }
            Ok(())
        }
        Format::Csv => write_csv(
            out,
            entries.map(|entry| EventRow::new(&entry.event, Some(mark_labels(entry)))),
            true,
        ),
        Format::Table => {
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
                        cap(&actor(e)),
                        e.ip_address.as_deref().unwrap_or("-"),
                        cap(e.event_type.as_deref().unwrap_or("-")),
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
    }
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

fn table_cells(e: &AuditEvent) -> [String; 6] {
    [
        e.created_at.strftime("%Y-%m-%d %H:%M:%SZ").to_string(),
        e.event_type.clone().unwrap_or_else(|| "-".into()),
        actor(e),
        e.ip_address.clone().unwrap_or_else(|| "-".into()),
        e.entity_path.clone().unwrap_or_else(|| "-".into()),
        scrub(&e.summary()).into_owned(),
    ]
}

fn cap(s: &str) -> String {
    if s.chars().count() <= TABLE_COLUMN_CAP {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(TABLE_COLUMN_CAP - 1).collect();
        t.push('…');
        t
    }
}

fn write_table(out: &mut dyn Write, header: [&str; 6], rows: &[[String; 6]]) -> io::Result<()> {
    let capped: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let mut c = r.clone();
            for cell in c.iter_mut().take(5) {
                *cell = cap(cell);
            }
            c
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &capped {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 5 {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        s
    };
    writeln!(out, "{}", line(header).trim_end())?;
    for row in &capped {
        writeln!(
            out,
            "{}",
            line(row.each_ref().map(String::as_str)).trim_end()
        )?;
    }
    Ok(())
}

fn write_json_line(out: &mut dyn Write, row: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, row)?;
    out.write_all(b"\n")
}

fn write_csv<'a>(
    out: &mut dyn Write,
    rows: impl Iterator<Item = EventRow<'a>>,
    with_marks: bool,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
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
    ];
    if with_marks {
        header.push("marks");
    }
    w.write_record(&header)?;
    for r in rows {
        let mut rec = vec![
            r.time,
            r.source.to_string(),
            r.event_id.to_string(),
            r.event_type.unwrap_or_default().to_string(),
            r.author_id.map(|i| i.to_string()).unwrap_or_default(),
            r.author_name.unwrap_or_default().to_string(),
            r.ip_address.unwrap_or_default().to_string(),
            r.entity_type.unwrap_or_default().to_string(),
            r.entity_path.unwrap_or_default().to_string(),
            r.target_type.unwrap_or_default().to_string(),
            r.target_id.unwrap_or_default().to_string(),
            r.target_details.unwrap_or_default().into_owned(),
            r.summary,
        ];
        if with_marks {
            rec.push(r.marks.unwrap_or_default().join("; "));
        }
        w.write_record(&rec)?;
    }
    w.flush()
}
