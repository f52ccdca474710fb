//! Live detection: every event stored for the first time goes through the rule pack, with the
//! baselines and correlation windows; alerts are stored and delivered to the sinks.
//!
//! Detection state is rebuilt, not saved: at start the baseline learns the history before the
//! replay window from the store, and the window's events run through the rules again. An alert
//! the store already holds is not delivered twice; one the last run raised but had not stored
//! (it was killed in between) is delivered now.

use crate::deliver::{self, Queue, SinkSpec};
use crate::metrics::{Level, Metrics, SinkLabel};
use glir_detect::{Alert, Detector, RulePack};
use glir_events::AuditEvent;
use glir_store::{EventFilter, Store};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How live detection runs.
pub struct LiveOptions {
    pub pack: RulePack,
    pub sinks: Vec<SinkSpec>,
    /// Each network sink keeps its queue in a directory under this.
    pub queue_dir: PathBuf,
    /// After an alert of a rule about an actor is delivered, the same rule about the same actor
    /// is stored but not delivered again for this long.
    pub suppress: SignedDuration,
    /// At start, the stored events of this last span run through the rules again, rebuilding
    /// the correlation windows.
    pub replay: SignedDuration,
    /// The first wait before a failed sink is tried again; it doubles up to a minute.
    pub sink_retry: Duration,
}

/// Batches waiting for detection. When detection falls this far behind, the writer waits for
/// it, and so do the requests: memory stays bounded and no event goes undetected.
const DETECT_QUEUE: usize = 16;

/// A batch handed over by the writer, with when it was committed.
pub(crate) type Batch = (Instant, Vec<AuditEvent>);

/// The running detection thread and delivery tasks.
pub struct Live {
    tx: mpsc::SyncSender<Batch>,
    thread: std::thread::JoinHandle<()>,
    stop: Arc<Notify>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Live {
    /// What the writer calls with each batch of new events.
    pub(crate) fn feed(&self) -> impl Fn(Vec<AuditEvent>) + Send + 'static {
        let tx = self.tx.clone();
        move |events| {
            // The detection thread ends only after the writer: a send cannot fail before.
            let _ = tx.send((Instant::now(), events));
        }
    }

    /// Waits for the detection thread to finish the events it was given, then stops the
    /// delivery tasks; what they had not delivered stays queued on disk.
    pub(crate) async fn stop(self) {
        drop(self.tx);
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        self.stop.notify_waiters();
        for worker in self.workers {
            worker.abort();
            let _ = worker.await;
        }
    }
}

