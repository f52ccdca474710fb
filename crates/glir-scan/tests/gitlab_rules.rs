//! Every GitLab family and layout is found whole, validated offline and never confused with a
//! truncated legacy hit; placeholders are dropped.

mod common;

use std::sync::OnceLock;

use glir_scan::{Encoding, RuleOptions, RuleSet, Scanner};

struct Hit {
    rule: String,
    secret: String,
    valid: bool,
    line: usize,
    column: usize,
    family: Option<String>,
}

fn scan_with(opts: &RuleOptions, text: &str) -> Vec<Hit> {
    scan_on(
        &Scanner::new(RuleSet::builtin(opts).unwrap()).unwrap(),
        text,
    )
}

fn scan_on(scanner: &Scanner, text: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    scanner.scan(text.as_bytes(), &mut |m| {
        assert_eq!(m.encoding, Encoding::PLAIN);
        hits.push(Hit {
            rule: m.rule.id.to_string(),
            secret: m.secret.clone(),
            valid: m.structurally_valid,
            line: m.line,
            column: m.column,
            family: m.identification.as_ref().map(|i| format!("{:?}", i.family)),
        });
    });
    hits
}

/// The default scanner, built once: compiling the rules dominates a debug-build test.
fn scan(text: &str) -> Vec<Hit> {
    static DEFAULT: OnceLock<Scanner> = OnceLock::new();
    let scanner = DEFAULT
        .get_or_init(|| Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap());
    scan_on(scanner, text)
}

#[test]
fn every_family_and_layout_is_found_once_with_its_validity() {
    for planted in common::gitlab_tokens(1) {
        for context in [
            format!("TOKEN={}\n", planted.token),
            format!(
                "curl -H \"PRIVATE-TOKEN: {}\" https://gitlab.example.com\n",
                planted.token
            ),
            format!("{{\"token\": \"{}\"}}", planted.token),
            format!("see {}.", planted.token),
        ] {
            let hits = scan(&context);
            assert_eq!(
                hits.len(),
                1,
                "rule {} in context #{context:.12}…: {} hits",
                planted.rule,
                hits.len()
            );
            let hit = &hits[0];
            assert_eq!(hit.rule, planted.rule);
            assert!(
                hit.secret == planted.token,
                "rule {}: secret differs from the planted token",
                planted.rule
            );
            assert_eq!(hit.valid, planted.valid, "rule {} validity", planted.rule);
            assert_ne!(hit.family.as_deref(), Some("Unknown"));
        }
    }
}

#[test]
fn routable_tokens_decode_their_routing_payload() {
    let mut rng = common::Rng::new(7);
    let token = common::routable(
        "glpat-",
        &[("o", 3), ("u", 4242)],
        rng.random16(),
        common::Version::V1,
    );
    let scanner = Scanner::new(RuleSet::builtin(&RuleOptions::default()).unwrap()).unwrap();
    let mut routing = None;
    scanner.scan(format!("x {token} y").as_bytes(), &mut |m| {
        routing = m.identification.map(|i| i.routing);
    });
    let routing = routing.expect("found");
    assert_eq!(routing.get("u"), Some(&4242));
    assert_eq!(routing.get("o"), Some(&3));
}

#[test]
fn placeholders_are_not_reported() {
    let text = common::placeholders().join("\n");
    let hits = scan(&text);
    assert!(
        hits.is_empty(),
        "{} placeholder(s) reported: {:?}",
        hits.len(),
        hits.iter().map(|h| &h.rule).collect::<Vec<_>>()
    );
}

#[test]
fn prefix_without_a_body_is_prose() {
    assert!(scan("GitLab PATs start with glpat- and runner tokens with glrt-.\n").is_empty());
}

#[test]
fn instance_prefixed_tokens_match_whole() {
    let mut rng = common::Rng::new(3);
    let token = common::routable(
        "acme-glpat-",
        &[("o", 1), ("u", 5)],
        rng.random16(),
        common::Version::V1,
    );
    let opts = RuleOptions {
        instance_prefix: Some("acme".into()),
        ..RuleOptions::default()
    };
    let hits = scan_with(&opts, &format!("export GL={token}\n"));
    assert_eq!(hits.len(), 1);
    assert!(
        hits[0].secret == token,
        "instance prefix kept in the secret"
    );
    assert!(hits[0].valid, "CRC covers the instance prefix");
    // And without telling the scanner about the prefix.
    let hits = scan(&format!("export GL={token}\n"));
    assert_eq!(hits.len(), 1);
    assert!(hits[0].secret == token);
}

