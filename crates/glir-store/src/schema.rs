//! Versioned schema: an ordered list of SQL steps, step N taking the file to `user_version` N.
//! Steps are append-only: never edit one that has shipped, add a new one.

use crate::error::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// The schema version this glir writes and the newest it can read.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

const MIGRATIONS: &[&str] = &[V1];

/// Events keep the canonical columns for filtering plus the untouched record text. `created_at`
/// is microseconds since the Unix epoch so it sorts and compares as an integer. Each lookup
/// index ends in `created_at` so "timeline of X" is a range scan in time order, not a sort.
const V1: &str = "
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    layout          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    event_type      TEXT,
    author_id       INTEGER,
    author_name     TEXT COLLATE NOCASE,
    author_email    TEXT COLLATE NOCASE,
    entity_id       INTEGER,
    entity_type     TEXT,
    entity_path     TEXT,
    target_id       TEXT,
    target_type     TEXT,
    target_details  TEXT,
    ip_address      TEXT,
    change          TEXT,
    change_from     TEXT,
    change_to       TEXT,
    custom_message  TEXT,
    details         TEXT NOT NULL,
    raw             TEXT NOT NULL,
    UNIQUE (source, created_at, event_id)
);
CREATE INDEX events_by_time         ON events (created_at);
CREATE INDEX events_by_author_name  ON events (author_name, created_at);
CREATE INDEX events_by_author_id    ON events (author_id, created_at);
CREATE INDEX events_by_author_email ON events (author_email, created_at);
CREATE INDEX events_by_ip           ON events (ip_address, created_at);
CREATE INDEX events_by_entity_path  ON events (entity_path, created_at);
CREATE INDEX events_by_entity_id    ON events (entity_id, created_at);
CREATE INDEX events_by_target_type  ON events (target_type, created_at);
CREATE INDEX events_by_event_type   ON events (event_type, created_at);

CREATE TABLE checkpoints (
    scope       TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
";

pub(crate) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the file to [`LATEST_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_with(conn, MIGRATIONS)
}

/// Runs the steps the file has not seen yet, each in its own transaction together with the
/// version bump, so a failed step leaves the file at the previous version. `IMMEDIATE` takes the
/// write lock before reading the version: two processes opening a new store do not both migrate.
fn migrate_with(conn: &mut Connection, steps: &[&str]) -> Result<(), StoreError> {
    let max = steps.len() as u32;
    let found = version(conn).map_err(|source| StoreError::Migrate { version: 0, source })?;
    if found > max {
        return Err(StoreError::TooNew { found, max });
    }
    for (index, sql) in steps.iter().enumerate().skip(found as usize) {
        let target = index as u32 + 1;
        let err = |source| StoreError::Migrate {
            version: target,
            source,
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        if version(&tx).map_err(err)? >= target {
            continue;
        }
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", target)
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_columns(conn: &Connection, table: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .expect("prepare");
        stmt.query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn a_v1_database_is_migrated_forward_keeping_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v1.sqlite");
        {
            let mut conn = Connection::open(&path).expect("open");
            migrate_with(&mut conn, &MIGRATIONS[..1]).expect("v1");
            assert_eq!(version(&conn).expect("version"), 1);
            conn.execute(
                "INSERT INTO events (source, event_id, layout, created_at, details, raw)
                 VALUES ('h', '1', 'rest', 0, '{}', '{}')",
                [],
            )
            .expect("insert");
        }
        // A later release adds a step; opening the v1 file must run exactly that step.
        let v2 = "ALTER TABLE events ADD COLUMN note TEXT; CREATE INDEX events_by_note ON events (note);";
        let steps = [MIGRATIONS[0], v2];
        let mut conn = Connection::open(&path).expect("reopen");
        migrate_with(&mut conn, &steps).expect("v2");
        assert_eq!(version(&conn).expect("version"), 2);
        assert!(table_columns(&conn, "events").contains(&"note".to_owned()));
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM events", [], |row| row.get(0))
            .expect("count");
        assert_eq!(rows, 1);
        // Re-running is a no-op, not a "duplicate column" error.
        migrate_with(&mut conn, &steps).expect("idempotent");
    }

    #[test]
    fn a_failing_step_leaves_the_previous_version() {
        let mut conn = Connection::open_in_memory().expect("open");
        let steps = [MIGRATIONS[0], "CREATE TABLE events (x);"];
        let err = migrate_with(&mut conn, &steps).expect_err("v2 must fail");
        assert!(
            matches!(err, StoreError::Migrate { version: 2, .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("cannot migrate store to schema version 2: ")
        );
        assert_eq!(version(&conn).expect("version"), 1);
    }
}
