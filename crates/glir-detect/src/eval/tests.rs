//! glir's programs against rsigma's evaluation: every rule below, over every event below, must
//! match exactly when rsigma's engine says it does.

use crate::detector::Detector;
use crate::pack::{LoadOptions, load_rules};
use glir_events::{AuditEvent, Details, EventBatch, Layout, parse_event};

/// Detection sections (indented under `detection:`) using each matcher and condition shape.
const DETECTIONS: &[&str] = &[
    "  s:\n    event_type: add_ssh_key\n  condition: s",
    "  s:\n    event_type|cased: ADD_SSH_KEY\n  condition: s",
    "  s:\n    author_name: ÄDMIN ÉCOLE\n  condition: s",
    "  s:\n    author_name|contains: admin\n  condition: s",
    "  s:\n    author_name|contains|cased: Admin\n  condition: s",
    "  s:\n    entity_path|startswith: GRP/\n  condition: s",
    "  s:\n    entity_path|endswith:\n      - /app\n      - /API\n  condition: s",
    "  s:\n    details.custom_message|contains|all:\n      - added\n      - KEY\n  condition: s",
    "  s:\n    details.custom_message|contains:\n      - one\n      - two\n      - three\n      - four\n      - five\n      - six\n      - seven\n      - eight\n      - key\n  condition: s",
    "  s:\n    details.scopes: API\n  condition: s",
    "  s:\n    details.scopes|startswith: read\n  condition: s",
    "  s:\n    author_id: 42\n  condition: s",
    "  s:\n    author_id|startswith: '4'\n  condition: s",
    "  s:\n    details.count: 7\n  condition: s",
    "  s:\n    details.count|gt: 5\n  condition: s",
    "  s:\n    details.enabled: 'true'\n  condition: s",
    "  s:\n    details.enabled: true\n  condition: s",
    "  s:\n    details.nested.level: deep\n  condition: s",
    "  s:\n    details.missing: null\n  condition: s",
    "  s:\n    ip_address: null\n  condition: s",
    "  s:\n    ip_address|exists: false\n  condition: s",
    "  s:\n    details.empty|exists: true\n  condition: s",
    "  s:\n    ip_address|cidr: 10.0.0.0/8\n  condition: s",
    "  s:\n    ip_address|re: '^203\\.'\n  condition: s",
    "  s:\n    author_name|re|i: '^dana$'\n  condition: s",
    "  s:\n    target_id|fieldref: author_id\n  condition: s",
    "  s:\n    author_name|fieldref|contains: entity_path\n  condition: s",
    "  s:\n    author_name:\n      - '*dmin*'\n      - 'Da?a'\n  condition: s",
    "  s:\n    event_type: add_ssh_key\n  internal:\n    ip_address|startswith: '10.'\n  condition: s and not internal",
    "  selection_a:\n    event_type: add_ssh_key\n  selection_b:\n    author_name: dana\n  condition: 1 of selection_*",
    "  selection_a:\n    event_type: add_ssh_key\n  selection_b:\n    author_name: dana\n  condition: all of selection_*",
    "  a:\n    event_type: add_ssh_key\n  b:\n    author_name: dana\n  _c:\n    entity_type: User\n  condition: all of them",
    "  a:\n    event_type: add_ssh_key\n  b:\n    author_name: dana\n  condition: a or b and not a",
    "  s:\n    - event_type: add_ssh_key\n      author_name: dana\n    - entity_type: Group\n  condition: s",
    "  keywords:\n    - laptop\n  condition: keywords",
    "  s:\n    details.custom_message|base64offset|contains: key\n  condition: s",
    "  s:\n    details.custom_message|windash|contains: -key\n  condition: s",
    "  s:\n    created_at|startswith: '2026-11-25'\n  condition: s",
    "  s:\n    details|contains: x\n  condition: s",
    "  s:\n    details.nested|fieldref: details.nested\n  condition: s",
    "  s:\n    details.custom_message|exists: true\n  condition: s",
    "  s:\n    details.custom_message: null\n  condition: s",
    "  s:\n    details.custom_message|contains: protocol\n  condition: s",
    "  s:\n    event_type: add_ssh_key\n  f:\n    details.custom_message|startswith: a\n  condition: s and not f",
    "  s:\n    details.count: -3\n  condition: s",
    "  s:\n    details.big|gt: 1\n  condition: s",
    "  s:\n    details.big|startswith: '1844'\n  condition: s",
];

