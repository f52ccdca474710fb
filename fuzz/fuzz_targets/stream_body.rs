//! A request body as `glir serve` takes it from the network: split into events (one object or
//! an array, whatever the content type said), each on one line, each parsed as a streamed
//! audit event. Every event handed on must be a JSON object whose meaning is the item's as
//! sent, on a single line (the archive keeps one event per line).
#![no_main]

use glir_events::{Layout, parse_event};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(events) = glir_serve::body_events(data) else {
        return;
    };
    // The splitter checks syntax only; a number beyond f64 (`1e888`) is syntax a JSON value
    // cannot hold. Such an event fails its parse (400), which must not panic either.
    let Ok(sent) = serde_json::from_slice::<Value>(data) else {
        for line in &events {
            assert!(!line.contains(['\n', '\r']), "an event spans lines: {line:?}");
            let _ = parse_event(line, Some(Layout::Stream), "fuzz");
        }
        return;
    };
    let items = match sent {
        Value::Array(items) => items,
        one => vec![one],
    };
    assert_eq!(items.len(), events.len());
    for (item, line) in items.iter().zip(&events) {
        assert!(!line.contains(['\n', '\r']), "an event spans lines: {line:?}");
        let kept: Value = serde_json::from_str(line).expect("an event line is JSON");
        assert!(kept.is_object());
        assert_eq!(&kept, item, "the line changed the event");
        let _ = parse_event(line, Some(Layout::Stream), "fuzz");
    }
});
