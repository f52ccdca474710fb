//! glir's correlation windows against rsigma's engine: the same streams must give the same
//! alerts, in the same order, with the same event ids.

use crate::detector::Detector;
use crate::pack::{LoadOptions, RulePack, load_rules};
use glir_events::{AuditEvent, EventBatch, Layout, parse_event};
use std::path::Path;

/// A small deterministic generator (xorshift), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Event types the pack's correlations count, and a few it ignores.
const TYPES: &[&str] = &[
    "login_failed_with_standard_authentication",
    "login_failed_with_otp_authentication",
    "authenticated_with_password",
    "user_authenticated_with_two_factor",
    "personal_access_token_created",
    "project_access_token_created",
    "deploy_token_created",
    "add_ssh_key",
    "webhook_created",
    "user_created",
    "user_signed_in_from_unseen_ip",
    "personal_access_token_used_from_unseen_ip",
    "repository_download_operation",
    "project_export_created",
    "project_export_file_download_started",
    "project_deletion_marked",
    "group_destroyed",
    "member_created",
    "repository_git_operation",
];

/// `n` streamed events by a handful of actors, in time order: bursts within seconds (often
/// several in one second), quiet spells of minutes and the odd jump of hours, so windows fill,
/// slide and empty. Some events lack the author name, or carry a numeric one.
fn stream(seed: u64, n: usize) -> Vec<AuditEvent> {
    let mut rng = Rng(seed);
    let mut t = 1_740_787_200_i64; // 2025-03-01T00:00:00Z
    (0..n)
        .map(|i| {
            t += match rng.below(20) {
                0..=9 => 0,
                10..=15 => rng.below(30) as i64,
                16..=18 => rng.below(900) as i64,
                _ => rng.below(30_000) as i64,
            };
            let time = jiff::Timestamp::from_second(t).unwrap();
            let author = match rng.below(12) {
                0 => String::new(),
                1 => r#""author_name": 42, "#.to_owned(),
                k => format!(r#""author_name": "{}", "#, rng.pick(&["alice", "bob", "carol"]).to_owned() + &k.min(4).to_string()),
            };
            let json = format!(
                r#"{{"id": "ev-{i:06}", "event_type": "{}", {author}"author_id": {}, "entity_type": "Project", "entity_path": "grp/app{}", "ip_address": "10.0.0.{}", "created_at": "{time}", "details": {{"custom_message": "m"}}}}"#,
                rng.pick(TYPES),
                rng.below(5),
                rng.below(3),
                rng.below(4),
            );
            parse_event(&json, Some(Layout::Stream), "test").unwrap()
        })
        .collect()
}

fn gitlab_pack() -> RulePack {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/gitlab");
    load_rules(
        &[dir],
        &LoadOptions {
            strict: true,
            ..LoadOptions::default()
        },
    )
    .unwrap()
}

/// Runs both detectors over `events`; returns how many correlation alerts they agreed on.
fn agree(pack: &RulePack, events: &[AuditEvent]) -> usize {
    let mut own = Detector::new(pack).unwrap();
    assert!(
        own.owns_correlations(),
        "the pack should use glir's windows"
    );
    let mut reference = Detector::with_rsigma_correlations(pack).unwrap();
    let (mut correlated, mut batch) = (0, EventBatch::new());
    for e in events {
        // glir's side reads the event from its text, as `glir detect` does.
        batch.clear();
        batch.push_record(&e.raw, None, "test").unwrap();
        let a = own.process_ref(batch.get(0).unwrap()).alerts();
        let b = reference.process(e);
        assert_eq!(a, b, "after {}", e.event_id);
        correlated += a.iter().filter(|a| a.event_ids.len() > 1).count();
    }
    correlated
}

#[test]
fn the_gitlab_pack_correlates_as_rsigma_does() {
    let pack = gitlab_pack();
    for seed in [1, 7, 2026] {
        let fired = agree(&pack, &stream(seed, 6_000));
        // Not vacuous: the streams complete correlations many times.
        assert!(fired > 100, "seed {seed}: {fired} correlation alerts");
    }
}

/// Correlations of every type and window mode the pack does not use, over the same streams.
const BASE_RULES: &str = r#"
title: Failed
id: r-failed
name: failed
level: low
logsource: {product: gitlab, service: audit}
detection:
  s:
    event_type|startswith: login_failed
  condition: s
---
title: Succeeded
name: succeeded
level: low
logsource: {product: gitlab, service: audit}
detection:
  s:
    event_type: authenticated_with_password
  condition: s
---
title: Token
id: r-token
name: token
level: low
logsource: {product: gitlab, service: audit}
detection:
  s:
    event_type|contains: token
  condition: s
"#;

const OTHER_CORRELATIONS: &str = r#"
title: Distinct IPs
id: c-values
level: high
correlation:
  type: value_count
  rules: [r-failed]
  group-by: [author_name]
  timespan: 10m
  condition:
    field: ip_address
    gte: 3
---
title: Distinct IP and path
id: c-values2
level: high
correlation:
  type: value_count
  rules: [token]
  group-by: [author_id, entity_type]
  timespan: 1h
  condition:
    field: [ip_address, entity_path]
    gt: 2
---
title: Both, any order
id: c-temporal
level: high
generate: true
correlation:
  type: temporal
  rules: [failed, r-token]
  group-by: [author_name]
  timespan: 5m
  condition:
    gte: 2
---
title: Tumbling count
id: c-tumbling
level: medium
correlation:
  type: event_count
  rules: [r-failed, r-token]
  group-by: [entity_path]
  timespan: 10m
  window: tumbling
  condition:
    gte: 4
    lt: 9
---
title: Session count
id: c-session
level: medium
correlation:
  type: event_count
  rules: [succeeded]
  group-by: [details.custom_message, author_name]
  timespan: 1h
  window: session
  gap: 2m
  condition:
    gte: 3
---
title: Nobody grouped
id: c-ungrouped
level: low
correlation:
  type: event_count
  rules: [token]
  timespan: 30s
  condition:
    eq: 2
"#;

/// A pack from YAML documents, one file each.
fn pack_of(files: &[&str]) -> (tempfile::TempDir, RulePack) {
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("r{i}.yml")), text).unwrap();
    }
    let pack = load_rules(
        &[dir.path().to_path_buf()],
        &LoadOptions {
            strict: true,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    (dir, pack)
}

#[test]
fn other_correlation_types_and_windows_correlate_as_rsigma_does() {
    let (_dir, pack) = pack_of(&[BASE_RULES, OTHER_CORRELATIONS]);
    assert_eq!(pack.collection.correlations.len(), 6);
    for seed in [3, 11] {
        let fired = agree(&pack, &stream(seed, 6_000));
        assert!(fired > 100, "seed {seed}: {fired} correlation alerts");
    }
}

#[test]
fn packs_beyond_the_windows_go_to_rsigma() {
    let correlation = |extra: &str, rules: &str| {
        format!(
            "title: Extra\nid: c-extra\nlevel: high\n{extra}correlation:\n  type: event_count\n  \
             rules: [{rules}]\n  group-by: [author_name]\n  timespan: 1h\n  condition:\n    gte: 2\n"
        )
    };
    let (_dir, plain) = pack_of(&[BASE_RULES, &correlation("", "r-failed")]);
    assert!(Detector::new(&plain).unwrap().owns_correlations());
    let chained = correlation("", "c-values");
    let suppressed = correlation("rsigma.suppress: 5m\n", "r-failed");
    for extra in [chained, suppressed] {
        let (_dir, pack) = pack_of(&[BASE_RULES, OTHER_CORRELATIONS, &extra]);
        assert_eq!(pack.collection.correlations.len(), 7);
        assert!(
            !Detector::new(&pack).unwrap().owns_correlations(),
            "{extra}"
        );
    }
}

#[test]
fn alerts_of_a_window_list_its_events_oldest_first_capped_at_the_newest() {
    // 150 failures then a success, one actor, within the window: the alert keeps the last 100.
    let pack = gitlab_pack();
    let mut d = Detector::new(&pack).unwrap();
    let event = |i: usize, kind: &str| {
        let json = format!(
            r#"{{"id": "e{i:03}", "event_type": "{kind}", "author_name": "mallory", "created_at": "2025-03-01T00:{:02}:{:02}Z"}}"#,
            i / 60,
            i % 60
        );
        parse_event(&json, Some(Layout::Stream), "test").unwrap()
    };
    let then_success = |a: &&crate::Alert| a.title.contains("followed by a successful sign-in");
    for i in 0..150 {
        let alerts = d.process(&event(i, "login_failed_with_standard_authentication"));
        assert!(!alerts.iter().any(|a| then_success(&a)), "{alerts:?}");
    }
    let alerts = d.process(&event(150, "authenticated_with_password"));
    let correlation = alerts
        .iter()
        .find(then_success)
        .expect("failures then a success");
    let expected: Vec<String> = (51..=150).map(|i| format!("e{i:03}")).collect();
    assert_eq!(correlation.event_ids, expected);
    assert_eq!(correlation.actor.as_deref(), Some("mallory"));
}

/// Two rules and a correlation over them of `kind`, written without a `condition`.
fn without_condition(kind: &str) -> (tempfile::TempDir, RulePack) {
    let corr = format!(
        "title: Both\nid: c-both\nlevel: high\ncorrelation:\n  type: {kind}\n  \
         rules: [failed, r-token]\n  group-by: [author_name]\n  timespan: 5m\n"
    );
    pack_of(&[BASE_RULES, &corr])
}

/// The correlation alerts of both engines over `(event type, minute)` pairs by one actor,
/// checked equal.
fn both_engines(pack: &RulePack, events: &[(&str, u32)]) -> Vec<crate::Alert> {
    let mut own = Detector::new(pack).unwrap();
    assert!(own.owns_correlations());
    let mut reference = Detector::with_rsigma_correlations(pack).unwrap();
    let mut alerts = Vec::new();
    for (i, (kind, minute)) in events.iter().enumerate() {
        let json = format!(
            r#"{{"id": "e{i}", "event_type": "{kind}", "author_name": "mallory", "created_at": "2025-03-01T00:{minute:02}:00Z"}}"#
        );
        let e = parse_event(&json, Some(Layout::Stream), "test").unwrap();
        let a = own.process(&e);
        assert_eq!(a, reference.process(&e), "after {i}");
        alerts.extend(a.into_iter().filter(|a| a.rule_id == "c-both"));
    }
    alerts
}

const FAILURE: &str = "login_failed_with_standard_authentication";
const TOKEN: &str = "personal_access_token_created";

#[test]
fn a_temporal_correlation_without_condition_needs_every_rule_in_the_timespan() {
    let (_dir, pack) = without_condition("temporal");
    let alone = both_engines(&pack, &[(FAILURE, 0), (FAILURE, 1), (FAILURE, 2)]);
    assert!(alone.is_empty(), "one rule alone fired: {alone:?}");
    let both = both_engines(&pack, &[(TOKEN, 0), (FAILURE, 3)]);
    assert_eq!(both.len(), 1, "{both:?}");
    assert_eq!(both[0].event_ids, ["e0", "e1"]);
    let apart = both_engines(&pack, &[(FAILURE, 0), (TOKEN, 6)]);
    assert!(apart.is_empty(), "fired beyond the timespan: {apart:?}");
}

#[test]
fn an_ordered_temporal_correlation_without_condition_needs_every_rule_in_order() {
    let (_dir, pack) = without_condition("temporal_ordered");
    let alone = both_engines(&pack, &[(TOKEN, 0), (TOKEN, 1)]);
    assert!(alone.is_empty(), "one rule alone fired: {alone:?}");
    let reversed = both_engines(&pack, &[(TOKEN, 0), (FAILURE, 1)]);
    assert!(reversed.is_empty(), "fired out of order: {reversed:?}");
    let ordered = both_engines(&pack, &[(FAILURE, 0), (TOKEN, 4)]);
    assert_eq!(ordered.len(), 1, "{ordered:?}");
    let apart = both_engines(&pack, &[(FAILURE, 0), (TOKEN, 6)]);
    assert!(apart.is_empty(), "fired beyond the timespan: {apart:?}");
}

#[test]
fn a_written_temporal_condition_is_kept() {
    // `gte: 1` is what rsigma fills in for a missing condition; written, it is the author's.
    let corr = "title: Either\nid: c-both\nlevel: high\ncorrelation:\n  type: temporal\n  \
                rules: [failed, r-token]\n  group-by: [author_name]\n  timespan: 5m\n  \
                condition: {gte: 1}\n";
    let (_dir, pack) = pack_of(&[BASE_RULES, corr]);
    assert_eq!(both_engines(&pack, &[(FAILURE, 0)]).len(), 1);
}
