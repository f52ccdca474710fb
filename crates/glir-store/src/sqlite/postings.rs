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
                "INSERT OR FAIL INTO ",
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

/// `dimension.insert` with [`ROWS_PER_STATEMENT`] rows of placeholders. `OR FAIL`, as for
/// events (see `insert.rs`): a statement that fails midway leaves its rows to the transaction's
/// rollback instead of a statement journal copying every page it touches.
fn many_rows(dimension: Dimension) -> String {
    let rows = vec!["(?, ?, ?)"; ROWS_PER_STATEMENT].join(", ");
    format!(
        "INSERT OR FAIL INTO {} (ref, created_at, event) VALUES {rows}",
        dimension.table
    )
}

/// Sorts posting rows by `(ref, created_at, event)`. Rows come in insert order, and files are
/// nearly always in time order, so rows are usually already in `(created_at, event)` order: then
/// grouping by `ref` while keeping that order (a counting sort over the small dictionary ids)
/// sorts them in two linear passes instead of a comparison sort of the whole batch.
fn sort_rows(rows: &mut Vec<(i64, i64, i64)>) {
    let in_time_order = rows.is_sorted_by_key(|&(_, created_at, event)| (created_at, event));
    let max_ref = rows.iter().map(|&(value, _, _)| value).max().unwrap_or(0);
    let dense = usize::try_from(max_ref).is_ok_and(|max| max <= rows.len().saturating_mul(4));
    let min_ref = rows.iter().map(|&(value, _, _)| value).min().unwrap_or(0);
    if !(in_time_order && dense && min_ref >= 0) {
        rows.sort_unstable();
        return;
    }
    let mut starts = vec![0usize; max_ref as usize + 2];
    for &(value, _, _) in rows.iter() {
        starts[value as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut sorted = vec![(0, 0, 0); rows.len()];
    for &row in rows.iter() {
        let slot = &mut starts[row.0 as usize];
        sorted[*slot] = row;
        *slot += 1;
    }
    *rows = sorted;
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
            sort_rows(rows);
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

#[cfg(test)]
mod tests {
    use super::sort_rows;

    fn check(rows: Vec<(i64, i64, i64)>) {
        let mut expected = rows.clone();
        expected.sort_unstable();
        let mut sorted = rows;
        sort_rows(&mut sorted);
        assert_eq!(sorted, expected);
    }

    #[test]
    fn rows_in_time_order_are_grouped_by_value_keeping_time_order() {
        // Several events in one microsecond, values repeating out of order.
        let rows = (0..500)
            .map(|i| ((i * 7 % 13) + 1, 1_000 + i / 3, 10 + i))
            .collect();
        check(rows);
    }

    #[test]
    fn rows_out_of_time_order_or_with_sparse_values_are_fully_sorted() {
        check(vec![(2, 50, 1), (1, 40, 2), (2, 30, 3), (1, 30, 4)]);
        check(vec![(1_000_000, 1, 1), (3, 2, 2), (1_000_000, 3, 3)]);
        check(vec![]);
    }
}
