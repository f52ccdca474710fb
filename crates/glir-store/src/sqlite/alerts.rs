//! Stored detection alerts. The store knows nothing of Sigma: an alert arrives as plain fields
//! ([`glir_events::Alert`]).

pub use crate::alerts::AlertFilter;
use crate::error::{Context, StoreError};
use crate::sqlite::insert::InsertStats;
use crate::sqlite::row::micros;
use glir_events::Alert;
use jiff::Timestamp;
use rusqlite::{Connection, params};

pub(crate) fn insert(conn: &Connection, alerts: &[Alert]) -> Result<InsertStats, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO alerts (rule_id, title, level, tags, event_ids, actor, time, reason, detected_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (rule_id, event_ids) DO NOTHING",
        )
        .context("cannot prepare the alert insert")?;
    let now = micros(Timestamp::now());
    let mut stats = InsertStats::default();
    for a in alerts {
        let tags = serde_json::to_string(&a.tags).expect("strings serialize");
        let events = serde_json::to_string(&a.event_ids).expect("strings serialize");
        let changed = stmt
            .execute(params![
                a.rule_id,
                a.title,
                a.level,
                tags,
                events,
                a.actor,
                micros(a.time),
                a.reason,
                now
            ])
            .context("cannot store alerts")?;
        if changed == 0 {
            stats.duplicates += 1;
        } else {
            stats.inserted += 1;
        }
    }
    Ok(stats)
}

pub(crate) fn query(conn: &Connection, f: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
    let mut sql = String::from(
        "SELECT rule_id, title, level, tags, event_ids, actor, time, reason FROM alerts WHERE 1 = 1",
    );
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(t) = f.since {
        sql.push_str(" AND time >= ?");
        values.push(micros(t).into());
    }
    if let Some(t) = f.until {
        sql.push_str(" AND time < ?");
        values.push(micros(t).into());
    }
    if let Some(rule) = &f.rule_id {
        sql.push_str(" AND rule_id = ?");
        values.push(rule.clone().into());
    }
    sql.push_str(" ORDER BY time, id");
    if let Some(limit) = f.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    let mut stmt = conn.prepare(&sql).context("cannot read alerts")?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(values), |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, i64>(6)?,
                row.get::<_, String>(7)?,
            ))
        })
        .context("cannot read alerts")?;
    let mut out = Vec::new();
    for row in rows {
        let (rule_id, title, level, tags, events, actor, time, reason) =
            row.context("cannot read alerts")?;
        let corrupt = |what: &str| StoreError::Corrupt {
            what: format!("alert of rule {rule_id}: {what}"),
        };
        out.push(Alert {
            tags: serde_json::from_str(&tags).map_err(|_| corrupt("tags are not a JSON list"))?,
            event_ids: serde_json::from_str(&events)
                .map_err(|_| corrupt("event ids are not a JSON list"))?,
            time: Timestamp::from_microsecond(time).map_err(|_| corrupt("time out of range"))?,
            rule_id,
            title,
            level,
            actor,
            reason,
        });
    }
    Ok(out)
}
