//! The ClickHouse backend: one database shared by every glir process and host that names it.
//!
//! ClickHouse has no transactions and no unique constraints. Identity is kept the way its
//! documentation recommends, with `ReplacingMergeTree` tables whose reads collapse a key's rows
//! (`schema.rs`); a
//! writer still looks up the keys of a batch before inserting it, so that it can say which events
//! were new, and so that a duplicate row is only written when two writers race. A batch of
//! events goes in as one `INSERT`, which ClickHouse applies whole or not at all.

pub mod baseline;
mod findings;
mod http;
pub mod row;
pub mod schema;
pub mod sql;

use crate::alerts::AlertFilter;
use crate::error::StoreError;
use crate::filter::EventFilter;
use crate::location::ClickHouseUrl;
use crate::stats::InsertStats;
use glir_events::{Alert, AuditEvent, EventRef};
use http::Http;
use jiff::Timestamp;
use row::EventRow;
use serde::Deserialize;
use sql::quote;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Keys looked up per query when checking a batch for stored events: keeps each query far
/// below ClickHouse's default `max_query_size` of 256 KiB.
const KEYS_PER_LOOKUP: usize = 2_000;

/// Bytes of key literals per lookup query, well under ClickHouse's default `max_query_size`
/// of 256 KiB.
const LOOKUP_BYTES: usize = 128 * 1024;

