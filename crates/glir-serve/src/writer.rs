//! The one writer: group commit of everything the handlers hand over.
//!
//! A request is acknowledged only once its events are durable. Every request waiting when the
//! writer comes round joins one batch, so one fsync covers them all. Within a batch:
//! the store transaction learns which events are new (an event GitLab streamed twice, or that
//! `collect` already stored, is skipped); only new events are appended to the archive; the
//! archive is synced; then the store commits and the requests are answered. A kill before the
//! sync loses only unanswered requests; a kill between the sync and the commit leaves events in
//! the archive that the store lacks, which [`replay`] puts back on the next start.

use crate::metrics::Metrics;
use glir_archive::Archive;
use glir_events::AuditEvent;
use glir_store::Store;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// Most events in one group commit: bounds a batch's latency and memory.
const MAX_BATCH_EVENTS: usize = 20_000;

/// One request's events, parsed, and the line each is archived as (`lines[i]` for
/// `events[i]`).
pub(crate) struct Submission {
    pub(crate) events: Vec<AuditEvent>,
    pub(crate) lines: Vec<String>,
    pub(crate) reply: oneshot::Sender<Result<Outcome, String>>,
}

/// What happened to one request's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub accepted: usize,
    pub duplicates: usize,
}

/// Runs until every sender is gone, then seals the open archive segment. `on_new`, when
/// given, takes each batch of events stored for the first time.
pub(crate) fn run(
    mut store: Store,
    mut archive: Archive,
    mut rx: mpsc::Receiver<Submission>,
    metrics: Metrics,
    on_new: Option<Box<dyn Fn(Vec<AuditEvent>) + Send>>,
) {
    let checkpoints = Checkpoints::start(&mut store);
    while let Some(first) = rx.blocking_recv() {
        let started = Instant::now();
        let mut batch = vec![first];
        let mut size = batch[0].events.len();
        while size < MAX_BATCH_EVENTS {
            match rx.try_recv() {
                Ok(next) => {
                    size += next.events.len();
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        match commit(&mut store, &mut archive, &mut batch, on_new.is_some()) {
            Ok((outcomes, new)) => {
                metrics
                    .commit_seconds
                    .observe(started.elapsed().as_secs_f64());
                metrics.batch_events.observe(size as f64);
                for (submission, outcome) in batch.into_iter().zip(outcomes) {
                    metrics.accepted.inc_by(outcome.accepted as u64);
                    metrics.duplicates.inc_by(outcome.duplicates as u64);
                    // A client that went away is not an error: its events are stored.
                    let _ = submission.reply.send(Ok(outcome));
                }
                checkpoints.nudge();
                if let Some(on_new) = &on_new
                    && !new.is_empty()
                {
                    on_new(new);
                }
            }
            Err(e) => {
                tracing::error!("cannot store a batch of {size} events: {e}");
                for submission in batch {
                    let _ = submission.reply.send(Err(e.clone()));
                }
            }
        }
        if let Err(e) = archive.maybe_rotate() {
            tracing::error!("cannot seal an archive segment: {e}");
        }
    }
    checkpoints.stop(&mut store);
    if let Err(e) = archive.seal() {
        tracing::error!("cannot seal the archive segment at shutdown: {e}");
    }
}

/// WAL checkpoints on a thread of their own, so the writer's commits do not stop to copy pages
/// into the database file (`glir_store::Checkpointer`).
struct Checkpoints {
    nudge: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpoints {
    fn start(store: &mut Store) -> Checkpoints {
        let checkpointer = match store.detach_checkpoints() {
            Ok(Some(checkpointer)) => checkpointer,
            Ok(None) => {
                return Checkpoints {
                    nudge: None,
                    thread: None,
                };
            }
            Err(e) => {
                tracing::warn!("checkpoints stay with the writer: {e}");
                return Checkpoints {
                    nudge: None,
                    thread: None,
                };
            }
        };
        // One pending nudge is enough: a checkpoint copies whatever is committed by then.
        let (nudge, nudged) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("glir-serve-checkpoint".into())
            .spawn(move || {
                while nudged.recv().is_ok() {
                    if let Err(e) = checkpointer.checkpoint() {
                        tracing::warn!("{e}");
                    }
                }
            })
            .ok();
        Checkpoints {
            nudge: Some(nudge),
            thread,
        }
    }

    fn nudge(&self) {
        if let Some(nudge) = &self.nudge {
            let _ = nudge.try_send(());
        }
    }

    fn stop(mut self, store: &mut Store) {
        drop(self.nudge.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
            if let Err(e) = store.attach_checkpoints() {
                tracing::warn!("{e}");
            }
        }
    }
}

/// One group commit; the store transaction rolls back unless the archive synced. The events
/// are moved out of the batch: new ones to the caller when `keep_new`.
fn commit(
    store: &mut Store,
    archive: &mut Archive,
    batch: &mut [Submission],
    keep_new: bool,
) -> Result<(Vec<Outcome>, Vec<AuditEvent>), String> {
    let mut writer = store.writer().map_err(|e| e.to_string())?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut lines: Vec<String> = Vec::new();
    let mut new = Vec::new();
    for submission in batch.iter_mut() {
        let mut fresh = Vec::with_capacity(submission.events.len());
        let stats = writer
            .insert_each(&submission.events, |is_new| fresh.push(is_new))
            .map_err(|e| e.to_string())?;
        outcomes.push(Outcome {
            accepted: stats.inserted as usize,
            duplicates: stats.duplicates as usize,
        });
        let events = std::mem::take(&mut submission.events);
        let archived = std::mem::take(&mut submission.lines);
        for ((event, line), is_new) in events.into_iter().zip(archived).zip(fresh) {
            if is_new {
                lines.push(line);
                if keep_new {
                    new.push(event);
                }
            }
        }
    }
    let lines: Vec<&[u8]> = lines.iter().map(String::as_bytes).collect();
    archive.append(&lines).map_err(|e| e.to_string())?;
    archive.sync().map_err(|e| e.to_string())?;
    writer.commit().map_err(|e| e.to_string())?;
    Ok((outcomes, new))
}
