//! The reading side of the pipeline: records → events, grouped into batches.

use crate::options::IngestOptions;
use crate::records::{Next, Position, Records};
use crate::report::LineError;
use glir_events::{AuditEvent, Layout, parse_event};
use std::io;
use std::path::Path;
use std::sync::mpsc::SyncSender;

/// How the reading side ended, besides the batches it sent.
pub(crate) struct Outcome {
    pub(crate) layout: Option<Layout>,
    pub(crate) malformed: u64,
    pub(crate) errors: Vec<LineError>,
    pub(crate) stop: Option<Stop>,
}

/// Why reading ended early. The partial batch is then dropped, never sent: an interrupted ingest
/// leaves only whole batches behind.
pub(crate) enum Stop {
    Strict(LineError),
    Io(io::Error),
}

struct Producer<'a> {
    opts: &'a IngestOptions,
    path: &'a Path,
    outcome: Outcome,
}

/// Reads every record, sending full batches as they fill. Returns early if the receiver is gone
/// (the inserting side failed) or on a stop.
pub(crate) fn produce(
    mut records: Records,
    opts: &IngestOptions,
    path: &Path,
    batches: SyncSender<Vec<AuditEvent>>,
) -> Outcome {
    let batch_size = opts.batch_size.max(1);
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
    let mut batch = Vec::with_capacity(batch_size);
    loop {
        let result = match records.next(&mut buf) {
            Err(e) => {
                producer.outcome.stop = Some(Stop::Io(e));
                return producer.outcome;
            }
            Ok(Next::End) => break,
            Ok(Next::Broken(position, reason)) => Err((position, reason.to_owned())),
            Ok(Next::Record(position)) => producer.parse(&buf).map_err(|reason| (position, reason)),
        };
        match result {
            Ok(event) => {
                batch.push(event);
                if batch.len() == batch_size {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
                    if batches.send(full).is_err() {
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
    if !batch.is_empty() {
        // A failed send means the inserting side already stopped and reports why.
        let _ = batches.send(batch);
    }
    producer.outcome
}

impl Producer<'_> {
    /// The file's layout is the forced one, or the first well-formed record's; every later
    /// record must fit it.
    fn parse(&mut self, bytes: &[u8]) -> Result<AuditEvent, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())?;
        let event =
            parse_event(text, self.outcome.layout, &self.opts.source).map_err(|e| e.to_string())?;
        self.outcome.layout.get_or_insert(event.layout);
        Ok(event)
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
