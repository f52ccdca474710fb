//! Literals, and text compared the way rsigma compares it.

use std::fmt::Write as _;

/// A ClickHouse string literal, escaped as `glir_store::clickhouse::sql::quote` escapes it (`'`
/// and `\` with a backslash, control characters as `\xHH`; glir-detect cannot depend on the
/// store), and `{` as `\x7B` as well: the store replaces `{db}` in the whole query text
/// (`ClickHouseStore::query_rows`), which must not reach into a rule's values.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '{' => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `s` lower-cased as Rust's `str::to_lowercase` does, as far as a value that
/// [`folds_exactly`] can tell (an ASCII value, say).
///
/// rsigma lower-cases case-insensitive haystacks with `to_lowercase` (rsigma-eval 0.23
/// `matcher/matching.rs`, and `ascii_lowercase_cow` in `matcher/helpers.rs`). Of all non-ASCII
/// characters only two lower-case to anything ASCII: U+212A (Kelvin) to `k` and U+0130 to `i`
/// followed by U+0307; every other one lower-cases to non-ASCII text. So with those two
/// rewritten first, ClickHouse's byte-wise `lower` gives text whose ASCII runs are exactly
/// those of `to_lowercase`, and an all-ASCII value is equal to, contained in, a prefix or a
/// suffix of the one exactly when it is of the other.
pub(super) fn fold_ascii(s: &str) -> String {
    // A details entry's value is folded once per row for every test on it (`node::AnyEntry`).
    if s == ENTRY_VALUE {
        return ENTRY_FOLDED.to_owned();
    }
    // A top-level text column is stored folded too (glir-store `clickhouse/schema.rs`,
    // `FOLDED`): reading that is one column read instead of three string passes per rule.
    if let Some(column) = s
        .strip_prefix("ifNull(")
        .and_then(|rest| rest.strip_suffix(", '')"))
        .filter(|c| FOLDED_COLUMNS.contains(c))
    {
        return format!("{column}_folded");
    }
    fold_ascii_expression(s)
}

/// The text columns the store keeps folded as `<column>_folded`, by [`fold_ascii_expression`]
/// of `ifNull(<column>, '')` (a test holds this list and that expression to the store's).
pub(super) const FOLDED_COLUMNS: &[&str] = &[
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

/// [`fold_ascii`] as an expression over `s`.
pub(super) fn fold_ascii_expression(s: &str) -> String {
    format!("lower(replaceAll(replaceAll({s}, '\u{212A}', 'k'), '\u{130}', 'i\u{307}'))")
}

/// The lambda parameters of `node::AnyEntry`: an entry's value, and its value folded by
/// [`fold_ascii`] and by `lowerUTF8`, each computed once per row as an array of its own.
pub(super) const ENTRY_VALUE: &str = "v";
pub(super) const ENTRY_FOLDED: &str = "fv";
pub(super) const ENTRY_LOWERED: &str = "uv";
/// Whether an entry is a number Rust would write otherwise than its JSON text (see
/// `matcher::text_of`): a float, or an integer beyond `i64` (longer than 18 digits, to be safe).
pub(super) const ENTRY_ODD_NUMBER: &str = "nv";

/// Whether a lower-cased value compares with [`fold_ascii`] text exactly: it is ASCII, or its
/// other characters are their own lower case and in nothing else's. Then `to_lowercase` of
/// any text shows the value exactly where the folded text does: the pieces where the two
/// differ (the lower case of a cased non-ASCII character, or the character itself) hold only
/// characters the value lacks.
pub(super) fn folds_exactly(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii() || !lowered_from_other(c))
}

/// Whether `c` is not its own lower case, or is part of another character's.
fn lowered_from_other(c: char) -> bool {
    static TARGETS: std::sync::OnceLock<std::collections::HashSet<char>> =
        std::sync::OnceLock::new();
    let targets = TARGETS.get_or_init(|| {
        (0..=char::MAX as u32)
            .filter_map(char::from_u32)
            .filter(|c| !c.is_ascii())
            .flat_map(|c| c.to_lowercase().filter(move |&l| l != c))
            .collect()
    });
    targets.contains(&c) || c.to_lowercase().ne(std::iter::once(c))
}

