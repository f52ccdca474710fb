//! `parse_event` reads top-level fields straight from the record text; it must give exactly what
//! parsing the record into a JSON value first gives (`event_from_value`), events and errors alike.

use glir_events::{
    EventBatch, EventReader, EventRef, Layout, ParseError, event_from_value, parse_event,
};

const TIME: &str = r#""created_at": "2025-03-01T08:34:25.639Z""#;

/// Records that stress the text path: escapes, duplicate keys, odd types, odd layouts.
fn tricky() -> Vec<String> {
    let nested = [
        r#""id": "1", "event_type": "x""#,
        r#""id": 7, "event_name": "x", "details": {"event_name": "y"}"#,
        r#""id": -7.5, "author_id": "12", "entity_id": 3.0"#,
        r#""id": null, "event_type": "user_created""#,
        r#""id": true"#,
        r#""event_\u0074ype": "escaped_key", "id": "2""#,
        r#""id": "3", "author_name": "a\"b\\c\u00e9\n", "target_details": "\ud83d\ude00""#,
        r#""id": "4", "author_name": "first", "author_name": "second""#,
        r#""id": "5", "details": {"change": "a"}, "details": {"change": "b"}"#,
        r#""id": "6", "details": "not an object", "change": "c""#,
        r#""id": "7", "details": null"#,
        r#""id": "8", "details": [1, 2], "from": false, "to": true, "target_id": 29"#,
        r#""id": "9", "custom_message": {"protocol": "ssh", "action": "git-upload-pack"}"#,
        r#""id": "10", "details": {"custom_message": "in details", "target_id": "grp/app", "author_id": 4}"#,
        r#""id": "11", "ip_address": null, "author_email": 5, "entity_path": ["a"]"#,
        r#""id": "12", "big": 1e999"#,
        r#""id": "13", "details": {"big": 1e999}"#,
        r#""id": 184467440737095516150"#,
    ];
    let mut records: Vec<String> = nested.iter().map(|f| format!("{{{TIME}, {f}}}")).collect();
    // Past serde_json's nesting limit, in a field nobody reads and inside `details`.
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    records.push(format!(r#"{{{TIME}, "id": "14", "unread": {deep}}}"#));
    records.push(format!(
        r#"{{{TIME}, "id": "15", "details": {{"x": {deep}}}}}"#
    ));
    // Lone surrogates, read and unread.
    records.push(format!(
        r#"{{{TIME}, "id": "16", "author_name": "\ud800"}}"#
    ));
    records.push(format!(r#"{{{TIME}, "id": "17", "unread": "\ud800"}}"#));
    records.extend(
        [
            r#"{"id": "1", "created_at": null, "event_type": "x"}"#,
            r#"{"id": "1", "created_at": 5}"#,
            r#"{"id": "1", "created_at": "yesterday"}"#,
            r#"{"id": "1", "created_at": "2025-03-01T08:34:25\u002e639Z"}"#,
            r#"{"id": "1", "created_at": "2025-03-01T08:34:25Z", "created_at": "bad"}"#,
            r#"{"time": "2025-03-02T17:38:22.523Z", "change": "visibility", "from": "Private", "details": {"k": 1}, "with": "saml", "author_id": "3"}"#,
            r#"{"time": "2025-03-02T17:38:22.523Z", "ti\u006de": "dup", "severity": "INFO"}"#,
            r#"{"time": null}"#,
            r#"{"severity": "INFO"}"#,
            r#"{}"#,
            r#"[1, 2]"#,
            r#""just a string""#,
            r#"42"#,
            r#"{"id": "1", "#,
            r#"{"id": "1"} trailing"#,
        ]
        .map(str::to_owned),
    );
    records
}

fn fixtures() -> Vec<String> {
    let mut out: Vec<String> = [
        include_str!("fixtures/stream.jsonl"),
        include_str!("fixtures/audit_json.log"),
    ]
    .iter()
    .flat_map(|text| text.lines().filter(|l| !l.trim().is_empty()))
    .map(str::to_owned)
    .collect();
    let rest: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("fixtures/rest.json")).unwrap();
    out.extend(rest.iter().map(|v| v.to_string()));
    out
}

/// The reference: the record parsed into a value first. Invalid JSON never gets that far.
fn via_value(raw: &str, layout: Option<Layout>) -> Result<glir_events::AuditEvent, ParseError> {
    let value: serde_json::Value =
        serde_json::from_str(raw.trim()).map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    event_from_value(&value, raw, layout, "src")
}

#[test]
fn text_path_agrees_with_value_path_for_every_layout_choice() {
    let layouts = [
        None,
        Some(Layout::Rest),
        Some(Layout::Stream),
        Some(Layout::AuditLog),
    ];
    let records: Vec<String> = tricky().into_iter().chain(fixtures()).collect();
    let mut parsed = 0;
    for raw in &records {
        for layout in layouts {
            let fast = parse_event(raw, layout, "src");
            assert_eq!(fast, via_value(raw, layout), "{raw} as {layout:?}");
            parsed += usize::from(fast.is_ok());
        }
    }
    // The comparison means little if everything failed the same way.
    assert!(parsed > records.len(), "only {parsed} parses succeeded");
}

#[test]
fn escapes_and_duplicates_are_read_as_json_says() {
    let raw = format!(
        r#"{{{TIME}, "id": "3", "event_\u0074ype": "x", "author_name": "a", "author_name": "b\"\u00e9", "details": {{"k": 1}}, "details": {{"k": 2}}}}"#
    );
    let e = parse_event(&raw, None, "src").unwrap();
    assert_eq!(e.layout, Layout::Stream);
    assert_eq!(e.event_type.as_deref(), Some("x"));
    assert_eq!(e.author_name.as_deref(), Some("b\"é"));
    assert_eq!(e.details, serde_json::json!({"k": 2}));
    assert_eq!(e.raw, raw);
}

/// The members the parser noted, as owned pairs.
fn noted(e: &EventRef<'_>) -> Option<Vec<(String, String)>> {
    let m = e.details_members?;
    Some(
        m.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

/// The members read from the details text afresh.
fn reread(e: &EventRef<'_>) -> Option<Vec<(String, String)>> {
    let members = e.details.text_members()?;
    Some(
        members
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.to_owned()))
            .collect(),
    )
}

#[test]
fn a_reader_lends_what_parse_event_gives_with_the_members_of_details() {
    let layouts = [None, Some(Layout::Rest), Some(Layout::Stream)];
    let mut records: Vec<String> = tricky().into_iter().chain(fixtures()).collect();
    let escaped_name = format!(r#"{{{TIME}, "id": "e", "details": {{"a": 1, "k\u0065y": 2}}}}"#);
    records.push(escaped_name.clone());
    let (mut reader, mut batch) = (EventReader::new(), EventBatch::new());
    let mut with_members = 0;
    for raw in &records {
        for layout in layouts {
            let lent = reader.read(raw, layout, "src", |e| {
                (e.to_event(), noted(&e), reread(&e))
            });
            let reference = parse_event(raw, layout, "src");
            assert_eq!(lent.clone().map(|l| l.0), reference, "{raw}");
            let Ok((_, members, fresh)) = lent else {
                continue;
            };
            if members.is_some() {
                assert_eq!(members, fresh, "{raw}");
                with_members += 1;
            }
            if raw == &escaped_name {
                assert_eq!(members, None, "a decoded name is not a slice of the record");
            }
            // A batch keeps the members with the event.
            batch.clear();
            batch.push_record(raw, layout, "src").unwrap();
            assert_eq!(noted(&batch.get(0).unwrap()), members, "{raw}");
        }
    }
    assert!(
        with_members > 20,
        "{with_members} events with members noted"
    );
}

#[test]
fn a_batch_holds_what_parse_event_gives_and_nothing_on_errors() {
    let layouts = [None, Some(Layout::Rest), Some(Layout::Stream)];
    let records: Vec<String> = tricky().into_iter().chain(fixtures()).collect();
    let mut batch = EventBatch::new();
    let mut expected = Vec::new();
    for raw in &records {
        for layout in layouts.into_iter().chain([Some(Layout::AuditLog)]) {
            let before = batch.len();
            let pushed = batch.push_record(raw, layout, "src");
            let reference = parse_event(raw, layout, "src");
            assert_eq!(pushed.clone().err(), reference.clone().err(), "{raw}");
            match reference {
                Ok(event) => expected.push(event),
                Err(_) => assert_eq!(batch.len(), before, "{raw}"),
            }
        }
    }
    assert_eq!(batch.len(), expected.len());
    for (got, want) in batch.iter().zip(&expected) {
        assert_eq!(got.to_event(), *want, "{}", want.raw);
        // Summaries read `details` from the text in the batch, from the value in the event.
        assert_eq!(got.summary(), want.summary(), "{}", want.raw);
        assert_eq!(EventRef::from(want).to_event(), *want);
    }
    batch.clear();
    assert!(batch.is_empty() && batch.get(0).is_none());
}

#[test]
fn summaries_read_membership_and_sign_in_details() {
    let raw = format!(
        r#"{{{TIME}, "id": "1", "event_type": "member_created", "details": {{"add": "user_access", "as": "Developer", "with": "saml", "remove": "x", "add": "group_access"}}}}"#
    );
    let mut batch = EventBatch::new();
    batch.push_record(&raw, None, "src").unwrap();
    let summary = batch.get(0).unwrap().summary();
    assert_eq!(
        summary,
        "add group_access as Developer; remove x; with saml"
    );
    assert_eq!(summary, parse_event(&raw, None, "src").unwrap().summary());
}

/// Whitespace of every kind at every offset of a record whose `details` the parser reads member
/// by member: the event is the value path's, and the members noted are a fresh read's.
#[test]
fn whitespace_anywhere_reads_as_json_says() {
    let record = format!(
        r#"{{{TIME}, "id": "w", "event_type": "x", "author_id": 5, "details": {{"custom_message": {{"protocol": "ssh", "action": "a"}}, "target_id": 7, "from": false}}, "to": [1, {{"a": null}}]}}"#
    );
    let mut reader = EventReader::new();
    let (mut parsed, mut with_members) = (0, 0);
    for at in 0..=record.len() {
        for ws in [" ", "\n", "\t", "\r", " \r\n\t "] {
            let mut raw = record.clone();
            raw.insert_str(at, ws);
            let lent = reader.read(&raw, None, "src", |e| (e.to_event(), noted(&e), reread(&e)));
            assert_eq!(lent.clone().map(|l| l.0), via_value(&raw, None), "{raw:?}");
            if let Ok((_, members, fresh)) = lent {
                parsed += 1;
                if members.is_some() {
                    assert_eq!(members, fresh, "{raw:?}");
                    with_members += 1;
                }
            }
        }
    }
    assert!(
        parsed > 300 && with_members > 300,
        "{parsed}, {with_members}"
    );
}

/// Found by fuzzing: a flat record's details are built as a value, which a batch writes back as
/// text and reads again; with best-effort float parsing that second read moved the number by one
/// ulp, so the batch (and so the store) held a different event than `parse_event` gave.
#[test]
fn a_batch_keeps_every_digit_of_a_float_in_details() {
    let raw = r#"{"time":"2024-04-03T20:52:31.635Z","change":"x","d":0.0059370000000000008}"#;
    let parsed = parse_event(raw, None, "src").unwrap();
    let mut batch = EventBatch::new();
    batch.push_record(raw, None, "src").unwrap();
    assert_eq!(batch.get(0).unwrap().to_event(), parsed);
}
