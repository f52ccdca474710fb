use crate::error::{Context, StoreError};
use crate::row::micros;
use glir_events::AuditEvent;
use rusqlite::{Connection, params};
use std::ops::AddAssign;

/// What one insert call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InsertStats {
    /// Events newly stored.
    pub inserted: u64,
    /// Events skipped because `(source, event_id)` was already stored.
    pub duplicates: u64,
}

impl AddAssign for InsertStats {
    fn add_assign(&mut self, other: InsertStats) {
        self.inserted += other.inserted;
        self.duplicates += other.duplicates;
    }
}

/// `ON CONFLICT` names the one constraint that means "already stored"; `INSERT OR IGNORE` would
/// also swallow any other constraint failure and miscount it as a duplicate.
const INSERT: &str = "
INSERT INTO events (
    source, event_id, layout, created_at, event_type, author_id, author_name, author_email,
    entity_id, entity_type, entity_path, target_id, target_type, target_details, ip_address,
    change, change_from, change_to, custom_message, details, raw
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
ON CONFLICT (source, created_at, event_id) DO NOTHING";

/// Inserts within the caller's transaction through one cached prepared statement.
pub(crate) fn insert_all(
    conn: &Connection,
    events: &[AuditEvent],
) -> Result<InsertStats, StoreError> {
    let mut stmt = conn
        .prepare_cached(INSERT)
        .context("cannot prepare the event insert")?;
    let mut stats = InsertStats::default();
    for e in events {
        let changed = stmt
            .execute(params![
                e.source,
                e.event_id,
                e.layout.as_str(),
                micros(e.created_at),
                e.event_type,
                e.author_id,
                e.author_name,
                e.author_email,
                e.entity_id,
                e.entity_type,
                e.entity_path,
                e.target_id,
                e.target_type,
                e.target_details,
                e.ip_address,
                e.change,
                e.from,
                e.to,
                e.custom_message,
                e.details.to_string(),
                e.raw,
            ])
            .context("cannot insert events")?;
        if changed == 0 {
            stats.duplicates += 1;
        } else {
            stats.inserted += 1;
        }
    }
    Ok(stats)
}
