//! Rules reading `baseline.*` fields: the detector learns every event and gives each rule what
//! was new about it.

mod common;

use common::{run, single_rule, stream};
use glir_detect::Detector;
use glir_events::AuditEvent;

fn event(at: &str, event_type: &str, ip: &str) -> AuditEvent {
    stream(&format!(
        r#"{{"id": "{at}-{event_type}-{ip}", "created_at": "{at}", "event_type": "{event_type}", "author_id": 7, "author_name": "Dana", "ip_address": "{ip}", "entity_type": "User", "entity_path": "dana", "details": {{}}}}"#
    ))
}

/// Two days of Dana's sign-ins from the office.
fn history() -> Vec<AuditEvent> {
    (1..=2)
        .flat_map(|day| {
            (9..17).map(move |hour| {
                event(
                    &format!("2026-03-0{day}T{hour:02}:00:00Z"),
                    "authenticated_with_password",
                    "198.51.100.7",
                )
            })
        })
        .collect()
}

const NEW_IP_TOKEN: &str = "  sel:\n    event_type: personal_access_token_created\n    baseline.new_ip: true\n    baseline.actor_known: true\n  condition: sel";

#[test]
fn a_token_made_from_an_address_the_actor_never_used_fires() {
    let (_dir, pack) = single_rule(NEW_IP_TOKEN);
    let mut events = history();
    events.push(event(
        "2026-03-03T10:00:00Z",
        "personal_access_token_created",
        "198.51.100.7",
    ));
    events.push(event(
        "2026-03-03T10:05:00Z",
        "personal_access_token_created",
        "192.0.2.66",
    ));
    let alerts = run(&pack, &events);
    let ids: Vec<_> = alerts.iter().flat_map(|a| a.event_ids.clone()).collect();
    assert_eq!(
        ids,
        ["2026-03-03T10:05:00Z-personal_access_token_created-192.0.2.66"]
    );
}

#[test]
fn without_history_the_actor_is_unknown_and_nothing_is_new() {
    let (_dir, pack) = single_rule(NEW_IP_TOKEN);
    let events = [event(
        "2026-03-03T10:05:00Z",
        "personal_access_token_created",
        "192.0.2.66",
    )];
    assert!(run(&pack, &events).is_empty());
}

#[test]
fn a_given_baseline_is_used_and_given_back_with_the_events_learned() {
    let (_dir, pack) = single_rule(NEW_IP_TOKEN);
    let mut warm = Detector::new(&pack).expect("detector");
    assert!(warm.uses_baseline());
    for e in history() {
        warm.process(&e);
    }
    let learned = warm.take_baseline().expect("kept");
    assert_eq!(learned.observed(), 16);
    let mut detector = Detector::new(&pack).expect("detector");
    detector.set_baseline(learned);
    let alerts = detector.process(&event(
        "2026-03-03T10:05:00Z",
        "personal_access_token_created",
        "192.0.2.66",
    ));
    assert_eq!(alerts.len(), 1);
    assert_eq!(detector.take_baseline().expect("kept").observed(), 17);
}

#[test]
fn a_pack_without_baseline_fields_keeps_no_baseline() {
    let (_dir, pack) =
        single_rule("  sel:\n    event_type: personal_access_token_created\n  condition: sel");
    assert!(!Detector::new(&pack).expect("detector").uses_baseline());
}
