//! On the ClickHouse server the tests run against: `lowerUTF8` lowers every character outside
//! the unsafe class as Rust's `to_lowercase` does, and the class matches exactly its ranges.
//! Run in CI, this catches a ClickHouse whose lowering drifted from what the class assumes.

use super::super::text::{UNSAFE_LOWER, quote, unsafe_lower_class};
use glir_test_support::clickhouse::TestDatabase;
use std::fmt::Write as _;

/// TabSeparated escaping.
fn tsv(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\0', "\\0")
}

#[test]
fn lower_utf8_agrees_with_rust_outside_the_unsafe_class() {
    let Some(db) = TestDatabase::new("lower_utf8") else {
        return;
    };
    db.sql("CREATE DATABASE {db}");
    db.sql(
        "CREATE TABLE {db}.chars (cp UInt32, c String, rust String, unsafe UInt8) \
         ENGINE = Memory",
    );
    let mut rows = String::from("INSERT INTO {db}.chars FORMAT TabSeparated\n");
    let in_class = |cp: u32| UNSAFE_LOWER.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp));
    let mut count = 0;
    for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
        let lower: String = c.to_lowercase().collect();
        let _ = writeln!(
            rows,
            "{}\t{}\t{}\t{}",
            c as u32,
            tsv(&c.to_string()),
            tsv(&lower),
            u8::from(in_class(c as u32))
        );
        count += 1;
    }
    // The body holds `{` only as characters of the data, never as `{db}`.
    db.sql(&rows);
    assert_eq!(
        db.sql("SELECT count() FROM {db}.chars").trim(),
        count.to_string()
    );
    let class = quote(&unsafe_lower_class());
    let misread = db.sql(&format!(
        "SELECT groupArray(cp) FROM (SELECT cp FROM {{db}}.chars \
         WHERE match(c, {class}) != unsafe ORDER BY cp LIMIT 20)"
    ));
    assert_eq!(misread.trim(), "[]", "the class and its ranges disagree");
    let differ = db.sql(&format!(
        "SELECT groupArray(cp) FROM (SELECT cp FROM {{db}}.chars \
         WHERE lowerUTF8(c) != rust AND NOT match(c, {class}) ORDER BY cp LIMIT 20)"
    ));
    assert_eq!(
        differ.trim(),
        "[]",
        "lowerUTF8 differs from Rust outside the unsafe class"
    );
    // Not vacuous: the class is where they differ.
    let inside = db.sql(&format!(
        "SELECT count() FROM {{db}}.chars WHERE lowerUTF8(c) != rust AND match(c, {class})"
    ));
    assert!(inside.trim().parse::<u32>().unwrap() > 100, "{inside}");
}
