//! Embedded SQLite store for audit events and collection checkpoints.
//!
//! One file per investigation, WAL mode so a report can read while an ingest writes. The schema
//! is versioned through `PRAGMA user_version` and migrated forward on open.

#![warn(missing_docs)]

mod alerts;
mod checkpoint;
mod dict;
mod error;
mod filter;
mod insert;
mod postings;
mod row;
mod schema;
mod store;
mod wal;

pub use alerts::AlertFilter;
pub use error::StoreError;
pub use filter::EventFilter;
pub use insert::InsertStats;
pub use schema::LATEST_VERSION;
pub use store::{EventWriter, Store};
pub use wal::Checkpointer;
