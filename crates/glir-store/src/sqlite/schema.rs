//! Versioned schema: an ordered list of SQL steps, step N taking the file to `user_version` N.
//! Steps are append-only: never edit one that has shipped, add a new one.

use crate::error::StoreError;
use rusqlite::{Connection, TransactionBehavior};

/// The schema version this glir writes and the newest it can read.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// Events keep their filterable values as references into small dictionaries, the other
/// canonical fields as text, and the untouched record.
///
/// - `created_at` is microseconds since the Unix epoch, so it sorts and compares as an integer.
/// - `authors` holds each distinct (author_id, name, email), `entities` each (entity_id,
///   entity_type, path), `terms` the sources, event types, target types and IPs. An actor or
///   entity filter first finds the matching dictionary rows, then walks one integer index of
///   `events`; integer keys are far cheaper to maintain on insert than text ones.
/// - `details` is NULL for REST and stream events: for them it is by definition the record's own
///   `details` member, read back from `raw`; storing it twice cost a quarter of the row. Only
///   audit_json.log events, whose details are the leftover flat fields, store it.
/// - The identity key leads with `created_at`: GitLab re-delivers an event with the same id and
///   the same `created_at`, and a time-first key is appended to instead of being written at
///   random (stream-only events have UUID ids), which keeps inserts fast as the table grows. It
///   doubles as the time index.
/// - Each lookup index ends in `created_at`, so "timeline of X" is an index range scan already
///   in time order. (V4 moves these indexes into posting tables of the same shape.)
/// - `events_view` shows events with their dictionary values, for people querying with sqlite3.
const V1: &str = "
CREATE TABLE terms (
    id      INTEGER PRIMARY KEY,
    kind    INTEGER NOT NULL,
    value   TEXT NOT NULL,
    UNIQUE (kind, value)
);
CREATE TABLE authors (
    id          INTEGER PRIMARY KEY,
    author_id   INTEGER,
    name        TEXT,
    email       TEXT
);
CREATE INDEX authors_by_identity ON authors (author_id, name, email);
CREATE INDEX authors_by_name     ON authors (name COLLATE NOCASE);
CREATE INDEX authors_by_email    ON authors (email COLLATE NOCASE);
CREATE TABLE entities (
    id          INTEGER PRIMARY KEY,
    entity_id   INTEGER,
    entity_type TEXT,
    path        TEXT
);
CREATE INDEX entities_by_identity ON entities (entity_id, entity_type, path);
CREATE INDEX entities_by_path     ON entities (path);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    source_ref      INTEGER NOT NULL,
    event_id        TEXT NOT NULL,
    layout          TEXT NOT NULL,
    event_type_ref  INTEGER,
    author_ref      INTEGER,
    entity_ref      INTEGER,
    ip_ref          INTEGER,
    target_type_ref INTEGER,
    target_id       TEXT,
    target_details  TEXT,
    change          TEXT,
    change_from     TEXT,
    change_to       TEXT,
    custom_message  TEXT,
    details         TEXT,
    raw             TEXT NOT NULL,
    UNIQUE (created_at, source_ref, event_id)
);
CREATE INDEX events_by_author      ON events (author_ref, created_at)      WHERE author_ref IS NOT NULL;
CREATE INDEX events_by_entity      ON events (entity_ref, created_at)      WHERE entity_ref IS NOT NULL;
CREATE INDEX events_by_ip          ON events (ip_ref, created_at)          WHERE ip_ref IS NOT NULL;
CREATE INDEX events_by_target_type ON events (target_type_ref, created_at) WHERE target_type_ref IS NOT NULL;
CREATE INDEX events_by_event_type  ON events (event_type_ref, created_at)  WHERE event_type_ref IS NOT NULL;

CREATE VIEW events_view AS
SELECT e.id, s.value AS source, e.event_id, e.layout,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.created_at / 1e6, 'unixepoch') AS created_at,
       et.value AS event_type, a.author_id, a.name AS author_name, a.email AS author_email,
       en.entity_id, en.entity_type, en.path AS entity_path, e.target_id, tt.value AS target_type,
       e.target_details, ip.value AS ip_address, e.change, e.change_from, e.change_to,
       e.custom_message, coalesce(e.details, e.raw -> '$.details') AS details, e.raw
