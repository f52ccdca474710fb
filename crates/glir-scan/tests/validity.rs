//! Findings that know whether they are valid: a failed CRC, a wrong length or a body that goes on
//! is marked invalid with the reason (callers leave those out by default), a token followed by
//! `.xx` is not a shorter token, and each finding says how sure it is.

mod common;

use common::findings;
use glir_scan::Confidence;

fn planted() -> Vec<common::Planted> {
    common::gitlab_tokens(11)
}

#[test]
fn a_routable_token_with_a_failed_crc_is_invalid_with_the_reason() {
    let tampered: Vec<_> = planted().into_iter().filter(|p| !p.valid).collect();
    assert!(!tampered.is_empty());
    for p in tampered {
        let found = findings(&format!("TOKEN={}\n", p.token));
        assert_eq!(found.len(), 1, "{}", p.rule);
        let why = found[0].invalid.as_deref().expect("marked invalid");
        assert!(why.starts_with("not a valid "), "{why}");
        assert!(why.to_lowercase().contains("crc"), "{why}");
        assert_eq!(found[0].confidence, Confidence::Low);
    }
}

#[test]
fn valid_tokens_say_how_sure_they_are() {
    for p in planted().into_iter().filter(|p| p.valid) {
        let found = findings(&format!("TOKEN={}\n", p.token));
        assert_eq!(found.len(), 1, "{}", p.rule);
        assert_eq!(found[0].invalid, None, "{}", p.rule);
        let routable_or_jwt = p.token.contains('.') && found[0].confidence == Confidence::High;
        assert!(
            routable_or_jwt || found[0].confidence == Confidence::Medium,
            "{}: {:?}",
            p.rule,
            found[0].confidence
        );
    }
    let aws = common::aws_secret(3);
    let context = findings(&format!("aws_secret_access_key = {aws}\n"));
    assert_eq!(
        context[0].confidence,
        Confidence::Low,
        "found by its name only"
    );
    let pem = common::pem_private_key(3);
    assert_eq!(findings(&pem)[0].confidence, Confidence::High);
}

#[test]
fn a_token_followed_by_a_suffix_is_not_the_shorter_token() {
    let routable: Vec<_> = planted()
        .into_iter()
        .filter(|p| p.valid && p.token.starts_with("glpat-") && p.token.contains('.'))
        .collect();
    assert!(!routable.is_empty());
    for p in &routable {
        for suffix in ["x", "-abc", "Zz09"] {
            let found = findings(&format!("TOKEN={}{suffix}\n", p.token));
            assert!(
                found.iter().all(|f| f.invalid.is_some()),
                "{suffix}: {:?}",
                found.iter().map(|f| &f.invalid).collect::<Vec<_>>()
            );
        }
        // Punctuation that cannot be part of a body ends the token.
        let found = findings(&format!("see {}, then", p.token));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].invalid, None);
    }
}

#[test]
fn a_checksum_ends_a_routable_token_before_a_dotted_suffix() {
    let routable = planted()
        .into_iter()
        .filter(|p| p.valid && p.token.contains('.') && p.token.starts_with("gl"));
    let mut checked = 0;
    for p in routable {
        let found = findings(&format!("token={}.11aa\n", p.token));
        assert_eq!(found.len(), 1, "{}", p.rule);
        assert_eq!(found[0].invalid, None, "{}", p.rule);
        assert_eq!(found[0].fingerprint, glir_redact::fingerprint(&p.token));
        assert_eq!(found[0].confidence, Confidence::High);
        checked += 1;
    }
    assert!(
        checked >= 3,
        "routable samples of several families: {checked}"
    );
    // Without a checksum nothing says where a legacy body ends: it stays invalid.
    let legacy = planted()
        .into_iter()
        .find(|p| p.valid && p.rule == "gitlab-pat" && !p.token.contains('.'))
        .unwrap();
    let found = findings(&format!("token={}.11aa\n", legacy.token));
    assert!(found.iter().all(|f| f.invalid.is_some()), "{found:?}");
}

#[test]
fn bodies_of_the_wrong_length_are_invalid() {
    let legacy = planted()
        .into_iter()
        .find(|p| p.valid && p.rule == "gitlab-pat" && !p.token.contains('.'))
        .expect("a legacy glpat");
    let body = &legacy.token["glpat-".len()..];
    for bad in [
        format!("glpat-{}", &body[..18]),
        format!("glpat-{body}{}", &body[..10]),
        // Past the longest body the rule reads (320): not a 320-character token cut out of it.
        format!("glpat-{}", body.repeat(20)),
    ] {
        let found = findings(&format!("TOKEN={bad}\n"));
        assert_eq!(found.len(), 1, "{}", bad.len());
        assert!(found[0].invalid.is_some(), "{} characters", bad.len());
    }
}
