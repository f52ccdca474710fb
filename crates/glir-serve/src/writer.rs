//! The one writer: group commit of everything the handlers hand over.
//!
//! A request is acknowledged only once its events are durable, and the archive is what makes
//! them so. Every request waiting when the writer comes round joins one batch: each event is
//! checked against the store and the events not yet stored (an event GitLab streamed twice, or
//! that `collect` already stored, is a duplicate); only new events are appended to the archive;
//! one `fdatasync` covers the batch; then the requests are answered. The store is an index of the
//! archive, kept by a thread of its own (`index`): the new events go into it together, in one
//! transaction at most every [`STORE_EVERY`] (a transaction costs the pages it touches, so a few
//! large ones write far less than many small ones), without holding up the next batch. A kill
//! before the sync loses only unanswered requests; a kill before the store's commit leaves
//! archived events the store lacks, which the next start puts back from the archive's tail
//! (`reindex` in `lib.rs`).

use crate::metrics::Metrics;
use glir_archive::Archive;
use glir_events::AuditEvent;
use glir_store::Store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Most events in one group commit: bounds a batch's latency and memory.
const MAX_BATCH_EVENTS: usize = 20_000;

/// Archived events wait at most this long for the store.
const STORE_EVERY: Duration = Duration::from_millis(200);

/// ... or until this many are waiting.
const STORE_MAX_EVENTS: usize = 50_000;

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

/// An event's identity in the store: `created_at` in microseconds and the event id.
type Key = (i64, String);

/// The identities of events archived but not yet committed to the store, so that a duplicate
/// of one is known before the store can say so. Removed once the store has them.
type InFlight = Arc<Mutex<HashSet<Key>>>;

fn key(event: &AuditEvent) -> Key {
    (event.created_at.as_microsecond(), event.event_id.clone())
}

fn lock(in_flight: &InFlight) -> std::sync::MutexGuard<'_, HashSet<Key>> {
    // A panic elsewhere must not stop the receiver from telling duplicates apart.
    in_flight.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs until every sender is gone, then lets the index catch up and seals the open archive
/// segment. `lookups` is a connection the writer checks identities on; `index` one the index
/// thread writes with. `on_new`, when given, takes each batch of new events once archived.
pub(crate) fn run(
    lookups: Store,
    index: Store,
    mut archive: Archive,
    mut rx: mpsc::Receiver<Submission>,
    metrics: Metrics,
    on_new: Option<Box<dyn Fn(Vec<AuditEvent>) + Send>>,
) {
    let in_flight = InFlight::default();
    let (to_index, indexed) = std::sync::mpsc::channel::<Vec<AuditEvent>>();
    // A shared store (ClickHouse) is where every receiver's events meet, and this host's archive
    // may never be read again if the host is lost: events are acknowledged only once stored
    // there, by the writer itself. A local store is an index of the archive, kept behind it.
    let (mut shared, indexer) = if index.is_shared() {
        drop(indexed);
        (Some(index), None)
    } else {
        let in_flight = in_flight.clone();
        let metrics = metrics.clone();
        let spawned = std::thread::Builder::new()
            .name("glir-serve-index".into())
            .spawn(move || keep_index(index, indexed, in_flight, metrics));
        match spawned {
            Ok(indexer) => (None, Some(indexer)),
            Err(e) => {
                tracing::error!("cannot start the index thread: {e}");
                return;
            }
        }
    };
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
        match commit(
            &lookups,
            &mut archive,
            &mut batch,
            &in_flight,
            on_new.is_some(),
        ) {
            Ok(Committed {
                outcomes,
                fresh,
                new,
            }) => {
                if let Some(store) = shared.as_mut()
                    && let Err(e) = store_shared(store, &fresh, &in_flight, &metrics)
                {
                    tracing::error!("{e}");
                    for submission in batch {
                        let _ = submission.reply.send(Err(e.clone()));
                    }
                    continue;
                }
                metrics
                    .commit_seconds
                    .observe(started.elapsed().as_secs_f64());
                metrics.batch_events.observe(size as f64);
                for (submission, outcome) in batch.into_iter().zip(outcomes) {
                    metrics.accepted.inc_by(outcome.accepted as u64);
                    metrics.duplicates.inc_by(outcome.duplicates as u64);
                    // A client that went away is not an error: its events are archived.
                    let _ = submission.reply.send(Ok(outcome));
                }
                if !fresh.is_empty() && shared.is_none() {
                    // The index thread ends only after this loop: a send cannot fail before.
                    let _ = to_index.send(fresh);
                }
                if let Some(on_new) = &on_new
                    && !new.is_empty()
                {
                    on_new(new);
                }
            }
            Err(e) => {
                tracing::error!("cannot archive a batch of {size} events: {e}");
                for submission in batch {
                    let _ = submission.reply.send(Err(e.clone()));
                }
            }
        }
        if let Err(e) = archive.maybe_rotate() {
            tracing::error!("cannot seal an archive segment: {e}");
        }
    }
    drop(to_index);
    if indexer.is_some_and(|indexer| indexer.join().is_err()) {
        tracing::error!("the index thread panicked; the next start re-indexes from the archive");
    }
    if let Err(e) = archive.seal() {
        tracing::error!("cannot seal the archive segment at shutdown: {e}");
    }
}

