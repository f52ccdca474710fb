//! Job logs: ANSI codes and section markers removed with line numbers kept, `[MASKED]`
//! counted and never reported, encoded layers decoded.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use glir_scan::{Encoding, Layer, RuleOptions, RuleSet, Scanner, clean_job_log};

fn scanner() -> Scanner {
    Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap()
}

/// (rule, secret, line, encoding) of every decoded-mode match.
fn scan_log(raw: &[u8]) -> Vec<(String, String, usize, Encoding)> {
    let clean = clean_job_log(raw);
    let scanner = scanner();
    let mut hits = Vec::new();
    scanner.scan_decoded(&clean.text, &mut |m| {
        hits.push((m.rule.id.to_string(), m.secret.clone(), m.line, m.encoding));
    });
    hits
}

fn split_at_half(token: &str) -> (&str, &str) {
    token.split_at(token.len() / 2)
}

#[test]
fn token_split_by_ansi_codes_is_rejoined_on_its_raw_line() {
    let token = common::gitlab_tokens(21)[0].token.clone();
    let (a, b) = split_at_half(&token);
    let raw = format!(
        "\x1b[32;1mRunning with gitlab-runner\x1b[0;m\n$ echo $TOKEN\n\x1b[0;33m{a}\x1b[0m{b}\nJob succeeded\n"
    );
    let hits = scan_log(raw.as_bytes());
    assert_eq!(hits.len(), 1);
    assert!(hits[0].1 == token);
    assert_eq!(hits[0].2, 3, "line of the raw log");
    assert_eq!(hits[0].3, Encoding::PLAIN);
}

#[test]
fn token_split_by_section_markers_is_rejoined() {
    let token = common::gitlab_tokens(22)[1].token.clone();
    let (a, b) = split_at_half(&token);
    let raw = format!(
        "\x1b[0Ksection_start:1700000000:prepare_script[collapsed=true]\r\x1b[0K\x1b[0K\x1b[36;1mPreparing\x1b[0;m\nline two\nvalue {a}\x1b[0Ksection_end:1700000001:prepare_script\r\x1b[0K{b}\n"
    );
    let hits = scan_log(raw.as_bytes());
    assert_eq!(hits.len(), 1);
    assert!(hits[0].1 == token);
    assert_eq!(hits[0].2, 3);
}

#[test]
fn masked_values_are_counted_not_reported() {
    let raw = b"$ echo $CI_JOB_TOKEN\n[MASKED]\nCI_REPOSITORY_URL=https://gitlab-ci-token:[MASKED]@gitlab.example.com/g/p.git\nTOKEN=glpat-[MASKED]\n";
    let clean = clean_job_log(raw);
    assert_eq!(clean.masked, 3);
    assert!(scan_log(raw).is_empty());
}

#[test]
fn double_base64_env_dump_is_decoded() {
    let tokens = common::gitlab_tokens(23);
    let env = format!(
        "HOME=/root\nCI_PROJECT_PATH=group/project\nDEPLOY={}\nRUNNER={}\n",
        tokens[1].token, tokens[2].token
    );
    // env | base64 -w0 | base64 -w0
    let dumped = STANDARD.encode(STANDARD.encode(&env));
    let raw = format!("$ env | base64 -w0 | base64 -w0\n{dumped}\n$ exit 0\n");
    let hits = scan_log(raw.as_bytes());
    let mut rules: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
    rules.sort_unstable();
    assert_eq!(rules, vec!["gitlab-deploy-token", "gitlab-runner-token"]);
    for hit in &hits {
        assert_eq!(hit.2, 2, "reported at the encoded run's line");
        assert_eq!(hit.3, Encoding::of(&[Layer::Base64, Layer::Base64]));
    }
    assert!(hits.iter().any(|h| h.1 == tokens[1].token));
}

#[test]
fn single_base64_hex_and_percent_layers() {
    let tokens = common::gitlab_tokens(24);
    let b64 = STANDARD.encode(format!("token={}\n", tokens[0].token));
    let hexed = hex::encode(format!("key {}", tokens[1].token));
    let percent = format!("https%3A%2F%2Fhost%2F%3Ft%3D{}", tokens[2].token);
    let raw = format!("{b64}\n{hexed}\n{percent}\n");
    let hits = scan_log(raw.as_bytes());
    let layer = |rule: &str| hits.iter().find(|h| h.0 == rule).map(|h| (h.2, h.3));
    assert_eq!(
        layer(tokens[0].rule),
        Some((1, Encoding::of(&[Layer::Base64])))
    );
    assert_eq!(
        layer(tokens[1].rule),
        Some((2, Encoding::of(&[Layer::Hex])))
    );
    // `%3D` glues "3D" to the token, so only the decoded text has it at a word boundary.
    assert_eq!(
        layer(tokens[2].rule),
        Some((3, Encoding::of(&[Layer::Percent])))
    );
    assert_eq!(hits.len(), 3);
}

#[test]
fn decoded_duplicate_of_a_plain_secret_on_the_same_line_is_reported_once() {
    let token = &common::gitlab_tokens(26)[0].token;
    let raw = format!("T={token} url=https://h/?t=%20{token}\n");
    let hits = scan_log(raw.as_bytes());
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].3, Encoding::PLAIN);
}

#[test]
fn plain_scan_does_not_decode() {
    let token = &common::gitlab_tokens(25)[0].token;
    let b64 = STANDARD.encode(format!("token={token}\n"));
    let mut count = 0;
    scanner().scan(b64.as_bytes(), &mut |_| count += 1);
    assert_eq!(count, 0);
}
