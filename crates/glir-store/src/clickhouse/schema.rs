//! glir's tables in ClickHouse. Kept to SQL that ClickHouse 18.16 (Debian's package) and current
//! releases both accept: MergeTree engines with `PARTITION BY`/`ORDER BY` clauses, `Nullable`,
//! arrays, and no `JSON` type, `DateTime64` or `JSONExtract*`.
//!
//! Re-ingest is idempotent through `ReplacingMergeTree`: rows with the same sorting key collapse
//! into one when parts merge, keeping the highest `version`, and reads collapse them until then:
//! with `FINAL`, or for events by taking the highest version of each key they select
//! (<https://clickhouse.com/docs/engines/table-engines/mergetree-family/replacingmergetree>).
//! Writers check for stored keys first, so a duplicate row is only written when two writers
//! race on the same event, which reads never show.

use super::http::Http;
use crate::error::StoreError;

/// The schema version this glir writes into the `glir_schema` table. 2 added `event_idents`.
pub(crate) const VERSION: u32 = 2;

/// The identifiers of an event that filters look up (`sql.rs`), one per element, each with a
/// prefix naming what it is: `n:`/`e:` the author's name and email and `i:` its id, `a:` the
/// IP address, `p:` the entity's path and `x:` its id. Names and emails are lower-cased as
/// ASCII (ClickHouse's `lower`, SQLite's `NOCASE`), as the filters compare them.
const IDENTS: &str = "arrayJoin(arrayFilter(x -> x != '', [\
    ifNull(concat('n:', lower(author_name)), ''), \
    ifNull(concat('e:', lower(author_email)), ''), \
    ifNull(concat('i:', toString(author_id)), ''), \
    ifNull(concat('a:', ip_address), ''), \
    ifNull(concat('p:', entity_path), ''), \
    ifNull(concat('x:', toString(entity_id)), '')])) AS ident";

/// Rows per mark of `events`: reading one event's record reads its whole granule of records.
/// At ClickHouse's default (8192) a rare actor's 200 events over 10M stored read ~1.6M records
/// (~860 ms); at 512, 163 ms; at 128, 130 ms; a full scan of a column takes the same time
/// at each (docs/BENCHMARKS.md). 256 keeps the primary index at ~80 MB per billion events.
const GRANULARITY: u32 = 256;

/// Time partitions of 30 days: old months can be dropped or moved to cold storage whole.
const PARTITION: &str = "intDiv(created_us, 2592000000000)";

/// Text columns kept a second time as `<column>_folded`, computed by ClickHouse at insert
/// ([`folded`]): rules compare them case-insensitively, and a pushed-down rule then reads the
/// stored fold instead of folding every row for every rule (glir-detect `sql/text.rs`).
pub const FOLDED: &[&str] = &[
    "event_type",
    "author_name",
    "author_email",
    "entity_type",
    "entity_path",
    "target_id",
    "target_type",
    "target_details",
    "ip_address",
];

/// The expression a `<column>_folded` column holds: the text lower-cased as ASCII (ClickHouse's
/// `lower`), after the two characters whose Unicode lower case is ASCII-like (U+212A KELVIN
/// SIGN → `k`, U+0130 → `i̇`) are replaced as Rust's `to_lowercase` (rsigma's) does. glir-detect
/// writes the same expression where it folds text itself; a test there holds the two equal.
pub fn folded(column: &str) -> String {
    format!(
        "lower(replaceAll(replaceAll(ifNull({column}, ''), '\u{212A}', 'k'), '\u{130}', 'i\u{307}'))"
    )
}

