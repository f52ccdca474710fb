//! Where glir keeps events, alerts, checkpoints, case links and secret-scan findings: an
//! SQLite file for one responder on one machine (the default), or a ClickHouse database that
//! many receivers, collectors and responders share ([`StoreLocation`]).
//!
//! [`Store`] is the one interface; both backends select the same events for the same
//! [`EventFilter`], keep an event stored twice once (by `created_at` and event id), and give
//! alerts back in the same order. The tests in `tests/backends.rs` hold them to that.

#![warn(missing_docs)]

mod alerts;
pub mod clickhouse;
mod error;
mod filter;
mod location;
mod sqlite;
mod stats;
mod store;

pub use alerts::AlertFilter;
pub use clickhouse::ClickHouseStore;
pub use error::StoreError;
pub use filter::EventFilter;
pub use location::{ClickHouseUrl, LocationError, StoreLocation};
pub use sqlite::LATEST_VERSION;
pub use sqlite::wal::Checkpointer;
pub use stats::InsertStats;
pub use store::{EventWriter, Store};
