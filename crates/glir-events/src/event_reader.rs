//! Records parsed one at a time and lent out in place, for callers that use each event once.

use crate::error::ParseError;
use crate::event_ref::{EventRef, MemberSpan};
use crate::fast;
use crate::layout::Layout;

/// Parses records one at a time and lends each event, borrowed from the record's text, to a
/// closure: nothing of the record is copied, so this is the cheapest way through a file when
/// each event is looked at and dropped (detection). [`EventBatch`](crate::EventBatch) keeps
/// events instead. Reuse one reader: it keeps its buffers.
#[derive(Debug, Default)]
pub struct EventReader {
    spans: Vec<MemberSpan>,
}

impl EventReader {
    /// A reader with empty buffers.
    pub fn new() -> EventReader {
        EventReader::default()
    }

    /// Parses `raw` as [`parse_event`](crate::parse_event) does and calls `f` with the event.
    pub fn read<R>(
        &mut self,
        raw: &str,
        layout: Option<Layout>,
        source: &str,
        f: impl FnOnce(EventRef<'_>) -> R,
    ) -> Result<R, ParseError> {
        let raw = raw.trim();
        match fast::parse(raw, layout, Some(&mut self.spans)) {
            Some(parsed) => {
                let id = parsed.event_id(raw);
                Ok(f(parsed.event_ref(raw, source, &id, &self.spans)))
            }
            None => {
                let event = crate::parse::parse_slowly(raw, layout, source)?;
                Ok(f(EventRef::from(&event)))
            }
        }
    }
}
