use super::actor::resolve_actor;
use super::{read_store, report_format};
use crate::cli::{EventsArgs, FilterArgs, GlobalArgs, TimelineArgs};
use crate::config::Settings;
use crate::output::{status, stdout};
use crate::timespec::resolve;
use anyhow::Result;
use glir_baseline::{Baseline, Config as BaselineConfig};
use glir_report::{build_timeline, write_events, write_timeline};
use glir_store::EventFilter;
use jiff::Timestamp;
use std::io::Write;
use std::process::ExitCode;

pub fn run_events(g: &GlobalArgs, settings: &Settings, args: &EventsArgs) -> Result<ExitCode> {
    let mut filter = to_filter(&args.filter, args.reverse, Timestamp::now())?;
    let store = read_store(settings)?;
    resolve_actor(settings, &store, &mut filter.actor)?;
    let events = store.query_events(&filter)?;
    let mut out = stdout();
    write_events(&mut out, &events, report_format(g.format))?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_timeline(g: &GlobalArgs, settings: &Settings, args: &TimelineArgs) -> Result<ExitCode> {
    let now = Timestamp::now();
    let filter = EventFilter {
        actor: args.actor.clone(),
        ip: args.ip.clone(),
        entity: args.project.clone(),
        since: resolve(args.range.since, now),
        until: resolve(args.range.until, now),
        limit: Some(args.limit),
        // Newest first so the limit keeps the most recent events; the timeline re-sorts them.
        newest_first: true,
        ..EventFilter::default()
    };
    let mut filter = filter;
    let store = read_store(settings)?;
    resolve_actor(settings, &store, &mut filter.actor)?;
    let events = store.query_events(&filter)?;
    // A timeline is read by a person: past the limit, say how much is left out and how to see it.
    if events.len() == args.limit && !g.quiet {
        let matching = store.count_events(&filter)?;
        if matching > events.len() as u64 {
            status!(
                "showing the newest {} of {matching} matching events; narrow with --since/--until or raise --limit",
                events.len()
            );
        }
    }
    let mut baseline = Baseline::new(BaselineConfig::default());
    if let Some(first) = events.iter().map(|e| e.created_at).min() {
        glir_analyze::history_before(&store, &filter, first, &mut baseline)?;
    }
    let timeline = build_timeline(events, &mut baseline);
    let mut out = stdout();
    write_timeline(&mut out, &timeline, report_format(g.format))?;
    out.flush()?;
    if timeline.is_empty() && !g.quiet {
        status!(
            "no stored events match; collect or ingest first (glir collect audit-events, glir ingest)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The store filter the `events`-style flags describe (also used by `detect`).
pub(super) fn to_filter(f: &FilterArgs, newest_first: bool, now: Timestamp) -> Result<EventFilter> {
    Ok(EventFilter {
        actor: f.actor.clone(),
        ip: f.ip.clone(),
        event_type: f.event_type.clone(),
        target_type: f.target_type.clone(),
        entity: f.entity.clone(),
        since: resolve(f.range.since, now),
        until: resolve(f.range.until, now),
        source: f.source.clone(),
        limit: f.limit,
        newest_first,
    })
}
