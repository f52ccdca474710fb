//! A timeline: events in time order, grouped by UTC day, each with the marks that explain why it
//! may matter.

use crate::marks::{Mark, notable_reason};
use glir_baseline::{Baseline, Novelty};
use glir_events::{AuditEvent, EventRef};
use jiff::civil::Date;
use jiff::tz::TimeZone;

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

/// Build a timeline from events in any order, judging each against `baseline` (learned from the
/// events before them, or fresh) and teaching it. An IP is marked new for an actor the baseline
/// had seen before but not from that IP within its window.
pub fn build_timeline(mut events: Vec<AuditEvent>, baseline: &mut Baseline) -> Timeline {
    events.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    let mut days: Vec<TimelineDay> = Vec::new();
    for event in events {
        let novelty = baseline.observe(&EventRef::from(&event));
        let marks = marks_for(&event, &novelty);
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

/// A new address is one the baseline had not seen the actor use in its window (and the actor
/// had been seen before): the same answer detections get, whatever `--since` or `--limit` show.
fn marks_for(event: &AuditEvent, novelty: &Novelty) -> Vec<Mark> {
    let mut marks = Vec::new();
    if let Some(ip) = event.ip_address.as_deref()
        && novelty.new_ip
        && novelty.actor_seen_before
    {
        marks.push(Mark::NewIp { ip: ip.to_string() });
    }
    if let Some(reason) = event.event_type.as_deref().and_then(notable_reason) {
        marks.push(Mark::Notable { reason });
    }
    marks
}