FROM events e
JOIN terms s ON s.id = e.source_ref
LEFT JOIN terms et ON et.id = e.event_type_ref
LEFT JOIN authors a ON a.id = e.author_ref
LEFT JOIN entities en ON en.id = e.entity_ref
LEFT JOIN terms tt ON tt.id = e.target_type_ref
LEFT JOIN terms ip ON ip.id = e.ip_ref;

CREATE TABLE checkpoints (
    scope       TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
";

/// Detection alerts, kept for playbooks and reports. The identity of an alert is its rule and
/// the exact set of events it matched, so running the detections again adds nothing twice.
const V2: &str = "
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    rule_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    level       TEXT NOT NULL,
    tags        TEXT NOT NULL,
    event_ids   TEXT NOT NULL,
    actor       TEXT,
    time        INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    detected_at INTEGER NOT NULL,
    UNIQUE (rule_id, event_ids)
);
CREATE INDEX alerts_by_time ON alerts (time);
";

/// Which stored rows belong to which incident case: events in its scope, its alerts, findings
/// and actions. `ref` is the row's natural key (event id, alert rule and events, finding key,
/// journal hash), so linking twice adds nothing.
const V3: &str = "
CREATE TABLE case_links (
    case_name TEXT NOT NULL,
    kind      TEXT NOT NULL,
    ref       TEXT NOT NULL,
    PRIMARY KEY (case_name, kind, ref)
) WITHOUT ROWID;
";

/// Lookup postings replace the five lookup indexes of `events` (see `postings.rs`): the same
/// (value, created_at, row) keys, in WITHOUT ROWID tables the writer fills in sorted order once
/// per transaction instead of one random index leaf per row. Existing rows are carried over.
const V4: &str = "
CREATE TABLE postings_author (
    ref INTEGER NOT NULL, created_at INTEGER NOT NULL, event INTEGER NOT NULL,
    PRIMARY KEY (ref, created_at, event)
) WITHOUT ROWID;
CREATE TABLE postings_entity (
    ref INTEGER NOT NULL, created_at INTEGER NOT NULL, event INTEGER NOT NULL,
    PRIMARY KEY (ref, created_at, event)
) WITHOUT ROWID;
CREATE TABLE postings_ip (
    ref INTEGER NOT NULL, created_at INTEGER NOT NULL, event INTEGER NOT NULL,
    PRIMARY KEY (ref, created_at, event)
) WITHOUT ROWID;
CREATE TABLE postings_target_type (
    ref INTEGER NOT NULL, created_at INTEGER NOT NULL, event INTEGER NOT NULL,
    PRIMARY KEY (ref, created_at, event)
) WITHOUT ROWID;
CREATE TABLE postings_event_type (
    ref INTEGER NOT NULL, created_at INTEGER NOT NULL, event INTEGER NOT NULL,
    PRIMARY KEY (ref, created_at, event)
) WITHOUT ROWID;
INSERT INTO postings_author SELECT author_ref, created_at, id FROM events
    WHERE author_ref IS NOT NULL ORDER BY 1, 2, 3;
INSERT INTO postings_entity SELECT entity_ref, created_at, id FROM events
    WHERE entity_ref IS NOT NULL ORDER BY 1, 2, 3;
INSERT INTO postings_ip SELECT ip_ref, created_at, id FROM events
    WHERE ip_ref IS NOT NULL ORDER BY 1, 2, 3;
INSERT INTO postings_target_type SELECT target_type_ref, created_at, id FROM events
    WHERE target_type_ref IS NOT NULL ORDER BY 1, 2, 3;
INSERT INTO postings_event_type SELECT event_type_ref, created_at, id FROM events
    WHERE event_type_ref IS NOT NULL ORDER BY 1, 2, 3;
DROP INDEX events_by_author;
DROP INDEX events_by_entity;
DROP INDEX events_by_ip;
DROP INDEX events_by_target_type;
DROP INDEX events_by_event_type;
";

