//! Stored secret-scan findings, keyed by the caller's key (see `Store::insert_findings`).

use super::sql::quote;
use super::{ClickHouseStore, RecordRow, first_wins_version, parse};
use crate::error::StoreError;
use crate::stats::InsertStats;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::HashSet;

impl ClickHouseStore {
    /// Stores findings as one `INSERT`; a key already stored is a duplicate. Two writers racing
    /// on one key both write it, and `FINAL` keeps the first written.
    pub fn insert_findings(
        &mut self,
        findings: &[(String, String)],
    ) -> Result<InsertStats, StoreError> {
        let literals: Vec<String> = findings.iter().map(|(key, _)| quote(key)).collect();
        let mut stored: HashSet<String> = self
            .stored_keys::<KeyRow>("cannot look findings up", "findings", "key", &literals)?
            .into_iter()
            .map(|row| row.key)
            .collect();
        let now = Timestamp::now().as_microsecond();
        let version = first_wins_version();
        let mut stats = InsertStats::default();
        let mut body = Vec::new();
        for (key, record) in findings {
            if !stored.insert(key.clone()) {
                stats.duplicates += 1;
                continue;
            }
            stats.inserted += 1;
            let row = serde_json::json!({
                "key": key,
                "record": record,
                "found_us": now,
                "version": version,
            });
            serde_json::to_writer(&mut body, &row).expect("a row serializes");
            body.push(b'\n');
        }
        self.http.insert(
            "cannot store findings",
            &format!("{}.findings", self.db),
            &body,
        )?;
        Ok(stats)
    }

    /// Every stored finding's record, in key order.
    pub fn query_findings(&self) -> Result<Vec<String>, StoreError> {
        let mut records = Vec::new();
        self.http.query_lines(
            "cannot read findings",
            &format!(
                "SELECT record FROM {}.findings FINAL ORDER BY key FORMAT JSONEachRow",
                self.db
            ),
            |line| {
                let row: RecordRow = parse(line, "finding row")?;
                records.push(row.record);
                Ok(())
            },
        )?;
        Ok(records)
    }
}

#[derive(Deserialize)]
struct KeyRow {
    key: String,
}
