//! Stored secret-scan findings. The store knows nothing of the scanner: a finding arrives as a
//! key and a record, both plain text.

use crate::error::{Context, StoreError};
use crate::sqlite::insert::InsertStats;
use crate::sqlite::row::micros;
use jiff::Timestamp;
use rusqlite::{Connection, params};

pub(crate) fn insert(
    conn: &Connection,
    findings: &[(String, String)],
) -> Result<InsertStats, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO findings (key, record, found_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO NOTHING",
        )
        .context("cannot prepare the finding insert")?;
    let now = micros(Timestamp::now());
    let mut stats = InsertStats::default();
    for (key, record) in findings {
        let changed = stmt
            .execute(params![key, record, now])
            .context("cannot store findings")?;
        if changed == 0 {
            stats.duplicates += 1;
        } else {
            stats.inserted += 1;
        }
    }
    Ok(stats)
}

pub(crate) fn query(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT record FROM findings ORDER BY key")
        .context("cannot read findings")?;
    let rows = stmt
        .query_map([], |row| row.get(0))
        .context("cannot read findings")?;
    rows.collect::<Result<Vec<String>, _>>()
        .context("cannot read findings")
}
