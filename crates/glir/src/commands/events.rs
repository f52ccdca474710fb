use super::{client, open_store, report_format, runtime};
use crate::cli::{EventsArgs, FilterArgs, GlobalArgs, TimelineArgs};
use crate::config::Settings;
use crate::timespec::parse_opt;
use anyhow::{Context, Result};
use glir_gitlab::{User, UserFilter};
use glir_report::{build_timeline, write_events, write_timeline};
use glir_store::EventFilter;
use glir_store::Store;
use jiff::Timestamp;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

pub fn run_events(g: &GlobalArgs, settings: &Settings, args: &EventsArgs) -> Result<ExitCode> {
    let mut filter = to_filter(&args.filter, args.reverse, Timestamp::now())?;
    let store = open_store(settings)?;
    resolve_username(settings, &store, &mut filter)?;
    let events = store.query_events(&filter)?;
    let mut out = std::io::stdout().lock();
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
        since: parse_opt(args.range.since.as_deref(), now)?,
        until: parse_opt(args.range.until.as_deref(), now)?,
        limit: Some(args.limit),
        // Newest first so the limit keeps the most recent events; the timeline re-sorts them.
        newest_first: true,
        ..EventFilter::default()
    };
    let mut filter = filter;
    let store = open_store(settings)?;
    resolve_username(settings, &store, &mut filter)?;
    let events = store.query_events(&filter)?;
    // A timeline is read by a person: past the limit, say how much is left out and how to see it.
    if events.len() == args.limit && !g.quiet {
        let matching = store.count_events(&filter)?;
        if matching > events.len() as u64 {
            eprintln!(
                "showing the newest {} of {matching} matching events; narrow with --since/--until or raise --limit",
                events.len()
            );
        }
    }
    let timeline = build_timeline(events);
    let mut out = std::io::stdout().lock();
    write_timeline(&mut out, &timeline, report_format(g.format))?;
    out.flush()?;
    if timeline.is_empty() && !g.quiet {
        eprintln!(
            "no stored events match; collect or ingest first (glir collect audit-events, glir ingest)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Audit events name their author by display name, email and id, never by username. When a
/// username-looking `--actor` matches nothing and an instance is configured, ask GitLab for the
/// user's id; offline, say why nothing matched.
fn resolve_username(settings: &Settings, store: &Store, filter: &mut EventFilter) -> Result<()> {
    let Some(actor) = filter.actor.clone() else {
        return Ok(());
    };
    let looks_like_username =
        !actor.contains('@') && !actor.contains(' ') && !actor.chars().all(|c| c.is_ascii_digit());
    if !looks_like_username || store.count_events(filter)? > 0 {
        return Ok(());
    }
    if settings.url.is_none() {
        eprintln!(
            "note: no event's author is named `{actor}`; audit events carry the display name, email and id, not the username (pass one of those, or --url to look the username up)"
        );
        return Ok(());
    }
    let client = client(settings, Duration::ZERO)?;
    let req = client.users(&UserFilter {
        username: Some(actor.clone()),
        ..UserFilter::default()
    });
    let page = runtime()?
        .block_on(client.get_page::<User>(&req, None))
        .with_context(|| format!("looking up username `{actor}`"))?;
    match page.items.as_slice() {
        [user] => {
            eprintln!(
                "note: `{actor}` is user id {} on {}; showing that id's events",
                user.id,
                client.host()
            );
            filter.actor = Some(user.id.to_string());
        }
        _ => eprintln!("note: GitLab has no user `{actor}`"),
    }
    Ok(())
}

/// The store filter the `events`-style flags describe (also used by `detect`).
pub(super) fn to_filter(f: &FilterArgs, newest_first: bool, now: Timestamp) -> Result<EventFilter> {
    Ok(EventFilter {
        actor: f.actor.clone(),
        ip: f.ip.clone(),
        event_type: f.event_type.clone(),
        target_type: f.target_type.clone(),
        entity: f.entity.clone(),
        since: parse_opt(f.range.since.as_deref(), now)?,
        until: parse_opt(f.range.until.as_deref(), now)?,
        source: None,
        limit: f.limit,
        newest_first,
    })
}