/// One GitLab event is one row whichever way it arrived: the REST API, the stream and a
/// current `audit_json.log` line all carry the audit event's database id and its `created_at`,
/// so the identity drops the source (`UNIQUE (created_at, event_id)`). Ingesting a case's own
/// audit file into the store that collected it used to double every event. Ids of two instances
/// would have to meet in the same millisecond to collide, and content-hashed ids (old log lines)
/// cannot. The row keeps the source it first came from; `event_sources` lists the others, so a
/// source filter still finds an event that another source delivered first.
///
/// Existing duplicates are merged into the oldest row (their sources recorded, their postings
/// dropped), and `events` is rebuilt, because SQLite cannot drop a table constraint
/// (sqlite.org/lang_altertable.html#otheralter). Alerts and case links name events by GitLab
/// id, so they need no change.
const V5: &str = "
CREATE TABLE event_sources (
    event      INTEGER NOT NULL,
    source_ref INTEGER NOT NULL,
    PRIMARY KEY (event, source_ref)
) WITHOUT ROWID;
CREATE TEMP TABLE merged AS
    SELECT e.id AS dup, k.keep AS keep, e.source_ref AS source_ref
    FROM events e
    JOIN (SELECT created_at, event_id, MIN(id) AS keep FROM events
          GROUP BY created_at, event_id HAVING COUNT(*) > 1) k
      ON e.created_at = k.created_at AND e.event_id = k.event_id
    WHERE e.id <> k.keep;
INSERT OR IGNORE INTO event_sources
    SELECT m.keep, m.source_ref FROM merged m JOIN events e ON e.id = m.keep
    WHERE m.source_ref <> e.source_ref;
DELETE FROM postings_author      WHERE event IN (SELECT dup FROM temp.merged);
DELETE FROM postings_entity      WHERE event IN (SELECT dup FROM temp.merged);
DELETE FROM postings_ip          WHERE event IN (SELECT dup FROM temp.merged);
DELETE FROM postings_target_type WHERE event IN (SELECT dup FROM temp.merged);
DELETE FROM postings_event_type  WHERE event IN (SELECT dup FROM temp.merged);
DROP VIEW events_view;
CREATE TABLE events_v5 (
    id              INTEGER PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    source_ref      INTEGER NOT NULL,
    event_id        TEXT NOT NULL,
    layout          TEXT NOT NULL,
    event_type_ref  INTEGER,
    author_ref      INTEGER,
    entity_ref      INTEGER,
    ip_ref          INTEGER,
    target_type_ref INTEGER,
    target_id       TEXT,
    target_details  TEXT,
    change          TEXT,
    change_from     TEXT,
    change_to       TEXT,
    custom_message  TEXT,
    details         TEXT,
    raw             TEXT NOT NULL,
    UNIQUE (created_at, event_id)
);
INSERT INTO events_v5 SELECT * FROM events WHERE id NOT IN (SELECT dup FROM temp.merged)
    ORDER BY id;
DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;
DROP TABLE temp.merged;
CREATE VIEW events_view AS
SELECT e.id, s.value AS source, e.event_id, e.layout,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.created_at / 1e6, 'unixepoch') AS created_at,
       et.value AS event_type, a.author_id, a.name AS author_name, a.email AS author_email,
       en.entity_id, en.entity_type, en.path AS entity_path, e.target_id, tt.value AS target_type,
       e.target_details, ip.value AS ip_address, e.change, e.change_from, e.change_to,
       e.custom_message, coalesce(e.details, e.raw -> '$.details') AS details, e.raw
FROM events e
JOIN terms s ON s.id = e.source_ref
LEFT JOIN terms et ON et.id = e.event_type_ref
LEFT JOIN authors a ON a.id = e.author_ref
LEFT JOIN entities en ON en.id = e.entity_ref
LEFT JOIN terms tt ON tt.id = e.target_type_ref
LEFT JOIN terms ip ON ip.id = e.ip_ref;
";

