//! [`Store`]: one interface over the SQLite and ClickHouse backends.

use crate::alerts::AlertFilter;
use crate::clickhouse::{ClickHouseStore, ClickHouseWriter};
use crate::error::StoreError;
use crate::filter::EventFilter;
use crate::location::StoreLocation;
use crate::sqlite::wal::Checkpointer;
use crate::sqlite::{SqliteStore, SqliteWriter};
use crate::stats::InsertStats;
use glir_events::{Alert, AuditEvent, EventRef};
use std::path::Path;

/// An open glir store.
pub struct Store {
    backend: Backend,
}

enum Backend {
    Sqlite(SqliteStore),
    ClickHouse(ClickHouseStore),
}

impl Store {
    /// Opens (creating if needed) the SQLite store at `path`, creating its parent directory,
    /// and migrates it to the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Backend::Sqlite(SqliteStore::open(path)?),
        })
    }

    /// Opens the store at `location`: an SQLite file, or a ClickHouse database (created with
    /// glir's tables if missing).
    pub fn open_location(location: &StoreLocation) -> Result<Store, StoreError> {
        match location {
            StoreLocation::Sqlite(path) => Store::open(path),
            StoreLocation::ClickHouse(url) => Ok(Store {
                backend: Backend::ClickHouse(ClickHouseStore::open(url)?),
            }),
        }
    }

    /// Opens a fresh SQLite store that lives only in memory (tests, dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Ok(Store {
            backend: Backend::Sqlite(SqliteStore::open_in_memory()?),
        })
    }

    /// Another connection to the same store, for a second thread (an in-memory store has no
    /// file to share: an error).
    pub fn open_again(&self) -> Result<Store, StoreError> {
        let backend = match &self.backend {
            Backend::Sqlite(s) => Backend::Sqlite(s.open_again()?),
            Backend::ClickHouse(s) => Backend::ClickHouse(s.open_again()?),
        };
        Ok(Store { backend })
    }

    /// `sqlite` or `clickhouse`.
    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::ClickHouse(_) => "clickhouse",
        }
    }

    /// The ClickHouse backend, for work pushed down into the database; `None` on SQLite.
    pub fn clickhouse(&self) -> Option<&ClickHouseStore> {
        match &self.backend {
            Backend::ClickHouse(s) => Some(s),
            Backend::Sqlite(_) => None,
        }
    }

    /// [`clickhouse`](Self::clickhouse), to change how it works (chunk and slice sizes).
    pub fn clickhouse_mut(&mut self) -> Option<&mut ClickHouseStore> {
        match &mut self.backend {
            Backend::ClickHouse(s) => Some(s),
            Backend::Sqlite(_) => None,
        }
    }

    /// The schema version recorded in the store.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.schema_version(),
            Backend::ClickHouse(s) => s.schema_version(),
        }
    }

    /// Inserts events at once; events already stored under the same `(created_at, event_id)`,
    /// from any source, are skipped and counted as duplicates (their source is recorded as
    /// another one the event came from).
    pub fn insert_events(&mut self, events: &[AuditEvent]) -> Result<InsertStats, StoreError> {
        let mut writer = self.writer()?;
        let stats = writer.insert(events)?;
        writer.commit()?;
        Ok(stats)
    }

    /// Starts a batch of writes that can span several insert calls (one large batch is much
    /// cheaper than many small ones), made durable by [`EventWriter::commit`]. Dropped without
    /// a commit, nothing of it is stored.
    pub fn writer(&mut self) -> Result<EventWriter<'_>, StoreError> {
        Ok(EventWriter {
            inner: match &mut self.backend {
                Backend::Sqlite(s) => Writer::Sqlite(s.writer()?),
                Backend::ClickHouse(s) => Writer::ClickHouse(s.writer()),
            },
        })
    }

    /// Inserts events and records a checkpoint: after a crash a collector resumes from a
    /// checkpoint no later than its stored events (SQLite: in one transaction; ClickHouse: the
    /// checkpoint after the events, whose re-insert is idempotent).
    pub fn insert_events_with_checkpoint(
        &mut self,
        events: &[AuditEvent],
        scope: &str,
        checkpoint: &serde_json::Value,
    ) -> Result<InsertStats, StoreError> {
        let mut writer = self.writer()?;
        let stats = writer.insert(events)?;
        writer.set_checkpoint(scope, checkpoint)?;
        writer.commit()?;
        Ok(stats)
    }

    /// SQLite: stops this connection checkpointing the WAL at commit and returns a
    /// [`Checkpointer`] for another thread. `None` where there is no WAL (in memory,
    /// ClickHouse).
    pub fn detach_checkpoints(&mut self) -> Result<Option<Checkpointer>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.detach_checkpoints(),
            Backend::ClickHouse(_) => Ok(None),
        }
    }

    /// Undoes [`Store::detach_checkpoints`].
    pub fn attach_checkpoints(&mut self) -> Result<(), StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.attach_checkpoints(),
            Backend::ClickHouse(_) => Ok(()),
        }
    }

    /// The checkpoint stored under `scope`, if any.
    pub fn checkpoint(&self, scope: &str) -> Result<Option<serde_json::Value>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.checkpoint(scope),
            Backend::ClickHouse(s) => s.checkpoint(scope),
        }
    }

    /// Stores (replaces) the checkpoint under `scope`.
    pub fn set_checkpoint(
        &mut self,
        scope: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.set_checkpoint(scope, value),
            Backend::ClickHouse(s) => s.set_checkpoint(scope, value),
        }
    }

    /// Events matching `filter`, oldest first (then by event id) unless `filter.newest_first`.
    pub fn query_events(&self, filter: &EventFilter) -> Result<Vec<AuditEvent>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.query_events(filter),
            Backend::ClickHouse(s) => s.query_events(filter),
        }
    }

    /// Stores detection alerts; an alert already stored (same rule, same events) is counted as
    /// a duplicate.
    pub fn insert_alerts(&mut self, alerts: &[Alert]) -> Result<InsertStats, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.insert_alerts(alerts),
            Backend::ClickHouse(s) => s.insert_alerts(alerts),
        }
    }

    /// Links rows to a case (`kind`: `event`, `alert`, `finding`, `action`); returns how many
    /// links are new.
    pub fn link_case(
        &mut self,
        case: &str,
        kind: &str,
        refs: &[String],
    ) -> Result<usize, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.link_case(case, kind, refs),
            Backend::ClickHouse(s) => s.link_case(case, kind, refs),
        }
    }

    /// The refs of one kind linked to a case, sorted.
    pub fn case_links(&self, case: &str, kind: &str) -> Result<Vec<String>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.case_links(case, kind),
            Backend::ClickHouse(s) => s.case_links(case, kind),
        }
    }

    /// Whether the event with this identity (`created_at`, `event_id`) is stored, from any
    /// source.
    pub fn has_event(
        &self,
        created_at: jiff::Timestamp,
        event_id: &str,
    ) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.has_event(created_at, event_id),
            Backend::ClickHouse(s) => s.has_event(created_at, event_id),
        }
    }

    /// Which of these identities (`created_at` in microseconds, event id) are stored: one
    /// lookup per identity on SQLite (an index probe), a few queries for all on ClickHouse
    /// (where each request is a network round trip).
    pub fn stored_identities(
        &self,
        keys: &[(i64, String)],
    ) -> Result<std::collections::HashSet<(i64, String)>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let mut found = std::collections::HashSet::new();
                for (micros, id) in keys {
                    let at = jiff::Timestamp::from_microsecond(*micros).map_err(|_| {
                        StoreError::Corrupt {
                            what: format!("event time {micros} µs (out of range)"),
                        }
                    })?;
                    if s.has_event(at, id)? {
                        found.insert((*micros, id.clone()));
                    }
                }
                Ok(found)
            }
            Backend::ClickHouse(s) => {
                let refs: Vec<&(i64, String)> = keys.iter().collect();
                Ok(s.stored_sources(&refs)?.into_keys().collect())
            }
        }
    }

    /// Whether several processes and hosts share this store (ClickHouse): then a receiver
    /// acknowledges events only once the store has them, not once its own archive does.
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::ClickHouse(_))
    }

    /// Stored alerts matching `filter`, in alert time order.
    pub fn query_alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.query_alerts(filter),
            Backend::ClickHouse(s) => s.query_alerts(filter),
        }
    }

    /// How many events match `filter`, ignoring its `limit`.
    pub fn count_events(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.count_events(filter),
            Backend::ClickHouse(s) => s.count_events_where(filter, None),
        }
    }

    /// The user ids stored events give for `username`, ascending: audit events name their author
    /// by display name, email and id only, but an event about a user has that user as its
    /// entity, whose `entity_path` is the user's full path, the username
    /// (<https://docs.gitlab.com/user/compliance/audit_event_schema/>). Case-insensitive (ASCII),
    /// as GitLab usernames are. More than one id means the name was reused.
    pub fn user_ids_by_username(&self, username: &str) -> Result<Vec<i64>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.user_ids_by_username(username),
            Backend::ClickHouse(s) => s.user_ids_by_username(username),
        }
    }

    /// Stores secret-scan findings as `(key, record)` pairs: the store reads neither, the
    /// caller chooses the key (the same finding, the same key). A key already stored, by this
    /// run or another, is counted as a duplicate and its first record kept, so the runs of one
    /// scan split over hosts merge here without a finding twice.
    pub fn insert_findings(
        &mut self,
        findings: &[(String, String)],
    ) -> Result<InsertStats, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.insert_findings(findings),
            Backend::ClickHouse(s) => s.insert_findings(findings),
        }
    }

    /// Every stored finding's record, in key order.
    pub fn query_findings(&self) -> Result<Vec<String>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.query_findings(),
            Backend::ClickHouse(s) => s.query_findings(),
        }
    }
}

