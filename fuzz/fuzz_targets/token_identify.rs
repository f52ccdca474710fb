//! `glir token identify` and the scanner's validation of every GitLab candidate: any text, with
//! the instance prefixes off and on. Whatever it is, the identification must not carry the token.
//! The same text as pasted into `token inspect` or `respond`: every candidate found in it is a
//! piece of it and identifies as a GitLab family.
#![no_main]

use glir_tokens::{Family, IdentifyOptions, candidates, identify};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static CUSTOM: LazyLock<IdentifyOptions> = LazyLock::new(|| IdentifyOptions {
    custom_pat_prefix: Some("acme-pat-".to_owned()),
    instance_prefix: Some("acme".to_owned()),
});

fuzz_target!(|token: &str| {
    for opts in [&IdentifyOptions::default(), &*CUSTOM] {
        let id = identify(token, opts);
        // `identify` trims, so the trimmed token is what must not leak; below 12 characters the
        // redacted form is a fixed mask that a short input can be a substring of.
        let secret = token.trim();
        if secret.chars().count() > 12 {
            assert!(
                !id.redacted.contains(secret),
                "redacted form holds the token"
            );
            assert!(
                !id.fingerprint.contains(secret),
                "fingerprint holds the token"
            );
        }
    }
    for opts in [&IdentifyOptions::default(), &*CUSTOM] {
        for (candidate, id) in candidates(token, opts) {
            assert!(token.contains(&candidate), "a candidate not in the text");
            assert_ne!(
                id.family,
                Family::Unknown,
                "an unknown family as a candidate"
            );
        }
    }
});
