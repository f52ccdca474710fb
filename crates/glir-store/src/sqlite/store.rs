use crate::error::{Context, StoreError};
use crate::sqlite::alerts::AlertFilter;
use crate::sqlite::checkpoint;
use crate::sqlite::dict::Dicts;
use crate::sqlite::filter::EventFilter;
use crate::sqlite::insert::{self, InsertStats};
use crate::sqlite::postings::Postings;
use crate::sqlite::row;
use crate::sqlite::schema;
use crate::sqlite::wal::{self, Checkpointer};
use glir_events::Alert;
use glir_events::{AuditEvent, EventRef};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Page size of new stores. Rows hold a whole JSON record (~600 bytes), and larger pages mean
/// fewer page writes, splits and WAL frames per row. Each commit also rewrites the tail leaf of
/// every lookup value it touched, which grows with the page; measured anyway, 32 KiB beat 16 KiB
/// both into a fresh store (1M stream events: 4.85 s vs 5.4 s) and into one already holding 1M
/// (5.8 s vs 7.0 s).
const PAGE_SIZE: i64 = 32768;
/// Page cache of a connection once it writes events. Each insert touches the newest leaf of
/// every lookup table for its actor, entity, IP and types; with thousands of distinct values
/// those hot leaves are ~16 MiB, and a cache that holds them measured ~25% faster bulk inserts
/// than an 8 MiB one, while keeping ingest well under 200 MB of memory.
const WRITER_CACHE_KIB: i64 = 32 * 1024;
/// Page cache of a connection that only reads. Queries read each event's page once (a timeline
/// of 1,000 events touches ~1,000 scattered pages), so a large cache only spends time faulting
/// in fresh memory for pages never read again, while 2 MiB recycles the same buffers. Measured
/// on a 10M-event store, `timeline --actor` showing 1,000 events: 41 ms with 32 MiB, 22 ms with
/// 2 MiB.
const READER_CACHE_KIB: i64 = 2 * 1024;

/// Prepared statements kept per connection (writes, queries and their variants).
const STATEMENT_CACHE: usize = 64;