/// Time ranges in reading order, the sort direction, and the `LIMIT` clause of a read.
type ReadPlan = (Vec<(i64, i64)>, &'static str, String);

/// Up to this many matching rows an exact count groups their keys; above, it reads `FINAL`.
const DISTINCT_BY_GROUPING: u64 = 1_000_000;

/// Events read per query when streaming many: what ClickHouse sorts in memory at once (records
/// are ~1 KB, so ~200 MB).
const CHUNK_EVENTS: u64 = 200_000;

/// A connection to glir's database on a ClickHouse server.
pub struct ClickHouseStore {
    http: Http,
    /// The database name, safe to write into SQL unquoted (`StoreLocation` checks it).
    db: String,
    url: ClickHouseUrl,
    /// Events read per query when streaming ([`CHUNK_EVENTS`] unless set smaller).
    chunk_events: u64,
    /// Learned events per slice of the SQL baseline (`baseline::SLICE_ROWS` unless set).
    baseline_slice: u64,
}

/// An event's identity: `created_at` in microseconds and its id.
type Key = (i64, String);

impl ClickHouseStore {
    /// Connects, creating the database and glir's tables if they are missing.
    pub fn open(url: &ClickHouseUrl) -> Result<ClickHouseStore, StoreError> {
        let http = Http::new(url);
        schema::create(&http, &url.database)?;
        Ok(ClickHouseStore {
            http,
            db: url.database.clone(),
            url: url.clone(),
            chunk_events: CHUNK_EVENTS,
            baseline_slice: baseline::SLICE_ROWS,
        })
    }

    /// Streams at most about `n` events per query (a server short of memory; tests).
    pub fn set_chunk_events(&mut self, n: u64) {
        self.chunk_events = n.max(1);
    }

    /// Computes the SQL baseline over slices of about `n` learned events (a server short of
    /// memory; tests).
    pub fn set_baseline_slice_rows(&mut self, n: u64) {
        self.baseline_slice = n.max(1);
    }

    /// Another connection to the same database (for another thread).
    pub fn open_again(&self) -> Result<ClickHouseStore, StoreError> {
        ClickHouseStore::open(&self.url)
    }

    /// The URL it was opened with (its password redacted when shown).
    pub fn url(&self) -> &ClickHouseUrl {
        &self.url
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::version(&self.http, &self.db)
    }

    /// Starts a batch of writes, sent when it is committed.
    pub fn writer(&mut self) -> ClickHouseWriter<'_> {
        ClickHouseWriter {
            store: self,
            rows: Vec::new(),
            sources: Vec::new(),
            batch: HashMap::new(),
            checkpoints: Vec::new(),
            version: first_wins_version(),
        }
    }

    /// The checkpoint stored under `scope`, if any.
    pub fn checkpoint(&self, scope: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let mut found = None;
        self.http.query_lines(
            "cannot read checkpoint",
            &format!(
                "SELECT value FROM {}.checkpoints FINAL WHERE scope = {} FORMAT JSONEachRow",
                self.db,
                quote(scope)
            ),
            |line| {
                let row: ValueRow = parse(line, "checkpoint row")?;
                found =
                    Some(
                        serde_json::from_str(&row.value).map_err(|_| StoreError::Corrupt {
                            what: format!("checkpoint `{scope}` (not JSON)"),
                        })?,
                    );
                Ok(())
            },
        )?;
        Ok(found)
    }

    /// Stores (replaces) the checkpoint under `scope`.
    pub fn set_checkpoint(
        &mut self,
        scope: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let row = serde_json::json!({
            "scope": scope,
            "value": value.to_string(),
            "version": latest_wins_version(),
        });
        self.http.insert(
            "cannot store checkpoint",
            &format!("{}.checkpoints", self.db),
            format!("{row}\n").as_bytes(),
        )
    }

    /// Events matching `filter`, oldest first (then by event id) unless `filter.newest_first`.
    pub fn query_events(&self, filter: &EventFilter) -> Result<Vec<AuditEvent>, StoreError> {
        let mut events = Vec::new();
        self.for_each_event(filter, None, |e| {
            events.push(e);
            Ok::<(), StoreError>(())
        })?;
        Ok(events)
    }

    /// Streams the events matching `filter` and, when given, the SQL condition `also` (over
    /// the columns of `events`, see `schema.rs`; `{db}` in it stands for the database), in the
    /// order of [`Self::query_events`].
    ///
    /// Without a limit the events are read a time range at a time, each of at most about
    /// [`CHUNK_EVENTS`] events: ClickHouse sorts a result in memory before sending it, and
    /// ClickHouse 18.16 cannot read a table in its key order instead.
    pub fn for_each_event<E: From<StoreError>>(
        &self,
        filter: &EventFilter,
        also: Option<&str>,
        mut visit: impl FnMut(AuditEvent) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream_rows(filter, also, "record", |line| {
            let row: RecordRow = parse(line, "event row")?;
            visit(record(&row.record)?)
        })
    }

    /// Streams every event matching `filter` as [`Self::for_each_event`] does, but whole only
    /// where the SQL condition `whole` holds; every other event comes with just the columns a
    /// baseline learns from (time, id, type, author id and name, entity path, IP address), the
    /// rest of it empty. `visit` hears which it got (`true`: whole). A detection that must teach
    /// its baseline every event but can only match a few reads a few records and many short rows.
    pub fn for_each_event_or_baseline_columns<E: From<StoreError>>(
        &self,
        filter: &EventFilter,
        whole: &str,
        mut visit: impl FnMut(AuditEvent, bool) -> Result<(), E>,
    ) -> Result<(), E> {
        let whole = whole.replace("{db}", &self.db);
        let condition = sql::filter_where(filter, &self.db);
        let (ranges, dir, limit) = self.read_plan(&condition, filter)?;
        // Per range, two reads in the same order: every event's few columns with whether it
        // is wanted whole (no `record` read), then the records of the wanted ones. Asking for
        // `if(whole, record, '')` in one read would read every record.
        let few = format!(
            "created_us, event_id, event_type, author_id, author_name, entity_path, ip_address, \
             toUInt8({whole}) AS whole"
        );
        let also = format!("{condition} AND ({whole})");
        for range in ranges {
            let mut rows: std::collections::VecDeque<BaselineRow> =
                std::collections::VecDeque::new();
            self.stream_range(&condition, range, &few, dir, &limit, &mut |line: &str| {
                rows.push_back(parse(line, "event row")?);
                Ok::<(), StoreError>(())
            })?;
            self.stream_range(&also, range, "record", dir, &limit, &mut |line: &str| {
                let row: RecordRow = parse(line, "event row")?;
                let event = record(&row.record)?;
                emit_short_rows(
                    &mut rows,
                    Some((event.created_at.as_microsecond(), event.event_id.as_str())),
                    filter.newest_first,
                    &mut visit,
                )?;
                // The same event's short row, if it is next, is this one.
                if rows.front().is_some_and(|r| {
                    r.created_us == event.created_at.as_microsecond()
                        && r.event_id == event.event_id
                }) {
                    rows.pop_front();
                }
                visit(event, true)
            })?;
            emit_short_rows(&mut rows, None, filter.newest_first, &mut visit)?;
        }
        Ok(())
    }

    /// Rows of `select` (over `events`) for the events matching `filter` and `also`, in event
    /// order, a time range at a time when there is no limit.
    fn stream_rows<E: From<StoreError>>(
        &self,
        filter: &EventFilter,
        also: Option<&str>,
        select: &str,
        mut row: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let condition = format!(
            "{}{}",
            sql::filter_where(filter, &self.db),
            also.map(|c| format!(" AND ({})", c.replace("{db}", &self.db)))
                .unwrap_or_default()
        );
        let (ranges, dir, limit) = self.read_plan(&condition, filter)?;
        for (lo, hi) in ranges {
            self.stream_range(&condition, (lo, hi), select, dir, &limit, &mut row)?;
        }
        Ok(())
    }

    /// How to read the events matching `condition` in `filter`'s order: the time ranges, in
    /// reading order (one range holding the first `limit` when there is a limit), the sort
    /// direction, and the `LIMIT` clause.
    fn read_plan(&self, condition: &str, filter: &EventFilter) -> Result<ReadPlan, StoreError> {
        let mut ranges = match filter.limit {
            Some(limit) => self.limited_range(condition, limit, filter.newest_first)?,
            None => self.time_ranges(condition)?,
        };
        if filter.newest_first {
            ranges.reverse();
        }
        let dir = if filter.newest_first { "DESC" } else { "ASC" };
        let limit = filter
            .limit
            .map(|n| format!(" LIMIT {n}"))
            .unwrap_or_default();
        Ok((ranges, dir, limit))
    }

    /// Rows of `select` for the events matching `condition` within `created_us` range `lo..=hi`,
    /// in event order (`dir`), with `limit` (empty or ` LIMIT n`).
    fn stream_range<E: From<StoreError>>(
        &self,
        condition: &str,
        (lo, hi): (i64, i64),
        select: &str,
        dir: &str,
        limit: &str,
        row: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        // Keys first, from the small columns the condition reads; then the rows of those keys.
        // `FINAL` would merge every column of every row in range, `record` included, before the
        // condition can drop a row (seconds where this takes milliseconds). The copy kept is the
        // one `FINAL` keeps, the highest version, among those matching.
        let sql = format!(
            "SELECT {select} FROM {db}.events \
             WHERE created_us >= {lo} AND created_us <= {hi} \
             AND (created_us, event_id, version) IN \
             (SELECT created_us, event_id, max(version) FROM {db}.events \
              WHERE {condition} AND created_us >= {lo} AND created_us <= {hi} \
              GROUP BY created_us, event_id \
              ORDER BY created_us {dir}, event_id {dir}{limit}) \
             ORDER BY created_us {dir}, event_id {dir}{limit} FORMAT JSONEachRow",
            db = self.db,
        );
        self.http.stream_lines("cannot query events", &sql, row)
    }

    /// The one range of `created_us` the first `limit` events matching `condition` lie in
    /// (none when nothing matches): read from the small columns first, it keeps the read of
    /// whole rows to the granules of that range rather than the table's.
    fn limited_range(
        &self,
        condition: &str,
        limit: usize,
        newest_first: bool,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let dir = if newest_first { "DESC" } else { "ASC" };
        let mut found = Vec::new();
        self.http.query_lines(
            "cannot query events",
            &format!(
                "SELECT min(created_us) AS lo, max(created_us) AS hi, count() AS n FROM \
                 (SELECT created_us FROM {}.events WHERE {condition} \
                  GROUP BY created_us, event_id ORDER BY created_us {dir} LIMIT {limit}) \
                 FORMAT JSONEachRow",
                self.db
            ),
            |line| {
                let row: RangeRow = parse(line, "range row")?;
                if row.n > 0 {
                    found.push((row.lo, row.hi));
                }
                Ok(())
            },
        )?;
        Ok(found)
    }

    /// Consecutive, inclusive ranges of `created_us` covering every event matching
    /// `condition`, each holding about `chunk_events` of them (more when one hour does), from
    /// a count per hour (rows not yet collapsed count twice: a range is only a little smaller).
    fn time_ranges(&self, condition: &str) -> Result<Vec<(i64, i64)>, StoreError> {
        const HOUR: i64 = 3_600_000_000;
        // floor(created_us / HOUR): intDiv truncates towards zero.
        let sql = format!(
            "SELECT intDiv(created_us, {HOUR}) - (created_us < 0 AND created_us % {HOUR} != 0) AS h, \
             count() AS n FROM {}.events WHERE {condition} GROUP BY h ORDER BY h FORMAT JSONEachRow",
            self.db
        );
        let mut hours: Vec<(i64, u64)> = Vec::new();
        self.http
            .query_lines("cannot count events per hour", &sql, |line| {
                let row: HourRow = parse(line, "hour row")?;
                hours.push((row.h, row.n));
                Ok(())
            })?;
        let mut ranges = Vec::new();
        let mut start: Option<i64> = None;
        let mut held = 0;
        for (i, (hour, n)) in hours.iter().enumerate() {
            let lo = *start.get_or_insert(if i == 0 { i64::MIN } else { hour * HOUR });
            held += n;
            let last = i + 1 == hours.len();
            if held >= self.chunk_events || last {
                let hi = if last {
                    i64::MAX
                } else {
                    hours[i + 1].0 * HOUR - 1
                };
                ranges.push((lo, hi));
                start = None;
                held = 0;
            }
        }
        Ok(ranges)
    }

    /// How many events match `filter` (and the SQL condition `also`), ignoring its `limit`.
    pub fn count_events_where(
        &self,
        filter: &EventFilter,
        also: Option<&str>,
    ) -> Result<u64, StoreError> {
        let condition = format!(
            "{}{}",
            sql::filter_where(filter, &self.db),
            also.map(|c| format!(" AND ({})", c.replace("{db}", &self.db)))
                .unwrap_or_default(),
        );
        let rows = self.single_u64(
            "cannot count events",
            &format!(
                "SELECT count() AS n FROM {}.events WHERE {condition} FORMAT JSONEachRow",
                self.db
            ),
        )?;
        // Rows of one event stored twice (two writers racing) count once. Grouping the keys
        // is fast for a selection and slow for millions, where `FINAL` reading only the
        // condition's columns is the cheaper way.
        let sql = if rows <= DISTINCT_BY_GROUPING {
            format!(
                "SELECT count() AS n FROM (SELECT 1 FROM {}.events WHERE {condition} \
                 GROUP BY created_us, event_id) FORMAT JSONEachRow",
                self.db
            )
        } else {
            format!(
                "SELECT count() AS n FROM {}.events FINAL WHERE {condition} FORMAT JSONEachRow",
                self.db
            )
        };
        self.single_u64("cannot count events", &sql)
    }

    /// Runs a query of the caller's over glir's tables (`{db}` in `sql` stands for the
    /// database) and hands each `JSONEachRow` line to `row`.
    pub fn query_rows(
        &self,
        action: &'static str,
        sql: &str,
        row: impl FnMut(&str) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let sql = sql.replace("{db}", &self.db);
        self.http
            .query_lines(action, &format!("{sql} FORMAT JSONEachRow"), row)
    }

    /// Whether the event with this identity is stored.
    pub fn has_event(&self, created_at: Timestamp, event_id: &str) -> Result<bool, StoreError> {
        let sql = format!(
            "SELECT count() AS n FROM {}.events WHERE created_us = {} AND event_id = {} FORMAT JSONEachRow",
            self.db,
            created_at.as_microsecond(),
            quote(event_id)
        );
        Ok(self.single_u64("cannot look an event up", &sql)? > 0)
    }

    /// The user ids stored events give for `username` (see `Store::user_ids_by_username`).
    pub fn user_ids_by_username(&self, username: &str) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::new();
        self.http.query_lines(
            "cannot look up a username",
            &format!(
                "SELECT DISTINCT assumeNotNull(entity_id) AS id FROM {}.events \
                 WHERE entity_type = 'User' AND lower(entity_path) = lower({}) \
                 AND entity_id IS NOT NULL ORDER BY id FORMAT JSONEachRow",
                self.db,
                quote(username)
            ),
            |line| {
                let row: IdRow = parse(line, "user id row")?;
                ids.push(row.id);
                Ok(())
            },
        )?;
        Ok(ids)
    }

    /// Stores alerts; an alert already stored (same rule, same events) is a duplicate.
    pub fn insert_alerts(&mut self, alerts: &[Alert]) -> Result<InsertStats, StoreError> {
        // An alert's identity is its rule and its events; a grouped alert can carry thousands
        // of event ids, so lookups name the events by a digest of their list.
        let keys: Vec<(String, String)> = alerts
            .iter()
            .map(|a| {
                let events = serde_json::to_string(&a.event_ids).expect("strings serialize");
                (a.rule_id.clone(), events)
            })
            .collect();
        let literals: Vec<String> = keys
            .iter()
            .map(|(r, e)| format!("({}, {})", quote(r), quote(&digest(e))))
            .collect();
        let mut stored: std::collections::HashSet<(String, String)> = self
            .stored_keys::<AlertKeyRow>(
                "cannot look alerts up",
                "alerts",
                "(rule_id, events_digest)",
                &literals,
            )?
            .into_iter()
            .map(|row| (row.rule_id, row.events_digest))
            .collect();
        let now = Timestamp::now().as_microsecond();
        let version = first_wins_version();
        let mut stats = InsertStats::default();
        let mut body = Vec::new();
        for (a, key) in alerts.iter().zip(keys) {
            let events_digest = digest(&key.1);
            if !stored.insert((key.0.clone(), events_digest.clone())) {
                stats.duplicates += 1;
                continue;
            }
            stats.inserted += 1;
            let row = serde_json::json!({
                "rule_id": key.0,
                "events_digest": events_digest,
                "event_ids": key.1,
                "title": a.title,
                "level": a.level,
                "tags": serde_json::to_string(&a.tags).expect("strings serialize"),
                "actor": a.actor,
                "time_us": a.time.as_microsecond(),
                "reason": a.reason,
                "detected_us": now,
                // Keeps the order alerts were stored in, as SQLite's row ids do.
                "seq": latest_wins_version(),
                "version": version,
            });
            serde_json::to_writer(&mut body, &row).expect("a row serializes");
            body.push(b'\n');
        }
        self.http
            .insert("cannot store alerts", &format!("{}.alerts", self.db), &body)?;
        Ok(stats)
    }

    /// Stored alerts matching `filter`, in alert time order.
    pub fn query_alerts(&self, f: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let mut terms = vec!["1".to_owned()];
        if let Some(t) = f.since {
            terms.push(format!("time_us >= {}", t.as_microsecond()));
        }
        if let Some(t) = f.until {
            terms.push(format!("time_us < {}", t.as_microsecond()));
        }
        if let Some(rule) = &f.rule_id {
            terms.push(format!("rule_id = {}", quote(rule)));
        }
        let mut sql = format!(
            "SELECT rule_id, title, level, tags, event_ids, actor, time_us, reason \
             FROM {}.alerts FINAL WHERE {} ORDER BY time_us, seq",
            self.db,
            terms.join(" AND ")
        );
        if let Some(limit) = f.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        sql.push_str(" FORMAT JSONEachRow");
        let mut out = Vec::new();
        self.http.query_lines("cannot read alerts", &sql, |line| {
            let row: AlertRow = parse(line, "alert row")?;
            let corrupt = |what: &str| StoreError::Corrupt {
                what: format!("alert of rule {}: {what}", row.rule_id),
            };
            out.push(Alert {
                tags: serde_json::from_str(&row.tags)
                    .map_err(|_| corrupt("tags are not a JSON list"))?,
                event_ids: serde_json::from_str(&row.event_ids)
                    .map_err(|_| corrupt("event ids are not a JSON list"))?,
                time: Timestamp::from_microsecond(row.time_us)
                    .map_err(|_| corrupt("time out of range"))?,
                rule_id: row.rule_id,
                title: row.title,
                level: row.level,
                actor: row.actor,
                reason: row.reason,
            });
            Ok(())
        })?;
        Ok(out)
    }

    /// Links rows to a case; returns how many links are new.
    pub fn link_case(
        &mut self,
        case: &str,
        kind: &str,
        refs: &[String],
    ) -> Result<usize, StoreError> {
        let mut linked: std::collections::HashSet<String> =
            self.case_links(case, kind)?.into_iter().collect();
        let mut body = Vec::new();
        let mut added = 0;
        for r in refs {
            if linked.insert(r.clone()) {
                added += 1;
                let row = serde_json::json!({"case_name": case, "kind": kind, "ref": r});
                serde_json::to_writer(&mut body, &row).expect("a row serializes");
                body.push(b'\n');
            }
        }
        self.http.insert(
            "cannot link rows to the case",
            &format!("{}.case_links", self.db),
            &body,
        )?;
        Ok(added)
    }

    /// The refs of one kind linked to a case, sorted.
    pub fn case_links(&self, case: &str, kind: &str) -> Result<Vec<String>, StoreError> {
        let mut refs = Vec::new();
        self.http.query_lines(
            "cannot read case links",
            &format!(
                "SELECT DISTINCT ref FROM {}.case_links WHERE case_name = {} AND kind = {} \
                 ORDER BY ref FORMAT JSONEachRow",
                self.db,
                quote(case),
                quote(kind)
            ),
            |line| {
                let row: RefRow = parse(line, "case link row")?;
                refs.push(row.r#ref);
                Ok(())
            },
        )?;
        Ok(refs)
    }

    /// Which of `keys` are stored, with the source each stored row names.
    pub(crate) fn stored_sources(&self, keys: &[&Key]) -> Result<HashMap<Key, String>, StoreError> {
        let mut found = HashMap::new();
        // A batch later than everything stored (a stream, an ingest in time order) cannot hold
        // a stored event: one count over the key range answers for all of it.
        let (lo, hi) = keys.iter().fold((i64::MAX, i64::MIN), |(lo, hi), k| {
            (lo.min(k.0), hi.max(k.0))
        });
        if keys.is_empty()
            || self.single_u64(
                "cannot look up stored events",
                &format!(
                    "SELECT count() AS n FROM {}.events WHERE created_us >= {lo} AND created_us <= {hi} \
                     FORMAT JSONEachRow",
                    self.db
                ),
            )? == 0
        {
            return Ok(found);
        }
        let literals: Vec<String> = keys
            .iter()
            .map(|(t, id)| format!("({t}, {})", quote(id)))
            .collect();
        for range in lookup_chunks(&literals) {
            let (lo, hi) = keys[range.clone()]
                .iter()
                .fold((i64::MAX, i64::MIN), |(lo, hi), k| {
                    (lo.min(k.0), hi.max(k.0))
                });
            let set = literals[range].join(", ");
            self.http.query_lines(
                "cannot look up stored events",
                &format!(
                    "SELECT created_us, event_id, source FROM {}.events \
                     WHERE created_us >= {lo} AND created_us <= {hi} \
                     AND (created_us, event_id) IN ({set}) FORMAT JSONEachRow",
                    self.db
                ),
                |line| {
                    let row: KeyRow = parse(line, "event key row")?;
                    found.insert((row.created_us, row.event_id), row.source);
                    Ok(())
                },
            )?;
        }
        Ok(found)
    }

    /// The rows of `table` whose `columns` (one, or a parenthesised tuple) equal one of
    /// `literals` (quoted SQL values or tuples of them), looked up a chunk at a time.
    fn stored_keys<T: serde::de::DeserializeOwned>(
        &self,
        action: &'static str,
        table: &str,
        columns: &str,
        literals: &[String],
    ) -> Result<Vec<T>, StoreError> {
        let mut found = Vec::new();
        let selected = columns.trim_matches(['(', ')']);
        for range in lookup_chunks(literals) {
            self.http.query_lines(
                action,
                &format!(
                    "SELECT {selected} FROM {}.{table} WHERE {columns} IN ({}) FORMAT JSONEachRow",
                    self.db,
                    literals[range].join(", ")
                ),
                |line| {
                    found.push(parse(line, "key row")?);
                    Ok(())
                },
            )?;
        }
        Ok(found)
    }

    fn single_u64(&self, action: &'static str, sql: &str) -> Result<u64, StoreError> {
        let mut n = 0;
        self.http.query_lines(action, sql, |line| {
            let row: CountRow = parse(line, "count row")?;
            n = row.n;
            Ok(())
        })?;
        Ok(n)
    }
}