pub(crate) fn create(http: &Http, db: &str) -> Result<(), StoreError> {
    let action = "cannot create glir's tables in ClickHouse";
    let folded_columns: String = FOLDED
        .iter()
        .map(|c| format!("{c}_folded String MATERIALIZED {},\n", folded(c)))
        .collect();
    http.execute(action, &format!("CREATE DATABASE IF NOT EXISTS {db}"))?;
    let tables = [
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.events (
                created_us Int64,
                event_id String,
                event_type Nullable(String),
                author_id Nullable(Int64),
                author_name Nullable(String),
                author_email Nullable(String),
                entity_id Nullable(Int64),
                entity_type Nullable(String),
                entity_path Nullable(String),
                target_id Nullable(String),
                target_type Nullable(String),
                target_details Nullable(String),
                ip_address Nullable(String),
                network String,
                created_at String,
                details_keys Array(String),
                details_values Array(String),
                details_kinds Array(UInt8),
                details_truncated UInt8,
                {folded_columns}
                source String,
                record String,
                version UInt64
            ) ENGINE = ReplacingMergeTree(version)
            PARTITION BY {PARTITION}
            ORDER BY (created_us, event_id)
            SETTINGS index_granularity = {GRANULARITY}"
        ),
        // The other sources an event came from, besides the one its row names.
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.event_sources (
                created_us Int64,
                event_id String,
                source String
            ) ENGINE = ReplacingMergeTree
            PARTITION BY {PARTITION}
            ORDER BY (created_us, event_id, source)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.alerts (
                rule_id String,
                events_digest String,
                event_ids String,
                title String,
                level String,
                tags String,
                actor Nullable(String),
                time_us Int64,
                reason String,
                detected_us Int64,
                seq UInt64,
                version UInt64
            ) ENGINE = ReplacingMergeTree(version)
            ORDER BY (rule_id, events_digest)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.checkpoints (
                scope String,
                value String,
                version UInt64
            ) ENGINE = ReplacingMergeTree(version)
            ORDER BY scope"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.case_links (
                case_name String,
                kind String,
                ref String
            ) ENGINE = ReplacingMergeTree
            ORDER BY (case_name, kind, ref)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.findings (
                key String,
                record String,
                found_us Int64,
                version UInt64
            ) ENGINE = ReplacingMergeTree(version)
            ORDER BY key"
        ),
        // Events by actor, address and entity, kept by ClickHouse as events arrive: ClickHouse
        // 18.16 has no data-skipping indexes, and a filter on a rare actor would otherwise read
        // those columns of every stored event. Filters select the keys here first (`sql.rs`).
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.event_idents (
                ident String,
                created_us Int64,
                event_id String
            ) ENGINE = ReplacingMergeTree
            ORDER BY (ident, created_us, event_id)"
        ),
        format!(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.event_idents_mv TO {db}.event_idents \
             AS SELECT {IDENTS}, created_us, event_id FROM {db}.events"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.glir_schema (
                version UInt32,
                written_us Int64
            ) ENGINE = ReplacingMergeTree
            ORDER BY version"
        ),
    ];
    for ddl in &tables {
        http.execute(action, ddl)?;
    }
    let found = version(http, db)?;
    if found > VERSION {
        return Err(StoreError::TooNew {
            found,
            max: VERSION,
        });
    }
    if found < 2 {
        // Events stored before the view existed (a store of version 1, or rows a racing writer
        // inserted while it was being created); a row indexed twice is collapsed by key.
        http.execute(
            action,
            &format!(
                "INSERT INTO {db}.event_idents SELECT {IDENTS}, created_us, event_id \
                 FROM {db}.events"
            ),
        )?;
    }
    if found < VERSION {
        http.execute(
            action,
            &format!(
                "INSERT INTO {db}.glir_schema VALUES ({VERSION}, {})",
                jiff::Timestamp::now().as_microsecond()
            ),
        )?;
    }
    Ok(())
}

/// The newest schema version recorded, 0 when none is.
pub(crate) fn version(http: &Http, db: &str) -> Result<u32, StoreError> {
    let mut found = 0;
    http.query_lines(
        "cannot read the store schema version",
        &format!("SELECT max(version) AS v FROM {db}.glir_schema FORMAT JSONEachRow"),
        |line| {
            found = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v["v"].as_u64())
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0);
            Ok(())
        },
    )?;
    Ok(found)
}
