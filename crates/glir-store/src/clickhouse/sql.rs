//! SQL text for ClickHouse: literals and the WHERE clause of an [`EventFilter`].
//!
//! ClickHouse 18.16 has no query parameters over HTTP (`{name:Type}` came in 19.x), so values
//! are written as literals, quoted here and nowhere else.

use crate::filter::EventFilter;
use std::fmt::Write as _;

/// A string literal: `'` and `\` escaped with a backslash, as ClickHouse's string literals
/// require (<https://clickhouse.com/docs/sql-reference/syntax#string>); control characters as
/// `\xHH` so the query stays one printable line whatever the value holds.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The conditions of `filter` over the `events` table, ANDed; `1` when it has none. Each one
/// means what the SQLite backend's does (`sqlite/filter.rs`), so both select the same events:
/// names and emails compare with ASCII case folding as SQLite's `NOCASE` does, `event_type` is
/// a GLOB, and `entity` matches the path, the paths under it, or the numeric id.
///
/// The actor, entity and IP terms look the event's identifiers up in `event_idents`
/// (`schema.rs`), sorted by identifier, instead of reading those columns of every event: the
/// keys found there select the events, first by time alone (a cheap column, which ClickHouse
/// reads first) and then by key.
pub(crate) fn filter_where(filter: &EventFilter, db: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    let lower_ascii = |s: &str| s.to_ascii_lowercase();
    if let Some(actor) = &filter.actor {
        let mut idents = vec![
            format!("ident = {}", quote(&format!("n:{}", lower_ascii(actor)))),
            format!("ident = {}", quote(&format!("e:{}", lower_ascii(actor)))),
        ];
        if let Ok(id) = actor.trim().parse::<i64>() {
            idents.push(format!("ident = {}", quote(&format!("i:{id}"))));
        }
        terms.push(by_idents(db, &idents));
    }
    if let Some(entity) = &filter.entity {
        let path = entity.trim_end_matches('/');
        let mut idents = vec![
            format!("ident = {}", quote(&format!("p:{path}"))),
            format!(
                "(ident >= {} AND ident < {})",
                quote(&format!("p:{path}/")),
                quote(&format!("p:{path}0"))
            ),
        ];
        if let Ok(id) = entity.trim().parse::<i64>() {
            idents.push(format!("ident = {}", quote(&format!("x:{id}"))));
        }
        terms.push(by_idents(db, &idents));
    }
    if let Some(ip) = &filter.ip {
        terms.push(by_idents(
            db,
            &[format!("ident = {}", quote(&format!("a:{ip}")))],
        ));
    }
    if let Some(glob) = &filter.event_type {
        terms.push(format!(
            "ifNull(match(event_type, {}), 0)",
            quote(&glob_regex(glob))
        ));
    }
    if let Some(target_type) = &filter.target_type {
        terms.push(format!("ifNull(target_type = {}, 0)", quote(target_type)));
    }
    if let Some(source) = &filter.source {
        let q = quote(source);
        terms.push(format!(
            "(source = {q} OR (created_us, event_id) IN \
             (SELECT created_us, event_id FROM {db}.event_sources WHERE source = {q}))"
        ));
    }
    if let Some(since) = filter.since {
        terms.push(format!("created_us >= {}", since.as_microsecond()));
    }
    if let Some(until) = filter.until {
        terms.push(format!("created_us < {}", until.as_microsecond()));
    }
    if terms.is_empty() {
        "1".to_owned()
    } else {
        terms.join(" AND ")
    }
}

/// The events having one of the identifiers `idents` (conditions over `event_idents.ident`)
/// selects.
fn by_idents(db: &str, idents: &[String]) -> String {
    let which = idents.join(" OR ");
    format!(
        "(created_us IN (SELECT created_us FROM {db}.event_idents WHERE {which}) \
         AND (created_us, event_id) IN (SELECT created_us, event_id FROM {db}.event_idents \
         WHERE {which}))"
    )
}

/// A GLOB pattern (SQLite's: `*`, `?`, `[…]` with `^` negating, case-sensitive, whole string)
/// as an anchored RE2 expression for ClickHouse's `match`.
pub(crate) fn glob_regex(glob: &str) -> String {
    let mut re = String::from("^(?s:");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                // A class runs to the first `]` after its first character; unclosed, SQLite
                // matches nothing, and so does an impossible class here.
                let mut class = String::new();
                let mut closed = false;
                if chars.peek() == Some(&'^') {
                    chars.next();
                    class.push('^');
                }
                let mut first = true;
                for c in chars.by_ref() {
                    if c == ']' && !first {
                        closed = true;
                        break;
                    }
                    first = false;
                    if matches!(c, '\\' | '[' | ']' | '^') && !(c == '^' && class.is_empty()) {
                        class.push('\\');
                    }
                    class.push(c);
                }
                if closed {
                    re.push('[');
                    re.push_str(&class);
                    re.push(']');
                } else {
                    re.push_str("[^\\x00-\\x{10FFFF}]");
                }
            }
            c => {
                if "\\.+*?()|[]{}^$".contains(c) {
                    re.push('\\');
                }
                re.push(c);
            }
        }
    }
    re.push_str(")$");
    re
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(quote("it's"), r"'it\'s'");
        assert_eq!(quote(r"a\'b"), r"'a\\\'b'");
        assert_eq!(quote("x\ny\0"), r"'x\x0Ay\x00'");
        assert_eq!(quote("é"), "'é'");
    }

    #[test]
    fn globs_become_anchored_regexes() {
        assert_eq!(glob_regex("*token*"), "^(?s:.*token.*)$");
        assert_eq!(glob_regex("user_?.x"), r"^(?s:user_.\.x)$");
        assert_eq!(glob_regex("[a-c]*"), "^(?s:[a-c].*)$");
        assert_eq!(glob_regex("[^a]"), "^(?s:[^a])$");
        assert_eq!(glob_regex("[]x]"), r"^(?s:[\]x])$");
    }
}
