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
                (
                    Verdict::Expired,
                    "GitLab: the token has expired (401)".into(),
                )
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
        Error::Server { status, .. } => {
            (Verdict::Unknown, format!("GitLab server error ({status})"))
        }
        Error::Timeout { .. } | Error::Network { .. } => {
            (Verdict::Unknown, format!("GitLab unreachable: {err}"))
        }
        other => (Verdict::Unknown, format!("unexpected answer: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> (String, String) {
        ("GET".into(), "/user".into())
    }

    #[test]
    fn a_403_is_never_invalid() {
        let (method, path) = base();
        let scope = Error::InsufficientScope {
            method: method.clone(),
            path: path.clone(),
            scopes: vec!["read_user".into()],
            request_id: None,
        };
        assert_eq!(from_error(&scope).0, Verdict::ValidRestricted);
        let role = Error::Forbidden {
            method: method.clone(),
            path: path.clone(),
            message: "403 Forbidden".into(),
            request_id: None,
        };
        assert_eq!(from_error(&role).0, Verdict::ValidRestricted);
        let blocked = Error::Forbidden {
            method,
            path,
            message: "403 Forbidden - Your account has been blocked.".into(),
            request_id: None,
        };
        assert_eq!(from_error(&blocked).0, Verdict::Blocked);
    }

    #[test]
    fn a_401_says_expired_or_revoked_when_gitlab_does() {
        let (method, path) = base();
        let with = |detail: &str| Error::Unauthorized {
            method: method.clone(),
            path: path.clone(),
            token: Some("sha256:0123456789abcdef".into()),
            detail: Some(detail.into()),
            request_id: None,
        };
        assert_eq!(
            from_error(&with(
                "Token is expired. You can either do re-authorization or token refresh."
            ))
            .0,
            Verdict::Expired
        );
        assert_eq!(
            from_error(&with(
                "Token was revoked. You have to re-authorize from the user."
            ))
            .0,
            Verdict::RevokedOrInvalid
        );
        assert_eq!(
            from_error(&with("401 Unauthorized")).0,
            Verdict::RevokedOrInvalid
        );
    }
}
