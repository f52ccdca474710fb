//! The SQL text the conversion writes, what it declines, and how a pack splits.

mod bounds;
mod lowercase;

use super::regex::translate;
use super::text::{UNSAFE_LOWER, folds_exactly, quote, unsafe_lower_class};
use crate::pack::{LoadOptions, RulePack, load_rule_texts};
use crate::{Pushdown, RuleKind};
use std::path::PathBuf;

/// A pack of the given rule documents (`id`, YAML after `detection:` or a whole correlation).
fn pack(rules: &[(&str, &str)]) -> RulePack {
    let texts: Vec<(PathBuf, String)> = rules
        .iter()
        .map(|(id, body)| {
            let text = match body.starts_with("correlation:") {
                true => format!("title: {id}\nid: {id}\n{body}\n"),
                false => format!(
                    "title: {id}\nid: {id}\nlogsource: {{product: gitlab}}\ndetection:\n{body}\n"
                ),
            };
            (PathBuf::from(format!("{id}.yml")), text)
        })
        .collect();
    let files: Vec<(PathBuf, &str)> = texts.iter().map(|(p, t)| (p.clone(), t.as_str())).collect();
    let strict = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    load_rule_texts(&files, &strict).unwrap()
}

/// The one rule's pushdown.
fn plan_of(body: &str) -> Pushdown {
    pack(&[("r", body)]).clickhouse_plan().remove(0).pushdown
}

fn sql_of(body: &str) -> String {
    match plan_of(body) {
        Pushdown::Sql(s) => s,
        Pushdown::InProcess(why) => panic!("in-process: {why}"),
    }
}

fn reason_of(body: &str) -> String {
    match plan_of(body) {
        Pushdown::InProcess(why) => why,
        Pushdown::Sql(s) => panic!("converted: {s}"),
    }
}

#[test]
fn literals_escape_quotes_backslashes_control_characters_and_braces() {
    assert_eq!(quote("it's"), r"'it\'s'");
    assert_eq!(quote(r"a\'b"), r"'a\\\'b'");
    assert_eq!(quote("x\ny\0"), r"'x\x0Ay\x00'");
    assert_eq!(quote("é"), "'é'");
    // The store replaces `{db}` in whole queries.
    assert_eq!(quote("{db}"), r"'\x7Bdb}'");
}

#[test]
fn an_event_type_list_is_one_in_over_the_folded_column() {
    let sql = sql_of("  s:\n    event_type: [add_ssh_key, ADD_GPG_KEY]\n  condition: s");
    assert_eq!(
        sql,
        "((isNotNull(event_type)) AND (event_type_folded IN ('add_ssh_key', 'add_gpg_key')))"
    );
}

#[test]
fn a_cased_comparison_reads_the_column_as_it_is() {
    let sql = sql_of("  s:\n    author_name|cased|startswith: Ma\n  condition: s");
    assert_eq!(
        sql,
        "((isNotNull(author_name)) AND (startsWith(ifNull(author_name, ''), 'Ma')))"
    );
}

#[test]
fn a_details_value_is_any_entry_under_its_key_unsure_past_the_cut_off() {
    let sql = sql_of("  s:\n    details.to: false\n  condition: s");
    assert_eq!(
        sql,
        "(arrayExists((k, v, t, fv) -> ((k = 'to') AND ((t = 3 AND v = 'false') OR \
         (t = 1 AND fv IN ('false', '0', 'no')))), details_keys, details_values, details_kinds, \
         arrayMap(x -> lower(replaceAll(replaceAll(x, '\u{212A}', 'k'), '\u{130}', 'i\u{307}')), \
         details_values)) OR (details_truncated != 0))"
    );
}

