//! The Sigma semantics detection.md §3.10 lists as divergent between engines, pinned for glir.

mod common;
use common::{fires, single_rule, stream};

const ADD_KEY: &str = r#"{"id":"1","created_at":"2026-11-25T02:13:07Z","event_type":"add_ssh_key","author_id":2,"author_name":"Dana","ip_address":"203.0.113.66","entity_type":"User","entity_path":"Dana","target_type":"Key","target_details":"laptop","details":{"custom_message":"Added SSH key"}}"#;

#[test]
fn not_over_a_missing_field_is_true() {
    // `ip_address` absent: `not internal` holds (Hayabusa-like), unlike SQL backends' NULL.
    let (_d, pack) = single_rule(
        "  sel:\n    event_type: add_ssh_key\n  internal:\n    ip_address|startswith: '10.'\n  condition: sel and not internal",
    );
    let no_ip =
        stream(r#"{"id":"1","created_at":"2026-11-25T02:13:07Z","event_type":"add_ssh_key"}"#);
    assert!(fires(&pack, &no_ip));
    let internal = stream(
        r#"{"id":"2","created_at":"2026-11-25T02:13:07Z","event_type":"add_ssh_key","ip_address":"10.1.2.3"}"#,
    );
    assert!(!fires(&pack, &internal));
    assert!(fires(&pack, &stream(ADD_KEY)));
}

#[test]
fn null_matches_a_missing_field() {
    let (_d, pack) =
        single_rule("  sel:\n    event_type: add_ssh_key\n    ip_address: null\n  condition: sel");
    let no_ip =
        stream(r#"{"id":"1","created_at":"2026-11-25T02:13:07Z","event_type":"add_ssh_key"}"#);
    assert!(fires(&pack, &no_ip));
    assert!(!fires(&pack, &stream(ADD_KEY)));
}

#[test]
fn filter_polarity_is_selection_and_not_filter() {
    let (_d, pack) = single_rule(
        "  sel:\n    event_type: add_ssh_key\n  filter_known:\n    author_name: Dana\n  condition: sel and not 1 of filter_*",
    );
    assert!(!fires(&pack, &stream(ADD_KEY)));
    let other = stream(&ADD_KEY.replace("\"Dana\",\"ip", "\"Eve\",\"ip"));
    assert!(fires(&pack, &other));
}

#[test]
fn strings_match_case_insensitively_unless_cased() {
    let (_d, pack) = single_rule("  sel:\n    event_type: ADD_SSH_KEY\n  condition: sel");
    assert!(fires(&pack, &stream(ADD_KEY)));
    let (_d, cased) = single_rule("  sel:\n    event_type|cased: ADD_SSH_KEY\n  condition: sel");
    assert!(!fires(&cased, &stream(ADD_KEY)));
    let (_d, contains) =
        single_rule("  sel:\n    details.custom_message|contains: 'ssh KEY'\n  condition: sel");
    assert!(fires(&contains, &stream(ADD_KEY)));
}

#[test]
fn an_array_field_matches_when_any_element_does() {
    let (_d, pack) = single_rule("  sel:\n    details.scopes: api\n  condition: sel");
    let with = |scopes: &str| {
        stream(&format!(
            r#"{{"id":"1","created_at":"2026-11-25T02:13:07Z","event_type":"personal_access_token_created","details":{{"scopes":{scopes}}}}}"#
        ))
    };
    assert!(fires(&pack, &with(r#"["read_user","api"]"#)));
    assert!(!fires(&pack, &with(r#"["read_user","read_api"]"#)));
}

#[test]
fn a_list_of_values_is_or_and_all_modifier_is_and() {
    let (_d, any) = single_rule(
        "  sel:\n    event_type:\n      - add_gpg_key\n      - add_ssh_key\n  condition: sel",
    );
    assert!(fires(&any, &stream(ADD_KEY)));
    let (_d, all) = single_rule(
        "  sel:\n    details.custom_message|contains|all:\n      - added\n      - gpg\n  condition: sel",
    );
    assert!(!fires(&all, &stream(ADD_KEY)));
    let (_d, all_ssh) = single_rule(
        "  sel:\n    details.custom_message|contains|all:\n      - added\n      - ssh\n  condition: sel",
    );
    assert!(fires(&all_ssh, &stream(ADD_KEY)));
}

#[test]
fn numbers_compare_as_numbers_and_as_strings() {
    // Negative author ids are system authors (deploy keys are -3).
    let (_d, pack) = single_rule("  sel:\n    author_id|lt: 0\n  condition: sel");
    let deploy_key = stream(
        r#"{"id":"1","created_at":"2026-11-25T02:13:07Z","event_type":"repository_git_operation","author_id":-3}"#,
    );
    assert!(fires(&pack, &deploy_key));
    assert!(!fires(&pack, &stream(ADD_KEY)));
    let (_d, as_string) = single_rule("  sel:\n    author_id: '2'\n  condition: sel");
    assert!(fires(&as_string, &stream(ADD_KEY)));
}
