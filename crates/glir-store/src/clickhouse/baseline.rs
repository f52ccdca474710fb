//! The baseline's answers (`glir_baseline::Novelty`, the `baseline.*` fields rules read)
//! computed by ClickHouse from the stored events, instead of by glir learning every event.
//!
//! Each answer is a question about the events before the one at hand, within one group:
//! "had this actor used this address within the window" is a question about the previous event
//! of the group (actor, address). ClickHouse 18.16 has no window functions, so each group's
//! events are gathered into one array in event order (`groupArray`, `arraySort` by
//! `(created_us, event_id)`, the order glir learns them in) and the answer for each element is
//! read off its neighbours (`arrayDifference`), running counts (`arrayCumSum`) and its position
//! (`arrayEnumerate`); `ARRAY JOIN` turns the arrays back into one row per event. Only groups
//! holding a wanted event are expanded, and only wanted events come back. Groups are
//! independent, so they are answered a slice at a time (by a hash of the actor, or of the
//! address), which keeps each query's arrays within the server's memory.
//!
//! The answers are the ones `glir_baseline::Baseline::observe` gives over the same events in
//! the same order; `tests/baseline_sql.rs` holds the two equal field by field on every event.
//! glir's pruning is invisible in them (a value pruned for being older than the window is new
//! either way), so the SQL keeps no state. ClickHouse 18.16 only lets a lambda read another
//! array column of the `SELECT` that defines it, which is why each query computes its arrays in
//! the grouping `SELECT` and the outer one only expands them.

use super::http::Http;
use super::{ClickHouseStore, parse};
use crate::error::StoreError;
use crate::filter::EventFilter;
use glir_baseline::{Config, Novelty};
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::HashMap;

/// The baseline's answer for each selected event, by `(created_us, event_id)`.
pub type Answers = HashMap<(i64, String), Novelty>;

/// The answers columns (named after `Novelty`'s fields, as `glir_baseline::Answer::sql` reads
/// them) and whether each is a count.
const COLUMNS: [(&str, bool); 12] = [
    ("actor_seen_before", false),
    ("actor_known", false),
    ("events_this_hour", true),
    ("above_usual_rate", false),
    ("unusual_hour", false),
    ("new_ip", false),
    ("new_network", false),
    ("network_new_today", false),
    ("new_ip_for_instance", false),
    ("new_event_type", false),
    ("new_entity", false),
    ("failed_signins_from_ip", true),
];

/// Baseline answers computed in ClickHouse, and the events they are for, kept in a table of
/// their own while a run reads those events: dropped with this value, with the table of learned
/// events the answers were computed from. Both are `MergeTree`s on disk: in memory (`Memory`)
/// ten million learned events passed the server's per-query memory limit.
pub struct BaselineAnswers {
    /// The answers, by event.
    pub answers: Answers,
    /// The answers' table, then the learned events' (once created).
    tables: Vec<String>,
    http: Http,
}

impl BaselineAnswers {
    /// An SQL condition over `events` selecting exactly the answered events.
    pub fn selects(&self) -> String {
        format!(
            "(created_us, event_id) IN (SELECT c, e FROM {})",
            self.tables[0]
        )
    }
}

impl Drop for BaselineAnswers {
    fn drop(&mut self) {
        // Left behind only if glir dies first; `glir_baseline_*` tables are safe to drop.
        for table in &self.tables {
            let _ = self.http.execute(
                "cannot drop the baseline's answers",
                &format!("DROP TABLE IF EXISTS {table}"),
            );
        }
    }
}

