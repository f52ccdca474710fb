//! `glir detect`: the rule pack over stored events or files.

use super::actor::resolve_actor;
use super::rules::load_rules_to_run;
use super::spool::Spool;
use super::{read_store, report_format, write_value};
use crate::cli::{DetectArgs, GlobalArgs};
use crate::config::Settings;
use crate::output::{status, stdout};
use anyhow::{Context, Result};
use glir_analyze::{PushdownRun, Warmup, detect_pushed_down, detect_stored, selects_everything};
use glir_baseline::{Baseline, Config as BaselineConfig};
use glir_detect::{Alert, Allowlist, Detector, Grouper, Pushdown, RulePack, RulePlan, level_rank};
use glir_events::{EventBatch, EventRef};
use glir_ingest::{FileReport, IngestOptions, ingest_file, read_file};
use glir_report::{SarifFile, Sink, WriterSink};
use glir_store::{EventFilter, InsertStats, Store};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::{SignedDuration, Timestamp};
use std::borrow::Cow;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &DetectArgs) -> Result<ExitCode> {
    let mut source = args.rules.clone();
    source
        .disabled
        .extend(settings.disabled_rules.iter().cloned());
    let pack = load_rules_to_run(g, &source)?;
    let detector_of = |pack: &RulePack| -> Result<Detector> {
        let mut detector = Detector::new(pack)?;
        if let Some(b) = detector.baseline_mut() {
            *b = Baseline::new(BaselineConfig {
                history: SignedDuration::from_hours(24 * i64::from(args.baseline_days)),
                ..BaselineConfig::default()
            });
        }
        Ok(detector)
    };
    if args.pushdown_plan {
        return pushdown_plan(g, &pack);
    }
    let fresh = || -> Result<(Detector, Warmup)> {
        let detector = detector_of(&pack)?;
        let warmup = Warmup::new(
            (!args.inputs.is_empty() && detector.uses_baseline())
                .then(|| SignedDuration::from_hours(24 * i64::from(args.warmup_days))),
        );
        Ok((detector, warmup))
    };
    let (mut detector, mut warmup) = fresh()?;
    // Set when the run was pushed down, which builds detectors of its own.
    let mut summary = None;
    let mut filter = to_filter(args)?;
    let opts = IngestOptions {
        source: "detect".into(),
        ..IngestOptions::default()
    };
    let new_output = |out: Box<dyn Write>| -> Result<Output<Box<dyn Write>>> {
        // Alerts on the store's own events are stored for playbooks and reports, through a
        // second connection (WAL lets it write while the first one reads). Alerts on --input
        // files are not: their events are not in the store.
        let mut every: Vec<Box<dyn Sink<Alert>>> = Vec::new();
        if args.inputs.is_empty() {
            every.push(Box::new(AlertStore::new(read_store(settings)?, g.quiet)));
        }
        if let Some(path) = &args.sarif {
            every.push(Box::new(SarifFile::new(path.clone(), pack.rules.clone())));
        }
        Ok(Output {
            listing: WriterSink::new(out, report_format(g.format)),
            fail_rank: level_rank(&args.fail_level),
            failing: false,
            every,
            min_rank: level_rank(&args.min_level),
            grouper: (args.group_minutes > 0)
                .then(|| Grouper::new(SignedDuration::from_mins(i64::from(args.group_minutes)))),
            allow: Allowlist::new(settings.allow.clone())?,
        })
    };
    // Files in time order (with nothing filtered out) go straight through the detector, read
    // once; the alerts wait in a spool until the whole input proved to be in order, since a
    // file out of order must go through the scratch store instead and start over.
    let mut streamed = None;
    if !args.inputs.is_empty() && selects_everything(&filter) {
        let spool = Spool::default();
        let mut output = new_output(Box::new(spool.clone()))?;
        let mut run = Run {
            detector: &mut detector,
            output: &mut output,
            warmup: &mut warmup,
        };
        match stream_inputs(g, &args.inputs, &opts, &mut run)? {
            Some(reports) => {
                output.finish(g.quiet)?;
                let mut out = stdout();
                spool.release(&mut out)?;
                out.flush()?;
                if !g.quiet {
                    reports.iter().for_each(say_read_problems);
                }
                streamed = Some(output);
            }
            None => (detector, warmup) = fresh()?,
        }
    }
    let mut output = match streamed {
        Some(output) => output,
        None => {
            let mut output = new_output(Box::new(stdout()))?;
            // The scratch store reads every layout and gzip the ingester knows, in constant
            // memory, and hands events back in time order, which correlation windows need (REST
            // exports are newest first), and filtered as `glir events` filters.
            let scratch;
            let persist = args.inputs.is_empty();
            let mut store = if persist {
                read_store(settings)?
            } else {
                scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
                stage(g, &scratch.path().join("detect.sqlite"), args, &opts)?
            };
            // Against the events detected over: with --input those are the staged files.
            resolve_actor(settings, &store, &mut filter.actor)?;
            let bar = progress(g, store.count_events(&filter)?);
            let run = if persist && !args.in_process && store.clickhouse().is_some() {
                let pushed = detect_pushed_down(
                    &mut store,
                    &pack,
                    &detector_of,
                    &filter,
                    persist,
                    &mut warmup,
                    &mut || bar.inc(1),
                    |event, alerts| -> Result<()> { output.alerts(alerts, &EventRef::from(event)) },
                )?;
                bar.finish_and_clear();
                if !g.quiet {
                    say_pushdown(&pushed);
                }
                summary = Some(pushed.summary);
                pushed.in_process.unwrap_or_default()
            } else {
                detect_stored(
                    &mut store,
                    &mut detector,
                    &filter,
                    persist,
                    &mut warmup,
                    |event, alerts| -> Result<()> {
                        bar.inc(1);
                        output.alerts(alerts, &EventRef::from(event))
                    },
                )?
            };
            bar.finish_and_clear();
            if !g.quiet {
                for note in &run.notes {
                    status!("note: {note}");
                }
                if run.learned > 0
                    && let Some(start) = filter.since
                {
                    status!(
                        "baseline: learned {} stored events before {start}",
                        run.learned
                    );
                }
            }
            output.finish(g.quiet)?;
            output
        }
    };
    let summary = summary.unwrap_or_else(|| detector.finish());
    if !g.quiet {
        status!(
            "{} events, {} alerts from {} rules",
            summary.events,
            summary.alerts,
            pack.rules.len()
        );
    }
    for sink in &mut output.every {
        sink.finish()?;
    }
    let failing = output.failing;
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Where alerts go: the listing (grouped, from `--min-level` up), the exit code, and the sinks
/// that take every alert (the store, a SARIF file; the receiver's webhooks later).
struct Output<W: Write> {
    listing: WriterSink<W, Alert>,
    fail_rank: usize,
    failing: bool,
    every: Vec<Box<dyn Sink<Alert>>>,
    /// Alerts below this rank are stored and counted but not listed.
    min_rank: usize,
    /// Merges the listed alerts per rule, actor and window.
    grouper: Option<Grouper>,
    allow: Allowlist,
}

impl<W: Write> Output<W> {
    /// The alerts `event` raised: suppressed by the allow-list, or stored, kept and listed.
    fn alerts(&mut self, alerts: Vec<Alert>, event: &EventRef<'_>) -> Result<()> {
        if alerts.is_empty() {
            if let (Some(grouper), Some(ip)) = (
                self.grouper.as_mut().filter(|g| g.has_sessions()),
                event.ip_address,
            ) {
                let actor = event
                    .author_name
                    .map(Cow::Borrowed)
                    .or_else(|| event.author_id.map(|id| Cow::Owned(id.to_string())));
                if let Some(actor) = actor {
                    grouper.attach(event.event_id, &actor, ip, event.created_at);
                }
            }
            return Ok(());
        }
        for alert in alerts {
            if self.allow.check(&alert, event).is_some() {
                continue;
            }
            let rank = level_rank(&alert.level);
            self.failing |= rank >= self.fail_rank;
            for sink in &mut self.every {
                sink.emit(&alert)?;
            }
            if rank < self.min_rank {
                continue;
            }
            match self.grouper.as_mut() {
                Some(grouper) => {
                    for group in grouper.push(alert, event.ip_address) {
                        self.listing.emit(&group)?;
                    }
                }
                None => self.listing.emit(&alert)?,
            }
        }
        Ok(())
    }

    /// Lists the groups still open, ends the listing and says what the allow-list suppressed.
    fn finish(&mut self, quiet: bool) -> Result<()> {
        if let Some(grouper) = self.grouper.take() {
            for group in grouper.finish() {
                self.listing.emit(&group)?;
            }
        }
        self.listing.finish()?;
        if !quiet {
            for (entry, n) in self.allow.uses() {
                status!(
                    "suppressed by allow `{}` (rule {}{}): {n} alerts",
                    entry.name,
                    entry.rule,
                    entry
                        .reason
                        .as_deref()
                        .map(|r| format!("; {r}"))
                        .unwrap_or_default()
                );
            }
        }
        Ok(())
    }
}

/// Runs files straight through the detector in the order the scratch store would give their
/// events back (events of one instant sorted by id, a repeated id, a re-delivered event,
/// dropped), as long as they are in time order: `None` at the first event older than the one
/// before it. An event alone at its instant is detected over in place; only events sharing an
/// instant with a neighbour are copied aside to be sorted.
fn stream_inputs<W: Write>(
    g: &GlobalArgs,
    inputs: &[PathBuf],
    opts: &IngestOptions,
    run: &mut Run<'_, W>,
) -> Result<Option<Vec<FileReport>>> {
    let bar = progress(g, 0);
    let mut instant = EventBatch::new();
    let mut last: Option<Timestamp> = None;
    let mut failed = None;
    let mut out_of_order = false;
    let mut reports = Vec::new();
    for input in inputs {
        let report = read_file(input, opts, &mut |batch| {
            // Once a chunk: the bar reads the clock on every step.
            bar.inc(batch.len() as u64);
            let mut events = batch.iter().peekable();
            while let Some(e) = events.next() {
                if last.is_some_and(|last| e.created_at < last) {
                    out_of_order = true;
                    return ControlFlow::Break(());
                }
                last = Some(e.created_at);
                let step = match instant.get(0) {
                    Some(first) if first.created_at != e.created_at => run.instant(&mut instant),
                    _ => Ok(()),
                };
                let alone = instant.is_empty()
                    && events
                        .peek()
                        .is_some_and(|next| next.created_at != e.created_at);
                let step = step.and_then(|()| match alone {
                    true => run.event(e),
                    false => {
                        instant.push(&e);
                        Ok(())
                    }
                });
                if let Err(err) = step {
                    failed = Some(err);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })
        .with_context(|| format!("reading {}", input.display()))?;
        if let Some(err) = failed.take() {
            return Err(err);
        }
        if out_of_order {
            bar.finish_and_clear();
            return Ok(None);
        }
        reports.push(report);
    }
    run.instant(&mut instant)?;
    bar.finish_and_clear();
    Ok(Some(reports))
}

/// What detecting over streamed files holds on to.
struct Run<'r, W: Write> {
    detector: &'r mut Detector,
    output: &'r mut Output<W>,
    warmup: &'r mut Warmup,
}

impl<W: Write> Run<'_, W> {
    /// Detects over one instant's events as the store orders them (`ORDER BY created_at,
    /// event_id`, the first stored of a repeated id kept), then empties it.
    fn instant(&mut self, instant: &mut EventBatch) -> Result<()> {
        let mut events: Vec<EventRef<'_>> = instant.iter().collect();
        // Stable, so of two events with one id the first read comes first and is kept.
        events.sort_by(|a, b| a.event_id.cmp(b.event_id));
        events.dedup_by(|later, first| later.event_id == first.event_id);
        for e in events {
            self.event(e)?;
        }
        instant.clear();
        Ok(())
    }

    fn event(&mut self, e: EventRef<'_>) -> Result<()> {
        self.warmup.before(self.detector, e.created_at);
        self.output
            .alerts(self.detector.process_ref(e).alerts(), &e)
    }
}

/// Alerts into the store a chunk at a time, for playbooks and reports; says at the end how
/// many were new.
struct AlertStore {
    store: Store,
    pending: Vec<Alert>,
    stats: InsertStats,
    quiet: bool,
}

impl AlertStore {
    const CHUNK: usize = 5_000;

    fn new(store: Store, quiet: bool) -> Self {
        AlertStore {
            store,
            pending: Vec::new(),
            stats: InsertStats::default(),
            quiet,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stats += self
            .store
            .insert_alerts(&self.pending)
            .map_err(std::io::Error::other)?;
        self.pending.clear();
        Ok(())
    }
}

impl Sink<Alert> for AlertStore {
    fn emit(&mut self, a: &Alert) -> std::io::Result<()> {
        self.pending.push(a.clone());
        if self.pending.len() >= Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.flush()?;
        if !self.quiet {
            status!(
                "alerts stored: {} new, {} already stored",
                self.stats.inserted,
                self.stats.duplicates
            );
        }
        Ok(())
    }
}

fn to_filter(args: &DetectArgs) -> Result<EventFilter> {
    // Oldest first: correlation windows need events in time order.
    super::events::to_filter(&args.filter, false, Timestamp::now())
}

/// What ran where, in one line (and each rule kept in glir, with `-v`).
fn say_pushdown(run: &PushdownRun) {
    let kept: Vec<&RulePlan> = run
        .plan
        .iter()
        .filter(|p| matches!(p.pushdown, Pushdown::InProcess(_)))
        .collect();
    status!(
        "pushdown: {} rules ran as SQL in ClickHouse and selected {} events; {} rules ran in glir",
        run.pushed(),
        run.candidates,
        kept.len()
    );
    if let Some(n) = run.baseline_in_sql {
        status!("pushdown: ClickHouse computed the baseline.* answers of {n} events");
    }
    for p in kept {
        if let Pushdown::InProcess(why) = &p.pushdown {
            tracing::info!("in glir: {} ({}): {why}", p.key, p.title);
        }
    }
}

/// `--pushdown-plan`: each rule, and how it runs on a ClickHouse store.
fn pushdown_plan(g: &GlobalArgs, pack: &RulePack) -> Result<ExitCode> {
    let rows: Vec<serde_json::Value> = pack
        .clickhouse_plan()
        .into_iter()
        .map(|p| {
            let (runs, detail) = match p.pushdown {
                Pushdown::Sql(sql) => ("sql", sql),
                Pushdown::InProcess(why) => ("glir", why),
            };
            serde_json::json!({"rule": p.key, "title": p.title, "runs": runs, "detail": detail})
        })
        .collect();
    let value = serde_json::Value::Array(rows);
    if write_value(g.format, &value)? {
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = stdout();
    for row in value.as_array().into_iter().flatten() {
        let detail = row["detail"].as_str().unwrap_or("");
        let shown = if row["runs"] == "sql" {
            format!(
                "{} characters of SQL (--format json shows it)",
                detail.len()
            )
        } else {
            detail.to_owned()
        };
        writeln!(
            out,
            "{:<4}  {:<38}  {shown}",
            row["runs"].as_str().unwrap_or(""),
            row["rule"].as_str().unwrap_or(""),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the input files into a scratch store, reporting their malformed records.
fn stage(g: &GlobalArgs, path: &Path, args: &DetectArgs, opts: &IngestOptions) -> Result<Store> {
    let mut store = Store::open(path)?;
    for input in &args.inputs {
        let report = ingest_file(&mut store, input, opts, &mut |_| {})
            .with_context(|| format!("reading {}", input.display()))?;
        if !g.quiet {
            say_read_problems(&report);
        }
    }
    Ok(store)
}

fn progress(g: &GlobalArgs, total: u64) -> ProgressBar {
    // Small runs finish before a bar would be readable.
    if g.quiet || total < 100_000 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} events ({eta})") {
        bar.set_style(style);
    }
    bar
}

/// Malformed records, repaired ones, and compressed input that broke off, as the ingest says
/// them.
fn say_read_problems(report: &FileReport) {
    for e in report.errors.iter().chain(&report.repairs) {
        status!("{e}");
    }
    if let Some(why) = &report.truncated {
        status!(
            "error: {}: {why}: detections cover only the {} records before it",
            report.path.display(),
            report.records
        );
    }
}