/// Secret-scan findings, merged from many runs: the shards of one scan, a scan run again. The
/// key is the caller's (for `glir scan`, a finding's location fingerprint: the same secret in
/// the same place), so a finding stored twice is one row, the first written; the record is
/// the caller's text (the finding's JSON, which holds no plaintext).
const V6: &str = "
CREATE TABLE findings (
    key      TEXT PRIMARY KEY,
    record   TEXT NOT NULL,
    found_at INTEGER NOT NULL
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
                "INSERT INTO events (source_ref, event_id, layout, created_at, raw)
                 VALUES (1, '1', 'rest', 0, '{}')",
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
    fn v4_moves_the_lookup_indexes_into_postings_of_the_stored_events() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate_with(&mut conn, &MIGRATIONS[..3]).expect("v3");
        conn.execute_batch(
            "INSERT INTO events (id, source_ref, event_id, layout, created_at, raw, author_ref,
                                 entity_ref, ip_ref, target_type_ref, event_type_ref)
             VALUES (5, 1, 'a', 'stream', 200, '{}', 3, NULL, 8, NULL, 9),
                    (6, 1, 'b', 'stream', 100, '{}', 3, 4, NULL, NULL, 9);",
        )
        .expect("v3 rows");
        migrate(&mut conn).expect("v4");
        let postings = |table: &str| -> Vec<(i64, i64, i64)> {
            let mut stmt = conn
                .prepare(&format!("SELECT ref, created_at, event FROM {table}"))
                .expect("prepare");
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        assert_eq!(postings("postings_author"), [(3, 100, 6), (3, 200, 5)]);
        assert_eq!(postings("postings_entity"), [(4, 100, 6)]);
        assert_eq!(postings("postings_ip"), [(8, 200, 5)]);
        assert_eq!(postings("postings_target_type"), []);
        assert_eq!(postings("postings_event_type"), [(9, 100, 6), (9, 200, 5)]);
        let lookup_indexes: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'events_by_%'",
                [],
                |row| row.get(0),
            )
            .expect("indexes");
        assert_eq!(lookup_indexes, 0, "v4 writes postings instead of indexes");
    }

    #[test]
    fn v5_merges_one_event_stored_under_two_sources_into_its_first_row() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate_with(&mut conn, &MIGRATIONS[..4]).expect("v4");
        // Rows 1 and 3 are one GitLab event (same id and time) from sources 1 and 2; row 2 is
        // another event; row 4 has row 1's id at another time, so it is another event.
        conn.execute_batch(
            "INSERT INTO events (id, source_ref, event_id, layout, created_at, raw, author_ref)
             VALUES (1, 1, '77', 'rest', 100, '{}', 5),
                    (2, 1, '78', 'rest', 100, '{}', 5),
                    (3, 2, '77', 'audit_log', 100, '{}', 6),
                    (4, 2, '77', 'audit_log', 200, '{}', 6);
             INSERT INTO postings_author VALUES (5, 100, 1), (5, 100, 2), (6, 100, 3), (6, 200, 4);
             INSERT INTO terms (id, kind, value) VALUES (1, 0, 'gitlab.example.test'), (2, 0, 'local');",
        )
        .expect("v4 rows");
        migrate(&mut conn).expect("v5");
        let ids = |sql: &str| -> Vec<i64> {
            let mut stmt = conn.prepare(sql).expect("prepare");
            stmt.query_map([], |row| row.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        assert_eq!(ids("SELECT id FROM events ORDER BY id"), [1, 2, 4]);
        assert_eq!(
            ids("SELECT event * 10 + source_ref FROM event_sources"),
            [12],
            "row 1 also came from source 2"
        );
        assert_eq!(
            ids("SELECT event FROM postings_author ORDER BY event"),
            [1, 2, 4]
        );
        let again = conn.execute(
            "INSERT INTO events (source_ref, event_id, layout, created_at, raw)
             VALUES (3, '77', 'stream', 100, '{}')",
            [],
        );
        assert!(again.is_err(), "the identity no longer includes the source");
        let viewed: i64 = conn
            .query_row("SELECT COUNT(*) FROM events_view", [], |row| row.get(0))
            .expect("the view is rebuilt over the new table");
        assert_eq!(viewed, 3);
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
