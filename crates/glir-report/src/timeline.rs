//! A timeline: events in time order, grouped by UTC day, each with the marks that explain why it
//! may matter.

use crate::marks::{Mark, notable_reason};
use glir_events::AuditEvent;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub event: AuditEvent,
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone)]
pub struct TimelineDay {
    pub date: Date,
    pub entries: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub days: Vec<TimelineDay>,
}

impl Timeline {
    pub fn len(&self) -> usize {
        self.days.iter().map(|d| d.entries.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    pub fn marked(&self) -> impl Iterator<Item = &TimelineEntry> {
        self.days
            .iter()
            .flat_map(|d| &d.entries)
            .filter(|e| !e.marks.is_empty())
    }
}

/// Build a timeline from events in any order. An IP counts as new for an actor when that actor
/// had already acted from another IP earlier in these events.
pub fn build_timeline(mut events: Vec<AuditEvent>) -> Timeline {
    events.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    let mut seen_ips: HashMap<String, HashSet<String>> = HashMap::new();
    let mut days: Vec<TimelineDay> = Vec::new();
    for event in events {
        let marks = marks_for(&event, &mut seen_ips);
        let date = event.created_at.to_zoned(TimeZone::UTC).date();
        let entry = TimelineEntry { event, marks };
        match days.last_mut() {
            Some(day) if day.date == date => day.entries.push(entry),
            _ => days.push(TimelineDay {
                date,
                entries: vec![entry],
            }),
        }
    }
    Timeline { days }
}

fn marks_for(event: &AuditEvent, seen_ips: &mut HashMap<String, HashSet<String>>) -> Vec<Mark> {
    let mut marks = Vec::new();
    if let (Some(actor), Some(ip)) = (actor_key(event), event.ip_address.as_deref()) {
        let ips = seen_ips.entry(actor).or_default();
        if !ips.is_empty() && !ips.contains(ip) {
            marks.push(Mark::NewIp { ip: ip.to_string() });
        }
        ips.insert(ip.to_string());
    }
    if let Some(reason) = event.event_type.as_deref().and_then(notable_reason) {
        marks.push(Mark::Notable { reason });
    }
    marks
}

fn actor_key(event: &AuditEvent) -> Option<String> {
    match (event.author_id, &event.author_name) {
        (Some(id), _) => Some(format!("id:{id}")),
        (None, Some(name)) => Some(format!("name:{}", name.to_lowercase())),
        (None, None) => None,
    }
}
