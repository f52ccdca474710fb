//! Correlation rules: alerts carry every contributing event id, and windows are on created_at.

mod common;
use common::{load, rule_dir, run, stream};

const FAILED: &str = "title: Failed login\nid: failed-login\nname: failed_login\nlevel: low\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: login_failed_with_standard_authentication\n  condition: sel\n";
const BRUTE: &str = "title: Failed logins then success\nid: brute-then-success\nlevel: high\ntags: [attack.credential_access, attack.t1110]\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [author_name]\n  timespan: 5m\n  condition: {gte: 3}\n";

fn failed(id: u32, who: &str, time: &str) -> glir_events::AuditEvent {
    stream(&format!(
        r#"{{"id":"{id}","created_at":"{time}","event_type":"login_failed_with_standard_authentication","author_id":-1,"author_name":"{who}","ip_address":"203.0.113.66","details":{{"failed_login":"STANDARD"}}}}"#
    ))
}

#[test]
fn three_failures_in_five_minutes_fire_once_with_all_event_ids() {
    let dir = rule_dir(&[("failed.yml", FAILED), ("brute.yml", BRUTE)]);
    let pack = load(dir.path());
    assert!(pack.errors.is_empty(), "{:?}", pack.errors);
    let events = [
        failed(1, "dana", "2026-11-25T02:00:00Z"),
        failed(2, "dana", "2026-11-25T02:01:00Z"),
        failed(3, "dana", "2026-11-25T02:02:00Z"),
    ];
    let alerts = run(&pack, &events);
    // The base rule is referenced by the correlation, so it does not alert alone (Sigma spec).
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    assert_eq!(a.rule_id, "brute-then-success");
    assert_eq!(a.level, "high");
    assert_eq!(a.event_ids, ["1", "2", "3"]);
    assert_eq!(a.actor.as_deref(), Some("dana"));
    assert_eq!(a.time.to_string(), "2026-11-25T02:02:00Z");
    assert!(a.tags.contains(&"attack.t1110".to_string()));
}

#[test]
fn failures_spread_over_more_than_the_window_or_users_do_not_fire() {
    let dir = rule_dir(&[("failed.yml", FAILED), ("brute.yml", BRUTE)]);
    let pack = load(dir.path());
    let slow = [
        failed(1, "dana", "2026-11-25T02:00:00Z"),
        failed(2, "dana", "2026-11-25T02:04:00Z"),
        failed(3, "dana", "2026-11-25T02:09:00Z"),
    ];
    assert!(run(&pack, &slow).is_empty());
    let spread = [
        failed(1, "dana", "2026-11-25T02:00:00Z"),
        failed(2, "eve", "2026-11-25T02:01:00Z"),
        failed(3, "dana", "2026-11-25T02:02:00Z"),
    ];
    assert!(run(&pack, &spread).is_empty());
}

#[test]
fn a_detection_alert_names_rule_event_actor_and_a_scrubbed_reason() {
    let rule = "title: PAT created\nid: pat-created\nlevel: medium\ntags: [attack.persistence]\nlogsource: {product: gitlab, service: audit}\ndetection:\n  sel:\n    event_type: personal_access_token_created\n  condition: sel\n";
    let dir = rule_dir(&[("pat.yml", rule)]);
    let pack = load(dir.path());
    let token = format!("glpat-{}", "A1b2C3d4E5f6G7h8I9j0");
    let e = stream(&format!(
        r#"{{"id":"9","created_at":"2026-11-25T02:13:07Z","event_type":"personal_access_token_created","author_id":2,"author_name":"Dana","target_type":"PersonalAccessToken","target_details":"ci","details":{{"custom_message":"Created token {token}"}}}}"#
    ));
    let alerts = run(&pack, &[e]);
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(
        (a.rule_id.as_str(), a.title.as_str(), a.level.as_str()),
        ("pat-created", "PAT created", "medium")
    );
    assert_eq!(a.event_ids, ["9"]);
    assert_eq!(a.actor.as_deref(), Some("Dana"));
    assert!(a.reason.starts_with("PAT created: "), "{}", a.reason);
    assert!(!a.reason.contains(&token), "token leaked: {}", a.reason);
    assert!(!a.reason.contains('\n'));
}
