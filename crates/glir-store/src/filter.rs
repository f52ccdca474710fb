use rusqlite::types::Value as SqlValue;

/// Which events to select; every field set narrows the result (they are ANDed).
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Matches author_name or author_email (both case-insensitive), or author_id when numeric.
    pub actor: Option<String>,
    /// Exact client IP address.
    pub ip: Option<String>,
    /// Event type glob with SQLite GLOB semantics (`*token*`, case-sensitive).
    pub event_type: Option<String>,
    /// Exact target type, e.g. `PersonalAccessToken`.
    pub target_type: Option<String>,
    /// entity_path exactly or under it (`grp` matches `grp/app`), or entity_id when numeric.
    pub entity: Option<String>,
    /// Earliest creation time, inclusive.
    pub since: Option<jiff::Timestamp>,
    /// Latest creation time, exclusive.
    pub until: Option<jiff::Timestamp>,
    /// Exact source (GitLab host or file label).
    pub source: Option<String>,
    /// At most this many events.
    pub limit: Option<usize>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
}

/// A WHERE clause (empty or starting with " WHERE") and its positional parameters.
pub(crate) struct Where {
    pub(crate) sql: String,
    pub(crate) params: Vec<SqlValue>,
}

impl EventFilter {
    /// Every term compares a bare indexed column so SQLite can pick the matching
    /// `(column, created_at)` index; nothing wraps a column in a function.
    pub(crate) fn to_where(&self) -> Where {
        let mut terms: Vec<String> = Vec::new();
        let mut params: Vec<SqlValue> = Vec::new();
        if let Some(actor) = &self.actor {
            // author_name and author_email are declared COLLATE NOCASE, so `=` is
            // case-insensitive and still uses their indexes.
            let mut term = "(author_name = ? OR author_email = ?".to_owned();
            params.push(text(actor));
            params.push(text(actor));
            if let Ok(id) = actor.trim().parse::<i64>() {
                term.push_str(" OR author_id = ?");
                params.push(SqlValue::Integer(id));
            }
            term.push(')');
            terms.push(term);
        }
        if let Some(ip) = &self.ip {
            terms.push("ip_address = ?".to_owned());
            params.push(text(ip));
        }
        if let Some(glob) = &self.event_type {
            terms.push("event_type GLOB ?".to_owned());
            params.push(text(glob));
        }
        if let Some(target_type) = &self.target_type {
            terms.push("target_type = ?".to_owned());
            params.push(text(target_type));
        }
        if let Some(entity) = &self.entity {
            // "Under grp" is the half-open range ["grp/", "grp0"): '0' is the byte after '/',
            // so the range holds exactly the paths starting with "grp/" and stays an index scan.
            let path = entity.trim_end_matches('/');
            let mut term = "(entity_path = ? OR (entity_path >= ? AND entity_path < ?)".to_owned();
            params.push(text(path));
            params.push(SqlValue::Text(format!("{path}/")));
            params.push(SqlValue::Text(format!("{path}0")));
            if let Ok(id) = entity.trim().parse::<i64>() {
                term.push_str(" OR entity_id = ?");
                params.push(SqlValue::Integer(id));
            }
            term.push(')');
            terms.push(term);
        }
        if let Some(since) = self.since {
            terms.push("created_at >= ?".to_owned());
            params.push(SqlValue::Integer(since.as_microsecond()));
        }
        if let Some(until) = self.until {
            terms.push("created_at < ?".to_owned());
            params.push(SqlValue::Integer(until.as_microsecond()));
        }
        if let Some(source) = &self.source {
            terms.push("source = ?".to_owned());
            params.push(text(source));
        }
        let sql = if terms.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", terms.join(" AND "))
        };
        Where { sql, params }
    }
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_owned())
}
