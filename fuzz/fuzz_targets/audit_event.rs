//! One record of any layout, as ingest and detection read it. The text path (`parse_event`,
//! `EventReader`, `EventBatch`) promises exactly what parsing into a JSON value first gives
//! (`event_from_value`), events and errors alike, so a disagreement is a bug even without a panic.
#![no_main]

use glir_events::{
    Details, EventBatch, EventReader, EventRef, Layout, ParseError, detect_layout,
    event_from_value, parse_event,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const LAYOUTS: [Option<Layout>; 7] = [
    None,
    Some(Layout::Rest),
    Some(Layout::Stream),
    Some(Layout::AuditLog),
    Some(Layout::ApplicationLog),
    Some(Layout::AuthLog),
    Some(Layout::ApiLog),
];

fuzz_target!(|data: &[u8]| {
    // Records are read as text; bytes that are not UTF-8 never reach the parsers.
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let value = serde_json::from_str::<Value>(raw.trim());
    let mut reader = EventReader::new();
    let mut batch = EventBatch::new();
    for layout in LAYOUTS {
        let reference = match &value {
            Ok(value) => event_from_value(value, raw, layout, "fuzz"),
            Err(e) => Err(ParseError::InvalidJson(e.to_string())),
        };
        let fast = parse_event(raw, layout, "fuzz");
        assert_eq!(
            fast, reference,
            "parse_event vs event_from_value as {layout:?}"
        );
        if let (None, Ok(event), Ok(value)) = (layout, &fast, &value) {
            assert_eq!(
                Some(event.layout),
                detect_layout(value),
                "detected layout vs parsed"
            );
        }

        let lent = reader.read(raw, layout, "fuzz", |e| {
            check_details(&e);
            let _ = (e.summary(), e.author_kind(), e.details.to_json_string());
            e.to_event()
        });
        assert_eq!(lent, fast, "EventReader vs parse_event as {layout:?}");

        let before = batch.len();
        let pushed = batch.push_record(raw, layout, "fuzz");
        assert_eq!(pushed.err(), fast.as_ref().err().cloned());
        match &fast {
            Ok(event) => {
                let held = batch.get(before).expect("a pushed event is held");
                check_details(&held);
                assert_eq!(&held.to_event(), event, "EventBatch vs parse_event");
            }
            Err(_) => assert_eq!(
                batch.len(),
                before,
                "a failed push leaves the batch as it was"
            ),
        }
    }
});

/// Details kept as text were checked to be JSON, and the members noted while parsing are those a
/// fresh read of that text finds.
fn check_details(e: &EventRef<'_>) {
    if let Details::Text(text) = e.details {
        assert!(
            serde_json::from_str::<Value>(text).is_ok(),
            "details text is not JSON"
        );
    }
    if let Some(noted) = e.details_members {
        let noted: Vec<_> = noted.iter().collect();
        let fresh = e
            .details
            .text_members()
            .expect("noted members come from details text");
        let fresh: Vec<_> = fresh.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
        assert_eq!(noted, fresh, "noted details members vs a fresh read");
    }
}