/// The index thread: archived events into the store, in one transaction at most every
/// [`STORE_EVERY`] or [`STORE_MAX_EVENTS`], until the writer is gone.
fn keep_index(
    mut store: Store,
    indexed: std::sync::mpsc::Receiver<Vec<AuditEvent>>,
    in_flight: InFlight,
    metrics: Metrics,
) {
    use std::sync::mpsc::RecvTimeoutError;
    let checkpoints = Checkpoints::start(&mut store);
    let mut pending: Vec<AuditEvent> = Vec::new();
    let mut due: Option<Instant> = None;
    loop {
        let next = match due {
            None => indexed.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(due) => indexed.recv_timeout(due.saturating_duration_since(Instant::now())),
        };
        match next {
            Ok(events) => {
                due.get_or_insert_with(|| Instant::now() + STORE_EVERY);
                pending.extend(events);
                if pending.len() < STORE_MAX_EVENTS && due.is_some_and(|d| Instant::now() < d) {
                    continue;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                store_all(&mut store, &mut pending, &in_flight, &checkpoints, &metrics);
                break;
            }
        }
        store_all(&mut store, &mut pending, &in_flight, &checkpoints, &metrics);
        due = None;
    }
    checkpoints.stop(&mut store);
}

/// Stores the pending events in one transaction. They are archived already: if the store
/// fails, the next start puts them back from the archive.
fn store_all(
    store: &mut Store,
    pending: &mut Vec<AuditEvent>,
    in_flight: &InFlight,
    checkpoints: &Checkpoints,
    metrics: &Metrics,
) {
    if pending.is_empty() {
        return;
    }
    let started = Instant::now();
    let stored = store.writer().and_then(|mut writer| {
        writer.insert(pending)?;
        writer.commit()
    });
    match stored {
        Ok(()) => metrics
            .index_seconds
            .observe(started.elapsed().as_secs_f64()),
        Err(e) => tracing::error!(
            "cannot store {} archived events (the next start puts them back from the archive): {e}",
            pending.len()
        ),
    }
    // Committed (or left to the next start): the store answers for them from now on.
    let mut keys = lock(in_flight);
    for event in pending.drain(..) {
        keys.remove(&key(&event));
    }
    drop(keys);
    checkpoints.nudge();
}

/// Stores a group commit's new events in the shared store before they are acknowledged. Either
/// way they leave the in-flight set: stored, the store answers for them; not stored, the
/// requests fail and a retry must be taken as new (the archive keeps both copies, and the store
/// one).
fn store_shared(
    store: &mut Store,
    fresh: &[AuditEvent],
    in_flight: &InFlight,
    metrics: &Metrics,
) -> Result<(), String> {
    if fresh.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let stored = store.writer().and_then(|mut writer| {
        writer.insert(fresh)?;
        writer.commit()
    });
    forget(in_flight, fresh);
    match stored {
        Ok(()) => {
            metrics
                .index_seconds
                .observe(started.elapsed().as_secs_f64());
            Ok(())
        }
        Err(e) => Err(format!(
            "cannot store {} events in the shared store (archived here; the sender will retry): {e}",
            fresh.len()
        )),
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

/// What a group commit did: an outcome per request, the new events for the index, and a copy
/// of them for detection (empty unless asked for).
struct Committed {
    outcomes: Vec<Outcome>,
    fresh: Vec<AuditEvent>,
    new: Vec<AuditEvent>,
}

/// One group commit: the new events of the batch archived and synced, and handed back for the
/// index (and, with `keep_new`, a copy for detection). The events are moved out of the batch.
fn commit(
    lookups: &Store,
    archive: &mut Archive,
    batch: &mut [Submission],
    in_flight: &InFlight,
    keep_new: bool,
) -> Result<Committed, String> {
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut lines: Vec<String> = Vec::new();
    let mut new = Vec::new();
    let mut fresh = Vec::new();
    // In flight first: the index thread removes a key only after its commit, so an event is
    // always in one place or the other. The rest are looked up in the store at once.
    // Keys in flight now stay known even if the index commits them before the lookup below.
    let (in_flight_now, unknown): (Vec<Key>, Vec<Key>) = {
        let keys = lock(in_flight);
        batch
            .iter()
            .flat_map(|s| s.events.iter().map(key))
            .partition(|k| keys.contains(k))
    };
    let mut stored = lookups
        .stored_identities(&unknown)
        .map_err(|e| e.to_string())?;
    stored.extend(in_flight_now);
    for submission in batch.iter_mut() {
        let mut outcome = Outcome {
            accepted: 0,
            duplicates: 0,
        };
        let events = std::mem::take(&mut submission.events);
        let archived = std::mem::take(&mut submission.lines);
        for (event, line) in events.into_iter().zip(archived) {
            let key = key(&event);
            // An event twice in one batch is in flight by its second copy.
            let known = stored.contains(&key) || lock(in_flight).contains(&key);
            if known {
                outcome.duplicates += 1;
                continue;
            }
            lock(in_flight).insert(key);
            outcome.accepted += 1;
            lines.push(line);
            if keep_new {
                new.push(event.clone());
            }
            fresh.push(event);
        }
        outcomes.push(outcome);
    }
    let refs: Vec<&[u8]> = lines.iter().map(String::as_bytes).collect();
    let durable = archive
        .append(&refs)
        .and_then(|()| archive.sync())
        .map_err(|e| e.to_string());
    if let Err(e) = durable {
        forget(in_flight, &fresh);
        return Err(e);
    }
    Ok(Committed {
        outcomes,
        fresh,
        new,
    })
}

/// Events of a group commit that failed are not archived: their identities leave the in-flight
/// set, so a retry is taken as new.
fn forget(in_flight: &InFlight, events: &[AuditEvent]) {
    let mut keys = lock(in_flight);
    for event in events {
        keys.remove(&key(event));
    }
}
