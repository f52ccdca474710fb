use glir_baseline::{Baseline, Config};
use glir_events::{Layout, parse_event};
use glir_report::{Format, Mark, Timeline, write_events, write_timeline};

fn build_timeline(events: Vec<glir_events::AuditEvent>) -> Timeline {
    glir_report::build_timeline(events, &mut Baseline::new(Config::default()))
}

fn stream_event(
    id: u32,
    time: &str,
    author: &str,
    ip: &str,
    event_type: &str,
) -> glir_events::AuditEvent {
    let raw = format!(
        r#"{{"id":"{id}","author_id":{aid},"author_name":"{author}","entity_id":7,"entity_type":"Project","entity_path":"acme/app","details":{{"author_name":"{author}"}},"ip_address":"{ip}","target_type":"Project","target_id":7,"target_details":"acme/app","created_at":"{time}","event_type":"{event_type}"}}"#,
        aid = author.len()
    );
    parse_event(&raw, Some(Layout::Stream), "test").unwrap()
}

fn sample() -> Vec<glir_events::AuditEvent> {
    vec![
        stream_event(
            3,
            "2026-11-25T02:14:00Z",
            "dana",
            "203.0.113.66",
            "add_ssh_key",
        ),
        stream_event(
            1,
            "2026-11-24T09:00:00Z",
            "dana",
            "198.51.100.10",
            "authenticated_with_password",
        ),
        stream_event(
            2,
            "2026-11-24T10:00:00Z",
            "bob",
            "198.51.100.11",
            "member_updated",
        ),
        stream_event(
            4,
            "2026-11-25T02:15:00Z",
            "dana",
            "203.0.113.66",
            "user_created",
        ),
    ]
}

#[test]
fn timeline_groups_by_day_in_time_order() {
    let t = build_timeline(sample());
    assert_eq!(t.days.len(), 2);
    assert_eq!(t.days[0].date.to_string(), "2026-11-24");
    let ids: Vec<&str> = t
        .days
        .iter()
        .flat_map(|d| &d.entries)
        .map(|e| e.event.event_id.as_str())
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    assert_eq!(t.len(), 4);
}

#[test]
fn new_ip_is_marked_once_per_actor_and_notable_types_are_marked() {
    let t = build_timeline(sample());
    let entries: Vec<_> = t.days.iter().flat_map(|d| &d.entries).collect();
    assert!(
        entries[0].marks.is_empty(),
        "first sighting of an actor is not 'new'"
    );
    assert!(entries[1].marks.is_empty());
    assert!(entries[2].marks.contains(&Mark::NewIp {
        ip: "203.0.113.66".into()
    }));
    assert!(
        entries[2]
            .marks
            .contains(&Mark::Notable { reason: "new key" })
    );
    assert!(
        !entries[3]
            .marks
            .iter()
            .any(|m| matches!(m, Mark::NewIp { .. })),
        "same IP twice is not new"
    );
    assert!(
        entries[3]
            .marks
            .contains(&Mark::Notable { reason: "new user" })
    );
    assert_eq!(t.marked().count(), 2);
}

#[test]
fn timeline_table_flags_marked_lines() {
    let mut out = Vec::new();
    write_timeline(&mut out, &build_timeline(sample()), Format::Table).unwrap();
    let text = String::from_utf8(out).unwrap();
    let flagged: Vec<&str> = text.lines().filter(|l| l.starts_with('!')).collect();
    assert_eq!(flagged.len(), 2, "{text}");
    assert!(flagged[0].contains("new IP 203.0.113.66"), "{text}");
    assert!(text.contains("2026-11-25 (Wed)"), "{text}");
}

#[test]
fn jsonl_and_csv_carry_every_event() {
    let events = sample();
    let mut jsonl = Vec::new();
    write_events(&mut jsonl, &events, Format::Jsonl).unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["event_type"], "add_ssh_key");
    assert_eq!(lines[0]["ip_address"], "203.0.113.66");

    let mut csv_out = Vec::new();
    write_timeline(&mut csv_out, &build_timeline(events), Format::Csv).unwrap();
    let mut reader = csv::Reader::from_reader(csv_out.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.iter().next_back(), Some("marks"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[2][13].contains("new IP"));
}

#[test]
fn events_table_has_header_and_a_row_per_event() {
    let mut out = Vec::new();
    write_events(&mut out, &sample(), Format::Table).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.lines().next().unwrap().starts_with("TIME"));
    assert_eq!(text.lines().count(), 5);
}

#[test]
fn an_address_used_before_the_shown_events_is_not_new() {
    // The history before what a timeline shows (its --since, its --limit) is in the baseline.
    let mut baseline = Baseline::new(Config::default());
    let earlier = stream_event(
        0,
        "2026-11-20T09:00:00Z",
        "dana",
        "203.0.113.66",
        "authenticated_with_password",
    );
    baseline.observe(&glir_events::EventRef::from(&earlier));
    let t = glir_report::build_timeline(sample(), &mut baseline);
    let new_ips: Vec<&Mark> = t
        .days
        .iter()
        .flat_map(|d| &d.entries)
        .flat_map(|e| &e.marks)
        .filter(|m| matches!(m, Mark::NewIp { .. }))
        .collect();
    assert_eq!(
        new_ips,
        [&Mark::NewIp {
            ip: "198.51.100.10".into()
        }],
        "dana's office address is new against the history, the attacker's address is not"
    );
}
