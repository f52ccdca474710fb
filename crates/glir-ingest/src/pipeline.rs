//! Two threads per file: the caller's thread inserts while a scoped thread reads and parses,
//! joined by a short bounded queue so memory stays flat however large the file is. A third
//! thread checkpoints the store's WAL after each commit, so the inserting thread only inserts.

use crate::checkpoints::Checkpoints;
use crate::error::IngestError;
use crate::input;
use crate::options::{IngestOptions, Progress};
use crate::parser::{self, Chunk, Outcome, Stop};
use crate::records::Records;
use crate::report::{FileReport, no_event_reason};
use glir_events::EventBatch;
use glir_store::{InsertStats, Store, StoreError};
use std::fs::File;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

/// Chunks parsed ahead of the inserter: enough to keep both threads busy through a commit, small
/// enough that a slow store does not make the reader buffer the file. A chunk of 5,000 stream
/// events holds ~3 MB of record text plus ~1 MB of spans.
const QUEUED_CHUNKS: usize = 8;

/// Ingests one file (JSON array, JSON Lines or audit_json.log, optionally gzip) into `store`.
pub fn ingest_file(
    store: &mut Store,
    path: &Path,
    opts: &IngestOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<FileReport, IngestError> {
    let io_err = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let total = file.metadata().map_err(io_err)?.len();
    ingest_reader(store, file, path, Some(total), opts, progress)
}

/// Ingests from any reader (e.g. standard input); `label` names it in reports and errors.
pub fn ingest_reader<R: Read + Send + 'static>(
    store: &mut Store,
    reader: R,
    label: &Path,
    total_bytes: Option<u64>,
    opts: &IngestOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<FileReport, IngestError> {
    let io_err = |source| IngestError::Io {
        path: label.to_owned(),
        source,
    };
    let bytes_read = Arc::new(AtomicU64::new(0));
    let input = input::open(reader, Arc::clone(&bytes_read)).map_err(io_err)?;
    let mut report = FileReport {
        path: label.to_owned(),
        layouts: Vec::new(),
        gzip: input.gzip,
        records: 0,
        inserted: 0,
        duplicates: 0,
        malformed: 0,
        errors: Vec::new(),
        repaired: 0,
        repairs: Vec::new(),
        truncated: None,
        skipped: Vec::new(),
    };
    let gzip = input.gzip;
    let records = Records::detect(input.reader).map_err(io_err)?;
    let store_err = |source| IngestError::Store {
        path: label.to_owned(),
        source,
    };
    let checkpointer = store.detach_checkpoints().map_err(store_err)?;
    let (sender, receiver) = mpsc::sync_channel::<Chunk>(QUEUED_CHUNKS);
    let (recycle, recycled) = mpsc::channel();
    let (stored, outcome) = thread::scope(|scope| {
        let producer =
            scope.spawn(move || parser::produce(records, opts, label, sender, recycled, gzip));
        let mut checkpoints = checkpointer.map(|checkpointer| {
            let (checkpoints, run) = Checkpoints::new(checkpointer);
            scope.spawn(run);
            checkpoints
        });
        let stored = write_batches(
            store,
            &receiver,
            &recycle,
            &mut report,
            checkpoints.as_mut(),
            &mut |records| {
                progress(&Progress {
                    bytes_read: bytes_read.load(Ordering::Relaxed),
                    total_bytes,
                    records,
                })
            },
        )
        .map_err(store_err);
        // Hanging up makes the producer's next send fail, so it stops reading, and ends the
        // checkpoint thread's wait.
        drop(receiver);
        drop(checkpoints);
        match producer.join() {
            Ok(outcome) => (stored, outcome),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let attached = store.attach_checkpoints().map_err(store_err);
    stored?;
    attached?;
    report.truncated = finished(&outcome, label, gzip, bytes_read.load(Ordering::Relaxed))?;
    report.malformed = outcome.malformed;
    report.errors = outcome.errors;
    report.repaired = outcome.repaired;
    report.repairs = outcome.repairs;
    report.layouts = outcome.layouts;
    report.skipped = outcome.skipped;
    Ok(report)
}

/// The error a reading side's end makes, if any: a stop, or a file without a single event.
/// Compressed input that breaks off is no error when events came before the break: it gives
/// the reason, with the compressed bytes read, for the report.
fn finished(
    outcome: &Outcome,
    path: &Path,
    gzip: bool,
    compressed_read: u64,
) -> Result<Option<String>, IngestError> {
    let mut truncated = None;
    match &outcome.stop {
        Some(Stop::Strict(error)) => return Err(IngestError::Strict(error.clone())),
        Some(Stop::Io(source)) if gzip && outcome.events() > 0 => {
            truncated = Some(format!(
                "the compressed data breaks off after byte {compressed_read} ({source})"
            ));
        }
        Some(Stop::Io(source)) => {
            return Err(IngestError::Io {
                path: path.to_owned(),
                source: io::Error::new(source.kind(), source.to_string()),
            });
        }
        Some(Stop::GaveUp) | None => {}
    }
    if outcome.events() == 0 {
        return Err(IngestError::NoEvents {
            path: path.to_owned(),
            reason: no_event_reason(
                &outcome.skipped,
                outcome.malformed,
                &outcome.errors,
                matches!(outcome.stop, Some(Stop::GaveUp)),
            ),
        });
    }
    Ok(truncated)
}

/// Reads a file as [`ingest_file`] does (every layout, gzip, malformed records counted and
/// reported, `strict` honoured) and hands its parsed events to `each`, a chunk at a time and in
/// file order, instead of storing them; `each` breaking stops the reading. Memory stays flat as
/// for an ingest; `inserted` and `duplicates` of the report stay 0.
pub fn read_file(
    path: &Path,
    opts: &IngestOptions,
    each: &mut dyn FnMut(&EventBatch) -> ControlFlow<()>,
) -> Result<FileReport, IngestError> {
    let io_err = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let compressed_read = Arc::new(AtomicU64::new(0));
    let input = input::open(file, Arc::clone(&compressed_read)).map_err(io_err)?;
    let gzip = input.gzip;
    let records = Records::detect(input.reader).map_err(io_err)?;
    let (sender, receiver) = mpsc::sync_channel::<Chunk>(QUEUED_CHUNKS);
    let (recycle, recycled) = mpsc::channel();
    let mut records_read = 0;
    let outcome = thread::scope(|scope| {
        let producer =
            scope.spawn(move || parser::produce(records, opts, path, sender, recycled, gzip));
        for chunk in &receiver {
            records_read += chunk.events.len() as u64;
            if each(&chunk.events).is_break() {
                break;
            }
            // The reader may have finished; then this thread drops the events itself.
            let _ = recycle.send(chunk.events);
        }
        // Hanging up makes the producer's next send fail, so it stops reading.
        drop(receiver);
        match producer.join() {
            Ok(outcome) => outcome,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let truncated = finished(
        &outcome,
        path,
        gzip,
        compressed_read.load(Ordering::Relaxed),
    )?;
    Ok(FileReport {
        path: path.to_owned(),
        layouts: outcome.layouts,
        gzip,
        records: records_read,
        inserted: 0,
        duplicates: 0,
        malformed: outcome.malformed,
        errors: outcome.errors,
        repaired: outcome.repaired,
        repairs: outcome.repairs,
        truncated,
        skipped: outcome.skipped,
    })
}

/// Inserts chunks, one transaction per batch. A batch left open when the chunks stop (the reader
/// hit a strict-mode error or an I/O error) is rolled back by dropping its writer.
fn write_batches(
    store: &mut Store,
    chunks: &Receiver<Chunk>,
    recycle: &Sender<EventBatch>,
    report: &mut FileReport,
    mut checkpoints: Option<&mut Checkpoints>,
    on_commit: &mut dyn FnMut(u64),
) -> Result<(), StoreError> {
    let mut chunks = chunks.iter().peekable();
    while chunks.peek().is_some() {
        if let Some(checkpoints) = checkpoints.as_deref_mut() {
            checkpoints.before_batch();
        }
        let mut writer = store.writer()?;
        let mut stats = InsertStats::default();
        let mut records = 0;
        let mut complete = false;
        for chunk in chunks.by_ref() {
            stats += writer.insert_refs(chunk.events.iter())?;
            records += chunk.events.len() as u64;
            // The reader may have finished; then this thread drops the events itself.
            let _ = recycle.send(chunk.events);
            if chunk.ends_batch {
                complete = true;
                break;
            }
        }
        if !complete {
            return Ok(());
        }
        writer.commit()?;
        if let Some(checkpoints) = checkpoints.as_deref_mut() {
            checkpoints.committed();
        }
        report.records += records;
        report.inserted += stats.inserted;
        report.duplicates += stats.duplicates;
        on_commit(report.records);
    }
    Ok(())
}