/// A batch of writes to ClickHouse, sent by [`ClickHouseWriter::commit`]; dropped without a
/// commit, nothing is sent.
pub struct ClickHouseWriter<'a> {
    store: &'a mut ClickHouseStore,
    /// `events` rows as JSON lines.
    rows: Vec<u8>,
    /// `event_sources` rows as JSON lines.
    sources: Vec<u8>,
    /// Events of this batch by identity, with the source they came from.
    batch: HashMap<Key, String>,
    checkpoints: Vec<(String, serde_json::Value)>,
    version: u64,
}

impl ClickHouseWriter<'_> {
    /// Adds events to the batch, skipping those already stored or already in the batch; `each`
    /// hears, for every event in order, whether it was new.
    pub fn insert_each<'e>(
        &mut self,
        events: impl IntoIterator<Item = &'e AuditEvent>,
        mut each: impl FnMut(bool),
    ) -> Result<InsertStats, StoreError> {
        let events: Vec<&AuditEvent> = events.into_iter().collect();
        let keys: Vec<Key> = events
            .iter()
            .map(|e| (e.created_at.as_microsecond(), e.event_id.clone()))
            .collect();
        let unseen: Vec<&Key> = keys
            .iter()
            .filter(|k| !self.batch.contains_key(k))
            .collect();
        let stored = self.store.stored_sources(&unseen)?;
        let mut stats = InsertStats::default();
        for (e, key) in events.into_iter().zip(keys) {
            let first_source = stored.get(&key).or_else(|| self.batch.get(&key));
            if let Some(first) = first_source {
                stats.duplicates += 1;
                if *first != e.source {
                    let row = serde_json::json!({
                        "created_us": key.0, "event_id": key.1, "source": e.source
                    });
                    serde_json::to_writer(&mut self.sources, &row).expect("a row serializes");
                    self.sources.push(b'\n');
                }
                each(false);
                continue;
            }
            serde_json::to_writer(&mut self.rows, &EventRow::new(e, self.version))
                .expect("a row serializes");
            self.rows.push(b'\n');
            self.batch.insert(key, e.source.clone());
            stats.inserted += 1;
            each(true);
        }
        Ok(stats)
    }

    /// [`Self::insert_each`] over borrowed events.
    pub fn insert_refs<'e>(
        &mut self,
        events: impl IntoIterator<Item = EventRef<'e>>,
    ) -> Result<InsertStats, StoreError> {
        let owned: Vec<AuditEvent> = events.into_iter().map(|e| e.to_event()).collect();
        self.insert_each(owned.iter(), |_| {})
    }

    /// Stores (replaces) a checkpoint after the batch's events.
    pub fn set_checkpoint(&mut self, scope: &str, value: &serde_json::Value) {
        self.checkpoints.push((scope.to_owned(), value.clone()));
    }

    /// Sends the batch: the events as one `INSERT` (applied whole or not at all), then the
    /// sources and checkpoints. A failure between the two leaves stored events with an older
    /// checkpoint, and a collector resuming from it finds those events again as duplicates:
    /// nothing is lost, nothing is stored twice.
    pub fn commit(self) -> Result<(), StoreError> {
        let db = self.store.db.clone();
        self.store
            .http
            .insert("cannot insert events", &format!("{db}.events"), &self.rows)?;
        self.store.http.insert(
            "cannot record event sources",
            &format!("{db}.event_sources"),
            &self.sources,
        )?;
        for (scope, value) in &self.checkpoints {
            self.store.set_checkpoint(scope, value)?;
        }
        Ok(())
    }
}

