//! Legacy (non-routable) bodies: length and alphabet per family (gitlab-api.md §2.1, §2.5),
//! and documentation placeholders.

use crate::Family;

/// What a family's random part looks like.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// `[A-Za-z0-9_-]{n}`; `friendly` when `Devise.friendly_token` made it.
    UrlSafe { len: usize, friendly: bool },
    /// `[0-9a-f]{n}` (`SecureRandom.hex`).
    LowerHex(usize),
}

/// The legacy body shape of a family, if it has one.
pub(crate) fn legacy_shape(family: Family) -> Option<Shape> {
    let friendly = |len| Shape::UrlSafe {
        len,
        friendly: true,
    };
    let plain = |len| Shape::UrlSafe {
        len,
        friendly: false,
    };
    match family {
        Family::PersonalAccessToken
        | Family::DeployToken
        | Family::RunnerAuthentication
        | Family::RunnerAuthenticationFromRegistration => Some(friendly(20)),
        Family::ClusterAgent => Some(friendly(50)),
        Family::RunnerRegistration | Family::FeedToken | Family::ScimToken => Some(plain(20)),
        Family::FeatureFlagsClient | Family::CiJobToken => Some(plain(20)),
        Family::IncomingMail => Some(plain(25)),
        Family::OauthAppSecret => Some(Shape::LowerHex(64)),
        Family::PipelineTrigger => Some(Shape::LowerHex(40)),
        Family::GitlabSession => Some(Shape::LowerHex(32)),
        Family::WorkspaceToken | Family::Unknown => None,
    }
}

/// Check `body` against `shape`; returns whether it fits and pushes findings to `checks`.
pub(crate) fn check(body: &str, shape: Shape, checks: &mut Vec<String>) -> bool {
    match shape {
        Shape::UrlSafe { len, friendly } => {
            let alphabet_ok = body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let fits = alphabet_ok && body.len() == len;
            if fits {
                checks.push(format!("{len} URL-safe characters, as expected"));
            } else {
                checks.push(format!(
                    "expected {len} characters of A-Z a-z 0-9 _ -, found {} characters{}",
                    body.chars().count(),
                    if alphabet_ok {
                        ""
                    } else {
                        " with others among them"
                    }
                ));
            }
            // devise.rb: friendly_token does .tr('lIO0', 'sxyz'), so these never appear.
            if friendly && body.bytes().any(|b| b"lIO0".contains(&b)) {
                checks.push(
                    "contains l/I/O/0, which GitLab's generator never emits: likely hand-set or fake"
                        .to_string(),
                );
            }
            fits
        }
        Shape::LowerHex(len) => {
            let fits =
                body.len() == len && body.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            checks.push(if fits {
                format!("{len} lowercase hex characters, as expected")
            } else {
                format!(
                    "expected {len} lowercase hex characters, found {} characters",
                    body.chars().count()
                )
            });
            fits
        }
    }
}

/// Runs of one character, or of consecutive ones (`ABCDEFGH`, `12345678`), at least this long
/// do not come out of a random generator: in a random 20-character body either turns up about
/// once in 10^11 bodies.
const FILLER_RUN: usize = 8;

/// Words that mark a value as a stand-in to replace (`glpat-your-token-goes-here`,
/// `xoxb-your-bot-token`, `sk_live_REPLACE_ME…`). A random body of 20 to 50 characters holds
/// one by chance about once in 10^5, so CRC-checked bodies are never judged by them.
const PLACEHOLDER_WORDS: &[&str] = &[
    "your",
    "example",
    "placeholder",
    "redacted",
    "changeme",
    "replace",
    "dummy",
    "sample",
];

/// Whether `text` names itself a stand-in ([`PLACEHOLDER_WORDS`], any case).
pub fn has_placeholder_word(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    PLACEHOLDER_WORDS.iter().any(|word| lower.contains(word))
}

/// Whether `text` holds filler a person typed rather than generator output: a run of one
/// character or an ascending sequence (case and `-`/`_` ignored) of [`FILLER_RUN`] or more.
pub fn is_filler(text: &str) -> bool {
    let mut same = 0;
    let mut ascending = 0;
    let mut previous: Option<u8> = None;
    for b in text.bytes().filter(|b| *b != b'-' && *b != b'_') {
        let b = b.to_ascii_lowercase();
        same = if previous == Some(b) { same + 1 } else { 1 };
        ascending = match previous {
            Some(p) if b.is_ascii_alphanumeric() && p.checked_add(1) == Some(b) => ascending + 1,
            // `…789` then `a`: digits run on into letters in `1234567890abcdef` only after 0.
            Some(b'0') if b == b'a' => ascending + 1,
            Some(b'9') if b == b'0' => ascending + 1,
            _ => 1,
        };
        previous = Some(b);
        if same >= FILLER_RUN || ascending >= FILLER_RUN {
            return true;
        }
    }
    false
}

/// Documentation placeholders: `glpat-xxxxxxxxxxxxxxxxxxxx`, `glpat-<your_token>`,
/// `glpat-XXXXXXXXXXX-XXXXXXXX` (gitleaks' negative examples), `${TOKEN}`, `****`.
pub(crate) fn is_placeholder(body: &str) -> bool {
    if body.is_empty() {
        return true;
    }
    if body.chars().any(|c| "<>{}$*…[]".contains(c)) {
        return true;
    }
    is_filler(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_real_bodies() {
        assert!(is_placeholder("xxxxxxxxxxxxxxxxxxxx"));
        assert!(is_placeholder("<your_token>"));
        assert!(is_placeholder("XXXXXXXXXXX-XXXXXXXX"));
        assert!(is_placeholder("${GITLAB_TOKEN}"));
        assert!(!is_placeholder("Zq3vB7xk_pT2mW9sN4rA"));
        // Typed sequences, as documentation writes them.
        assert!(is_placeholder("ABCDEFGHIJKLMNOPQRST"));
        assert!(is_placeholder("12345678901234567890"));
        assert!(is_placeholder("1234567890abcdefghij"));
        assert!(!is_placeholder("abcXyz12defGhi34jklM"));
        assert!(has_placeholder_word("your-token-goes-here"));
        assert!(has_placeholder_word("REDACTED"));
        assert!(!has_placeholder_word("Zq3vB7xk_pT2mW9sN4rA"));
    }

    #[test]
    fn friendly_alphabet_is_a_finding_not_a_failure() {
        let mut checks = Vec::new();
        let shape = Shape::UrlSafe {
            len: 20,
            friendly: true,
        };
        assert!(check("Zq3vB7xk_pT2mW9sN4r0", shape, &mut checks));
        assert!(checks.iter().any(|c| c.contains("l/I/O/0")));
        assert!(!check("Zq3vB7xk_pT2mW9sN4r", shape, &mut Vec::new()));
        assert!(!check("Zq3vB7xk_pT2mW9sN4r!", shape, &mut Vec::new()));
    }
}
