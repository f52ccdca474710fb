//! From a GitLab answer to a verdict. The wording GitLab uses for expired, revoked and blocked
//! comes from `lib/gitlab/auth/auth_finders.rb` (401 `invalid_token` with "Token has expired." or
//! "Token was revoked. You have to re-authenticate.") and `lib/api/helpers.rb` (403 "Your
//! account has been blocked.").

use crate::Verdict;
use glir_gitlab::Error;

/// The verdict for a request presenting the leaked token that GitLab refused.
pub fn from_error(err: &Error) -> (Verdict, String) {
    match err {
        Error::Unauthorized { detail, .. } => {
            let detail = detail.as_deref().unwrap_or_default();
            if detail.to_ascii_lowercase().contains("expired") {
                (Verdict::Expired, "GitLab: the token has expired (401)".into())
            } else if detail.to_ascii_lowercase().contains("revoked") {
                (
                    Verdict::RevokedOrInvalid,
                    "GitLab: the token was revoked (401)".into(),
                )
            } else {
                (
                    Verdict::RevokedOrInvalid,
                    "GitLab does not accept the token (401): revoked, deleted or never issued here"
                        .into(),
                )
            }
        }
        Error::InsufficientScope { scopes, .. } => (
            Verdict::ValidRestricted,
            format!(
                "GitLab accepted the token but it lacks the {} scope for this probe (403): live",
                scopes.join("/")
            ),
        ),
        Error::Forbidden { message, .. } if message.to_ascii_lowercase().contains("blocked") => (
            Verdict::Blocked,
            "GitLab: the token's user is blocked (403); unblocking would revive it".into(),
        ),
        Error::Forbidden { .. } => (
            Verdict::ValidRestricted,
            "GitLab authenticated the token but refused the probe (403): live".into(),
        ),
        Error::RateLimited { .. } => (
            Verdict::Unknown,
            "rate limited (429) beyond the retry budget".into(),
        ),
        Error::Server { status, .. } => (
            Verdict::Unknown,
            format!("GitLab server error ({status})"),
        ),
        Error::Timeout { .. } | Error::Network { .. } => (
            Verdict::Unknown,
            format!("GitLab unreachable: {err}"),
        ),
        other => (Verdict::Unknown, format!("unexpected answer: {other}")),
    }
}