/// The version of a row written now where the first copy written must win: later writes get
/// lower versions, and `ReplacingMergeTree` keeps the highest.
fn first_wins_version() -> u64 {
    u64::MAX - u64::try_from(Timestamp::now().as_microsecond()).unwrap_or(0)
}

/// The version of a row written now where the latest write must win; strictly increasing within
/// a process even for writes in the same microsecond.
fn latest_wins_version() -> u64 {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = u64::try_from(Timestamp::now().as_microsecond()).unwrap_or(0);
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(prev + 1);
        match LAST.compare_exchange(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => prev = seen,
        }
    }
}

fn parse<'de, T: Deserialize<'de>>(line: &'de str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(line).map_err(|e| StoreError::Corrupt {
        what: format!("{what} from ClickHouse ({e})"),
    })
}

#[derive(Deserialize)]
struct RecordRow {
    record: String,
}

#[derive(Deserialize)]
struct BaselineRow {
    created_us: i64,
    event_id: String,
    event_type: Option<String>,
    author_id: Option<i64>,
    author_name: Option<String>,
    entity_path: Option<String>,
    ip_address: Option<String>,
    /// 1 when the event is read whole too.
    whole: u8,
}

/// Hands `visit` the short rows before `upto` (all with `None`) in stream order, skipping those
/// read whole (their records come in the other stream).
fn emit_short_rows<E: From<StoreError>>(
    rows: &mut std::collections::VecDeque<BaselineRow>,
    upto: Option<(i64, &str)>,
    newest_first: bool,
    visit: &mut impl FnMut(AuditEvent, bool) -> Result<(), E>,
) -> Result<(), E> {
    while let Some(next) = rows.front() {
        if let Some(at) = upto {
            let here = (next.created_us, next.event_id.as_str());
            let before = if newest_first { here > at } else { here < at };
            if !before {
                return Ok(());
            }
        }
        let row = rows.pop_front().expect("a front row");
        if row.whole == 0 {
            visit(baseline_event(row)?, false)?;
        }
    }
    Ok(())
}

