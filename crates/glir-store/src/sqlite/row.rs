//! Reading events back out of the `events` table.

use crate::error::{Context, StoreError};
use crate::sqlite::filter::{EventFilter, Where};
use glir_events::{AuditEvent, Layout};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Row, params_from_iter};
use serde_json::Value;

/// The canonical columns in `AuditEvent` order.
const COLUMNS: &str = "SELECT e.id, s.value, e.event_id, e.layout, e.created_at, et.value, \
    a.author_id, a.name, a.email, en.entity_id, en.entity_type, en.path, e.target_id, tt.value, \
    e.target_details, ip.value, e.change, e.change_from, e.change_to, e.custom_message, e.details, \
    e.raw";

/// Dictionary values joined back. Every join is LEFT so SQLite always drives the query from
/// `events` (or the posting table before it) and its keys.
const DICTIONARY_JOINS: &str = " \
    LEFT JOIN terms s ON s.id = e.source_ref \
    LEFT JOIN terms et ON et.id = e.event_type_ref \
    LEFT JOIN authors a ON a.id = e.author_ref \
    LEFT JOIN entities en ON en.id = e.entity_ref \
    LEFT JOIN terms tt ON tt.id = e.target_type_ref \
    LEFT JOIN terms ip ON ip.id = e.ip_ref";

/// Timestamps are stored as microseconds since the Unix epoch: GitLab writes milliseconds, and
/// an i64 of microseconds covers every year jiff can represent.
pub(crate) fn micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn query(
    conn: &Connection,
    filter: &EventFilter,
) -> Result<Vec<AuditEvent>, StoreError> {
    let Some(mut clause) = filter.resolve(conn)? else {
        return Ok(Vec::new());
    };
    let sql = select_sql(filter, &mut clause);
    let mut stmt = conn
        .prepare_cached(&sql)
        .context("cannot prepare the event query")?;
    let mut rows = stmt
        .query(params_from_iter(clause.params.iter()))
        .context("cannot query events")?;
    let mut events = Vec::new();
    while let Some(row) = rows.next().context("cannot read events")? {
        events.push(event_from_row(row)?);
    }
    Ok(events)
}

/// The events query for a resolved filter; adds the limit to the clause's parameters.
fn select_sql(filter: &EventFilter, clause: &mut Where) -> String {
    let dir = if filter.newest_first { "DESC" } else { "ASC" };
    // Ordering by the driving table's own time column lets SQLite read it in key order and stop
    // at the limit (sorting only events of the same microsecond by id).
    let time = if clause.driver.is_some() { "p" } else { "e" };
    let mut sql = format!(
        "{COLUMNS}{}{DICTIONARY_JOINS}{} ORDER BY {time}.created_at {dir}, e.event_id {dir}",
        from(clause, true),
        clause.sql
    );
    if let Some(limit) = filter.limit {
        sql.push_str(" LIMIT ?");
        clause
            .params
            .push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    }
    sql
}

pub(crate) fn count(conn: &Connection, filter: &EventFilter) -> Result<u64, StoreError> {
    let Some(clause) = filter.resolve(conn)? else {
        return Ok(0);
    };
    let sql = format!(
        "SELECT COUNT(*){}{}",
        from(&clause, clause.reads_events),
        clause.sql
    );
    let n: i64 = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(params_from_iter(clause.params.iter()), |row| row.get(0))
        })
        .context("cannot count events")?;
    Ok(n.unsigned_abs())
}

/// The FROM clause: `events`, or the driving posting table joined to it when `events` is read.
/// CROSS JOIN keeps the posting table as the outer loop (sqlite.org/optoverview.html#crossjoin).
fn from(clause: &Where, reads_events: bool) -> String {
    match clause.driver {
        Some(table) if reads_events => {
            format!(" FROM {table} p CROSS JOIN events e ON e.id = p.event")
        }
        Some(table) => format!(" FROM {table} p"),
        None => " FROM events e".to_owned(),
    }
}

fn event_from_row(row: &Row<'_>) -> Result<AuditEvent, StoreError> {
    let read = "cannot read events";
    let rowid: i64 = row.get(0).context(read)?;
    let corrupt = |what: &str| StoreError::Corrupt {
        what: format!("{what} of event rowid {rowid}"),
    };
    let layout: String = row.get(3).context(read)?;
    let layout: Layout = layout.parse().map_err(|_| corrupt("layout"))?;
    let created_at: i64 = row.get(4).context(read)?;
    let created_at =
        jiff::Timestamp::from_microsecond(created_at).map_err(|_| corrupt("timestamp"))?;
    let raw: String = row.get(21).context(read)?;
    let details: Option<String> = row.get(20).context(read)?;
    let details = match details {
        Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("details (not JSON)"))?,
        None => details_of(&raw).ok_or_else(|| corrupt("raw record (not a JSON object)"))?,
    };
    Ok(AuditEvent {
        source: row.get(1).context(read)?,
        event_id: row.get(2).context(read)?,
        layout,
        created_at,
        event_type: row.get(5).context(read)?,
        author_id: row.get(6).context(read)?,
        author_name: row.get(7).context(read)?,
        author_email: row.get(8).context(read)?,
        entity_id: row.get(9).context(read)?,
        entity_type: row.get(10).context(read)?,
        entity_path: row.get(11).context(read)?,
        target_id: row.get(12).context(read)?,
        target_type: row.get(13).context(read)?,
        target_details: row.get(14).context(read)?,
        ip_address: row.get(15).context(read)?,
        change: row.get(16).context(read)?,
        from: row.get(17).context(read)?,
        to: row.get(18).context(read)?,
        custom_message: row.get(19).context(read)?,
        details,
        raw,
    })
}

/// The `details` member of a REST or stream record, as the parser would have taken it: absent
/// means an empty object, so the round trip matches `glir_events::parse_event`.
fn details_of(raw: &str) -> Option<Value> {
    match serde_json::from_str::<Value>(raw).ok()? {
        Value::Object(mut map) => Some(
            map.remove("details")
                .unwrap_or_else(|| Value::Object(serde_json::Map::new())),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan of `filter`, one line per step, on an empty store with one author.
    fn plan(filter: &EventFilter) -> Vec<String> {
        let mut conn = Connection::open_in_memory().expect("open");
        crate::sqlite::schema::migrate(&mut conn).expect("migrate");
        conn.execute(
            "INSERT INTO authors (author_id, name, email) VALUES (7, 'Mallory Quiet', NULL)",
            [],
        )
        .expect("author");
        let mut clause = filter.resolve(&conn).expect("resolve").expect("matches");
        let sql = select_sql(filter, &mut clause);
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        stmt.query_map(params_from_iter(clause.params.iter()), |row| row.get(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("plan rows")
    }

    #[test]
    fn an_actor_timeline_is_a_range_of_its_posting_table_in_time_order() {
        for newest_first in [false, true] {
            let filter = EventFilter {
                actor: Some("mallory quiet".into()),
                since: Some("2025-01-01T00:00:00Z".parse().expect("time")),
                limit: Some(1000),
                newest_first,
                ..Default::default()
            };
            let plan = plan(&filter);
            assert!(
                plan[0].starts_with("SEARCH p USING PRIMARY KEY (ref=? AND created_at>?)"),
                "{plan:?}"
            );
            assert!(
                plan[1].contains("SEARCH e USING INTEGER PRIMARY KEY"),
                "{plan:?}"
            );
            // Only ties within one microsecond are sorted; time order comes from the key.
            assert!(
                !plan
                    .iter()
                    .any(|step| step == "USE TEMP B-TREE FOR ORDER BY"),
                "{plan:?}"
            );
        }
    }
}