/// Starts detection over `store` (a second connection to the receiver's store) and one
/// delivery task per network sink on the current runtime.
pub(crate) fn start(
    mut store: Store,
    options: LiveOptions,
    metrics: Metrics,
) -> Result<Live, String> {
    let mut detector = Detector::new(&options.pack).map_err(|e| e.to_string())?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let stop = Arc::new(Notify::new());
    let mut outlets = Vec::new();
    let mut workers = Vec::new();
    for spec in &options.sinks {
        if spec.queued() {
            let dir = options.queue_dir.join(spec.name());
            let queue = Queue::open(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let wake = Arc::new(Notify::new());
            workers.push(tokio::spawn(deliver_queued(
                spec.clone(),
                dir,
                http.clone(),
                wake.clone(),
                stop.clone(),
                metrics.clone(),
                options.sink_retry,
            )));
            outlets.push(Outlet::Queued(queue, wake));
        } else {
            outlets.push(Outlet::Local(spec.clone()));
        }
    }
    let (tx, rx) = mpsc::sync_channel::<Batch>(DETECT_QUEUE);
    let thread = std::thread::Builder::new()
        .name("glir-serve-detect".into())
        .spawn(move || {
            let mut alerts = Alerts {
                outlets,
                suppress: options.suppress,
                last: HashMap::new(),
                metrics: metrics.clone(),
            };
            replay(&mut store, &mut detector, options.replay, &mut alerts);
            while let Ok((committed, events)) = rx.recv() {
                for event in &events {
                    let raised = detector.process(event);
                    alerts.handle(&mut store, raised);
                }
                metrics
                    .detect_seconds
                    .observe(committed.elapsed().as_secs_f64());
                metrics.detected.inc_by(events.len() as u64);
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(Live {
        tx,
        thread,
        stop,
        workers,
    })
}

/// Rebuilds the detector's state from the store: the baseline learns the history before the
/// window, and the window's events run through the rules.
fn replay(store: &mut Store, detector: &mut Detector, span: SignedDuration, alerts: &mut Alerts) {
    let now = Timestamp::now();
    let since = now.saturating_sub(span).unwrap_or(now);
    if let Some(baseline) = detector.baseline_mut()
        && let Err(e) =
            glir_analyze::history_before(store, &EventFilter::default(), since, baseline)
    {
        tracing::error!("cannot teach the baseline the stored history: {e}");
    }
    let window = EventFilter {
        since: Some(since),
        ..EventFilter::default()
    };
    let mut raised_all = Vec::new();
    let run = glir_analyze::detect_stored(
        store,
        detector,
        &window,
        false,
        &mut glir_analyze::Warmup::new(None),
        |_, raised| -> Result<(), glir_analyze::Error> {
            raised_all.extend(raised);
            Ok(())
        },
    );
    match run {
        Ok(run) => tracing::info!(
            "live detection resumed over {} stored events of the last {span:#}",
            run.events
        ),
        Err(e) => tracing::error!("cannot replay the stored events: {e}"),
    }
    alerts.handle(store, raised_all);
}

enum Outlet {
    Local(SinkSpec),
    Queued(Queue, Arc<Notify>),
}

/// Stores alerts and hands the new ones, past suppression, to every sink.
struct Alerts {
    outlets: Vec<Outlet>,
    suppress: SignedDuration,
    /// When each (rule, actor) was last delivered.
    last: HashMap<(String, String), Timestamp>,
    metrics: Metrics,
}

impl Alerts {
    fn handle(&mut self, store: &mut Store, raised: Vec<Alert>) {
        for alert in raised {
            // The store decides what is new: the same rule on the same events is one alert.
            match store.insert_alerts(std::slice::from_ref(&alert)) {
                Ok(stats) if stats.inserted == 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!("cannot store an alert of {}: {e}", alert.rule_id),
            }
            self.metrics
                .alerts
                .get_or_create(&Level {
                    level: alert.level.clone(),
                })
                .inc();
            let key = (
                alert.rule_id.clone(),
                alert.actor.clone().unwrap_or_default(),
            );
            let quiet = self
                .last
                .get(&key)
                .is_some_and(|t| alert.time.duration_since(*t) < self.suppress && alert.time >= *t);
            if quiet {
                self.metrics.suppressed.inc();
                continue;
            }
            self.last.insert(key, alert.time);
            let json = deliver::alert_json(&alert);
            for outlet in &mut self.outlets {
                match outlet {
                    Outlet::Local(spec) => {
                        if let Err(e) = deliver::write_local(spec, &json) {
                            tracing::error!("alert sink {}: {e}", spec.name());
                        }
                    }
                    Outlet::Queued(queue, wake) => match queue.push(&json) {
                        Ok(()) => wake.notify_one(),
                        Err(e) => tracing::error!(
                            "cannot queue an alert in {}: {e}",
                            queue.dir().display()
                        ),
                    },
                }
            }
        }
    }
}

/// Sends a sink's queue in order; while the sink fails, waits with doubling backoff (from
/// `first_wait` to 60 s) and tries the same alert again.
async fn deliver_queued(
    spec: SinkSpec,
    dir: PathBuf,
    http: reqwest::Client,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    metrics: Metrics,
    first_wait: Duration,
) {
    // The family hands out a lock guard; the gauge itself is a shared handle that may be held
    // across awaits.
    let backlog = metrics
        .backlog
        .get_or_create(&SinkLabel { sink: spec.name() })
        .clone();
    let mut backoff = first_wait;
    loop {
        // One listing per pass over the queue, not one per alert: a long backlog is sent in one
        // pass, and alerts queued meanwhile are found by the next.
        let pending = deliver::queue::pending(&dir).unwrap_or_default();
        backlog.set(pending.len() as i64);
        if pending.is_empty() {
            tokio::select! {
                () = wake.notified() => {}
                () = stop.notified() => return,
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        }
        for (sent, next) in pending.iter().enumerate() {
            let alert: serde_json::Value = match std::fs::read(next)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            {
                Some(alert) => alert,
                None => {
                    // Not an alert glir wrote: set aside rather than block the queue.
                    let _ = std::fs::rename(next, next.with_extension("unreadable"));
                    continue;
                }
            };
            if let Err(e) = deliver::send(&http, &spec, &alert).await {
                tracing::warn!(
                    "alert sink {} failed ({e}); {} alert(s) queued, retrying in {:.1} s",
                    spec.name(),
                    pending.len() - sent,
                    backoff.as_secs_f64()
                );
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = stop.notified() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(60));
                break;
            }
            let _ = std::fs::remove_file(next);
            backoff = first_wait;
            backlog.set((pending.len() - sent - 1) as i64);
        }
    }
}