#[test]
fn a_dotted_path_is_unsure_where_a_key_holds_the_dot() {
    let sql = sql_of("  s:\n    details.custom_message.action: x\n  condition: s");
    assert!(sql.contains("k = 'custom_message.action'"), "{sql}");
    assert!(
        sql.contains(r#"position(record, '"custom_message.action":') > 0"#),
        "{sql}"
    );
}

#[test]
fn a_negated_item_is_written_with_the_lower_bound_of_what_it_negates() {
    let sql = sql_of(
        "  s:\n    event_type: x\n  f:\n    details.custom_message|startswith: a\n  \
         condition: s and not f",
    );
    // Under NOT the unsure rows are left out of what is negated, so they are selected.
    assert!(sql.contains("AND NOT (details_truncated != 0)"), "{sql}");
    assert!(sql.contains("AND NOT (nv)"), "{sql}");
    assert!(sql.contains("(k, v, t, fv, nv) -> "), "{sql}");
}

#[test]
fn numbers_compare_as_integers_against_the_rounded_bound() {
    let sql = sql_of("  s:\n    author_id|gt: 4.5\n  condition: s");
    assert_eq!(
        sql,
        "((isNotNull(author_id)) AND (ifNull(author_id, 0) > 4))"
    );
    let sql = sql_of("  s:\n    author_id|lt: -2.5\n  condition: s");
    assert!(sql.contains("ifNull(author_id, 0) < -2"), "{sql}");
    let sql = sql_of("  s:\n    target_id: 42\n  condition: s");
    assert!(
        sql.contains("match(ifNull(target_id, ''), '^[+-]?[0-9]{1,18}$')) AND (toInt64OrZero"),
        "{sql}"
    );
    assert!(reason_of("  s:\n    author_id: 1e300\n  condition: s").contains("1e300"));
}

#[test]
fn a_field_reference_compares_both_fields_as_text() {
    let sql = sql_of("  s:\n    author_id|fieldref: target_id\n  condition: s");
    assert_eq!(
        sql,
        "((isNotNull(author_id)) AND (isNotNull(target_id)) AND (toString(ifNull(author_id, 0)) \
         = target_id_folded))"
    );
    // `|cased` compares the values themselves: an integer never equals a string.
    assert_eq!(
        sql_of("  s:\n    author_id|fieldref|cased: target_id\n  condition: s"),
        "0"
    );
}

#[test]
fn null_and_exists_on_a_missing_or_top_level_field() {
    assert_eq!(sql_of("  s:\n    nothing: null\n  condition: s"), "1");
    assert_eq!(
        sql_of("  s:\n    ip_address: null\n  condition: s"),
        "(NOT (isNotNull(ip_address)))"
    );
    assert_eq!(
        sql_of("  s:\n    ip_address|exists: true\n  condition: s"),
        "(isNotNull(ip_address))"
    );
}

#[test]
fn selectors_count_their_selections() {
    let sql = sql_of(
        "  a:\n    event_type: x\n  b:\n    author_name: y\n  c:\n    entity_type: z\n  \
         condition: 2 of them",
    );
    assert!(sql.starts_with("((((isNotNull(event_type))"), "{sql}");
    assert!(sql.ends_with(" >= 2)"), "{sql}");
}

#[test]
fn rules_glir_cannot_write_exactly_stay_in_process_with_the_reason() {
    let cases = [
        (
            "  s:\n    baseline.new_ip: true\n  condition: s",
            "baseline",
        ),
        ("  keywords:\n    - x\n  condition: keywords", "keywords"),
        (
            "  s:\n    ip_address|cidr: 2001:db8::/32\n  condition: s",
            "IPv6",
        ),
        (
            "  s:\n    details.a|fieldref: author_name\n  condition: s",
            "fieldref",
        ),
        (
            "  s:\n    details|contains: x\n  condition: s",
            "whole `details`",
        ),
        ("  s:\n    details.a[0]: x\n  condition: s", "index"),
        (
            "  s:\n    author_name|expand: '%x%'\n  condition: s",
            "expand",
        ),
        ("  s:\n    created_at|hour: 3\n  condition: s", "time-part"),
        (
            "  s:\n    author_name|re: '\\p{Lu}'\n  condition: s",
            "regex",
        ),
    ];
    for (body, reason) in cases {
        let why = reason_of(body);
        assert!(why.contains(reason), "{body}: {why}");
    }
}

#[test]
fn regexes_become_re2_with_flags_around_the_whole_pattern() {
    let re = |p: &str| translate(p).map(|r| r.pattern).map_err(|e| e.0);
    assert_eq!(re("(?i)^foo.*bar$").unwrap(), r"(?i:^foo[^\n]*bar$)");
    assert_eq!(re(r"a\.b\*c").unwrap(), r"a\.b\*c");
    assert_eq!(re("(?s)a.b").unwrap(), "a(?s:.)b");
    assert_eq!(re("(?im)^a$").unwrap(), "(?im:^a$)");
    assert_eq!(re("(?P<x>a)|(?<y>b)").unwrap(), "(?:a)|(?:b)");
    assert_eq!(re("[]a-c-]{2,3}?").unwrap(), r"[\]a-c\-]{2,3}?");
    assert_eq!(re("x{2}y{1,}").unwrap(), "x{2}y{1,}");
    assert_eq!(re(r"\x41\u{212A}\n").unwrap(), "A\u{212A}\\x0A");
    assert_eq!(re("@ #").unwrap(), r"@ \#");
    assert_eq!(re(r"\d\s").unwrap(), r"[0-9][\t\n\x0B\f\r ]");
    let perl = translate(r"\w+\b").unwrap();
    assert!(perl.perl && !perl.exact_on_any_text(false));
    let folded = translate("(?i)é").unwrap();
    assert!(folded.non_ascii && !folded.exact_on_any_text(false));
    assert!(translate("é").unwrap().exact_on_any_text(false));
    assert!(!translate("é").unwrap().exact_on_any_text(true));
    for bad in [
        "a(?-i)b",
        "(?x)a",
        "[a&&b]",
        "[[:alpha:]]",
        r"\p{L}",
        "a{2000}",
        r"\b{start}",
        r"\0",
        "^*",
    ] {
        assert!(translate(bad).is_err(), "{bad}");
    }
}

#[test]
fn only_two_non_ascii_characters_lower_case_to_anything_ascii() {
    // What `text::fold_ascii` relies on.
    let ascii_from: Vec<char> = (0x80..=char::MAX as u32)
        .filter_map(char::from_u32)
        .filter(|c| c.to_lowercase().any(|l| l.is_ascii()))
        .collect();
    assert_eq!(ascii_from, ['\u{130}', '\u{212A}']);
}

#[test]
fn values_fold_exactly_unless_they_hold_what_another_character_lowers_to() {
    assert!(folds_exactly("key"));
    assert!(folds_exactly("\u{2013}key \u{4e2d}"));
    assert!(!folds_exactly("ärzte"));
    assert!(!folds_exactly("\u{3c3}"));
    assert!(!folds_exactly("i\u{307}"));
}

#[test]
fn the_unsafe_class_lists_its_ranges_as_characters() {
    let class = unsafe_lower_class();
    assert!(class.starts_with("[\u{130}\u{1C4}-\u{1CC}"), "{class}");
    assert!(
        UNSAFE_LOWER
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&0x3A3))
    );
    assert!(UNSAFE_LOWER.windows(2).all(|w| w[0].1 < w[1].0));
}

