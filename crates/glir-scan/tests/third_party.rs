//! Curated third-party rules, AWS documentation samples, and the opt-in generic rule.

mod common;

use glir_scan::{RuleOptions, RuleSet, Scanner};

fn scan_with(generic: bool, text: &str) -> Vec<(String, String)> {
    let opts = RuleOptions {
        generic,
        ..RuleOptions::default()
    };
    let scanner = Scanner::new(RuleSet::builtin(&opts).unwrap()).unwrap();
    let mut hits = Vec::new();
    scanner.scan(text.as_bytes(), &mut |m| {
        hits.push((m.rule.id.to_string(), m.secret.clone()))
    });
    hits
}

#[test]
fn each_third_party_sample_is_found() {
    for planted in common::third_party(5) {
        let hits = scan_with(false, &format!("config: {}\n", planted.token));
        assert_eq!(hits.len(), 1, "{}: {} hits", planted.rule, hits.len());
        assert_eq!(hits[0].0, planted.rule);
        assert!(
            hits[0].1 == planted.token,
            "{}: secret differs",
            planted.rule
        );
    }
}

#[test]
fn aws_secret_needs_its_keyword_and_captures_only_the_value() {
    let secret = common::aws_secret(6);
    for line in [
        format!("aws_secret_access_key = {secret}\n"),
        format!("AWS_SECRET_ACCESS_KEY=\"{secret}\"\n"),
        format!("{{\"SecretAccessKey\": \"{secret}\"}}\n"),
    ] {
        let hits = scan_with(false, &line);
        assert_eq!(hits.len(), 1, "one hit expected");
        assert_eq!(hits[0].0, "aws-secret-access-key");
        assert!(hits[0].1 == secret);
    }
    assert!(scan_with(false, &format!("value = {secret}\n")).is_empty());
}

#[test]
fn aws_documentation_keys_are_not_reported() {
    // AWS marks its published sample credentials with EXAMPLE; they are public, never live.
    let text = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    assert!(scan_with(false, text).is_empty());
}

#[test]
fn pem_private_key_block() {
    let pem = common::pem_private_key(8);
    let text = format!("notes\n{pem}\nmore\n");
    let hits = scan_with(false, &text);
    assert_eq!(hits.len(), 1, "BEGIN and END lines give one finding");
    assert_eq!(hits[0].0, "private-key");
    assert!(hits[0].1 == pem);
    let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    assert!(scan_with(false, cert).is_empty());
}

#[test]
fn gcp_service_account_json() {
    let pem = common::pem_private_key(10).replace('\n', "\\n");
    let json = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo\",\n  \"private_key_id\": \"abc\",\n  \"private_key\": \"{pem}\\n\",\n  \"client_email\": \"x@demo.iam.gserviceaccount.com\"\n}}\n"
    );
    let hits = scan_with(false, &json);
    let gcp: Vec<_> = hits
        .iter()
        .filter(|(r, _)| r == "gcp-service-account-key")
        .collect();
    assert_eq!(gcp.len(), 1);
    assert!(gcp[0].1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let not_sa = json.replace("service_account", "authorized_user");
    assert!(
        scan_with(false, &not_sa)
            .iter()
            .all(|(r, _)| r != "gcp-service-account-key")
    );
}

#[test]
fn generic_rule_only_on_request_and_only_above_the_entropy_floor() {
    let mut rng = common::Rng::new(12);
    let random = rng.pick(common::ALNUM, 32);
    let text = format!("db_password = \"{random}\"\n");
    assert!(scan_with(false, &text).is_empty());
    let hits = scan_with(true, &text);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].0, "generic-high-entropy");
    assert!(hits[0].1 == random);
    // Low entropy: a word repeated, not a secret.
    assert!(scan_with(true, "password = \"passwordpasswordpassword\"\n").is_empty());
}

#[test]
fn generic_rule_leaves_gitlab_tokens_to_gitlab_rules() {
    let token = &common::gitlab_tokens(13)[0].token;
    let hits = scan_with(true, &format!("token = \"{token}\"\n"));
    assert_eq!(
        hits.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        vec!["gitlab-pat"]
    );
}