/// Events with the values those rules probe: cases, Unicode, numbers as text, arrays, nesting,
/// booleans, nulls and missing fields.
const EVENTS: &[&str] = &[
    r#"{"id":"1","created_at":"2026-11-25T02:13:07Z","event_type":"add_ssh_key","author_id":42,"author_name":"Dana","ip_address":"203.0.113.66","entity_type":"User","entity_path":"grp/app","target_id":"42","target_details":"laptop","details":{"custom_message":"Added SSH key","scopes":["read_user","api"],"count":7,"enabled":true,"nested":{"level":"deep"},"empty":null}}"#,
    r#"{"id":"2","created_at":"2026-11-25T02:13:07Z","event_type":"ADD_SSH_KEY","author_id":4,"author_name":"äDMIN école","ip_address":"10.1.2.3","entity_type":"Group","entity_path":"GRP/API","details":{"custom_message":"one TWO key","scopes":"read_api","count":"9","enabled":"true"}}"#,
    r#"{"id":"3","created_at":"2025-01-01T00:00:00Z","event_type":"add_gpg_key","author_name":"Admin","entity_path":"Admin/tools","details":{"custom_message":"added -key","count":3.5,"enabled":false,"nested":"flat"}}"#,
    r#"{"id":"4","created_at":"2026-11-25T00:00:00Z","author_id":7,"author_name":"dana","target_id":"8","details":{"custom_message":{"protocol":"ssh"},"scopes":[],"count":null}}"#,
    r#"{"id":"5","created_at":"2026-11-25T00:00:00Z","event_type":"add_ssh_key","author_name":"Xdmin","ip_address":"not an ip","details":"text details"}"#,
    r#"{"id":"6","created_at":"2026-11-25T00:00:00Z","event_type":"add_ssh_key","details":{"custom_message":"YWRkZWQga2V5","nested":{"level":"DEEP"},"scopes":[1,"API",true]}}"#,
    r#"{"id":"7","created_at":"2026-11-25T00:00:00Z","event_type":"add_ssh_key","details":{"custom_message":{"protocol":"ssh","action":"git-upload-pack"},"count":-3,"big":18446744073709551615,"nested":null}}"#,
    r#"{"id":"8","created_at":"2026-11-25T00:00:00Z","event_type":"add_ssh_key","details":{"custom_message":null,"count":-0,"big":-12,"enabled":"TRUE"}}"#,
];

fn events() -> Vec<AuditEvent> {
    let mut out: Vec<AuditEvent> = EVENTS
        .iter()
        .map(|e| parse_event(e, Some(Layout::Stream), "test").unwrap())
        .collect();
    // The same events as an audit_json.log line gives them (change/from/to outside details).
    out.push(
        parse_event(
            r#"{"severity":"INFO","time":"2026-11-25T02:13:07.000Z","correlation_id":"c","author_id":42,"author_name":"Dana","entity_id":1,"entity_type":"User","change":"email","from":"a@x","to":"b@x","ip_address":"10.0.0.1","event_name":"add_ssh_key","target_details":"laptop"}"#,
            None,
            "test",
        )
        .unwrap(),
    );
    out
}

#[test]
fn programs_match_exactly_what_rsigma_matches() {
    let dir = tempfile::tempdir().unwrap();
    for (i, detection) in DETECTIONS.iter().enumerate() {
        let rule = format!(
            "title: Rule {i}\nid: rule-{i}\nlevel: low\nlogsource: {{product: gitlab, service: audit}}\n\
             detection:\n{detection}\n"
        );
        std::fs::write(dir.path().join(format!("r{i:02}.yml")), rule).unwrap();
    }
    let pack = load_rules(
        &[dir.path().to_path_buf()],
        &LoadOptions {
            strict: true,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(pack.rules.len(), DETECTIONS.len(), "{:?}", pack.errors);
    let detector = Detector::new(&pack).unwrap();
    let (mut matched, mut programs) = (0, 0);
    let mut batch = EventBatch::new();
    for e in events() {
        let reference = detector.reference_rules(&e);
        // Both forms of an event: parsed into values, and borrowed from its text.
        assert_eq!(detector.matching_rules(&e), reference, "{}", e.raw);
        batch.clear();
        batch.push_record(&e.raw, None, "test").unwrap();
        let text = batch.get(0).unwrap();
        assert!(matches!(text.details, Details::Text(_)) || e.raw.contains("\"severity\""));
        assert_eq!(
            detector.matching_rules_ref(text, None),
            reference,
            "{}",
            e.raw
        );
        matched += reference.len();
    }
    for i in 0..DETECTIONS.len() {
        programs += usize::from(detector.has_program(&format!("rule-{i}")));
    }
    // Not vacuous: many pairs match, and nearly every rule runs as a program.
    assert!(matched > 40, "{matched} matches");
    assert!(programs + 2 >= DETECTIONS.len(), "{programs} programs");
}