impl ClickHouseStore {
    /// The baseline's answers (of `config`) for the stored events that `filter` selects and
    /// some rule may match, judged on the events `filter` selects before each and, with
    /// `history_from`, every stored event from then until `filter.since` (the history a run
    /// from `since` learns first).
    ///
    /// `rules` holds, per rule, an SQL condition over the `events` columns and one over the
    /// answer columns (`glir_baseline::Answer::sql`), both upper bounds of the rule
    /// (`RulePack::clickhouse_baseline_preselect`): an event is answered when for some rule
    /// both hold. `("1", "1")` answers every event.
    pub fn baseline_answers(
        &self,
        filter: &EventFilter,
        history_from: Option<Timestamp>,
        rules: &[(String, String)],
        config: &Config,
    ) -> Result<BaselineAnswers, StoreError> {
        let selected = format!("({})", super::sql::filter_where(filter, &self.db));
        let mut learned = selected.clone();
        if let (Some(from), Some(since)) = (history_from, filter.since) {
            learned = format!(
                "{learned} OR (created_us >= {} AND created_us < {})",
                from.as_microsecond(),
                since.as_microsecond()
            );
        }
        let per_rule: Vec<String> = rules
            .iter()
            .map(|(events, _)| format!("toUInt8(ifNull({}, 0))", events.replace("{db}", &self.db)))
            .collect();
        let keep = rules
            .iter()
            .enumerate()
            .map(|(i, (_, answers))| format!("(w_{i} AND ({answers}))"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let nonce = jiff::Timestamp::now().as_nanosecond();
        let name = format!("{}.glir_baseline_{}_{nonce}", self.db, std::process::id());
        let action = "cannot compute the baseline in ClickHouse";
        let mut run = BaselineAnswers {
            answers: Answers::new(),
            tables: vec![name.clone()],
            http: Http::new(&self.url),
        };
        // The learned events are read once (`FINAL` merges as it reads), then each query reads
        // the few columns kept: reading them once per query took twice as long.
        let learned_table = format!("{name}_learned");
        run.tables.push(learned_table.clone());
        run.http.execute(
            action,
            &format!(
                "CREATE TABLE {learned_table} ENGINE = MergeTree ORDER BY created_us AS {}",
                base(&self.db, "0", &selected, &per_rule)
            ),
        )?;
        // A time range at a time: `FINAL` opens every part it merges at once, and over a
        // whole store of freshly ingested parts that passed the server's memory.
        for (lo, hi) in self.time_ranges(&format!("({learned})"))? {
            let range = format!("({learned}) AND created_us >= {lo} AND created_us <= {hi}");
            run.http.execute(
                action,
                &format!(
                    "INSERT INTO {learned_table} {}",
                    base(&self.db, &range, &selected, &per_rule)
                ),
            )?;
        }
        let q = Queries {
            learned: learned_table,
            rules: rules.len(),
            config,
        };
        // Each question is answered per group, and groups do not depend on each other: split
        // by a hash of the actor (of the address for the address's questions), a run holds a
        // slice of the groups at a time, within the server's per-query memory however many
        // events are learned.
        let mut learned_rows = 0u64;
        run.http.query_lines(
            action,
            &format!("SELECT count() AS n FROM {} FORMAT JSONEachRow", q.learned),
            |line| {
                learned_rows = parse::<CountRow>(line, "count row")?.n;
                Ok(())
            },
        )?;
        let slices = learned_rows.div_ceil(self.baseline_slice).max(1);
        let parts_table = format!("{name}_parts");
        run.tables.push(parts_table.clone());
        run.http.execute(
            action,
            &format!(
                "CREATE TABLE {parts_table} ENGINE = MergeTree ORDER BY (c, e) AS {}",
                q.wanted()
            ),
        )?;
        for slice in 0..slices {
            for part in q.answers(slices, slice) {
                run.http
                    .execute(action, &format!("INSERT INTO {parts_table} {part}"))?;
            }
        }
        run.http.execute(
            action,
            &format!(
                "CREATE TABLE {name} ENGINE = MergeTree ORDER BY (c, e) AS SELECT * FROM ({}) WHERE {}",
                q.merged(&parts_table),
                if keep.is_empty() { "0" } else { &keep }
            ),
        )?;
        let columns: Vec<&str> = COLUMNS.iter().map(|(c, _)| *c).collect();
        run.http.query_lines(
            action,
            &format!(
                "SELECT c, e, {} FROM {name} FORMAT JSONEachRow",
                columns.join(", "),
            ),
            |line| {
                let row: AnswerRow = parse(line, "baseline row")?;
                let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
                let novelty = Novelty {
                    ready: true,
                    actor_known: row.actor_known != 0,
                    actor_seen_before: row.actor_seen_before != 0,
                    new_ip: row.new_ip != 0,
                    new_network: row.new_network != 0,
                    network_new_today: row.network_new_today != 0,
                    new_ip_for_instance: row.new_ip_for_instance != 0,
                    new_event_type: row.new_event_type != 0,
                    new_entity: row.new_entity != 0,
                    unusual_hour: row.unusual_hour != 0,
                    above_usual_rate: row.above_usual_rate != 0,
                    events_this_hour: count(row.events_this_hour),
                    failed_signins_from_ip: count(row.failed_signins_from_ip),
                };
                run.answers.insert((row.c, row.e), novelty);
                Ok(())
            },
        )?;
        Ok(run)
    }
}

#[derive(Deserialize)]
struct AnswerRow {
    c: i64,
    e: String,
    actor_seen_before: u8,
    actor_known: u8,
    events_this_hour: u64,
    above_usual_rate: u8,
    unusual_hour: u8,
    new_ip: u8,
    new_network: u8,
    network_new_today: u8,
    new_ip_for_instance: u8,
    new_event_type: u8,
    new_entity: u8,
    failed_signins_from_ip: u64,
}

/// The learned events, each once (`FINAL` over the few columns read), with the columns the
/// baseline reads: `s` the time in whole seconds (as glir's), `hr` the clock hour and `hod` the
/// hour of day (floored, as Rust's `div_euclid`), the actor's key (a user by id, else by name,
/// as glir's), `w_<i>` whether rule i's condition over the events columns holds, `w` whether
/// the event is wanted (selected, and some `w_<i>`), `failed` whether it is a failed sign-in.
fn base(db: &str, learned: &str, selected: &str, per_rule: &[String]) -> String {
    let failed = format!(
        "startsWith(ifNull(event_type, ''), '{}') OR ifNull(event_type, '') IN ({})",
        glir_baseline::FAILED_SIGNIN_PREFIX,
        glir_baseline::FAILED_SIGNIN_TYPES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rules: String = per_rule
        .iter()
        .enumerate()
        .map(|(i, w)| format!("{w} AS w_{i}, "))
        .collect();
    let names: String = (0..per_rule.len()).map(|i| format!("w_{i}, ")).collect();
    let any = match per_rule.len() {
        0 => "0".to_owned(),
        n => (0..n)
            .map(|i| format!("w_{i}"))
            .collect::<Vec<_>>()
            .join(" OR "),
    };
    format!(
        "SELECT created_us, event_id, s, hr, (hr % 24 + 24) % 24 AS hod, actor, ip_address, \
         network, event_type, entity_path, {names}w, failed FROM \
         (SELECT created_us, event_id, intDiv(created_us, 1000000) AS s, \
          intDiv(s, 3600) - (s < 0 AND s % 3600 != 0) AS hr, \
          multiIf(ifNull(author_id, 0) > 0, concat('#', toString(ifNull(author_id, 0))), \
                  ifNull(author_name, '') != '', concat('@', ifNull(author_name, '')), '') AS actor, \
          ip_address, network, event_type, entity_path, {rules}\
          toUInt8(({selected}) AND ({any})) AS w, toUInt8({failed}) AS failed \
          FROM {db}.events FINAL WHERE {learned})"
    )
}

/// Learned events per slice of groups: a slice's arrays stay well within the server's
/// per-query memory (4 GB in `scripts/clickhouse-server.sh`; 10M events in one slice passed it).
pub(super) const SLICE_ROWS: u64 = 1_000_000;

struct Queries<'a> {
    /// The table of learned events (`base`).
    learned: String,
    /// How many `w_<i>` columns it has.
    rules: usize,
    config: &'a Config,
}

impl Queries<'_> {
    /// One row of the answers' parts (`c`, `e`, the rule flags `q_w_<i>`, an answer column
    /// `p_<name>` each): the columns `given` from `from`, the rest zero.
    fn part(&self, from: &str, flags_from: bool, given: &[(&str, &str)]) -> String {
        let mut cols = vec!["c".to_owned(), "e".to_owned()];
        for i in 0..self.rules {
            cols.push(match flags_from {
                true => format!("toUInt8(w_{i}) AS q_w_{i}"),
                false => format!("materialize(toUInt8(0)) AS q_w_{i}"),
            });
        }
        for (name, count) in COLUMNS {
            let value = given
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("0", |(_, v)| v);
            let cast = if count { "toUInt64" } else { "toUInt8" };
            cols.push(format!("materialize({cast}({value})) AS p_{name}"));
        }
        format!("SELECT {} FROM ({from})", cols.join(", "))
    }

    /// Every wanted event with its rule flags, no answer yet.
    fn wanted(&self) -> String {
        let flags: Vec<String> = (0..self.rules).map(|i| format!("w_{i}")).collect();
        self.part(
            &format!(
                "SELECT created_us AS c, event_id AS e, {} FROM {} WHERE w = 1",
                if flags.is_empty() {
                    "0 AS none".to_owned()
                } else {
                    flags.join(", ")
                },
                self.learned
            ),
            true,
            &[],
        )
    }

    /// The answers of the groups in slice `slice` of `slices`, as parts: only events where a
    /// question has something to say.
    fn answers(&self, slices: u64, slice: u64) -> Vec<String> {
        let of = |key: &str| {
            format!(
                "SELECT * FROM {} WHERE cityHash64({key}) % {slices} = {slice}",
                self.learned
            )
        };
        let by_actor = of("actor");
        let by_address = of("ifNull(ip_address, '')");
        let mut parts = vec![self.part(
            &self.actors(&by_actor),
            false,
            &[
                ("actor_seen_before", "seen"),
                ("actor_known", "known"),
                ("events_this_hour", "in_hour"),
                ("above_usual_rate", "above"),
                ("unusual_hour", "unusual"),
            ],
        )];
        for (value, group, new, today) in [
            ("ip_address", "actor, ip_address", "new_ip", None),
            (
                "network",
                "actor, network",
                "new_network",
                Some("network_new_today"),
            ),
            ("event_type", "actor, event_type", "new_event_type", None),
            ("entity_path", "actor, entity_path", "new_entity", None),
            ("ip_address", "ip_address", "new_ip_for_instance", None),
        ] {
            let mut given = vec![(new, "new")];
            given.extend(today.map(|t| (t, "today")));
            let base = if group.starts_with("actor") {
                &by_actor
            } else {
                &by_address
            };
            parts.push(self.part(&self.first_seen(base, value, group), false, &given));
        }
        parts.push(self.part(
            &self.failures(&by_address),
            false,
            &[("failed_signins_from_ip", "n")],
        ));
        parts
    }

    /// One row per wanted event: its flags and answers from every part.
    fn merged(&self, parts: &str) -> String {
        let mut merged = vec!["c".to_owned(), "e".to_owned()];
        merged.extend((0..self.rules).map(|i| format!("max(q_w_{i}) AS w_{i}")));
        merged.extend(COLUMNS.iter().map(|(n, _)| format!("max(p_{n}) AS {n}")));
        format!("SELECT {} FROM {parts} GROUP BY c, e", merged.join(", "))
    }

    /// Per actor: whether it had events before, whether its first is old enough to be known,
    /// its events in this clock hour and whether they are above its usual rate; joined with
    /// its events in this hour of day and its neighbours (each event counted in three bands),
    /// for the unusual hour.
    fn actors(&self, base: &str) -> String {
        let Config {
            known_after,
            usual_hours_min_events,
            usual_hours_share,
            rate_factor,
            rate_floor,
            ..
        } = self.config;
        let min_hours = glir_baseline::MIN_ACTIVE_HOURS;
        let known_after = known_after.as_secs();
        // For event i of the actor (1-based) in clock hour number `dn` (1-based) whose first
        // event is element `fi`: `i - fi + 1` events this hour so far, `fi - 1` in the `dn - 1`
        // hours before.
        format!(
            "SELECT c, e, seen, known, in_hour, above, \
             prior >= {usual_hours_min_events} AND around < {usual_hours_share:?} * prior AS unusual \
             FROM ( \
              SELECT k.1 AS c, k.2 AS e, i > 1 AS seen, at - first_s >= {known_after} AS known, \
               i - fi + 1 AS in_hour, \
               dn - 1 >= {min_hours} AND i - fi + 1 > \
                 greatest((fi - 1) / (dn - 1) * {rate_factor:?}, {rate_floor}) AS above, \
               i - 1 AS prior \
              FROM ( \
               SELECT arraySort(groupArray((created_us, event_id, s, hr, w))) AS xs, \
                arrayEnumerate(xs) AS idx, \
                arrayMap(x_ -> x_.3, xs) AS ss, \
                arrayMap(x_ -> x_.4, xs) AS hs, \
                arrayMap((d_, i_) -> i_ = 1 OR d_ != 0, arrayDifference(hs), idx) AS changes, \
                arrayCumSum(changes) AS dense, \
                arrayMap((i_, u_) -> i_ - u_ + 1, idx, arrayEnumerateUniq(hs)) AS fis, \
                ss[1] AS first_s \
               FROM ({base}) WHERE actor != '' GROUP BY actor HAVING max(w) = 1 \
              ) ARRAY JOIN xs AS k, idx AS i, ss AS at, dense AS dn, fis AS fi \
              WHERE k.5 = 1 \
             ) AS rates ANY LEFT JOIN ( \
              SELECT k.1 AS c, k.2 AS e, i - 1 AS around FROM ( \
               SELECT arraySort(groupArray((created_us, event_id, own, w))) AS xs, \
                arrayEnumerate(xs) AS idx \
               FROM (SELECT actor, created_us, event_id, w, arrayJoin([23, 0, 1]) AS d, \
                     (hod + d) % 24 AS band, d = 0 AS own FROM ({base}) WHERE actor != '') \
               GROUP BY actor, band HAVING max(own AND w) = 1 \
              ) ARRAY JOIN xs AS k, idx AS i WHERE k.3 = 1 AND k.4 = 1 \
             ) AS bands USING (c, e) "
        )
    }

    /// Per group (`group`, over events with a `value`): whether the event's value had not
    /// been used within the window (the first of the group, or after a longer gap), and
    /// whether its use began less than a day ago; only events where either holds come back.
    fn first_seen(&self, base: &str, value: &str, group: &str) -> String {
        let history = self.config.history.as_secs();
        let today = glir_baseline::NEW_TODAY;
        let has_value = if value == "network" {
            "network != ''".to_owned()
        } else {
            format!("{value} IS NOT NULL")
        };
        let has_actor = if group.starts_with("actor") {
            "actor != '' AND "
        } else {
            ""
        };
        format!(
            "SELECT k.1 AS c, k.2 AS e, jn AS new, jt AS today FROM ( \
              SELECT arraySort(groupArray((created_us, event_id, s, w))) AS xs, \
               arrayEnumerate(xs) AS idx, \
               arrayMap(x_ -> x_.3, xs) AS ss, \
               arrayMap((d_, i_) -> i_ = 1 OR d_ > {history}, arrayDifference(ss), idx) AS ns, \
               arrayDifference(arrayFilter((s_, n_) -> n_, ss, ns)) AS steps, \
               arrayCumSum(arrayMap(m_ -> m_.2, arraySort(arrayConcat( \
                 arrayMap((i_, d_) -> (i_, d_), arrayFilter((i_, n_) -> n_, idx, ns), steps), \
                 arrayMap(i_ -> (i_, toInt64(0)), arrayFilter((i_, n_) -> NOT n_, idx, ns)))))) \
                 AS since_rise, \
               ss[1] AS first_s, \
               arrayMap((s_, r_) -> s_ - (first_s + r_) < {today}, ss, since_rise) AS ts \
              FROM ({base}) WHERE {has_actor}{has_value} GROUP BY {group} HAVING max(w) = 1 \
             ) ARRAY JOIN xs AS k, ns AS jn, ts AS jt WHERE k.4 = 1 AND (jn OR jt) \
             "
        )
    }

    /// Per address that ever had a failed sign-in: for each wanted event from it, the failed
    /// sign-ins before it (in event order) within the window, at most as many as glir keeps.
    /// Each failure also leaves the window at its time plus the window plus a second: sorted
    /// with the events (leaving first at one instant), the leavings before an event are the
    /// failures too old for it. (A lambda reading another array would copy it per element.)
    fn failures(&self, base: &str) -> String {
        let window = glir_baseline::FAILURE_WINDOW;
        let kept = glir_baseline::MAX_FAILURES_KEPT;
        format!(
            "SELECT k.1 AS c, k.2 AS e, least(jn, {kept}) AS n FROM ( \
              SELECT arraySort(groupArray((created_us, event_id, s, w, failed))) AS xs, \
               arrayEnumerate(xs) AS idx, \
               arrayMap(x_ -> x_.5, xs) AS ff, \
               arrayCumSum(ff) AS cf, \
               arraySort(arrayConcat( \
                 arrayMap((x_, i_) -> (x_.3, toUInt8(1), toUInt64(i_)), xs, idx), \
                 arrayMap(x_ -> (x_.3 + {window} + 1, toUInt8(0), toUInt64(0)), \
                   arrayFilter(x_ -> x_.5 = 1, xs)))) AS sorted, \
               arrayMap(m_ -> m_.3, arraySort(m_ -> m_.2, arrayFilter(m_ -> m_.1 = 1, \
                 arrayMap((t_, e_) -> (t_.2, t_.3, e_), sorted, \
                   arrayCumSum(arrayMap(t_ -> t_.2 = 0, sorted)))))) AS expired, \
               arrayFilter(y_ -> y_.4 = 1, \
                 arrayMap((x_, c_, f_, e_) -> (x_.1, x_.2, x_.3, x_.4, c_ - f_ - e_), \
                   xs, cf, ff, expired)) AS wy, \
               arrayMap(y_ -> y_.5, wy) AS ns \
              FROM ({base}) WHERE ip_address IS NOT NULL AND ip_address IN \
               (SELECT ip_address FROM ({base}) WHERE failed = 1 AND ip_address IS NOT NULL) \
              GROUP BY ip_address HAVING max(w) = 1 \
             ) ARRAY JOIN wy AS k, ns AS jn WHERE jn > 0 "
        )
    }
}

#[derive(Deserialize)]
struct CountRow {
    n: u64,
}
