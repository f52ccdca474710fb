//! The reading side of the pipeline: records → events, grouped into batches.

use crate::options::IngestOptions;
use crate::records::{Next, Position, Records};
use crate::report::LineError;
use glir_events::{EventBatch, Layout};
use std::io;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};

/// How the reading side ended, besides the batches it sent.
pub(crate) struct Outcome {
    pub(crate) layout: Option<Layout>,
    pub(crate) malformed: u64,
    pub(crate) errors: Vec<LineError>,
    pub(crate) stop: Option<Stop>,
}

/// Why reading ended early. The rest of the current batch is then never sent, and the writer
/// rolls back what it had of it: an interrupted ingest leaves only whole batches behind.
pub(crate) enum Stop {
    Strict(LineError),
    Io(io::Error),
}

struct Producer<'a> {
    opts: &'a IngestOptions,
    path: &'a Path,
    outcome: Outcome,
}

/// Events per message to the writer. A batch (one transaction) can be larger; sending it in
/// chunks keeps the memory held in flight independent of the batch size.
const CHUNK_EVENTS: usize = 5000;

/// A run of parsed events; `ends_batch` tells the writer to commit after inserting it.
pub(crate) struct Chunk {
    pub(crate) events: EventBatch,
    pub(crate) ends_batch: bool,
}

/// Reads every record, sending chunks as they fill. Returns early if the receiver is gone (the
/// inserting side failed) or on a stop.
pub(crate) fn produce(
    mut records: Records,
    opts: &IngestOptions,
    path: &Path,
    chunks: SyncSender<Chunk>,
    recycled: Receiver<EventBatch>,
) -> Outcome {
    let batch_size = opts.batch_size.max(1);
    let chunk_size = batch_size.min(CHUNK_EVENTS);
    let mut in_batch = 0;
    let mut producer = Producer {
        opts,
        path,
        outcome: Outcome {
            layout: opts.layout,
            malformed: 0,
            errors: Vec::new(),
            stop: None,
        },
    };
    let mut buf = Vec::new();
    let mut chunk = EventBatch::new();
    loop {
        let result = match records.next(&mut buf) {
            Err(e) => {
                producer.outcome.stop = Some(Stop::Io(e));
                return producer.outcome;
            }
            Ok(Next::End) => break,
            Ok(Next::Broken(position, reason)) => Err((position, reason.to_owned())),
            Ok(Next::Record(position)) => producer
                .parse(&buf, &mut chunk)
                .map_err(|reason| (position, reason)),
        };
        match result {
            Ok(()) => {
                in_batch += 1;
                let ends_batch = in_batch == batch_size;
                if ends_batch || chunk.len() == chunk_size {
                    // A batch the writer is done with comes back with its buffers grown to size.
                    let next = recycled.try_recv().map_or_else(
                        |_| EventBatch::new(),
                        |mut used| {
                            used.clear();
                            used
                        },
                    );
                    let events = std::mem::replace(&mut chunk, next);
                    if ends_batch {
                        in_batch = 0;
                    }
                    if chunks.send(Chunk { events, ends_batch }).is_err() {
                        return producer.outcome;
                    }
                }
            }
            Err((position, reason)) => {
                if producer.malformed(position, reason) {
                    return producer.outcome;
                }
            }
        }
    }
    if in_batch > 0 {
        // A failed send means the inserting side already stopped and reports why.
        let _ = chunks.send(Chunk {
            events: chunk,
            ends_batch: true,
        });
    }
    producer.outcome
}

impl Producer<'_> {
    /// The file's layout is the forced one, or the first well-formed record's; every later
    /// record must fit it.
    fn parse(&mut self, bytes: &[u8], chunk: &mut EventBatch) -> Result<(), String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())?;
        chunk
            .push_record(text, self.outcome.layout, &self.opts.source)
            .map_err(|e| e.to_string())?;
        if self.outcome.layout.is_none() {
            self.outcome.layout = chunk.get(chunk.len() - 1).map(|e| e.layout);
        }
        Ok(())
    }

    /// Counts and keeps the error; true when strict mode must stop here.
    fn malformed(&mut self, position: Position, reason: String) -> bool {
        let reason = match position.element {
            Some(n) => format!("element {n} of the array: {reason}"),
            None => reason,
        };
        let error = LineError {
            path: self.path.to_owned(),
            line: position.line,
            reason,
        };
        self.outcome.malformed += 1;
        if self.opts.strict {
            self.outcome.stop = Some(Stop::Strict(error));
            return true;
        }
        if self.outcome.errors.len() < self.opts.max_reported_errors {
            self.outcome.errors.push(error);
        }
        false
    }
}
