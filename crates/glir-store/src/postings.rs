//! Lookup "postings": for each filterable dimension, a table of `(ref, created_at, event)` rows
//! (schema v4) in place of an index on `events`. Rows of one transaction are buffered and written
//! sorted just before it commits, so each table is filled front to back, page after page, instead
//! of one random leaf per event: with five lookup dimensions that random index maintenance was
//! most of the cost of an insert. The shape is the one the indexes had (value, then time, then
//! the row), so "events of X in time order" is still one range scan.

use rusqlite::Connection;

/// One filterable dimension: the `events` column holding the reference and the table posting it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dimension {
    pub(crate) column: &'static str,
    pub(crate) table: &'static str,
    insert: &'static str,
}

macro_rules! dimension {
    ($column:literal, $table:literal) => {
        Dimension {
            column: concat!("e.", $column),
            table: $table,
            insert: concat!(
                "INSERT INTO ",
                $table,
                " (ref, created_at, event) VALUES (?1, ?2, ?3)"
            ),
        }
    };
}

pub(crate) const AUTHOR: Dimension = dimension!("author_ref", "postings_author");
pub(crate) const ENTITY: Dimension = dimension!("entity_ref", "postings_entity");
pub(crate) const IP: Dimension = dimension!("ip_ref", "postings_ip");
pub(crate) const TARGET_TYPE: Dimension = dimension!("target_type_ref", "postings_target_type");
pub(crate) const EVENT_TYPE: Dimension = dimension!("event_type_ref", "postings_event_type");

const ALL: [Dimension; 5] = [AUTHOR, ENTITY, IP, TARGET_TYPE, EVENT_TYPE];

/// Above this many buffered rows a writer flushes early, so a caller inserting millions of events
/// in one transaction still runs in bounded memory (24 bytes a row: ~24 MB at most).
const MAX_BUFFERED: usize = 1_000_000;

/// Rows bound to one statement execution: one step of the VM per row instead of one
/// bind-step-reset round trip each. 100 rows are 300 parameters, well under SQLite's limit.
const ROWS_PER_STATEMENT: usize = 100;

/// `dimension.insert` with [`ROWS_PER_STATEMENT`] rows of placeholders.
fn many_rows(dimension: Dimension) -> String {
    let rows = vec!["(?, ?, ?)"; ROWS_PER_STATEMENT].join(", ");
    format!(
        "INSERT INTO {} (ref, created_at, event) VALUES {rows}",
        dimension.table
    )
}

/// The dictionary references of one stored event, in [`ALL`] order.
pub(crate) type EventRefs = [Option<i64>; 5];

/// Posting rows of the open transaction not yet written.
#[derive(Default)]
pub(crate) struct Postings {
    rows: [Vec<(i64, i64, i64)>; 5],
    buffered: usize,
}

impl Postings {
    /// Records the postings of a newly stored event (`rowid`), flushing when the buffer is full.
    pub(crate) fn add(
        &mut self,
        conn: &Connection,
        refs: EventRefs,
        created_at: i64,
        rowid: i64,
    ) -> rusqlite::Result<()> {
        for (rows, value) in self.rows.iter_mut().zip(refs) {
            if let Some(value) = value {
                rows.push((value, created_at, rowid));
                self.buffered += 1;
            }
        }
        if self.buffered >= MAX_BUFFERED {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Writes every buffered row, sorted, inside the caller's transaction.
    pub(crate) fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        for (rows, dimension) in self.rows.iter_mut().zip(ALL) {
            if rows.is_empty() {
                continue;
            }
            rows.sort_unstable();
            let mut groups = rows.chunks_exact(ROWS_PER_STATEMENT);
            let mut stmt = conn.prepare_cached(&many_rows(dimension))?;
            for group in groups.by_ref() {
                let values = group.iter().flat_map(|&(a, b, c)| [a, b, c]);
                stmt.execute(rusqlite::params_from_iter(values))?;
            }
            let mut stmt = conn.prepare_cached(dimension.insert)?;
            for &row in groups.remainder() {
                stmt.execute(<[i64; 3]>::from(row))?;
            }
            rows.clear();
        }
        self.buffered = 0;
        Ok(())
    }

    /// Forgets rows of a transaction that did not commit.
    pub(crate) fn clear(&mut self) {
        self.rows.iter_mut().for_each(Vec::clear);
        self.buffered = 0;
    }
}