/// A batch of writes on a [`Store`]; see [`Store::writer`].
pub struct EventWriter<'a> {
    inner: Writer<'a>,
}

enum Writer<'a> {
    Sqlite(SqliteWriter<'a>),
    ClickHouse(ClickHouseWriter<'a>),
}

impl EventWriter<'_> {
    /// Adds events, skipping duplicates as [`Store::insert_events`] does.
    pub fn insert(&mut self, events: &[AuditEvent]) -> Result<InsertStats, StoreError> {
        match &mut self.inner {
            Writer::Sqlite(w) => w.insert(events),
            Writer::ClickHouse(w) => w.insert_each(events, |_| {}),
        }
    }

    /// [`EventWriter::insert`] over borrowed events, e.g. the events of an
    /// [`EventBatch`](glir_events::EventBatch), without building an owned event each (SQLite).
    pub fn insert_refs<'e>(
        &mut self,
        events: impl IntoIterator<Item = EventRef<'e>>,
    ) -> Result<InsertStats, StoreError> {
        match &mut self.inner {
            Writer::Sqlite(w) => w.insert_refs(events),
            Writer::ClickHouse(w) => w.insert_refs(events),
        }
    }

    /// [`EventWriter::insert`], telling `each` for every event, in order, whether it was new
    /// (`true`) or already stored.
    pub fn insert_each(
        &mut self,
        events: &[AuditEvent],
        each: impl FnMut(bool),
    ) -> Result<InsertStats, StoreError> {
        match &mut self.inner {
            Writer::Sqlite(w) => w.insert_each(events, each),
            Writer::ClickHouse(w) => w.insert_each(events, each),
        }
    }

    /// Stores (replaces) a checkpoint with the batch.
    pub fn set_checkpoint(
        &mut self,
        scope: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        match &mut self.inner {
            Writer::Sqlite(w) => w.set_checkpoint(scope, value),
            Writer::ClickHouse(w) => {
                w.set_checkpoint(scope, value);
                Ok(())
            }
        }
    }

    /// Makes everything written through this writer durable.
    pub fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            Writer::Sqlite(w) => w.commit(),
            Writer::ClickHouse(w) => w.commit(),
        }
    }
}
