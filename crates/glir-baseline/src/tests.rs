use super::*;
use glir_events::{AuditEvent, Layout};

const DAY: i64 = 86_400;

fn event(at: i64, author: i64, ip: &str, event_type: &str, entity: &str) -> AuditEvent {
    AuditEvent {
        source: "t".into(),
        event_id: at.to_string(),
        layout: Layout::Stream,
        created_at: Timestamp::from_second(at).expect("time"),
        event_type: Some(event_type.into()),
        author_id: Some(author),
        author_name: Some(format!("user{author}")),
        author_email: None,
        entity_id: None,
        entity_type: Some("Project".into()),
        entity_path: Some(entity.into()),
        target_id: None,
        target_type: None,
        target_details: None,
        ip_address: Some(ip.into()),
        change: None,
        from: None,
        to: None,
        custom_message: None,
        details: serde_json::Value::Null,
        raw: "{}".into(),
    }
}

fn observe(b: &mut Baseline, e: &AuditEvent) -> Novelty {
    b.observe(&EventRef::from(e))
}

fn bool_field(n: &Novelty, name: &str) -> Option<bool> {
    match n.field(name) {
        Some(FieldValue::Bool(b)) => Some(b),
        _ => None,
    }
}

/// Ten days of one actor's ordinary work: office address, clones of one project, 09:00-16:00.
fn routine(b: &mut Baseline, author: i64, start: i64) -> i64 {
    let mut t = start;
    for day in 0..10 {
        for hour in 9..16 {
            t = start + day * DAY + hour * 3600;
            observe(
                b,
                &event(
                    t,
                    author,
                    "198.51.100.7",
                    "repository_git_operation",
                    "grp/app",
                ),
            );
            observe(
                b,
                &event(
                    t + 60,
                    author,
                    "198.51.100.7",
                    "repository_git_operation",
                    "grp/app",
                ),
            );
        }
    }
    t
}

#[test]
fn a_known_actor_on_a_new_address_and_network() {
    let mut b = Baseline::new(Config::default());
    let t = routine(&mut b, 7, 0);
    let same = observe(
        &mut b,
        &event(
            t + 100,
            7,
            "198.51.100.7",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&same, "actor_known"), Some(true));
    assert_eq!(bool_field(&same, "new_ip"), Some(false));
    let lease = observe(
        &mut b,
        &event(
            t + 200,
            7,
            "198.51.100.99",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&lease, "new_ip"), Some(true));
    assert_eq!(bool_field(&lease, "new_network"), Some(false));
    let away = observe(
        &mut b,
        &event(
            t + 300,
            7,
            "192.0.2.5",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&away, "new_network"), Some(true));
    assert_eq!(bool_field(&away, "new_ip_for_instance"), Some(true));
    // Learned: the second use is not new.
    let again = observe(
        &mut b,
        &event(
            t + 400,
            7,
            "192.0.2.5",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&again, "new_ip"), Some(false));
}

#[test]
fn values_unused_for_longer_than_the_history_are_new_again() {
    let mut b = Baseline::new(Config::default());
    let t = routine(&mut b, 7, 0);
    let later = t + 15 * DAY;
    let back = observe(
        &mut b,
        &event(
            later,
            7,
            "198.51.100.7",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&back, "new_ip"), Some(true));
    let within = observe(
        &mut b,
        &event(
            later + 13 * DAY,
            7,
            "198.51.100.7",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&within, "new_ip"), Some(false));
}

#[test]
fn first_of_a_type_and_first_on_an_entity() {
    let mut b = Baseline::new(Config::default());
    let t = routine(&mut b, 7, 0);
    let read = observe(
        &mut b,
        &event(t + 100, 7, "198.51.100.7", "variable_viewed_api", "grp/app"),
    );
    assert_eq!(bool_field(&read, "new_event_type"), Some(true));
    assert_eq!(bool_field(&read, "new_entity"), Some(false));
    let other = observe(
        &mut b,
        &event(
            t + 200,
            7,
            "198.51.100.7",
            "variable_viewed_api",
            "grp/secret",
        ),
    );
    assert_eq!(bool_field(&other, "new_event_type"), Some(false));
    assert_eq!(bool_field(&other, "new_entity"), Some(true));
}

#[test]
fn an_unknown_actor_gets_no_first_seen_answers() {
    let mut b = Baseline::new(Config::default());
    routine(&mut b, 7, 0);
    let stranger = observe(
        &mut b,
        &event(
            20 * DAY,
            8,
            "192.0.2.9",
            "personal_access_token_created",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&stranger, "actor_known"), Some(false));
    assert_eq!(bool_field(&stranger, "new_ip"), Some(false));
    assert_eq!(bool_field(&stranger, "new_event_type"), Some(false));
    assert_eq!(bool_field(&stranger, "new_ip_for_instance"), Some(true));
}

