//! The baseline computed by ClickHouse (`ClickHouseStore::baseline_answers`) gives, for every
//! event, exactly what glir's `Baseline` answers after learning the same events in the same
//! order: every field, on a generated instance (with the default settings and with settings
//! tight enough that every answer flips often) and on events built to sit on each edge.

use glir_baseline::{Baseline, Config, Novelty};
use glir_events::{AuditEvent, EventRef, parse_event};
use glir_store::clickhouse::baseline::Answers;
use glir_store::{EventFilter, Store, StoreLocation};
use glir_test_support::clickhouse::TestDatabase;
use jiff::{SignedDuration, Timestamp};

/// Settings under which a fortnight of events crosses every threshold many times.
fn tight() -> Config {
    Config {
        history: SignedDuration::from_hours(3),
        known_after: SignedDuration::from_hours(2),
        usual_hours_min_events: 20,
        usual_hours_share: 0.05,
        rate_factor: 2.0,
        rate_floor: 3,
    }
}

/// One rule selecting every event.
fn every() -> Vec<(String, String)> {
    vec![("1".to_owned(), "1".to_owned())]
}

/// The events in the order the store keeps them (time, then id), each once.
fn stored_order(mut events: Vec<AuditEvent>) -> Vec<AuditEvent> {
    events.sort_by(|a, b| {
        (a.created_at, a.event_id.as_str()).cmp(&(b.created_at, b.event_id.as_str()))
    });
    events.dedup_by(|a, b| a.created_at == b.created_at && a.event_id == b.event_id);
    events
}

/// What glir's baseline answers for each event from `from` on, learning every event in order.
fn in_glir(events: &[AuditEvent], config: Config) -> Vec<(i64, String, Novelty)> {
    let mut b = Baseline::new(config);
    events
        .iter()
        .map(|e| {
            let n = b.observe(&EventRef::from(e));
            (e.created_at.as_microsecond(), e.event_id.clone(), n)
        })
        .collect()
}

/// Every difference between glir's answers and ClickHouse's, for the events `wanted` keeps.
fn differences(
    glir: &[(i64, String, Novelty)],
    sql: &Answers,
    wanted: impl Fn(i64, &str) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut expected = 0;
    for (c, e, n) in glir {
        if !wanted(*c, e) {
            continue;
        }
        expected += 1;
        match sql.get(&(*c, e.clone())) {
            Some(got) if got == n => {}
            Some(got) => out.push(format!("{c} {e}: glir {n:?}\n  sql {got:?}")),
            None => out.push(format!("{c} {e}: no answer from ClickHouse")),
        }
    }
    if sql.len() != expected {
        out.push(format!(
            "ClickHouse answered {} events, {expected} were wanted",
            sql.len()
        ));
    }
    out
}

fn assert_same(what: &str, differences: Vec<String>) {
    assert!(
        differences.is_empty(),
        "{what}: {} differences, the first: {:#?}",
        differences.len(),
        &differences[..differences.len().min(5)]
    );
}

fn clickhouse(db: &TestDatabase, events: &[AuditEvent]) -> Store {
    let location: StoreLocation = db.url.parse().unwrap();
    let mut store = Store::open_location(&location).unwrap();
    store.insert_events(events).unwrap();
    store
}

#[test]
fn a_generated_instance_gets_the_same_answers_in_sql() {
    let Some(out) = glir_test_support::detection_bench::generate(7, 80, 12) else {
        return;
    };
    let Some(db) = TestDatabase::new("baseline_sql_generated") else {
        return;
    };
    let events: Vec<AuditEvent> = std::fs::read_to_string(out.path().join("stream.jsonl"))
        .unwrap()
        .lines()
        .map(|l| parse_event(l, None, "bench").unwrap())
        .collect();
    let events = stored_order(events);
    assert!(events.len() > 30_000, "{}", events.len());
    let mut store = clickhouse(&db, &events);
    let all = EventFilter::default();
    for (name, config, slice) in [
        ("default", Config::default(), 1_000_000),
        ("tight", tight(), 1_000_000),
        // Groups split over seven slices answer the same.
        ("tight, sliced", tight(), 5_000),
    ] {
        let ch = store.clickhouse_mut().unwrap();
        ch.set_baseline_slice_rows(slice);
        let glir = in_glir(&events, config);
        let sql = ch.baseline_answers(&all, None, &every(), &config).unwrap();
        assert_same(name, differences(&glir, &sql.answers, |_, _| true));
        // Each answer is exercised: the comparison would pass vacuously on all-false answers.
        let count = |f: fn(&Novelty) -> bool| glir.iter().filter(|(_, _, n)| f(n)).count();
        if name == "tight" {
            for (field, n) in [
                ("new_ip", count(|n| n.new_ip)),
                ("new_network", count(|n| n.new_network)),
                ("network_new_today", count(|n| n.network_new_today)),
                ("new_ip_for_instance", count(|n| n.new_ip_for_instance)),
                ("new_event_type", count(|n| n.new_event_type)),
                ("new_entity", count(|n| n.new_entity)),
                ("unusual_hour", count(|n| n.unusual_hour)),
                ("above_usual_rate", count(|n| n.above_usual_rate)),
                ("actor_known", count(|n| n.actor_known)),
                ("failed_signins", count(|n| n.failed_signins_from_ip > 0)),
            ] {
                assert!(n > 10, "{field} is true on only {n} events");
            }
        }
    }

    // A run from the middle: the history window before it, then the wanted events only.
    let ch = store.clickhouse().unwrap();
    let since = events[events.len() / 2].created_at;
    let from = since - SignedDuration::from_hours(3 * 24);
    let filter = EventFilter {
        since: Some(since),
        ..EventFilter::default()
    };
    // Two rules, one selecting by the events columns, one by the answers.
    let rules = [
        ("ifNull(author_id, 0) % 3 = 0".to_owned(), "1".to_owned()),
        ("ip_address IS NULL".to_owned(), "1".to_owned()),
        ("1".to_owned(), "(actor_known AND new_ip) = 1".to_owned()),
    ];
    let sql = ch
        .baseline_answers(&filter, Some(from), &rules, &tight())
        .unwrap();
    let learned: Vec<AuditEvent> = events
        .iter()
        .filter(|e| e.created_at >= from)
        .cloned()
        .collect();
    let glir = in_glir(&learned, tight());
    let by_key: std::collections::HashMap<(i64, &str), &AuditEvent> = learned
        .iter()
        .map(|e| ((e.created_at.as_microsecond(), e.event_id.as_str()), e))
        .collect();
    let new_ip: std::collections::HashSet<(i64, &str)> = glir
        .iter()
        .filter(|(_, _, n)| n.actor_known && n.new_ip)
        .map(|(c, e, _)| (*c, e.as_str()))
        .collect();
    let is_wanted = |c: i64, id: &str| {
        let e = by_key[&(c, id)];
        e.created_at >= since
            && (e.author_id.unwrap_or(0) % 3 == 0
                || e.ip_address.is_none()
                || new_ip.contains(&(c, id)))
    };
    assert!(
        sql.answers.len() > 1000,
        "{} wanted events answered",
        sql.answers.len()
    );
    assert_same("since", differences(&glir, &sql.answers, is_wanted));
    // The answers' table goes with them.
    let table = sql.selects();
    drop(sql);
    assert!(
        !db.sql("SHOW TABLES FROM {db}").contains("glir_baseline_"),
        "{table} left behind"
    );
}

