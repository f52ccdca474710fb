//! Where a rule's field is in the `events` table, and what the stored form can tell of it.
//!
//! Rules see an event through `EventView` (glir-detect `event_view.rs`): the top-level fields
//! of `sigma_fields`, and `details.<path>` walked as rsigma's `JsonEvent::get_field` walks JSON
//! (rsigma-eval 0.23 `event/json.rs`: each `.` a key, arrays crossed element by element, all
//! the values found given as one array). The store keeps the top-level fields as columns and
//! `details` flattened (glir-store `clickhouse/row.rs`): one entry per scalar, its key the dotted
//! path of object keys (arrays add nothing), its kind (1 string, 2 number as JSON text, 3 bool,
//! 4 null). So the scalars a path reaches are the entries with that key, except where the
//! flattening loses what rsigma sees:
//! - a key that itself holds a dot (`{"a.b": 1}` is stored like `{"a": {"b": 1}}`, but the
//!   path `a.b` reaches only the second);
//! - objects nested 16 deep, which the store cuts off;
//! - empty objects and arrays (no entry, yet the field is there), and where an array or object
//!   ends the path (the field is there, or is an array holding `null`, not `null`).
//!
//! Each is detected on the row's `record` (the event's JSON, `details` written compactly by
//! serde_json) and marks the field unsure ([`Node::Unsure`]).

use super::Decline;
use super::node::{Node, and, any_entry, not, sql, unsure};
use super::text::quote;

/// What a field is in the table.
pub(super) enum Field {
    Column(Column),
    /// `details.<key>`, with where the stored entries may not be what rsigma sees.
    Details {
        key: String,
        /// A dotted key or a cut-off depth may hide or fake entries.
        unsure: Option<String>,
        /// An array or object may end the path.
        shape: String,
    },
    /// A field no event has: unknown names, and paths beneath a top-level scalar.
    Missing,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Column {
    pub(super) name: &'static str,
    pub(super) int: bool,
    pub(super) nullable: bool,
}

impl Column {
    /// The column's value, never NULL (a NULL reads as `''` or `0`; callers check presence).
    fn value(&self) -> String {
        match (self.nullable, self.int) {
            (false, _) => self.name.to_owned(),
            (true, false) => format!("ifNull({}, '')", self.name),
            (true, true) => format!("ifNull({}, 0)", self.name),
        }
    }
}

/// The columns behind `sigma_fields`'s top-level names (glir-store `clickhouse/schema.rs`).
fn column(name: &str) -> Option<Column> {
    let (name, int, nullable) = match name {
        "id" => ("event_id", false, false),
        "event_type" => ("event_type", false, true),
        "author_id" => ("author_id", true, true),
        "author_name" => ("author_name", false, true),
        "author_email" => ("author_email", false, true),
        "entity_id" => ("entity_id", true, true),
        "entity_type" => ("entity_type", false, true),
        "entity_path" => ("entity_path", false, true),
        "target_id" => ("target_id", false, true),
        "target_type" => ("target_type", false, true),
        "target_details" => ("target_details", false, true),
        "ip_address" => ("ip_address", false, true),
        "created_at" => ("created_at", false, false),
        _ => return None,
    };
    Some(Column {
        name,
        int,
        nullable,
    })
}

/// Nesting past the store's cut-off: the store drops a container 16 levels into `details` and
/// says so in `details_truncated` (glir-store `clickhouse/row.rs`).
const DEEP: &str = "details_truncated != 0";

/// Whether a rule's field is one of the `baseline.*` answers glir computes.
pub(super) fn is_baseline(name: &str) -> bool {
    name == "baseline" || name.starts_with("baseline.")
}

/// Resolves a rule's field name.
pub(super) fn resolve(name: &str) -> Result<Field, Decline> {
    if is_baseline(name) {
        return Err(Decline::baseline());
    }
    if name == "details" {
        return Err(Decline::new("matches the whole `details` object"));
    }
    if let Some(c) = column(name) {
        return Ok(Field::Column(c));
    }
    let Some(path) = name.strip_prefix("details.") else {
        // `EventView::get_field` finds nothing else: other names are not in `sigma_fields`,
        // and the other top-level fields are scalars.
        return Ok(Field::Missing);
    };
    let segments: Vec<&str> = path.split('.').collect();
    if path.contains(['[', '\\']) || segments.iter().any(|s| s.is_empty()) {
        return Err(Decline::new(format!(
            "reads `{name}`, a path with an index, an escape or an empty key"
        )));
    }
    let mut unsure = vec![DEEP.to_owned()];
    // Any run of two or more segments may be one literal key.
    for i in 0..segments.len() {
        for j in i + 1..segments.len() {
            unsure.push(in_record(&segments[i..=j].join("."), ":"));
        }
    }
    let last = segments.last().expect("split gives one segment at least");
    Ok(Field::Details {
        key: path.to_owned(),
        unsure: Some(unsure.join(" OR ")),
        shape: format!("{} OR {}", in_record(last, ":["), in_record(last, ":\\x7B")),
    })
}

/// Whether the record holds `key` as an object key followed by `after` (serde_json writes
/// `"key":value` with the key escaped as a JSON string).
fn in_record(key: &str, after: &str) -> String {
    let json = serde_json::to_string(key).expect("a string serializes");
    // `after` is already escaped for the literal (`\x7B` for `{`).
    let lit = quote(&json);
    let lit = format!("{}{after}'", &lit[..lit.len() - 1]);
    format!("position(record, {lit}) > 0")
}

/// How a scalar of the field is read in SQL.
pub(super) enum Value {
    /// A string column's value (never NULL).
    Str(String),
    /// An Int64 column's value (never NULL).
    Int(String),
    /// One entry of the flattened `details`: `v` and `t` in the lambda.
    Entry,
}

impl Field {
    /// Whether rsigma finds the field (any value, `null` included).
    pub(super) fn present(&self) -> Node {
        match self {
            Field::Column(c) if c.nullable => sql(format!("isNotNull({})", c.name)),
            Field::Column(_) => Node::Const(true),
            Field::Details { key, shape, .. } => unsure(
                sql(format!("has(details_keys, {})", quote(key))),
                Some(shape.clone()),
            ),
            Field::Missing => Node::Const(false),
        }
    }

