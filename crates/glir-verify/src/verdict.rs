use serde::{Deserialize, Serialize};

/// What a verification concluded. A 403 means the token authenticated but lacks a scope, so it
/// is `ValidRestricted`, never "invalid" (secrets.md §2.2: tools that map 403 to invalid
/// under-report narrowly scoped live tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Valid,
    ValidRestricted,
    Blocked,
    Expired,
    RevokedOrInvalid,
    Unknown,
    NotVerifiable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::ValidRestricted => "valid_restricted",
            Verdict::Blocked => "blocked",
            Verdict::Expired => "expired",
            Verdict::RevokedOrInvalid => "revoked_or_invalid",
            Verdict::Unknown => "unknown",
            Verdict::NotVerifiable => "not_verifiable",
        }
    }

    /// The token works right now against the host: the case for immediate revocation.
    pub fn is_live(self) -> bool {
        matches!(self, Verdict::Valid | Verdict::ValidRestricted)
    }
}

/// One verification result, safe to print and store: it names the probe, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub verdict: Verdict,
    /// The GitLab host the token was checked against.
    pub host: String,
    /// What was asked, e.g. `GET /api/v4/personal_access_tokens/self (the leaked token)`.
    pub probe: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Plain words: why this verdict.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Served from the cache of an earlier request in this run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
}
