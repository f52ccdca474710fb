//! Secrets that cannot be printed by mistake.
//!
//! glir never prints, logs or stores a full token: everywhere a secret would appear it shows
//! [`redact`] (a recognisable prefix and the last four characters) and [`fingerprint`] (a stable
//! hash that lets two reports talk about the same secret without holding it). Both come from the
//! token catalogue (`glir-tokens`), which owns what a token looks like; this crate adds the
//! [`Secret`] type and [`scrub`], which finds tokens in free text by the catalogue's prefixes.

pub use glir_tokens::{fingerprint, redact};

use std::borrow::Cow;
use std::fmt;

/// A secret value whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plaintext, for the one place that must send it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Fewer characters than this after a prefix is prose ("glpat-xxxx" in docs), not a token.
const MIN_TOKEN_BODY: usize = 8;

/// Replace every GitLab-token-shaped substring of `text` with its redacted form, so event
/// fields that happen to carry a token (a custom message, a pasted note) are safe to print.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let Some(mut next) = find_token(text, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    loop {
        let (start, end) = next;
        out.push_str(&text[copied..start]);
        out.push_str(&redact(&text[start..end]));
        copied = end;
        match find_token(text, end) {
            Some(found) => next = found,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn find_token(text: &str, from: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (prefix, _) in glir_tokens::PREFIXES {
        let mut search = from;
        while let Some(pos) = text[search..].find(prefix) {
            let start = search + pos;
            let body_start = start + prefix.len();
            let body_len = text[body_start..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
            if body_len >= MIN_TOKEN_BODY {
                if best.is_none_or(|(s, _)| start < s) {
                    best = Some((start, body_start + body_len));
                }
                break;
            }
            search = body_start;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_redacts_every_token_in_text() {
        let text = "leaked glpat-AbCdEfGhIjKlMnOpQrSt and glrt-t1_ZyXwVuTsRqPoNmLk1234 in one line";
        let out = scrub(text);
        assert!(!out.contains("AbCdEfGhIjKlMnOp"), "{out}");
        assert!(!out.contains("ZyXwVuTsRqPoNm"), "{out}");
        assert!(out.contains("glpat-…QrSt"), "{out}");
        assert!(
            out.starts_with("leaked ") && out.ends_with(" in one line"),
            "{out}"
        );
    }

    #[test]
    fn scrub_finds_every_family_of_the_catalogue() {
        for (prefix, family) in glir_tokens::PREFIXES {
            let text = format!("note: {prefix}Zq3xK9wPm2Rt7yVb4Nc8 end");
            let out = scrub(&text);
            assert!(!out.contains("Zq3xK9wPm2Rt7y"), "{family:?}: {out}");
            assert!(out.ends_with("…4Nc8 end"), "{out}");
        }
    }

    #[test]
    fn scrub_leaves_prose_alone() {
        assert!(matches!(
            scrub("set glpat-xxxx in your config"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(scrub("no secrets here"), Cow::Borrowed(_)));
    }

    #[test]
    fn scrub_handles_tokens_at_the_edges() {
        let out = scrub("glptt-0123456789abcdef0123456789abcdef01234567");
        assert_eq!(out, "glptt-…4567");
    }

    #[test]
    fn redact_keeps_family_prefix_and_tail() {
        assert_eq!(redact("glpat-abcdefghijklmnopqrst"), "glpat-…qrst");
        assert_eq!(
            redact("acme-glpat-abcdefghijklmnopqrst"),
            "acme-glpat-…qrst"
        );
    }

    #[test]
    fn redact_hides_short_secrets_entirely() {
        assert_eq!(redact("hunter2"), "****");
    }

    #[test]
    fn redacted_form_never_contains_the_middle() {
        let token = "glrt-SECRETMIDDLEPART0000wxyz";
        let shown = redact(token);
        assert!(!shown.contains("SECRETMIDDLE"), "{shown}");
        assert!(shown.ends_with("wxyz"));
    }

    #[test]
    fn redact_without_dash_shows_only_tail() {
        assert_eq!(redact("0123456789abcdefghij"), "…ghij");
    }

    #[test]
    fn fingerprint_is_stable_and_distinct() {
        assert_eq!(fingerprint("a-token-value"), fingerprint("a-token-value"));
        assert_ne!(fingerprint("a-token-value"), fingerprint("a-token-valuf"));
        assert!(fingerprint("x").starts_with("sha256:"));
        assert_eq!(fingerprint("x").len(), "sha256:".len() + 16);
    }

    #[test]
    fn secret_debug_and_display_are_redacted() {
        let s = Secret::new("glpat-abcdefghijklmnopqrst");
        assert_eq!(format!("{s}"), "glpat-…qrst");
        assert!(!format!("{s:?}").contains("abcdefghijklmnop"));
    }
}
