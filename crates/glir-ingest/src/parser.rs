//! The reading side of the pipeline: records → events, grouped into batches.

use crate::options::IngestOptions;
use crate::records::{Next, Position, Records};
use crate::report::LineError;
use glir_events::{EventBatch, Layout, NotAnEvent, ParseError};
use std::io;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};

/// How the reading side ended, besides the batches it sent.
pub(crate) struct Outcome {
    /// Events read, by layout, in the order each layout was first seen.
    pub(crate) layouts: Vec<(Layout, u64)>,
    pub(crate) malformed: u64,
    pub(crate) errors: Vec<LineError>,
    /// Records kept with invalid UTF-8 replaced by U+FFFD.
    pub(crate) repaired: u64,
    /// The first of them, to name.
    pub(crate) repairs: Vec<LineError>,
    /// Well-formed records that are not events, by reason, in the order first seen.
    pub(crate) skipped: Vec<(String, u64)>,
    pub(crate) stop: Option<Stop>,
}

impl Outcome {
    pub(crate) fn events(&self) -> u64 {
        self.layouts.iter().map(|(_, n)| n).sum()
    }
}

/// A file whose first records are all other logs' lines or broken is given up on here rather
/// than read to its end: a directory of Rails logs holds multi-gigabyte request logs.
const GIVE_UP_AFTER: u64 = 1000;

/// Why reading ended early. The rest of the current batch is then never sent, and the writer
/// rolls back what it had of it: an interrupted ingest leaves only whole batches behind.
pub(crate) enum Stop {
    Strict(LineError),
    Io(io::Error),
    /// The first [`GIVE_UP_AFTER`] records held no event.
    GaveUp,
}

/// Why one record is not stored.
enum Reject {
    /// Broken, or an event without what it needs: an error the report lists.
    Malformed(String),
    /// A well-formed line of another log (or a message that is no sign-in): counted by reason.
    Skipped(String),
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
///
/// With `salvage` (compressed input), a read error ends the input where it broke: the records
/// read before it are sent as a whole batch, so a truncated `.gz` yields what decompressed.
pub(crate) fn produce(
    mut records: Records,
    opts: &IngestOptions,
    path: &Path,
    chunks: SyncSender<Chunk>,
    recycled: Receiver<EventBatch>,
    salvage: bool,
) -> Outcome {
    let batch_size = opts.batch_size.max(1);
    let chunk_size = batch_size.min(CHUNK_EVENTS);
    let mut in_batch = 0;
    let mut producer = Producer {
        opts,
        path,
        outcome: Outcome {
            layouts: Vec::new(),
            malformed: 0,
            errors: Vec::new(),
            repaired: 0,
            repairs: Vec::new(),
            skipped: Vec::new(),
            stop: None,
        },
    };
    let mut buf = Vec::new();
    let mut chunk = EventBatch::new();
    loop {
        let result = match records.next(&mut buf) {
            Err(e) => {
                if salvage && in_batch > 0 {
                    let _ = chunks.send(Chunk {
                        events: std::mem::take(&mut chunk),
                        ends_batch: true,
                    });
                }
                producer.outcome.stop = Some(Stop::Io(e));
                return producer.outcome;
            }
            Ok(Next::End) => break,
            Ok(Next::Broken(position, reason)) => {
                Err((position, Reject::Malformed(reason.to_owned())))
            }
            Ok(Next::Record(position)) => producer
                .parse(&buf, position, &mut chunk)
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
            Err((position, Reject::Malformed(reason))) => {
                if producer.malformed(position, reason) {
                    return producer.outcome;
                }
            }
            Err((_, Reject::Skipped(reason))) => producer.skipped(reason),
        }
        if producer.gives_up() {
            producer.outcome.stop = Some(Stop::GaveUp);
            return producer.outcome;
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
    /// Each record's layout is the forced one, or its own: one file can mix layouts (a log
    /// whose lines changed shape across an upgrade, an auth log with lines of several kinds).
    fn parse(
        &mut self,
        bytes: &[u8],
        position: Position,
        chunk: &mut EventBatch,
    ) -> Result<(), Reject> {
        // One bad byte (a truncated multi-byte character, a Latin-1 name) must not cost the
        // whole record: it is replaced, kept and named.
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => {
                self.outcome.repaired += 1;
                if self.outcome.repairs.len() < self.opts.max_reported_errors {
                    self.outcome.repairs.push(LineError {
                        path: self.path.to_owned(),
                        line: position.line,
                        reason: "invalid UTF-8 replaced with U+FFFD; the record is kept".into(),
                    });
                }
                String::from_utf8_lossy(bytes)
            }
        };
        chunk
            .push_record(&text, self.opts.layout, &self.opts.source)
            .map_err(|e| match e {
                ParseError::NotAnEvent(why) if why.is_other_log() => {
                    Reject::Skipped(why.to_string())
                }
                e => Reject::Malformed(e.to_string()),
            })?;
        if let Some(event) = chunk.get(chunk.len() - 1) {
            match self
                .outcome
                .layouts
                .iter_mut()
                .find(|(l, _)| *l == event.layout)
            {
                Some((_, n)) => *n += 1,
                None => self.outcome.layouts.push((event.layout, 1)),
            }
        }
        Ok(())
    }

    fn skipped(&mut self, reason: String) {
        match self.outcome.skipped.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.outcome.skipped.push((reason, 1)),
        }
    }

    /// Only other logs' lines and broken records so far, and enough of them. Messages of
    /// application_json.log that are no sign-in do not count: sign-ins can come late.
    fn gives_up(&self) -> bool {
        if self.outcome.events() > 0 {
            return false;
        }
        let other_logs: u64 = self
            .outcome
            .skipped
            .iter()
            .filter(|(reason, _)| *reason != NotAnEvent::OtherMessage.to_string())
            .map(|(_, n)| n)
            .sum();
        other_logs + self.outcome.malformed >= GIVE_UP_AFTER
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
