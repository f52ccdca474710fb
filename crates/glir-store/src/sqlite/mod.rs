//! The SQLite backend: one file per investigation, WAL mode so a report can read while an
//! ingest writes. The schema is versioned through `PRAGMA user_version` and migrated forward on
//! open.

mod alerts;
mod checkpoint;
mod dict;
mod filter;
mod findings;
mod insert;
mod postings;
mod row;
mod schema;
mod store;
pub(crate) mod wal;

pub use schema::LATEST_VERSION;
pub(crate) use store::{SqliteStore, SqliteWriter};