/// An event of which only the columns a baseline learns from were read; the rest empty.
fn baseline_event(row: BaselineRow) -> Result<AuditEvent, StoreError> {
    let created_at =
        Timestamp::from_microsecond(row.created_us).map_err(|_| StoreError::Corrupt {
            what: format!("event time {} µs (out of range)", row.created_us),
        })?;
    Ok(AuditEvent {
        source: String::new(),
        event_id: row.event_id,
        layout: glir_events::Layout::Stream,
        created_at,
        event_type: row.event_type,
        author_id: row.author_id,
        author_name: row.author_name,
        author_email: None,
        entity_id: None,
        entity_type: None,
        entity_path: row.entity_path,
        target_id: None,
        target_type: None,
        target_details: None,
        ip_address: row.ip_address,
        change: None,
        from: None,
        to: None,
        custom_message: None,
        details: serde_json::Value::Object(serde_json::Map::new()),
        raw: String::new(),
    })
}

/// An event read back from its `record`.
fn record(text: &str) -> Result<AuditEvent, StoreError> {
    serde_json::from_str(text).map_err(|_| StoreError::Corrupt {
        what: "event record (not an event's JSON)".into(),
    })
}

#[derive(Deserialize)]
struct RangeRow {
    lo: i64,
    hi: i64,
    n: u64,
}