/// A streaming audit event.
fn event(
    id: usize,
    at: Timestamp,
    actor: (Option<i64>, &str),
    event_type: &str,
    ip: Option<&str>,
) -> AuditEvent {
    let mut v = serde_json::json!({
        "id": id.to_string(),
        "created_at": at.to_string(),
        "event_type": event_type,
        "author_name": actor.1,
        "entity_path": format!("grp/p{}", id % 4),
        "entity_type": "Project",
        "details": {},
    });
    if let Some(author) = actor.0 {
        v["author_id"] = author.into();
    }
    if let Some(ip) = ip {
        v["ip_address"] = ip.into();
    }
    parse_event(&v.to_string(), None, "edges").unwrap()
}

#[test]
fn edges_get_the_same_answers_in_sql() {
    let Some(db) = TestDatabase::new("baseline_sql_edges") else {
        return;
    };
    let t0: Timestamp = "2026-03-01T22:30:00Z".parse().unwrap();
    let at = |secs: i64| t0 + SignedDuration::from_secs(secs);
    let mut events = Vec::new();
    let mut id = 0;
    let alice = (Some(7), "alice");
    let by_name = (None, "gitlab-bot");
    let system = (Some(-1), "Ghost User");
    let nobody = (None, "");
    // An address brute-forced past the count kept, at one instant and over the window's edge.
    for i in 0..1_005 {
        id += 1;
        let t = at(i64::from(i));
        events.push(event(
            id,
            t,
            nobody,
            "login_failed_with_standard_authentication",
            Some("203.0.113.9"),
        ));
    }
    for (offset, kind) in [
        (1_800, "user_signed_in"),
        (1_801, "signin_failed"),
        (3_700, "user_signed_in"),
    ] {
        id += 1;
        events.push(event(
            id,
            at(1_004 + offset),
            alice,
            kind,
            Some("203.0.113.9"),
        ));
    }
    // Ties: several events of one instant, ordered by id.
    for kind in [
        "omniauth_login_failed",
        "user_signed_in",
        "login_failed_with_otp_authentication",
    ] {
        id += 1;
        events.push(event(id, at(5_000), by_name, kind, Some("198.51.100.20")));
    }
    // Addresses of odd shapes, networks of both families, a gap of exactly the window and one
    // second more, hours across midnight.
    let ips = [
        Some("2001:db8:1:2::5"),
        Some("2001:db8:1:ffff::9"),
        Some("2001:db8:2::1"),
        Some("198.51.100.7"),
        Some("198.51.100.+8"),
        Some("1.2.3"),
        Some(""),
        Some("not an address"),
        None,
    ];
    let history = tight().history.as_secs();
    let mut t = 6_000;
    for round in 0..40i64 {
        for (k, ip) in ips.iter().enumerate() {
            id += 1;
            let actor = [alice, by_name, system, nobody][(k + round as usize) % 4];
            let kind = ["user_signed_in", "project_export_created", "add_ssh_key"][k % 3];
            events.push(event(id, at(t), actor, kind, *ip));
            t += 37;
        }
        t += if round % 2 == 0 { history } else { history + 1 };
        t += [0, 600, 3_600 * 5][(round % 3) as usize];
    }
    // A burst far above the actor's usual rate.
    for i in 0..60 {
        id += 1;
        events.push(event(
            id,
            at(t + i),
            alice,
            "repository_download_operation",
            Some("198.51.100.7"),
        ));
    }
    let events = stored_order(events);
    let store = clickhouse(&db, &events);
    let ch = store.clickhouse().unwrap();
    for (name, config) in [("default", Config::default()), ("tight", tight())] {
        let glir = in_glir(&events, config);
        let sql = ch
            .baseline_answers(&EventFilter::default(), None, &every(), &config)
            .unwrap();
        assert_same(name, differences(&glir, &sql.answers, |_, _| true));
        let capped = glir
            .iter()
            .filter(|(_, _, n)| n.failed_signins_from_ip == 1_000)
            .count();
        assert!(
            capped > 0,
            "{name}: the failure count never reached the cap"
        );
    }
}
