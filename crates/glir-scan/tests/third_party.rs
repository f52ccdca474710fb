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
fn aws_secret_in_a_variables_export_or_named_in_prose() {
    let secret = common::aws_secret(71);
    for text in [
        // CI/CD variables as the API lists them, compact and pretty-printed.
        format!(
            "[{{\"variable_type\": \"env_var\", \"key\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"{secret}\", \"protected\": false}}]\n"
        ),
        format!(
            "  {{\n    \"variable_type\": \"env_var\",\n    \"key\": \"AWS_SECRET_ACCESS_KEY\",\n    \"value\": \"{secret}\",\n    \"masked\": false\n  }}\n"
        ),
        format!("the new AWS_SECRET_ACCESS_KEY for the staging runner is:\n\n{secret}\n\nAlice\n"),
    ] {
        let hits = scan_with(false, &text);
        assert_eq!(hits.len(), 1, "{text}");
        assert!(hits[0].0.starts_with("aws-secret-access-key"), "{text}");
        assert!(hits[0].1 == secret, "{text}");
    }
    // URL-encoded in a query string: not the tail after an escape, but the decoded key (the
    // decoding layer's), once.
    let id = "AKIA2E3F4G5H6J7K2L3M";
    // `%2F` and then 38 characters: before the fix, `2F` and those read as a 40-character key.
    let encoded = format!("A%2F{}", &secret[2..]);
    let query =
        format!("GET /s3/test?aws_access_key_id={id}&aws_secret_access_key={encoded}&r=1\n");
    assert!(
        scan_with(false, &query)
            .iter()
            .all(|(rule, _)| rule == "aws-access-key-id"),
        "{query}"
    );
    // In prose the key must read as random: a hex digest or a word run is not one.
    for text in [
        format!(
            "the AWS_SECRET_ACCESS_KEY rotation job is {}\n",
            "ab12".repeat(10)
        ),
        "our AWS secret key policy: SeeTheRotationRunbookInConfluenceSpaceOps\n".to_string(),
    ] {
        assert!(scan_with(false, &text).is_empty(), "{text}");
    }
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

const DIGITS: &[u8] = b"0123456789";
const LOWER_HEX: &[u8] = b"0123456789abcdef";

/// A Slack id: digits, not starting with 0.
fn slack_id(rng: &mut common::Rng, len: usize) -> String {
    format!("{}{}", rng.pick(b"123456789", 1), rng.pick(DIGITS, len - 1))
}

/// The body of a rotating (`xoxe.xoxp-1-…`) or refresh (`xoxe-1-…`) token: URL-safe base64,
/// unpadded, of `<version>-<ids>-<64 hex>`, as Slack issues them.
fn slack_rotating_body(rng: &mut common::Rng, version: &str, ids: usize) -> String {
    use base64::Engine as _;
    let mut plain = version.to_string();
    for _ in 0..ids {
        let id = slack_id(rng, 13);
        plain.push('-');
        plain.push_str(&id);
    }
    plain.push('-');
    plain.push_str(&rng.pick(LOWER_HEX, 64));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(plain)
}

#[test]
fn slack_tokens_with_a_version_digit_rotating_refresh_and_app_tokens_are_found() {
    let mut rng = common::Rng::new(51);
    let tokens = [
        // Rotating (and app configuration) access tokens, bot and user.
        format!("xoxe.xoxp-1-{}", slack_rotating_body(&mut rng, "2-2", 4)),
        format!("xoxe.xoxb-1-{}", slack_rotating_body(&mut rng, "2-2", 4)),
        // Their refresh tokens.
        format!("xoxe-1-{}", slack_rotating_body(&mut rng, "3-1", 3)),
        // A workspace token with its version digit.
        format!(
            "xoxa-2-{}-{}-{}-{}",
            slack_id(&mut rng, 9),
            slack_id(&mut rng, 11),
            slack_id(&mut rng, 13),
            rng.pick(LOWER_HEX, 32)
        ),
        // An app-level token.
        format!(
            "xapp-1-A{}-{}-{}",
            rng.pick(common::UPPER32, 10),
            slack_id(&mut rng, 13),
            rng.pick(LOWER_HEX, 64)
        ),
    ];
    for token in &tokens {
        for context in [
            format!("SLACK_TOKEN={token}\n"),
            format!("{{\"token\": \"{token}\", \"ok\": true}}\n"),
        ] {
            let hits = scan_with(false, &context);
            assert_eq!(hits.len(), 1, "{:.12}…: {} hits", token, hits.len());
            assert_eq!(hits[0].0, "slack-token");
            assert!(hits[0].1 == *token, "{:.12}…: secret differs", token);
        }
    }
    // A file URL carries an expiring `xoxe-` token with numeric ids.
    let file_token = format!(
        "xoxe-{}-{}-{}-{}",
        slack_id(&mut rng, 13),
        slack_id(&mut rng, 13),
        slack_id(&mut rng, 13),
        rng.pick(LOWER_HEX, 32)
    );
    let url = format!(
        "\"url_private\": \"https://files.slack.com/files-pri/T0A-F0B/image.png?t={file_token}\"\n"
    );
    let hits = scan_with(false, &url);
    assert_eq!(hits.len(), 1, "file URL: {} hits", hits.len());
    assert!(hits[0].0 == "slack-token" && hits[0].1 == file_token);
}

#[test]
fn slack_tokens_need_their_secret_part() {
    let mut rng = common::Rng::new(52);
    let ids = format!(
        "{}-{}-{}",
        slack_id(&mut rng, 12),
        slack_id(&mut rng, 12),
        slack_id(&mut rng, 12)
    );
    for text in [
        // The secret masked: the match must not end on the numeric ids.
        format!("\"token\": \"xoxp-{ids}-{}\"\n", "#".repeat(32)),
        format!("\"token\": \"xoxp-{ids}-{}\"\n", "*".repeat(20)),
        // No secret part at all.
        format!("token: xoxp-{ids}\n"),
        format!("token: xoxp-{ids}-\n"),
        // Stand-ins and cut-off examples of the newer forms.
        "refresh_token: xoxe-1-xxx\n".to_string(),
        "token: xoxe.xoxp-1-PasteTheConfigurationTokenOfYourApp\n".to_string(),
        "SLACK_APP_TOKEN=xapp-1-\n".to_string(),
    ] {
        let hits = scan_with(false, &text);
        assert!(hits.is_empty(), "{text:.30}…: {hits:?}");
    }
    // The same ids with a real secret part are a token.
    let token = format!("xoxp-{ids}-{}", rng.pick(LOWER_HEX, 32));
    let hits = scan_with(false, &format!("\"token\": \"{token}\"\n"));
    assert_eq!(hits.len(), 1);
    assert!(hits[0].1 == token);
}

#[test]
fn aws_secret_key_names_without_access_are_read_too() {
    let secret = common::aws_secret(53);
    for line in [
        format!("\"awsSecretKey\":\"{secret}\"\n"),
        format!("foo.backup.archive.aws.secretkey={secret}\n"),
        format!("export AWS_SECRET_KEY='{secret}'\n"),
        format!("aws_secret_key = {secret}\n"),
        format!("AwsSecretKey: {secret}\n"),
        format!("aws-secret-key: \"{secret}\"\n"),
        format!("\"\\\"awsSecretKey\\\":\\\"{secret}\\\",\" +\n"),
    ] {
        let hits = scan_with(false, &line);
        assert_eq!(hits.len(), 1, "{line:.24}…: {} hits", hits.len());
        assert_eq!(hits[0].0, "aws-secret-access-key");
        assert!(hits[0].1 == secret, "{line:.24}…: secret differs");
    }
    // The value checks stay: documentation samples, filler, the wrong length, another name.
    for line in [
        "aws.secretkey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".to_string(),
        format!("AWS_SECRET_KEY={}\n", "a".repeat(40)),
        format!("awsSecretKey: {}\n", &secret[..39]),
        format!("awsSecretKeyId: {secret}\n"),
        format!("gcp_secret_key = {secret}\n"),
    ] {
        assert!(scan_with(false, &line).is_empty(), "{line:.24}…");
    }
}

#[test]
fn with_generic_the_specific_rule_keeps_its_span() {
    let mut rng = common::Rng::new(54);
    let slack = format!(
        "xoxb-{}-{}-{}",
        slack_id(&mut rng, 12),
        slack_id(&mut rng, 13),
        rng.pick(common::ALNUM, 24)
    );
    let github = format!("ghp_{}", rng.pick(common::ALNUM, 36));
    let stripe = format!("sk_live_{}", rng.pick(common::ALNUM, 24));
    let aws = common::aws_secret(55);
    for (text, rule, secret) in [
        (
            format!("\"bot_token\": \"{slack}\"\n"),
            "slack-token",
            &slack,
        ),
        (format!("api_token = {github}\n"), "github-token", &github),
        (
            format!("STRIPE_SECRET={stripe}\n"),
            "stripe-secret-key",
            &stripe,
        ),
        (
            format!("aws_secret_key = {aws}\n"),
            "aws-secret-access-key",
            &aws,
        ),
        (
            format!("AWS_SECRET_ACCESS_KEY={aws}\n"),
            "aws-secret-access-key",
            &aws,
        ),
    ] {
        let hits = scan_with(true, &text);
        assert_eq!(
            hits.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
            vec![rule],
            "{text:.20}…"
        );
        assert!(hits[0].1 == *secret);
    }
    // The generic rule still reports what no specific rule claims, beside a specific finding.
    let other = rng.pick(common::ALNUM, 32);
    let text = format!("\"bot_token\": \"{slack}\", \"signing_secret\": \"{other}\"\n");
    let hits = scan_with(true, &text);
    let rules: Vec<_> = hits.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rules, vec!["slack-token", "generic-high-entropy"]);
    assert!(hits[1].1 == other);
}
