use crate::error::{Context, StoreError};
use crate::sqlite::dict::{self, Dicts};
use crate::sqlite::postings::Postings;
use crate::sqlite::row::micros;
pub use crate::stats::InsertStats;
use glir_events::EventRef;
use rusqlite::{Connection, params};

/// `ON CONFLICT` names the one constraint that means "already stored"; `INSERT OR IGNORE` would
/// also swallow any other constraint failure and miscount it as a duplicate. `OR FAIL` makes any
/// other failure end the statement where it is instead of undoing it: a one-row insert fails
/// before writing anything, and SQLite then needs no statement journal, which copied every page
/// the insert touched (sqlite.org/lang_conflict.html; `usesStmtJournal` in src/insert.c).
/// The caller's transaction rolls back on any error anyway.
const INSERT: &str = "
INSERT OR FAIL INTO events (
    created_at, source_ref, event_id, layout, event_type_ref, author_ref, entity_ref, ip_ref,
    target_type_ref, target_id, target_details, change, change_from, change_to, custom_message,
    details, raw
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
ON CONFLICT (created_at, event_id) DO NOTHING";

/// The row an event already stored under its identity, and the source it first came from.
const STORED: &str = "SELECT id, source_ref FROM events WHERE created_at = ?1 AND event_id = ?2";

/// Another source that delivered a stored event (schema v5).
const ALSO_FROM: &str = "INSERT OR IGNORE INTO event_sources (event, source_ref) VALUES (?1, ?2)";

/// Inserts within the caller's transaction through one cached prepared statement; the lookup
/// postings of new events are buffered in `postings`, to be flushed before the commit.
pub(crate) fn insert_all<'a>(
    conn: &Connection,
    dicts: &mut Dicts,
    postings: &mut Postings,
    events: impl IntoIterator<Item = EventRef<'a>>,
    mut each: impl FnMut(bool),
) -> Result<InsertStats, StoreError> {
    let mut stmt = conn
        .prepare_cached(INSERT)
        .context("cannot prepare the event insert")?;
    let mut stats = InsertStats::default();
    for e in events {
        let refs =
            Refs::resolve(conn, dicts, &e).context("cannot record event dictionary values")?;
        let created_at = micros(e.created_at);
        let changed = stmt
            .execute(params![
                created_at,
                refs.source,
                e.event_id,
                e.layout.as_str(),
                refs.event_type,
                refs.author,
                refs.entity,
                refs.ip,
                refs.target_type,
                e.target_id,
                e.target_details,
                e.change,
                e.from,
                e.to,
                e.custom_message,
                stored_details(&e),
                e.raw,
            ])
            .context("cannot insert events")?;
        each(changed != 0);
        if changed == 0 {
            stats.duplicates += 1;
            also_from(conn, created_at, e.event_id, refs.source)
                .context("cannot record another source of a stored event")?;
        } else {
            stats.inserted += 1;
            let refs = [
                refs.author,
                refs.entity,
                refs.ip,
                refs.target_type,
                refs.event_type,
            ];
            postings
                .add(conn, refs, created_at, conn.last_insert_rowid())
                .context("cannot record event lookup postings")?;
        }
    }
    Ok(stats)
}

/// Records that `source` delivered the stored event too, unless it is the one it came from.
/// Only duplicates pay for this lookup; new events are inserted without one.
fn also_from(
    conn: &Connection,
    created_at: i64,
    event_id: &str,
    source: i64,
) -> rusqlite::Result<()> {
    let (row, first): (i64, i64) = conn
        .prepare_cached(STORED)?
        .query_row(params![created_at, event_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if first != source {
        conn.prepare_cached(ALSO_FROM)?
            .execute(params![row, source])?;
    }
    Ok(())
}

/// The dictionary references of one event.
struct Refs {
    source: i64,
    event_type: Option<i64>,
    author: Option<i64>,
    entity: Option<i64>,
    ip: Option<i64>,
    target_type: Option<i64>,
}

impl Refs {
    fn resolve(conn: &Connection, dicts: &mut Dicts, e: &EventRef<'_>) -> rusqlite::Result<Refs> {
        let source = dicts
            .terms
            .resolve(conn, (Some(dict::SOURCE), Some(e.source), None))?;
        let mut term = |kind: i64, value: Option<&str>| {
            value
                .map(|value| dicts.terms.resolve(conn, (Some(kind), Some(value), None)))
                .transpose()
        };
        let event_type = term(dict::EVENT_TYPE, e.event_type)?;
        let ip = term(dict::IP, e.ip_address)?;
        let target_type = term(dict::TARGET_TYPE, e.target_type)?;
        let author = (e.author_id, e.author_name, e.author_email);
        let author = (author != (None, None, None))
            .then(|| dicts.authors.resolve(conn, author))
            .transpose()?;
        let entity = (e.entity_id, e.entity_type, e.entity_path);
        let entity = (entity != (None, None, None))
            .then(|| dicts.entities.resolve(conn, entity))
            .transpose()?;
        Ok(Refs {
            source,
            event_type,
            author,
            entity,
            ip,
            target_type,
        })
    }
}

/// Only log lines' details are stored (the parser builds them); REST and stream details are read
/// back from `raw`.
fn stored_details(e: &EventRef<'_>) -> Option<String> {
    e.layout.is_flat().then(|| e.details.to_json_string())
}
