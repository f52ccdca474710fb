use crate::error::{Context, StoreError};
pub use crate::filter::EventFilter;
use crate::sqlite::dict;
use crate::sqlite::postings::{self, Dimension};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};

/// A WHERE clause (empty or starting with " WHERE") and its positional parameters, with the
/// posting table (aliased `p`) that drives the query, if a lookup dimension is filtered.
#[derive(Default)]
pub(crate) struct Where {
    pub(crate) sql: String,
    pub(crate) params: Vec<SqlValue>,
    pub(crate) driver: Option<&'static str>,
    /// Whether some term reads a column of `events` (alias `e`), not only the driver.
    pub(crate) reads_events: bool,
    terms: Vec<String>,
}

/// Which column a dictionary lookup filters: `events.source_ref`, or a posted dimension.
enum Column {
    Source,
    Posted(Dimension),
}

/// Above this many matching dictionary rows, the events query re-runs the dictionary lookup as
/// a subquery instead of listing ids (SQLite caps the number of parameters).
const MAX_LISTED_REFS: usize = 500;

/// A dictionary lookup: the SQL selecting matching ids, and its parameters.
struct Lookup {
    sql: &'static str,
    params: Vec<SqlValue>,
}

impl EventFilter {
    /// Resolves the filter against the dictionaries; `None` when some filter matches no
    /// dictionary value, so no event can match.
    ///
    /// Each dimension becomes `ref = ?` (or a short `IN` list) on an integer key. The first
    /// posted dimension (in [`EventFilter::lookups`] order: actor, entity and IP before the
    /// types, which match far more events) is matched in its posting table, which then drives
    /// the query: a single matching actor or entity is a range scan of `(ref, created_at)`
    /// already in time order, as with the indexes of schema v1. The other dimensions are checked
    /// on the joined `events` row.
    pub(crate) fn resolve(&self, conn: &Connection) -> Result<Option<Where>, StoreError> {
        let mut clause = Where::default();
        for (column, lookup) in self.lookups() {
            let column = match column {
                Column::Posted(dimension) if clause.driver.is_none() => {
                    clause.driver = Some(dimension.table);
                    Some("p.ref")
                }
                Column::Posted(dimension) => Some(dimension.column),
                Column::Source => None,
            };
            clause.reads_events |= column != Some("p.ref");
            let refs: Vec<i64> = conn
                .prepare_cached(lookup.sql)
                .and_then(|mut stmt| {
                    stmt.query_map(params_from_iter(lookup.params.iter()), |row| row.get(0))?
                        .collect()
                })
                .context("cannot look up filter values")?;
            let (set, params) = match refs.len() {
                0 => return Ok(None),
                n if n <= MAX_LISTED_REFS => (
                    format!("({})", vec!["?"; n].join(", ")),
                    refs.into_iter().map(SqlValue::Integer).collect(),
                ),
                _ => (format!("({})", lookup.sql), lookup.params),
            };
            match column {
                Some(column) => clause.push(format!("{column} IN {set}"), params),
                None => {
                    // The row names the source it first came from; `event_sources` the others.
                    let mut both = params.clone();
                    both.extend(params);
                    clause.push(
                        format!(
                            "(e.source_ref IN {set} OR EXISTS (SELECT 1 FROM event_sources x \
                             WHERE x.event = e.id AND x.source_ref IN {set}))"
                        ),
                        both,
                    );
                }
            }
        }
        let time = if clause.driver.is_some() {
            "p.created_at"
        } else {
            "e.created_at"
        };
        if let Some(since) = self.since {
            clause.push(
                format!("{time} >= ?"),
                [SqlValue::Integer(since.as_microsecond())],
            );
        }
        if let Some(until) = self.until {
            clause.push(
                format!("{time} < ?"),
                [SqlValue::Integer(until.as_microsecond())],
            );
        }
        if !clause.terms.is_empty() {
            clause.sql = format!(" WHERE {}", clause.terms.join(" AND "));
        }
        Ok(Some(clause))
    }

    fn lookups(&self) -> Vec<(Column, Lookup)> {
        let mut lookups = Vec::new();
        if let Some(source) = &self.source {
            lookups.push((Column::Source, term(dict::SOURCE, source)));
        }
        if let Some(actor) = &self.actor {
            // Names and emails compare case-insensitively; a numeric actor can also be an id.
            lookups.push((
                Column::Posted(postings::AUTHOR),
                Lookup {
                    sql: "SELECT id FROM authors WHERE name = ? COLLATE NOCASE \
                          OR email = ? COLLATE NOCASE OR author_id = ?",
                    params: vec![text(actor), text(actor), integer(actor)],
                },
            ));
        }
        if let Some(entity) = &self.entity {
            // "Under grp" is the half-open range ["grp/", "grp0"): '0' is the byte after '/',
            // so the range holds exactly the paths starting with "grp/".
            let path = entity.trim_end_matches('/');
            lookups.push((
                Column::Posted(postings::ENTITY),
                Lookup {
                    sql: "SELECT id FROM entities WHERE path = ? \
                          OR (path >= ? AND path < ?) OR entity_id = ?",
                    params: vec![
                        text(path),
                        SqlValue::Text(format!("{path}/")),
                        SqlValue::Text(format!("{path}0")),
                        integer(entity),
                    ],
                },
            ));
        }
        if let Some(ip) = &self.ip {
            lookups.push((Column::Posted(postings::IP), term(dict::IP, ip)));
        }
        if let Some(glob) = &self.event_type {
            lookups.push((
                Column::Posted(postings::EVENT_TYPE),
                Lookup {
                    sql: "SELECT id FROM terms WHERE kind = ? AND value GLOB ?",
                    params: vec![SqlValue::Integer(dict::EVENT_TYPE), text(glob)],
                },
            ));
        }
        if let Some(target_type) = &self.target_type {
            lookups.push((
                Column::Posted(postings::TARGET_TYPE),
                term(dict::TARGET_TYPE, target_type),
            ));
        }
        lookups
    }
}

impl Where {
    fn push(&mut self, term: String, params: impl IntoIterator<Item = SqlValue>) {
        self.terms.push(term);
        self.params.extend(params);
    }
}

/// Exact match on one kind of the `terms` dictionary.
fn term(kind: i64, value: &str) -> Lookup {
    Lookup {
        sql: "SELECT id FROM terms WHERE kind = ? AND value = ?",
        params: vec![SqlValue::Integer(kind), text(value)],
    }
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_owned())
}

fn integer(s: &str) -> SqlValue {
    s.trim().parse().map_or(SqlValue::Null, SqlValue::Integer)
}
