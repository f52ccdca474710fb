//! Many parsed events in one text buffer: each event's fields are spans of that buffer, so a
//! batch of thousands of events is two allocations, reused from batch to batch.

use crate::error::ParseError;
use crate::event_ref::{Details, DetailsMembers, EventRef, MemberSpan};
use crate::fast;
use crate::layout::Layout;
use std::borrow::Cow;

/// Parsed events whose text lives in the batch; see [`EventBatch::get`].
#[derive(Debug, Default)]
pub struct EventBatch {
    text: String,
    events: Vec<Stored>,
    /// The members of the events' `details`, where the parser found them (see
    /// [`DetailsMembers`]): offsets into each event's `raw`.
    members: Vec<MemberSpan>,
    /// Where a record's parse notes its members, before they are copied into `members`.
    spans: Vec<MemberSpan>,
    /// The source of the last event pushed: events of one batch nearly always share it.
    last_source: Option<Span>,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

/// An [`EventRef`] as spans of the batch text.
#[derive(Debug)]
struct Stored {
    source: Span,
    event_id: Span,
    layout: Layout,
    created_at: jiff::Timestamp,
    event_type: Option<Span>,
    author_id: Option<i64>,
    author_name: Option<Span>,
    author_email: Option<Span>,
    entity_id: Option<i64>,
    entity_type: Option<Span>,
    entity_path: Option<Span>,
    target_id: Option<Span>,
    target_type: Option<Span>,
    target_details: Option<Span>,
    ip_address: Option<Span>,
    change: Option<Span>,
    from: Option<Span>,
    to: Option<Span>,
    custom_message: Option<Span>,
    /// Always JSON text here, even for events pushed as values.
    details: Span,
    /// The event's range of `EventBatch::members`, when known.
    members: Option<(usize, usize)>,
    raw: Span,
}

impl EventBatch {
    /// An empty batch.
    pub fn new() -> EventBatch {
        EventBatch::default()
    }

    /// Parses one record (see [`parse_event`](crate::parse_event)) and adds it; on an error
    /// the batch is as it was.
    pub fn push_record(
        &mut self,
        raw: &str,
        layout: Option<Layout>,
        source: &str,
    ) -> Result<(), ParseError> {
        let raw = raw.trim();
        let mut spans = std::mem::take(&mut self.spans);
        match fast::parse(raw, layout, Some(&mut spans)) {
            Some(parsed) => {
                let id = parsed.event_id(raw);
                self.push(&parsed.event_ref(raw, source, &id, &spans));
            }
            None => {
                let event = crate::parse::parse_slowly(raw, layout, source)?;
                self.push(&EventRef::from(&event));
            }
        }
        self.spans = spans;
        Ok(())
    }

    /// Adds a copy of `e`. The record text is copied once; fields that are slices of it (as
    /// the text path reads them) become spans of that copy, the others are copied after it.
    pub fn push(&mut self, e: &EventRef<'_>) {
        let source = self.source(e.source);
        let base = self.text.len();
        self.text.push_str(e.raw);
        let raw = Span {
            start: base,
            end: self.text.len(),
        };
        let details = match e.details {
            Details::Text(t) => Cow::Borrowed(t),
            Details::Value(_) => Cow::Owned(e.details.to_json_string()),
        };
        // Member offsets are into `raw`, which is copied whole.
        let members = e.details_members.map(|m| {
            let start = self.members.len();
            self.members.extend_from_slice(m.spans());
            (start, self.members.len())
        });
        let mut put = |s: &str| self.locate(e.raw, base, s);
        let event_id = put(e.event_id);
        let details = put(&details);
        let mut opt = |s: Option<&str>| s.map(&mut put);
        let stored = Stored {
            source,
            event_id,
            layout: e.layout,
            created_at: e.created_at,
            event_type: opt(e.event_type),
            author_id: e.author_id,
            author_name: opt(e.author_name),
            author_email: opt(e.author_email),
            entity_id: e.entity_id,
            entity_type: opt(e.entity_type),
            entity_path: opt(e.entity_path),
            target_id: opt(e.target_id),
            target_type: opt(e.target_type),
            target_details: opt(e.target_details),
            ip_address: opt(e.ip_address),
            change: opt(e.change),
            from: opt(e.from),
            to: opt(e.to),
            custom_message: opt(e.custom_message),
            details,
            members,
            raw,
        };
        self.events.push(stored);
    }

    /// The span of `s`: inside the copy of `raw` at `base` when `s` is a slice of `raw`,
    /// else a copy appended to the text.
    fn locate(&mut self, raw: &str, base: usize, s: &str) -> Span {
        let offset = (s.as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
        if offset <= raw.len() && s.len() <= raw.len() - offset {
            let start = base + offset;
            return Span {
                start,
                end: start + s.len(),
            };
        }
        self.append(s)
    }

    fn append(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        Span {
            start,
            end: self.text.len(),
        }
    }

    fn source(&mut self, source: &str) -> Span {
        match self.last_source {
            Some(span) if &self.text[span.start..span.end] == source => span,
            _ => {
                let span = self.append(source);
                self.last_source = Some(span);
                span
            }
        }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the batch has no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Forgets every event, keeping the buffers for the next batch.
    pub fn clear(&mut self) {
        self.text.clear();
        self.events.clear();
        self.members.clear();
        self.last_source = None;
    }

    /// Bytes of text held: what a queue of batches costs in memory, roughly.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The `i`th event, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<EventRef<'_>> {
        let s = self.events.get(i)?;
        let at = |span: Span| &self.text[span.start..span.end];
        let opt = |span: Option<Span>| span.map(at);
        Some(EventRef {
            source: at(s.source),
            event_id: at(s.event_id),
            layout: s.layout,
            created_at: s.created_at,
            event_type: opt(s.event_type),
            author_id: s.author_id,
            author_name: opt(s.author_name),
            author_email: opt(s.author_email),
            entity_id: s.entity_id,
            entity_type: opt(s.entity_type),
            entity_path: opt(s.entity_path),
            target_id: opt(s.target_id),
            target_type: opt(s.target_type),
            target_details: opt(s.target_details),
            ip_address: opt(s.ip_address),
            change: opt(s.change),
            from: opt(s.from),
            to: opt(s.to),
            custom_message: opt(s.custom_message),
            details: Details::Text(at(s.details)),
            details_members: s
                .members
                .map(|(start, end)| DetailsMembers::new(at(s.raw), &self.members[start..end])),
            raw: at(s.raw),
        })
    }

    /// The events in the order they were pushed.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = EventRef<'_>> + '_ {
        (0..self.events.len()).map(|i| self.get(i).expect("in range"))
    }
}