    /// Whether the field's value is JSON `null` itself (not an array holding it).
    pub(super) fn is_null(&self) -> Node {
        match self {
            Field::Details { key, shape, .. } => {
                let k = quote(key);
                unsure(
                    sql(format!(
                        "arrayCount(k -> k = {k}, details_keys) = 1 AND \
                         arrayExists((k, t) -> k = {k} AND t = 4, details_keys, details_kinds)"
                    )),
                    Some(shape.clone()),
                )
            }
            // Top-level values are absent rather than null.
            Field::Column(_) | Field::Missing => Node::Const(false),
        }
    }

    /// Whether some scalar of the field satisfies `pred`, given how the scalar is read. For
    /// `details`, `pred` sees one entry; the caller narrows it to the kinds it accepts.
    pub(super) fn some(&self, pred: impl Fn(&Value) -> Node) -> Node {
        match self {
            Field::Column(c) => {
                let value = match c.int {
                    true => Value::Int(c.value()),
                    false => Value::Str(c.value()),
                };
                and(vec![self.present(), pred(&value)])
            }
            Field::Details { key, .. } => any_entry(and(vec![
                sql(format!("k = {}", quote(key))),
                pred(&Value::Entry),
            ])),
            Field::Missing => Node::Const(false),
        }
    }

    /// `item`, unsure where the stored entries may not be the field's.
    pub(super) fn guard(&self, item: Node) -> Node {
        match self {
            Field::Details { unsure: u, .. } => match item {
                Node::Const(_) => item,
                item => unsure(item, u.clone()),
            },
            _ => item,
        }
    }

    /// rsigma's `exists` item: the field is there and not `null`.
    pub(super) fn exists(&self) -> Node {
        and(vec![self.present(), not(self.is_null())])
    }
}