#[test]
fn custom_pat_prefix_is_a_keyword() {
    let mut rng = common::Rng::new(4);
    let token = format!("corp_{}", common::friendly(&mut rng, 20));
    assert!(
        scan(&format!("t={token}\n")).is_empty(),
        "unknown custom prefix is invisible"
    );
    let opts = RuleOptions {
        custom_pat_prefix: Some("corp_".into()),
        ..RuleOptions::default()
    };
    let hits = scan_with(&opts, &format!("t={token}\n"));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].rule, "gitlab-pat-custom-prefix");
    assert!(hits[0].secret == token);
}

#[test]
fn lines_and_columns_are_one_based() {
    let token = &common::gitlab_tokens(9)[0].token;
    let text = format!("first\nsecond\n  key: {token}\n");
    let hits = scan(&text);
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].line, hits[0].column), (3, 8));
}

#[test]
fn several_tokens_on_one_line_and_across_lines() {
    let tokens = common::gitlab_tokens(11);
    let text = format!(
        "{} {}\n\n{}\n",
        tokens[0].token, tokens[1].token, tokens[2].token
    );
    let hits = scan(&text);
    let found: Vec<(usize, &str)> = hits.iter().map(|h| (h.line, h.rule.as_str())).collect();
    assert_eq!(
        found,
        vec![
            (1, tokens[0].rule),
            (1, tokens[1].rule),
            (3, tokens[2].rule)
        ]
    );
}

#[test]
fn token_characters_glued_to_a_word_are_not_a_token_start() {
    let token = &common::gitlab_tokens(12)[1].token; // gldt-…
    assert!(scan(&format!("xx{token}\n")).is_empty());
}

#[test]
fn a_short_pattern_repeated_to_fill_a_body_is_a_placeholder() {
    let mut rng = common::Rng::new(71);
    let ids = format!(
        "{}-{}",
        rng.pick(b"0123456789", 12),
        rng.pick(b"0123456789", 13)
    );
    for text in [
        format!("GR1348941{}\n", "123".repeat(7)),
        format!("REGISTRATION_TOKEN=GR1348941{}\n", "ab12".repeat(5)),
        format!("token: glpat-{}\n", "ab".repeat(10)),
        format!("deploy: gldt-{}\n", "xY9".repeat(7)),
        format!("feed: glft-{}\n", "1234".repeat(5)),
        format!("CI_JOB_TOKEN=glcbt-64_{}\n", "a1b".repeat(7)),
        format!("GITLAB_TOKEN={}\n", "AbC1".repeat(5)),
        format!("STRIPE_KEY=sk_live_{}\n", "123".repeat(8)),
        format!("GITHUB_TOKEN=ghp_{}\n", "a1b2".repeat(9)),
        format!("SLACK_BOT_TOKEN=xoxb-{ids}-{}\n", "abc".repeat(8)),
    ] {
        let hits = scan(&text);
        assert!(
            hits.is_empty(),
            "{text:.24}…: {:?}",
            hits.iter().map(|h| &h.rule).collect::<Vec<_>>()
        );
    }
    // A random body is still a token, and so is one whose pattern repeats only in part.
    for text in [
        format!("GR1348941{}\n", rng.pick(common::ALNUM, 20)),
        format!(
            "GR1348941{}{}\n",
            "123".repeat(3),
            rng.pick(common::ALNUM, 11)
        ),
    ] {
        assert_eq!(scan(&text).len(), 1, "{text:.24}…");
    }
}

#[test]
fn checksummed_tokens_are_judged_by_their_crc_not_their_shape() {
    // A routable token is as good as its CRC: however its random part reads, the repeated-pattern
    // check never sees it. A random part of three bytes repeated reads `AQIDAQIDAQID…`.
    for pattern in [[1u8, 2, 3], [0xab, 0xcd, 0xef], [0x10, 0x20, 0x30]] {
        let random: [u8; 16] = std::array::from_fn(|i| pattern[i % 3]);
        for version in [common::Version::V0, common::Version::V1] {
            let token = common::routable("glpat-", &[("o", 1), ("u", 7)], random, version);
            let hits = scan(&format!("token: {token}\n"));
            assert_eq!(hits.len(), 1, "{pattern:?}");
            assert!(hits[0].valid && hits[0].secret == token);
        }
    }
    let runner = common::routable(
        "glrt-t1_",
        &[("o", 1), ("t", 1)],
        std::array::from_fn(|i| [5u8, 6, 7][i % 3]),
        common::Version::V1,
    );
    let hits = scan(&format!("token: {runner}\n"));
    assert_eq!(hits.len(), 1);
    assert!(hits[0].valid && hits[0].secret == runner);
}