#[test]
fn nothing_is_answered_while_warming_up() {
    let mut b = Baseline::new(Config::default());
    b.warm_up_until(Timestamp::from_second(5 * DAY).expect("time"));
    let early = observe(
        &mut b,
        &event(
            DAY,
            7,
            "198.51.100.7",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(early.field("new_ip"), None);
    assert_eq!(early.field("actor_known"), None);
    let late = observe(
        &mut b,
        &event(
            6 * DAY,
            7,
            "192.0.2.1",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&late, "new_ip"), Some(true));
}

#[test]
fn hours_outside_the_usual_ones_and_bursts_above_the_usual_rate() {
    let mut b = Baseline::new(Config::default());
    let t = routine(&mut b, 7, 0);
    let day = (t / DAY + 1) * DAY;
    let noon = observe(
        &mut b,
        &event(
            day + 12 * 3600,
            7,
            "198.51.100.7",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&noon, "unusual_hour"), Some(false));
    let night = observe(
        &mut b,
        &event(
            day + 3 * 3600,
            7,
            "198.51.100.7",
            "repository_git_operation",
            "grp/app",
        ),
    );
    assert_eq!(bool_field(&night, "unusual_hour"), Some(true));
    // Two events per active hour so far: the floor of 30 decides.
    let burst_start = day + 13 * 3600;
    let answers: Vec<bool> = (0..40)
        .map(|i| {
            let e = event(
                burst_start + i * 10,
                7,
                "198.51.100.7",
                "repository_git_operation",
                "grp/app",
            );
            bool_field(&observe(&mut b, &e), "above_usual_rate").expect("ready")
        })
        .collect();
    assert!(answers[..30].iter().all(|a| !a), "{answers:?}");
    assert!(answers[30..].iter().all(|a| *a), "{answers:?}");
}

#[test]
fn a_saved_baseline_answers_as_the_one_it_was_saved_from() {
    let mut b = Baseline::new(Config::default());
    let t = routine(&mut b, 7, 0);
    let mut restored = Baseline::from_json(&b.to_json()).expect("reads back");
    assert_eq!(restored.learned_until(), b.learned_until());
    assert_eq!(restored.observed(), b.observed());
    for (i, ip) in ["198.51.100.7", "192.0.2.77"].into_iter().enumerate() {
        let e = event(t + 100 + i as i64, 7, ip, "variable_viewed_api", "grp/app");
        assert_eq!(observe(&mut restored, &e), observe(&mut b, &e), "{ip}");
    }
    assert!(Baseline::from_json("{\"config\": 1}").is_err());
    let other = b.to_json().replacen("\"format\":1", "\"format\":2", 1);
    assert!(matches!(
        Baseline::from_json(&other),
        Err(BaselineError::Format(2))
    ));
}

#[test]
fn a_session_from_a_new_network_stays_new_for_a_day() {
    let mut b = Baseline::new(Config::default());
    let t = routine(&mut b, 7, 0);
    let answers: Vec<bool> = [0, 3600, 20 * 3600, 25 * 3600]
        .into_iter()
        .map(|after| {
            let e = event(
                t + 100 + after,
                7,
                "192.0.2.5",
                "variable_viewed_api",
                "grp/app",
            );
            bool_field(&observe(&mut b, &e), "network_new_today").expect("ready")
        })
        .collect();
    assert_eq!(answers, [true, true, true, false]);
    let office = observe(
        &mut b,
        &event(t + 200, 7, "198.51.100.7", "variable_viewed_api", "grp/app"),
    );
    assert_eq!(bool_field(&office, "network_new_today"), Some(false));
}

#[test]
fn failed_sign_ins_from_an_address_are_counted_for_the_next_event() {
    let mut b = Baseline::new(Config::default());
    let failed = |at: i64, ip: &str| {
        let mut e = event(
            at,
            -1,
            ip,
            "login_failed_with_standard_authentication",
            "gitlab_instance",
        );
        e.author_name = Some("dana".into());
        e
    };
    let count = |n: &Novelty| match n.field("failed_signins_from_ip") {
        Some(FieldValue::Int(n)) => n,
        other => panic!("{other:?}"),
    };
    for i in 0..3 {
        observe(&mut b, &failed(DAY + i * 60, "192.0.2.9"));
    }
    observe(&mut b, &failed(DAY + 200, "192.0.2.10"));
    let success = observe(
        &mut b,
        &event(
            DAY + 300,
            7,
            "192.0.2.9",
            "authenticated_with_password",
            "dana",
        ),
    );
    assert_eq!(count(&success), 3);
    let later = observe(
        &mut b,
        &event(
            DAY + 3600,
            7,
            "192.0.2.9",
            "authenticated_with_password",
            "dana",
        ),
    );
    assert_eq!(count(&later), 0, "older than 30 minutes");
}

#[test]
fn docs_detections_lists_every_field() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/DETECTIONS.md"
    ))
    .expect("docs/DETECTIONS.md");
    for (field, meaning) in FIELDS {
        let row = format!("| `{field}` | {meaning} |");
        assert!(doc.contains(&row), "docs/DETECTIONS.md lacks:\n{row}");
    }
}
