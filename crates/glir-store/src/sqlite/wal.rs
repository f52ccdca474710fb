//! Write-ahead-log checkpoints moved off the writing connection. A checkpoint copies committed
//! pages from the WAL into the database file; by default SQLite runs one inside the commit that
//! grows the WAL past 1,000 pages, so a bulk writer spends a large share of its time copying
//! instead of inserting (sqlite.org/wal.html#automatic_checkpoint). A [`Checkpointer`] runs them
//! on its own connection, which another thread can drive while the writer goes on.

use crate::error::{Context, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::time::Duration;

/// SQLite's default `wal_autocheckpoint`, restored when checkpoints come back to the writer.
const DEFAULT_AUTOCHECKPOINT: i64 = 1000;

/// A second connection to a store that checkpoints its WAL; see
/// [`Store::detach_checkpoints`](crate::Store::detach_checkpoints).
pub struct Checkpointer {
    conn: Connection,
}

impl Checkpointer {
    /// Opens a connection to the database file at `path`.
    pub(crate) fn open(path: &str) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .context("cannot open the checkpoint connection")?;
        conn.busy_timeout(Duration::from_secs(10))
            .context("cannot configure the checkpoint connection")?;
        Ok(Checkpointer { conn })
    }

    /// Copies every committed page it can into the database file without waiting for the
    /// writer or readers (a PASSIVE checkpoint): the writer keeps appending meanwhile, and the
    /// WAL starts over from its beginning once a checkpoint has caught up with it.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .context("cannot checkpoint the write-ahead log")
    }
}

/// Stops (`false`) or restores (`true`) the checkpoints a connection runs at commit.
pub(crate) fn set_autocheckpoint(conn: &Connection, on: bool) -> rusqlite::Result<()> {
    let pages = if on { DEFAULT_AUTOCHECKPOINT } else { 0 };
    conn.query_row(&format!("PRAGMA wal_autocheckpoint = {pages}"), [], |_| {
        Ok(())
    })
}
