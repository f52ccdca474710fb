//! The canonical GitLab audit event and the parsers that build it from the three layouts GitLab
//! writes: the REST API entity, the streaming body and the `audit_json.log` line.
//!
//! Parsing is lenient about everything but the timestamp: GitLab's `details` has no schema
//! (`doc/api/audit_events.md`), so unknown or oddly typed fields are kept, never fatal.

#![warn(missing_docs)]

mod alert;
mod author;
mod batch;
mod derive;
mod error;
mod event;
mod event_reader;
mod event_ref;
mod fast;
mod layout;
mod parse;
mod plain_run;
mod rails_logs;
mod record;
mod render;
mod scan;
mod summary;
mod timestamp;

pub use alert::Alert;
pub use author::AuthorKind;
pub use batch::EventBatch;
pub use derive::{DERIVATIONS, Derivation, Shape};
pub use error::ParseError;
pub use event::AuditEvent;
pub use event_reader::EventReader;
pub use event_ref::{Details, DetailsMembers, EventRef};
pub use layout::{Layout, NotAnEvent, UnknownLayout, classify, detect_layout};
pub use parse::{event_from_value, parse_event};
pub use rails_logs::RAILS_LOG_EVENT_TYPES;
