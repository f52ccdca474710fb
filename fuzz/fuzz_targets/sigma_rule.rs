//! A Sigma rule file as `glir detect` loads it (a user's `--rules` directory is as untrusted as
//! the events), then compiled into a detector and run over a few events, so glir's own compiled
//! programs see every rule that loads.
#![no_main]

use glir_detect::{Detector, LoadOptions, lint, load_rule_texts};
use glir_events::{AuditEvent, parse_event};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::LazyLock;

static EVENTS: LazyLock<Vec<AuditEvent>> = LazyLock::new(|| {
    [
        r#"{"id":"1","created_at":"2025-03-01T08:34:25.639Z","event_type":"user_created","author_id":1,"author_name":"root","entity_type":"User","entity_path":"alice","target_id":"7","details":{"custom_message":"Created user","ip_address":"203.0.113.7"}}"#,
        r#"{"id":2,"created_at":"2025-03-01T09:00:00Z","author_id":-1,"entity_type":"Project","entity_path":"grp/app","details":{"change":"visibility","from":"Private","to":"Public","author_name":"An unauthenticated user"}}"#,
        r#"{"time":"2025-03-02T17:38:22.523Z","severity":"INFO","author_id":3,"entity_type":"Group","change":"membership","from":"","to":"Owner","with":"saml","target_details":"bob"}"#,
    ]
    .iter()
    .map(|raw| parse_event(raw, None, "fuzz").expect("seed events parse"))
    .collect()
});

fuzz_target!(|text: &str| {
    let files = [(PathBuf::from("rules/fuzz.yml"), text)];
    for any_logsource in [false, true] {
        let options = LoadOptions {
            any_logsource,
            ..LoadOptions::default()
        };
        let Ok(pack) = load_rule_texts(&files, &options) else {
            continue;
        };
        let _ = lint(&pack, None);
        let mut detector = Detector::new(&pack).expect("a loaded pack builds a detector");
        for event in EVENTS.iter() {
            let _ = detector.process(event);
        }
        let _ = detector.finish();
    }
});
