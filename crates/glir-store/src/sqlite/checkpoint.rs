use crate::error::{Context, StoreError};
use crate::sqlite::row::micros;
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) fn get(conn: &Connection, scope: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM checkpoints WHERE scope = ?1",
            [scope],
            |row| row.get(0),
        )
        .optional()
        .context("cannot read checkpoint")?;
    text.map(|text| {
        serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
            what: format!("checkpoint `{scope}` (not JSON)"),
        })
    })
    .transpose()
}

pub(crate) fn set(
    conn: &Connection,
    scope: &str,
    value: &serde_json::Value,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO checkpoints (scope, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (scope) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .and_then(|mut stmt| stmt.execute(params![scope, value.to_string(), micros(jiff::Timestamp::now())]))
    .context("cannot store checkpoint")?;
    Ok(())
}