#[test]
fn a_correlation_goes_in_process_with_the_rules_it_counts() {
    let p = pack(&[
        ("plain", "  s:\n    event_type: a\n  condition: s"),
        ("fed", "  s:\n    event_type: b\n  condition: s"),
        ("novel", "  s:\n    baseline.new_ip: true\n  condition: s"),
        (
            "both",
            "correlation:\n  type: temporal\n  rules: [fed, novel]\n  group-by: [author_name]\n  \
             timespan: 1h",
        ),
        (
            "counted",
            "correlation:\n  type: event_count\n  rules: [plain]\n  group-by: [author_name, \
             author_id]\n  timespan: 1h\n  condition: {gte: 3}",
        ),
    ]);
    let plan = p.clickhouse_plan();
    assert!(matches!(&plan[3].pushdown, Pushdown::InProcess(w) if w.contains("`novel`")));
    let Pushdown::Sql(counted) = &plan[4].pushdown else {
        panic!("{:?}", plan[4])
    };
    assert!(
        counted.contains(
            "(ifNull(author_name, ''), ifNull(toString(author_id), '')) IN (SELECT \
             ifNull(author_name, ''), ifNull(toString(author_id), '') FROM {db}.events FINAL"
        ),
        "{counted}"
    );
    assert!(counted.contains("HAVING sum("), "{counted}");
    assert!(counted.ends_with(">= 3)))"), "{counted}");

    let (pushed, rest) = p.split_for_pushdown();
    let ids = |p: Option<RulePack>| -> Vec<String> {
        p.unwrap().rules.into_iter().map(|r| r.id).collect()
    };
    assert_eq!(ids(pushed), ["plain", "counted"]);
    assert_eq!(ids(rest), ["fed", "novel", "both"]);
    assert_eq!(plan[4].kind, RuleKind::Correlation);
}

#[test]
fn the_folded_columns_are_the_stores_and_fold_as_it_does() {
    use super::text::{FOLDED_COLUMNS, fold_ascii, fold_ascii_expression};
    assert_eq!(FOLDED_COLUMNS, glir_store::clickhouse::schema::FOLDED);
    for column in FOLDED_COLUMNS {
        let value = format!("ifNull({column}, '')");
        assert_eq!(
            glir_store::clickhouse::schema::folded(column),
            fold_ascii_expression(&value),
            "{column}"
        );
        assert_eq!(fold_ascii(&value), format!("{column}_folded"));
    }
    // Anything else is folded where it is read.
    assert_eq!(
        fold_ascii("created_at"),
        fold_ascii_expression("created_at")
    );
}