/// An open glir store: one SQLite database holding events and checkpoints.
pub struct SqliteStore {
    conn: Connection,
    dicts: Dicts,
    /// Reused between transactions so a batch does not regrow its buffers.
    postings: Postings,
    /// Whether the page cache has been grown for writing events.
    writing: bool,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, creating its parent directory, and
    /// migrates it to the current schema.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
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
        // Only takes effect while the file is still empty, and must precede WAL mode.
        conn.pragma_update(None, "page_size", PAGE_SIZE)
            .map_err(open_err)?;
        // WAL lets a report read while an ingest writes; with WAL, synchronous=NORMAL only risks
        // the last commits on power loss, never corruption (sqlite.org/wal.html).
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        SqliteStore::migrated(conn)
    }

    /// Another connection to the same store file, for a second thread (an in-memory store has
    /// no file to share: an error).
    pub fn open_again(&self) -> Result<SqliteStore, StoreError> {
        match self.conn.path().filter(|path| !path.is_empty()) {
            Some(path) => SqliteStore::open(Path::new(path)),
            None => Err(StoreError::Open {
                path: ":memory:".into(),
                source: rusqlite::Error::InvalidPath(":memory:".into()),
            }),
        }
    }

    /// Opens a fresh store that lives only in memory (tests, dry runs).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let open_err = |source| StoreError::Open {
            path: ":memory:".into(),
            source,
        };
        let conn = Connection::open_in_memory().map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        SqliteStore::migrated(conn)
    }

    fn migrated(mut conn: Connection) -> Result<SqliteStore, StoreError> {
        schema::migrate(&mut conn)?;
        Ok(SqliteStore {
            conn,
            dicts: Dicts::new(),
            writing: false,
            postings: Postings::default(),
        })
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::version(&self.conn).context("cannot read the store schema version")
    }

    /// Starts a write transaction that can span several insert calls (one large transaction
    /// per batch is much cheaper than many small ones). Dropped without `commit`, it rolls back.
    pub fn writer(&mut self) -> Result<SqliteWriter<'_>, StoreError> {
        if !self.writing {
            self.conn
                .pragma_update(None, "cache_size", -WRITER_CACHE_KIB)
                .context("cannot size the page cache")?;
            self.writing = true;
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("cannot start an insert transaction")?;
        self.postings.clear();
        Ok(SqliteWriter {
            tx,
            postings: &mut self.postings,
            dicts: DictGuard {
                dicts: &mut self.dicts,
                armed: true,
            },
        })
    }

    /// Stops this connection checkpointing the WAL at commit and returns a [`Checkpointer`] for
    /// another thread to run after commits; `None` for an in-memory store, which has no WAL.
    /// [`Store::attach_checkpoints`] gives the checkpoints back. Meanwhile the WAL only starts
    /// over when a checkpoint has caught up before the next write transaction begins, so a
    /// writer that never pauses grows it by what it writes.
    pub fn detach_checkpoints(&mut self) -> Result<Option<Checkpointer>, StoreError> {
        let Some(path) = self.conn.path().filter(|path| !path.is_empty()) else {
            return Ok(None);
        };
        let checkpointer = Checkpointer::open(path)?;
        wal::set_autocheckpoint(&self.conn, false).context("cannot stop automatic checkpoints")?;
        Ok(Some(checkpointer))
    }

    /// Goes back to checkpointing at commit, undoing [`Store::detach_checkpoints`], after
    /// checkpointing the WAL in full and truncating it. A reader still holding an old snapshot
    /// (a report running alongside) keeps its pages in the WAL: then the WAL is left for a later
    /// checkpoint rather than waiting for the reader.
    pub fn attach_checkpoints(&mut self) -> Result<(), StoreError> {
        wal::set_autocheckpoint(&self.conn, true)
            .context("cannot restore automatic checkpoints")?;
        if self.conn.path().is_some_and(|path| !path.is_empty()) {
            // TRUNCATE waits for readers through the busy handler
            // (sqlite.org/c3ref/wal_checkpoint_v2.html); with none it reports them as busy.
            self.conn
                .busy_timeout(Duration::ZERO)
                .context("cannot checkpoint the write-ahead log")?;
            let truncated = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .context("cannot checkpoint the write-ahead log");
            self.conn
                .busy_timeout(BUSY_TIMEOUT)
                .context("cannot checkpoint the write-ahead log")?;
            truncated?;
        }
        Ok(())
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

    /// Stores detection alerts in one transaction; an alert already stored (same rule, same
    /// events) is counted as a duplicate.
    pub fn insert_alerts(&mut self, alerts: &[Alert]) -> Result<InsertStats, StoreError> {
        let tx = self
            .conn
            .transaction()
            .context("cannot start a transaction")?;
        let stats = crate::sqlite::alerts::insert(&tx, alerts)?;
        tx.commit().context("cannot commit alerts")?;
        Ok(stats)
    }

    /// Links rows to a case (`kind`: `event`, `alert`, `finding`, `action`); returns how many
    /// links are new.
    pub fn link_case(
        &mut self,
        case: &str,
        kind: &str,
        refs: &[String],
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction()
            .context("cannot start a transaction")?;
        let mut added = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO case_links (case_name, kind, ref) VALUES (?1, ?2, ?3)",
                )
                .context("cannot prepare the case link insert")?;
            for r in refs {
                added += stmt
                    .execute(rusqlite::params![case, kind, r])
                    .context("cannot link a row to the case")?;
            }
        }
        tx.commit().context("cannot commit case links")?;
        Ok(added)
    }

    /// The refs of one kind linked to a case, sorted.
    pub fn case_links(&self, case: &str, kind: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT ref FROM case_links WHERE case_name = ?1 AND kind = ?2 ORDER BY ref",
            )
            .context("cannot prepare the case link query")?;
        let rows = stmt
            .query_map(rusqlite::params![case, kind], |row| row.get(0))
            .context("cannot read case links")?;
        rows.collect::<Result<Vec<String>, _>>()
            .context("cannot read case links")
    }

    /// Whether the event with this identity (`created_at`, `event_id`) is stored, from any
    /// source: one lookup of the identity index.
    pub fn has_event(
        &self,
        created_at: jiff::Timestamp,
        event_id: &str,
    ) -> Result<bool, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM events WHERE created_at = ?1 AND event_id = ?2")
            .context("cannot prepare the event lookup")?;
        stmt.exists(rusqlite::params![
            crate::sqlite::row::micros(created_at),
            event_id
        ])
        .context("cannot look an event up")
    }

    /// Stored alerts matching `filter`, in alert time order.
    pub fn query_alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        crate::sqlite::alerts::query(&self.conn, filter)
    }

    /// How many events match `filter`, ignoring its `limit`.
    pub fn count_events(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        row::count(&self.conn, filter)
    }

    /// The user ids stored events give for `username`, ascending: audit events name their author
    /// by display name, email and id only, but an event about a user has that user as its
    /// entity, whose `entity_path` is the user's full path, the username
    /// (<https://docs.gitlab.com/user/compliance/audit_event_schema/>). Case-insensitive, as
    /// GitLab usernames are. More than one id means the name was reused.
    pub fn user_ids_by_username(&self, username: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT entity_id FROM entities WHERE entity_type = 'User' \
                 AND path = ?1 COLLATE NOCASE AND entity_id IS NOT NULL ORDER BY entity_id",
            )
            .context("cannot prepare the username lookup")?;
        let rows = stmt
            .query_map([username], |row| row.get(0))
            .context("cannot look up a username")?;
        rows.collect::<Result<Vec<i64>, _>>()
            .context("cannot look up a username")
    }

    /// Stores findings in one transaction; a key already stored is counted as a duplicate.
    pub fn insert_findings(
        &mut self,
        findings: &[(String, String)],
    ) -> Result<InsertStats, StoreError> {
        let tx = self
            .conn
            .transaction()
            .context("cannot start a transaction")?;
        let stats = crate::sqlite::findings::insert(&tx, findings)?;
        tx.commit().context("cannot commit findings")?;
        Ok(stats)
    }

    /// Every stored finding's record, in key order.
    pub fn query_findings(&self) -> Result<Vec<String>, StoreError> {
        crate::sqlite::findings::query(&self.conn)
    }
}

