//! The destination's verification token, checked in constant time.
//!
//! GitLab sends the destination's secret in `X-Gitlab-Event-Streaming-Token`
//! (gitlab-org/gitlab:ee/lib/audit_events/strategies/external_destination_strategy.rb). Both
//! sides are hashed first, so the comparison runs over two 32-byte digests whatever the lengths
//! of the configured and the presented token: neither a length nor a matching prefix shows in
//! the time it takes.

use glir_redact::Secret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The header GitLab carries the destination's token in.
pub const TOKEN_HEADER: &str = "x-gitlab-event-streaming-token";

/// A destination's token, kept as its digest.
pub(crate) struct TokenCheck {
    digest: [u8; 32],
}

impl TokenCheck {
    pub(crate) fn new(token: &Secret) -> TokenCheck {
        TokenCheck {
            digest: Sha256::digest(token.expose().as_bytes()).into(),
        }
    }

    /// Whether `presented` (absent: an empty token, which never matches a configured one,
    /// because configured tokens are not empty) is the destination's token.
    pub(crate) fn accepts(&self, presented: Option<&[u8]>) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.unwrap_or_default()).into();
        bool::from(self.digest.ct_eq(&presented))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_token_is_accepted() {
        let check = TokenCheck::new(&Secret::new("s3cret-token-value-0001"));
        assert!(check.accepts(Some(b"s3cret-token-value-0001")));
        assert!(!check.accepts(Some(b"s3cret-token-value-0002")));
        assert!(!check.accepts(Some(b"s3cret-token-value-000")));
        assert!(!check.accepts(Some(b"")));
        assert!(!check.accepts(None));
    }
}
