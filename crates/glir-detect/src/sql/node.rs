//! Boolean SQL with what the stored columns cannot tell, rendered as a bound.
//!
//! The `events` table keeps `details` flattened (glir-store `clickhouse/row.rs`), and ClickHouse
//! lowers and matches text with its own tables, so for a few events a rule's answer cannot be
//! read off the columns exactly: a float kept as text, a literal dotted key, an empty object, a
//! character `lowerUTF8` folds differently. A [`Node`] marks those spots ([`Node::Unsure`]) and
//! renders as an upper bound (every event the rule may match) or a lower bound (only events it
//! surely matches); `NOT` swaps the two. Pushdown uses the upper bound: the detector re-checks
//! each event it selects, so a superset loses nothing, and where nothing is unsure both bounds
//! are the same exact condition.

use super::text::{ENTRY_FOLDED, ENTRY_LOWERED, ENTRY_ODD_NUMBER, INT_TEXT, fold_ascii};
use std::fmt::Write as _;

/// A boolean condition over one row of `events`.
#[derive(Debug, Clone)]
pub(super) enum Node {
    Const(bool),
    /// An exact expression: UInt8, never NULL.
    Sql(String),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// At least this many of the children hold.
    AtLeast(u64, Vec<Node>),
    /// `node`, except where `unsure` (an exact expression) holds: there the columns cannot
    /// tell, so the upper bound counts the row in and the lower bound leaves it out.
    Unsure {
        node: Box<Node>,
        unsure: String,
    },
    /// Some entry of the flattened `details` satisfies the body, which reads the entry as `k`
    /// (key), `v` (value) and `t` (kind).
    AnyEntry(Box<Node>),
}

/// Which bound to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bound {
    /// Every row the condition may hold for.
    Upper,
    /// Only rows it surely holds for.
    Lower,
}

impl Bound {
    fn flip(self) -> Bound {
        match self {
            Bound::Upper => Bound::Lower,
            Bound::Lower => Bound::Upper,
        }
    }
}

pub(super) fn sql(s: impl Into<String>) -> Node {
    Node::Sql(s.into())
}

pub(super) fn and(parts: Vec<Node>) -> Node {
    let mut kept = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Node::Const(true) => {}
            Node::Const(false) => return Node::Const(false),
            Node::And(inner) => kept.extend(inner),
            p => kept.push(p),
        }
    }
    match kept.len() {
        0 => Node::Const(true),
        1 => kept.pop().expect("one part"),
        _ => Node::And(kept),
    }
}

pub(super) fn or(parts: Vec<Node>) -> Node {
    let mut kept = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Node::Const(false) => {}
            Node::Const(true) => return Node::Const(true),
            Node::Or(inner) => kept.extend(inner),
            p => kept.push(p),
        }
    }
    match kept.len() {
        0 => Node::Const(false),
        1 => kept.pop().expect("one part"),
        _ => Node::Or(kept),
    }
}

pub(super) fn not(n: Node) -> Node {
    match n {
        Node::Const(b) => Node::Const(!b),
        Node::Not(inner) => *inner,
        n => Node::Not(Box::new(n)),
    }
}

pub(super) fn at_least(n: u64, parts: Vec<Node>) -> Node {
    match n {
        0 => Node::Const(true),
        1 => or(parts),
        n if n == parts.len() as u64 => and(parts),
        n if n > parts.len() as u64 => Node::Const(false),
        n => Node::AtLeast(n, parts),
    }
}

/// `node`, unsure where `unsure` holds (`None`: nowhere).
pub(super) fn unsure(node: Node, unsure: Option<String>) -> Node {
    match unsure {
        None => node,
        Some(unsure) => Node::Unsure {
            node: Box::new(node),
            unsure,
        },
    }
}

pub(super) fn any_entry(body: Node) -> Node {
    match body {
        Node::Const(false) => Node::Const(false),
        body => Node::AnyEntry(Box::new(body)),
    }
}

impl Node {
    /// The condition as SQL: an upper or lower bound of the rows it holds for.
    pub(super) fn render(&self, bound: Bound) -> String {
        let mut out = String::new();
        self.write(bound, &mut out);
        out
    }

    fn write(&self, bound: Bound, out: &mut String) {
        let join = |parts: &[Node], op: &str, out: &mut String| {
            out.push('(');
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(op);
                }
                p.write(bound, out);
            }
            out.push(')');
        };
        match self {
            Node::Const(b) => out.push_str(if *b { "1" } else { "0" }),
            Node::Sql(s) => {
                out.push('(');
                out.push_str(s);
                out.push(')');
            }
            Node::And(parts) => join(parts, " AND ", out),
            Node::Or(parts) => join(parts, " OR ", out),
            Node::Not(inner) => {
                out.push_str("(NOT ");
                inner.write(bound.flip(), out);
                out.push(')');
            }
            // Each part is 0 or 1; their sum promotes to a wider integer.
            Node::AtLeast(n, parts) => {
                out.push('(');
                join(parts, " + ", out);
                let _ = write!(out, " >= {n})");
            }
            Node::Unsure { node, unsure } => {
                out.push('(');
                node.write(bound, out);
                match bound {
                    Bound::Upper => out.push_str(" OR "),
                    Bound::Lower => out.push_str(" AND NOT "),
                }
                out.push('(');
                out.push_str(unsure);
                out.push_str("))");
            }
            Node::AnyEntry(body) => {
                let mut inner = String::new();
                body.write(bound, &mut inner);
                // The folded values as arrays of their own: written alike in every test, so
                // ClickHouse computes each once per block however many tests read it.
                let mut params = String::from("k, v, t");
                let mut arrays = String::from("details_keys, details_values, details_kinds");
                for (param, array) in [
                    (
                        ENTRY_FOLDED,
                        format!("arrayMap(x -> {}, details_values)", fold_ascii("x")),
                    ),
                    (
                        ENTRY_LOWERED,
                        "arrayMap(x -> lowerUTF8(x), details_values)".to_owned(),
                    ),
                    (
                        ENTRY_ODD_NUMBER,
                        format!(
                            "arrayMap((x, y) -> y = 2 AND NOT match(x, {INT_TEXT}), \
                             details_values, details_kinds)"
                        ),
                    ),
                ] {
                    if mentions(&inner, param) {
                        let _ = write!(params, ", {param}");
                        let _ = write!(arrays, ", {array}");
                    }
                }
                let _ = write!(out, "arrayExists(({params}) -> {inner}, {arrays})");
            }
        }
    }
}

/// Whether `sql` has `name` as a word of its own (a literal holding it only adds an array).
fn mentions(sql: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    sql.match_indices(name).any(|(i, _)| {
        !word(sql[..i].chars().next_back()) && !word(sql[i + name.len()..].chars().next())
    })
}