/// An open write transaction on a [`Store`]; see [`Store::writer`].
pub struct SqliteWriter<'a> {
    tx: Transaction<'a>,
    postings: &'a mut Postings,
    dicts: DictGuard<'a>,
}

impl SqliteWriter<'_> {
    /// Inserts events into the open transaction, skipping duplicates as
    /// [`Store::insert_events`] does.
    pub fn insert(&mut self, events: &[AuditEvent]) -> Result<InsertStats, StoreError> {
        self.insert_refs(events.iter().map(EventRef::from))
    }

    /// [`EventWriter::insert`] over borrowed events, e.g. the events of an
    /// [`EventBatch`](glir_events::EventBatch), without building an owned event each.
    pub fn insert_refs<'e>(
        &mut self,
        events: impl IntoIterator<Item = EventRef<'e>>,
    ) -> Result<InsertStats, StoreError> {
        insert::insert_all(&self.tx, self.dicts.dicts, self.postings, events, |_| {})
    }

    /// [`EventWriter::insert`], telling `each` for every event, in order, whether it was new
    /// (`true`) or already stored: one call for a whole batch where the caller must know which
    /// events were new (the receiver archives only those).
    pub fn insert_each(
        &mut self,
        events: &[AuditEvent],
        each: impl FnMut(bool),
    ) -> Result<InsertStats, StoreError> {
        insert::insert_all(
            &self.tx,
            self.dicts.dicts,
            self.postings,
            events.iter().map(EventRef::from),
            each,
        )
    }

    /// Stores (replaces) a checkpoint in the same transaction as the events.
    pub fn set_checkpoint(
        &mut self,
        scope: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        checkpoint::set(&self.tx, scope, value)
    }

    /// Makes everything written through this writer durable at once.
    pub fn commit(self) -> Result<(), StoreError> {
        let SqliteWriter {
            tx,
            postings,
            dicts,
        } = self;
        postings
            .flush(&tx)
            .context("cannot write event lookup postings")?;
        tx.commit().context("cannot commit inserted events")?;
        dicts.committed();
        Ok(())
    }
}

/// Keeps the dictionary caches true to the database: unless the transaction commits, the
/// dictionary rows it created are rolled back with it and their cached ids are forgotten.
struct DictGuard<'a> {
    dicts: &'a mut Dicts,
    armed: bool,
}

impl DictGuard<'_> {
    fn committed(mut self) {
        self.dicts.committed();
        self.armed = false;
    }
}

impl Drop for DictGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.dicts.rolled_back();
        }
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The event, dictionary and posting inserts alone are 17 statements; the default cache of 16
    // would re-prepare some of them on every batch.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
    Ok(())
}
