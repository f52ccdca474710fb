use crate::checkpoint;
use crate::error::{Context, StoreError};
use crate::filter::EventFilter;
use crate::insert::{self, InsertStats};
use crate::row;
use crate::schema;
use glir_events::AuditEvent;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Page cache per connection. Every insert touches one leaf of each lookup index; keeping those
/// hot leaves cached is what keeps bulk inserts fast, and 32 MiB holds them for tens of millions
/// of events while staying well inside the ingest memory budget.
const CACHE_KIB: i64 = 32 * 1024;

/// An open glir store: one SQLite database holding events and checkpoints.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the store at `path`, creating its parent directory, and
    /// migrates it to the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        // WAL lets a report read while an ingest writes; with WAL, synchronous=NORMAL only risks
        // the last commits on power loss, never corruption (sqlite.org/wal.html).
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        Store::migrated(conn)
    }

    /// Opens a fresh store that lives only in memory (tests, dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: ":memory:".into(),
            source,
        };
        let conn = Connection::open_in_memory().map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        Store::migrated(conn)
    }

    fn migrated(mut conn: Connection) -> Result<Store, StoreError> {
        schema::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::version(&self.conn).context("cannot read the store schema version")
    }

    /// Inserts events in one transaction; events already stored under the same
    /// `(source, event_id)` are skipped and counted as duplicates.
    pub fn insert_events(&mut self, events: &[AuditEvent]) -> Result<InsertStats, StoreError> {
        let tx = self
            .conn
            .transaction()
            .context("cannot start an insert transaction")?;
        let stats = insert::insert_all(&tx, events)?;
        tx.commit().context("cannot commit inserted events")?;
        Ok(stats)
    }

    /// Inserts events and records a checkpoint atomically: after a crash either both are stored
    /// or neither, so a collector resumes exactly where its stored events end.
    pub fn insert_events_with_checkpoint(
        &mut self,
        events: &[AuditEvent],
        scope: &str,
        checkpoint: &serde_json::Value,
    ) -> Result<InsertStats, StoreError> {
        let tx = self
            .conn
            .transaction()
            .context("cannot start an insert transaction")?;
        let stats = insert::insert_all(&tx, events)?;
        checkpoint::set(&tx, scope, checkpoint)?;
        tx.commit()
            .context("cannot commit inserted events and checkpoint")?;
        Ok(stats)
    }

    /// The checkpoint stored under `scope`, if any.
    pub fn checkpoint(&self, scope: &str) -> Result<Option<serde_json::Value>, StoreError> {
        checkpoint::get(&self.conn, scope)
    }

    /// Stores (replaces) the checkpoint under `scope`.
    pub fn set_checkpoint(
        &mut self,
        scope: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        checkpoint::set(&self.conn, scope, value)
    }

    /// Events matching `filter`, oldest first (then by event id) unless `filter.newest_first`.
    pub fn query_events(&self, filter: &EventFilter) -> Result<Vec<AuditEvent>, StoreError> {
        row::query(&self.conn, filter)
    }

    /// How many events match `filter`, ignoring its `limit`.
    pub fn count_events(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        row::count(&self.conn, filter)
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    Ok(())
}