/// Characters ClickHouse's `lowerUTF8` does not lower as Rust's `to_lowercase` does, as an RE2
/// class. Measured on ClickHouse 18.16 against every code point (the test
/// `lower_utf8_agrees_with_rust_outside_the_unsafe_class` repeats it on the server CI runs),
/// widened to whole runs of a block; plus `Σ`, which Rust lowers to `ς` at the end of a word.
/// `lowerUTF8` leaves alone characters whose lower case is longer or shorter in UTF-8, and
/// knows only the case pairs of its Unicode version.
pub(super) const UNSAFE_LOWER: &[(u32, u32)] = &[
    (0x130, 0x130),
    (0x1C4, 0x1CC),
    (0x1F1, 0x1F3),
    (0x23A, 0x23E),
    (0x3A3, 0x3A3),
    (0x13A0, 0x13FF),
    (0x1C80, 0x1CBF),
    (0x1E9E, 0x1E9E),
    (0x1F80, 0x1FFF),
    (0x2126, 0x2132),
    (0x2160, 0x2188),
    (0x24B6, 0x24E9),
    (0x2C00, 0x2CFF),
    (0xA720, 0xA7FF),
    (0x104B0, 0x104FF),
    (0x10570, 0x105BF),
    (0x10C80, 0x10CFF),
    (0x10D50, 0x10D8F),
    (0x16E40, 0x16EFF),
    (0x1E900, 0x1E95F),
];

/// [`UNSAFE_LOWER`] as an RE2 character class. Characters are written as themselves: this RE2
/// does not match `\x{212A}` (or `\x{212B}`, `\x{2126}`) against the character it names.
pub(crate) fn unsafe_lower_class() -> String {
    let mut class = String::from("[");
    for &(lo, hi) in UNSAFE_LOWER {
        let ch = |c| char::from_u32(c).expect("a scalar value");
        class.push(ch(lo));
        if hi > lo {
            class.push('-');
            class.push(ch(hi));
        }
    }
    class.push(']');
    class
}

/// `s` lower-cased with `lowerUTF8`, and where that may differ from Rust's `to_lowercase`.
pub(super) fn fold_unicode(s: &str) -> (String, String) {
    let lowered = match s == ENTRY_VALUE {
        true => ENTRY_LOWERED.to_owned(),
        false => format!("lowerUTF8({s})"),
    };
    (
        lowered,
        format!("match({s}, {})", quote(&unsafe_lower_class())),
    )
}

/// Whether `s` holds anything but ASCII.
pub(super) fn non_ascii(s: &str) -> String {
    format!("match({s}, '[^\\\\x00-\\\\x7F]')")
}

/// How a string comparison compares (rsigma's `Exact`, `Contains`, `StartsWith`, `EndsWith`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StrOp {
    Exact,
    Contains,
    StartsWith,
    EndsWith,
}

impl StrOp {
    /// `haystack` compared with the literal `value`.
    pub(super) fn sql(self, haystack: &str, value: &str) -> String {
        let v = quote(value);
        match self {
            StrOp::Exact => format!("{haystack} = {v}"),
            StrOp::Contains => format!("position({haystack}, {v}) > 0"),
            StrOp::StartsWith => format!("startsWith({haystack}, {v})"),
            StrOp::EndsWith => format!("endsWith({haystack}, {v})"),
        }
    }

    /// The comparison of two expressions.
    pub(super) fn sql_of(self, haystack: &str, needle: &str) -> String {
        match self {
            StrOp::Exact => format!("{haystack} = {needle}"),
            StrOp::Contains => format!("position({haystack}, {needle}) > 0"),
            StrOp::StartsWith => format!("startsWith({haystack}, {needle})"),
            StrOp::EndsWith => format!("endsWith({haystack}, {needle})"),
        }
    }
}

/// The JSON text of a number serde_json wrote for an `i64`, which is also what Rust's
/// `i64::to_string` gives (rsigma's `match_str_value`): at most 18 digits always fit.
pub(super) const INT_TEXT: &str = "'^-?[0-9]{1,18}$'";

/// Text Rust's `str::parse::<f64>` reads as an integer of at most 18 digits, exactly.
pub(super) const INT_STRING: &str = "'^[+-]?[0-9]{1,18}$'";

/// Text Rust's `str::parse::<f64>` might read as a number (a superset: signs, digits, a dot,
/// `inf`, `infinity`, `nan`), checked on the ASCII-lowered text.
pub(super) const FLOATISH: &str = "'^[+-]?(\\\\.?[0-9]|inf|nan)'";
