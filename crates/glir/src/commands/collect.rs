use super::{client, open_store, runtime, write_value};
use crate::cli::{CollectAuditArgs, CollectCommand, GlobalArgs};
use crate::config::Settings;
use crate::output::status;
use crate::timespec::resolve;
use anyhow::{Result, bail};
use glir_collect::{CollectRequest, CollectSummary, Progress, collect_audit_events};
use glir_gitlab::{AuditScope, Client};
use glir_store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub fn run(g: &GlobalArgs, settings: &Settings, cmd: &CollectCommand) -> Result<ExitCode> {
    let CollectCommand::AuditEvents(args) = cmd;
    if args.max_rps.is_nan() || args.max_rps <= 0.0 {
        bail!("--max-rps must be a positive number");
    }
    let client = client(settings, Duration::from_secs_f64(1.0 / args.max_rps))?;
    let mut store = open_store(settings)?;
    let req = request(args, Timestamp::now())?;
    let stop = Arc::new(AtomicBool::new(false));
    let rt = runtime()?;
    {
        let stop = stop.clone();
        rt.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                status!(
                    "\ninterrupted: finishing the current page, then stopping (run again to resume; Ctrl-C again quits now)"
                );
                stop.store(true, Ordering::SeqCst);
            }
            // A second Ctrl-C does not wait for a slow page: what is stored is whole (each page
            // is one transaction) and the checkpoint names the last stored one.
            if tokio::signal::ctrl_c().await.is_ok() {
                status!("interrupted again: quitting now");
                std::process::exit(130);
            }
        });
    }
    let summary = rt.block_on(collect(&client, &mut store, &req, &stop, g.quiet))?;
    if !write_value(g.format, &summary)? {
        print_summary(&mut std::io::stderr(), &summary)?;
    }
    Ok(if summary.interrupted {
        ExitCode::from(130)
    } else if !summary.coverage.is_complete() {
        ExitCode::from(super::EXIT_PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

fn request(args: &CollectAuditArgs, now: Timestamp) -> Result<CollectRequest> {
    let scope = match (&args.group, &args.project) {
        (Some(g), _) => AuditScope::Group(g.clone()),
        (_, Some(p)) => AuditScope::Project(p.clone()),
        _ => AuditScope::Instance,
    };
    let mut req = CollectRequest::new(scope);
    req.since = resolve(args.since, now);
    req.until = resolve(args.until, now);
    req.per_page = args.per_page;
    if let (Some(s), Some(u)) = (req.since, req.until)
        && s >= u
    {
        bail!("--since {s} is not before --until {u}");
    }
    Ok(req)
}

/// Run one collection with a progress bar on stderr (hidden when quiet or not a terminal).
pub async fn collect(
    client: &Client,
    store: &mut Store,
    req: &CollectRequest,
    stop: &AtomicBool,
    quiet: bool,
) -> Result<CollectSummary> {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {pos} events ({per_sec}) {msg}")
            .expect("static template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut on_progress = |p: &Progress| {
        bar.set_position(p.fetched);
        if let (Some(s), Some(e)) = (p.window_start, p.window_end) {
            bar.set_message(format!("window {} → {}, {} pages", s, e, p.pages));
        }
    };
    let result = collect_audit_events(client, store, req, stop, &mut on_progress).await;
    bar.finish_and_clear();
    Ok(result?)
}

pub fn print_summary(out: &mut dyn Write, s: &CollectSummary) -> Result<()> {
    let state = if s.interrupted {
        "interrupted (run the same command to resume)".to_string()
    } else if !s.coverage.is_complete() {
        s.coverage.to_string()
    } else if s.resumed {
        "complete (resumed an interrupted run)".to_string()
    } else {
        "complete".to_string()
    };
    writeln!(
        out,
        "Collected {} audit events from {}: {state}",
        s.scope, s.source
    )?;
    writeln!(out, "  window      {} → {}", s.since, s.until)?;
    writeln!(
        out,
        "  events      {} fetched, {} new, {} already stored",
        s.fetched, s.inserted, s.duplicates
    )?;
    if let (Some(o), Some(n)) = (s.oldest, s.newest) {
        writeln!(out, "  span        {o} → {n}")?;
    }
    writeln!(
        out,
        "  requests    {} ({} pages, {} windows; {} retried, {} rate-limited)",
        s.requests, s.pages, s.windows, s.retries, s.rate_limited
    )?;
    Ok(())
}
