//! Records glir's team did not write: GitLab's documented examples and public log-integration
//! fixtures (`fixtures/external/README.md` says where each came from), read field by field.

use glir_events::{AuditEvent, Layout, NotAnEvent, ParseError, parse_event};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/external/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every record of a fixture: JSON values one after another (arrays give their items), or
/// else one record per line.
fn records(name: &str) -> Vec<String> {
    let text = fixture(name);
    let values: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .collect();
    match values {
        Ok(values) => values
            .into_iter()
            .flat_map(|v| match v {
                Value::Array(items) => items,
                one => vec![one],
            })
            .map(|v| v.to_string())
            .collect(),
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

fn parse(record: &str) -> Result<AuditEvent, ParseError> {
    parse_event(record, None, "fixture")
}

fn events(name: &str) -> Vec<AuditEvent> {
    records(name)
        .iter()
        .map(|r| parse(r).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

#[test]
fn the_documented_audit_json_log_line_is_a_visibility_change() {
    // doc/administration/logs/_index.md: `time`, no `created_at`, no event name.
    let [e] = events("gitlab_docs_audit_json_old.json")
        .try_into()
        .expect("one");
    assert_eq!(e.layout, Layout::AuditLog);
    assert_eq!(e.created_at.to_string(), "2018-10-17T17:38:22.523Z");
    assert_eq!(
        e.event_type.as_deref(),
        Some("project_visibility_level_updated")
    );
    assert_eq!(e.author_id, Some(3));
    assert_eq!(e.author_name.as_deref(), Some("John Doe4"));
    assert_eq!(
        (e.entity_id, e.entity_type.as_deref()),
        (Some(2), Some("Project"))
    );
    assert_eq!(
        (e.from.as_deref(), e.to.as_deref()),
        (Some("Private"), Some("Public"))
    );
    assert_eq!(e.target_details.as_deref(), Some("namespace2/project2"));
    assert_eq!(e.ip_address, None);
}

#[test]
fn a_sign_in_line_takes_its_address_from_the_request_context() {
    // elastic/integrations: a 16.x line with `meta.*`, `created_at` and `with`, no event name.
    let events = events("elastic_audit.log");
    let e = &events[0];
    assert_eq!(e.layout, Layout::AuditLog);
    assert_eq!(e.created_at.to_string(), "2024-05-10T17:46:49.058Z");
    assert_eq!(e.event_type.as_deref(), Some("authenticated_with_password"));
    assert_eq!(e.ip_address.as_deref(), Some("208.58.198.174"));
    assert_eq!(e.author_name.as_deref(), Some("Administrator"));
    assert_eq!(e.details["meta.user"], "root");
    assert_eq!(e.details["with"], "standard");
    assert_eq!(
        events[1].event_type.as_deref(),
        Some("project_visibility_level_updated")
    );
}

#[test]
fn a_current_line_uses_its_nested_details_and_its_id() {
    // The shape lib/gitlab/audit/auditor.rb `log_payload` writes: the event's JSON, its details
    // nested and merged into the line, and the logger's `time` and `meta.*`.
    let line = r#"{"severity":"INFO","time":"2024-06-01T10:00:00.500Z","correlation_id":"c1","meta.remote_ip":"198.51.100.4","meta.user":"dana","id":912,"author_id":7,"entity_id":9,"entity_type":"Project","details":{"event_name":"project_access_token_created","author_name":"Dana","custom_message":"Created project access token","target_details":"bot"},"ip_address":null,"author_name":"Dana","entity_path":"grp/app","target_details":"bot","created_at":"2024-06-01T10:00:00.491Z","target_type":"PersonalAccessToken","target_id":55,"event_name":"project_access_token_created","custom_message":"Created project access token"}"#;
    let e = parse(line).expect("parses");
    assert_eq!(e.layout, Layout::AuditLog);
    assert_eq!(e.event_id, "912");
    assert_eq!(e.created_at.to_string(), "2024-06-01T10:00:00.491Z");
    assert_eq!(
        e.event_type.as_deref(),
        Some("project_access_token_created")
    );
    assert_eq!(e.ip_address.as_deref(), Some("198.51.100.4"));
    assert_eq!(e.entity_path.as_deref(), Some("grp/app"));
    assert_eq!(
        e.custom_message.as_deref(),
        Some("Created project access token")
    );
    assert!(
        e.details.get("details").is_none(),
        "nested details are merged"
    );
    assert_eq!(e.details["meta.user"], "dana");
}

#[test]
fn pretty_printed_and_reserialized_log_lines_read_the_same() {
    let [datadog] = events("datadog_audit_sample.json").try_into().expect("one");
    let [docs] = events("gitlab_docs_audit_json_old.json")
        .try_into()
        .expect("one");
    assert_eq!(datadog.event_type, docs.event_type);
    assert_eq!(datadog.created_at, docs.created_at);
    assert_eq!(datadog.target_details, docs.target_details);
}

#[test]
fn documented_rest_items_all_get_a_type_and_keep_their_ids() {
    for name in [
        "gitlab_docs_rest_instance_audit_events.json",
        "gitlab_docs_rest_group_audit_events.json",
        "gitlab_docs_rest_project_audit_events.json",
        "gitlab_docs_rest_single_audit_event.json",
        "gitlab_docs_rest_group_single_audit_event.json",
        "gitlab_docs_rest_project_single_audit_event.json",
    ] {
        for e in events(name) {
            assert_eq!(e.layout, Layout::Rest, "{name}");
            assert!(e.event_id.parse::<u64>().is_ok(), "{name}: {}", e.event_id);
            assert!(e.event_type.is_some(), "{name} {}: no type", e.event_id);
        }
    }
    let instance = events("gitlab_docs_rest_instance_audit_events.json");
    let types: Vec<_> = instance.iter().map(|e| e.event_type.as_deref()).collect();
    assert_eq!(
        types,
        [
            Some("project_archived"),
            Some("group_created"),
            Some("user_email_address_updated"),
            Some("audit_events_streaming_instance_headers_create"),
        ]
    );
    assert_eq!(instance[2].from.as_deref(), Some("hello@flightjs.com"));
    assert_eq!(instance[1].ip_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(instance[1].target_id.as_deref(), Some("flightjs"));
}

#[test]
fn documented_git_operations_carry_protocol_and_action() {
    let events = events("gitlab_docs_stream_git_operations.json");
    let git: Vec<_> = events
        .iter()
        .filter(|e| e.event_type.as_deref() == Some("repository_git_operation"))
        .collect();
    assert!(git.len() >= 4, "{} git operations", git.len());
    let messages: Vec<_> = git
        .iter()
        .filter_map(|e| e.custom_message.as_deref())
        .collect();
    assert!(messages.contains(&"ssh git-upload-pack"), "{messages:?}");
    assert!(messages.contains(&"http git-receive-pack"), "{messages:?}");
    // Deploy keys and deploy tokens are system authors (doc/api/audit_events.md).
    let authors: Vec<_> = events.iter().map(|e| e.author_id).collect();
    assert!(
        authors.contains(&Some(-3)) && authors.contains(&Some(-2)),
        "{authors:?}"
    );
}

#[test]
fn the_schema_example_is_a_stream_body() {
    let [e] = events("gitlab_docs_stream_schema_example.json")
        .try_into()
        .expect("one");
    assert_eq!(e.layout, Layout::Stream);
    assert!(e.event_type.is_some());
}

#[test]
fn rack_attack_lines_are_rate_limit_events() {
    for name in ["elastic_auth.log", "gitlab_docs_auth_json.json"] {
        let [e] = events(name).try_into().expect("one");
        assert_eq!(e.layout, Layout::AuthLog, "{name}");
        assert_eq!(e.event_type.as_deref(), Some("rate_limit_blocklisted"));
        assert_eq!(
            e.target_details.as_deref(),
            Some("/group/project.git/info/refs?service=git-upload-pack")
        );
        assert_eq!(e.details["request_method"], "GET");
    }
    let [e] = events("elastic_auth.log").try_into().expect("one");
    assert_eq!(e.ip_address.as_deref(), Some("67.43.156.18"));
}

#[test]
fn api_calls_name_the_user_the_token_and_the_client() {
    let events = events("elastic_api.log");
    assert!(events.iter().all(|e| e.layout == Layout::ApiLog));
    assert!(
        events
            .iter()
            .all(|e| e.event_type.as_deref() == Some("api_request"))
    );
    // Line 5: a personal access token; `remote_ip` is the proxy chain, the client comes first.
    let e = &events[4];
    assert_eq!(e.author_id, Some(1));
    assert_eq!(e.author_name.as_deref(), Some("root"));
    assert_eq!(e.ip_address.as_deref(), Some("81.2.69.144"));
    assert_eq!(e.target_details.as_deref(), Some("/api/:version/projects"));
    assert_eq!(
        e.custom_message.as_deref(),
        Some("GET /api/v4/projects 200")
    );
    assert_eq!(e.details["token_type"], "PersonalAccessToken");
    assert_eq!(e.details["token_id"], 2);
}

#[test]
fn sign_ins_and_sign_outs_of_the_application_log() {
    let (mut read, mut other) = (Vec::new(), 0);
    for record in records("elastic_application.log") {
        match parse(&record) {
            Ok(e) => read.push(e),
            Err(ParseError::NotAnEvent(NotAnEvent::OtherMessage)) => other += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(other, 18);
    let types: Vec<_> = read.iter().map(|e| e.event_type.as_deref()).collect();
    assert_eq!(
        types,
        [
            Some("signin_failed"),
            Some("signout"),
            Some("signin_succeeded")
        ]
    );
    let failed = &read[0];
    assert_eq!(failed.author_name.as_deref(), Some("test"));
    assert_eq!(failed.author_id, None);
    assert_eq!(failed.ip_address.as_deref(), Some("192.168.65.1"));
    let success = &read[2];
    assert_eq!(success.author_id, Some(1));
    assert_eq!(success.details["method"], "standard");
    assert_eq!(success.details["admin"], true);
}

#[test]
fn request_logs_are_named_not_read_as_empty_events() {
    for name in ["elastic_production.log", "gitlab_docs_production_json.json"] {
        for record in records(name) {
            assert_eq!(
                parse(&record).expect_err(name),
                ParseError::NotAnEvent(NotAnEvent::RequestLog),
                "{name}"
            );
        }
    }
}

#[test]
fn docs_inputs_lists_every_derivation_in_order() {
    let mut table = String::from("| the record has | event type |\n|---|---|\n");
    for d in glir_events::DERIVATIONS {
        table.push_str(&format!("| {} | `{}` |\n", d.shape, d.event_type));
    }
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/INPUTS.md"))
        .expect("docs/INPUTS.md");
    assert!(
        doc.contains(&table),
        "docs/INPUTS.md must hold this table exactly:\n{table}"
    );
}

#[test]
fn a_git_operation_line_keeps_its_message_object_in_details() {
    // What Gitlab::Audit::Auditor writes for a streamed git operation that reaches the log.
    let line = r#"{"severity":"INFO","time":"2024-06-01T10:00:00.500Z","id":77,"author_id":7,"entity_id":9,"entity_type":"Project","entity_path":"grp/app","details":{"event_name":"repository_git_operation","custom_message":{"protocol":"ssh","action":"git-upload-pack"}},"created_at":"2024-06-01T10:00:00.491Z","event_name":"repository_git_operation","custom_message":{"protocol":"ssh","action":"git-upload-pack"}}"#;
    let e = parse(line).expect("parses");
    assert_eq!(e.custom_message.as_deref(), Some("ssh git-upload-pack"));
    assert_eq!(e.details["custom_message"]["action"], "git-upload-pack");
}