#[derive(Deserialize)]
struct HourRow {
    h: i64,
    n: u64,
}

#[derive(Deserialize)]
struct ValueRow {
    value: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: u64,
}

#[derive(Deserialize)]
struct IdRow {
    id: i64,
}

#[derive(Deserialize)]
struct RefRow {
    r#ref: String,
}

#[derive(Deserialize)]
struct KeyRow {
    created_us: i64,
    event_id: String,
    source: String,
}

#[derive(Deserialize)]
struct AlertKeyRow {
    rule_id: String,
    events_digest: String,
}

/// `literals` cut into runs short enough for one lookup query: at most [`KEYS_PER_LOOKUP`]
/// each, and under [`LOOKUP_BYTES`] unless one literal alone is longer (a query must stay under
/// `max_query_size`).
fn lookup_chunks(literals: &[String]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < literals.len() {
        let (mut end, mut bytes) = (start, 0);
        while end < literals.len()
            && end - start < KEYS_PER_LOOKUP
            && (end == start || bytes + literals[end].len() < LOOKUP_BYTES)
        {
            bytes += literals[end].len() + 2;
            end += 1;
        }
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// Hex SHA-256 of an alert's event id list: its identity with the rule, in a fixed size.
fn digest(events: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(events.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Deserialize)]
struct AlertRow {
    rule_id: String,
    title: String,
    level: String,
    tags: String,
    event_ids: String,
    actor: Option<String>,
    time_us: i64,
    reason: String,
}
