//! Adversarial variants of events: case changes, characters that lower-case oddly, missing
//! fields, numbers as strings, booleans, arrays and objects where scalars were, quotes and
//! backslashes. A variant's id says what it is; `lossy-…` ones are stored in a form the
//! columns cannot tell apart from another (a float, a key holding a dot, nesting past the
//! store's cut-off), where SQL may select an event the detector does not match.

use glir_events::AuditEvent;
use serde_json::{Value, json};

/// Whether the event's stored form is lossy by construction.
pub fn lossy(id: &str) -> bool {
    id.starts_with("lossy")
}

/// Values `details.to` takes in the variants (rules compare it with booleans, strings and
/// numbers); the second list is stored lossily.
fn to_values() -> (Vec<Value>, Vec<Value>) {
    let exact = vec![
        json!("False"),
        json!("FALSE"),
        json!("0"),
        json!("no"),
        json!("Yes"),
        json!("1"),
        json!(0),
        json!(1),
        json!(true),
        json!(false),
        json!("true "),
        json!(null),
        json!(["false"]),
        json!(["x", true]),
        json!([null]),
        json!({"x": false}),
        json!([]),
        json!({}),
        json!("49"),
        json!("+49"),
        json!("049"),
        json!(49),
        json!(48),
        json!(-5),
        json!("\u{664}\u{669}"),
        json!("TRUE"),
        json!("Public"),
        json!("PUBLIC"),
        json!("public "),
        json!("tru\u{0130}"),
    ];
    let lossy = vec![
        json!(49.5),
        json!("49.5"),
        json!(1e3),
        json!(18446744073709551615u64),
        json!("4.9e1"),
        json!("inf"),
        json!(48.0),
        json!(-0.0),
        // 17 arrays deep: past the store's cut-off, yet rsigma looks into every level.
        (0..17).fold(json!(false), |v, _| json!([v])),
    ];
    (exact, lossy)
}

/// Values `details.custom_message` takes (rules look for substrings, prefixes and a nested
/// `action`).
fn message_values() -> Vec<Value> {
    vec![
        json!("Started Impersonation"),
        json!("STARTED IMPERSONATION of x"),
        json!("ATTEMPTED TO CREATE token"),
        json!("  Attempted to create"),
        json!("ask FOR password RESET"),
        json!("UNBLOCK user"),
        json!("user unban"),
        json!("DISABLED"),
        json!("dis\nabled"),
        json!("Enforced_sso changed from TRUE to FALSE"),
        json!("WRITE_REGISTRY"),
        json!("it's a \\ {db} 'quoted' disabled"),
        json!("\u{212A}ey disabled"),
        json!("\u{3a3}ATTEMPTED TO CREATE \u{3a3}"),
        json!("\u{130}mpersonation started"),
        json!("Ärzte disabled"),
        json!(null),
        json!(42),
        json!(true),
        json!(["Started Impersonation"]),
        json!(["x", "unban"]),
        json!({"action": "git-upload-pack"}),
        json!({"action": "GIT-UPLOAD-PACK", "protocol": "ssh"}),
        json!([{"action": "git-upload-pack"}]),
        json!({"action": ["x", "git-upload-pack"]}),
        json!({"action": {"deeper": "git-upload-pack"}}),
        json!({}),
    ]
}

/// Values `target_details` takes (a rule looks for two `@`).
fn target_values() -> Vec<Option<&'static str>> {
    vec![
        Some("a@b@c"),
        Some("x@\n@"),
        Some("ä@ö@"),
        Some("@@"),
        Some("no at"),
        Some("it's \\@ '@'"),
        None,
    ]
}

fn set_detail(e: &AuditEvent, key: &str, v: Value) -> AuditEvent {
    let mut e = e.clone();
    if !e.details.is_object() {
        e.details = json!({});
    }
    e.details
        .as_object_mut()
        .expect("an object")
        .insert(key.to_owned(), v);
    e
}

fn map_text(v: Option<&str>, f: impl Fn(&str) -> String) -> Option<String> {
    v.map(f)
}

/// Every variant of every event, each with its own id.
pub fn of(events: &[AuditEvent]) -> Vec<AuditEvent> {
    let mut out = Vec::new();
    let (to_exact, to_lossy) = to_values();
    for (n, e) in events.iter().enumerate() {
        let mut push = |tag: String, mut v: AuditEvent| {
            v.event_id = format!("{tag}-{n}");
            out.push(v);
        };
        let text = |f: &dyn Fn(&str) -> String| {
            let mut v = e.clone();
            v.event_type = map_text(v.event_type.as_deref(), f);
            v.entity_type = map_text(v.entity_type.as_deref(), f);
            v.custom_message = map_text(v.custom_message.as_deref(), f);
            if let Some(Value::String(m)) = v.details.get_mut("custom_message") {
                *m = f(m);
            }
            v
        };
        push("up".into(), text(&|s| s.to_uppercase()));
        push(
            "kelvin".into(),
            text(&|s| s.replace(['k', 'K'], "\u{212A}")),
        );
        push("idot".into(), text(&|s| s.replace('i', "\u{130}")));
        push("sigma".into(), text(&|s| format!("{s}\u{3a3}")));
        let mut v = e.clone();
        v.event_type = None;
        push("notype".into(), v);
        let mut v = e.clone();
        (v.author_id, v.entity_id, v.target_id) = (None, None, None);
        (v.entity_type, v.target_details, v.custom_message) = (None, None, None);
        v.details = json!({});
        push("bare".into(), v);
        let mut v = e.clone();
        v.entity_id = v.author_id;
        v.target_id = v.author_id.map(|a| a.to_string());
        push("self".into(), v);
        let mut v = e.clone();
        v.target_id = v.author_id.map(|a| format!("0{a}"));
        v.author_id = Some(-1);
        push("anon".into(), v);
        for (i, to) in to_exact.iter().enumerate() {
            push(format!("to{i}"), set_detail(e, "to", to.clone()));
        }
        for (i, to) in to_lossy.iter().enumerate() {
            push(format!("lossy-to{i}"), set_detail(e, "to", to.clone()));
        }
        // The canonical `to` of an audit_json.log line, which `details` lacks.
        let mut v = e.clone();
        if let Some(d) = v.details.as_object_mut() {
            d.remove("to");
        }
        v.to = Some("false".into());
        push("canonical-to".into(), v);
        for (i, m) in message_values().into_iter().enumerate() {
            push(format!("msg{i}"), set_detail(e, "custom_message", m));
        }
        // `details.custom_message.action` is a nested key, not this literal one.
        let mut v = set_detail(e, "custom_message.action", json!("git-upload-pack"));
        if let Some(d) = v.details.as_object_mut() {
            d.remove("custom_message");
        }
        v.custom_message = None;
        push("lossy-dotted".into(), v);
        for (i, t) in target_values().into_iter().enumerate() {
            let mut v = e.clone();
            v.target_details = t.map(str::to_owned);
            push(
                format!("target{i}"),
                set_detail(&v, "target_details", json!(t)),
            );
        }
    }
    out
}
