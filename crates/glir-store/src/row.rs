//! Reading events back out of the `events` table.

use crate::error::{Context, StoreError};
use crate::filter::EventFilter;
use glir_events::{AuditEvent, Layout};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Row, params_from_iter};

const COLUMNS: &str = "id, source, event_id, layout, created_at, event_type, author_id, \
    author_name, author_email, entity_id, entity_type, entity_path, target_id, target_type, \
    target_details, ip_address, change, change_from, change_to, custom_message, details, raw";

/// Timestamps are stored as microseconds since the Unix epoch: GitLab writes milliseconds, and
/// an i64 of microseconds covers every year jiff can represent.
pub(crate) fn micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn query(
    conn: &Connection,
    filter: &EventFilter,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut clause = filter.to_where();
    let dir = if filter.newest_first { "DESC" } else { "ASC" };
    let mut sql = format!(
        "SELECT {COLUMNS} FROM events{} ORDER BY created_at {dir}, event_id {dir}",
        clause.sql
    );
    if let Some(limit) = filter.limit {
        sql.push_str(" LIMIT ?");
        clause
            .params
            .push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    }
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

pub(crate) fn count(conn: &Connection, filter: &EventFilter) -> Result<u64, StoreError> {
    let clause = filter.to_where();
    let sql = format!("SELECT COUNT(*) FROM events{}", clause.sql);
    let n: i64 = conn
        .prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(params_from_iter(clause.params.iter()), |row| row.get(0))
        })
        .context("cannot count events")?;
    Ok(n.unsigned_abs())
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
    let details: String = row.get(20).context(read)?;
    let details = serde_json::from_str(&details).map_err(|_| corrupt("details (not JSON)"))?;
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
        raw: row.get(21).context(read)?,
    })
}
