//! Token families and the prefix table (gitlab-api.md §2.1; `doc/security/tokens/_index.md`,
//! "Token prefixes").

use serde::Serialize;

/// Which kind of GitLab credential a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Personal, impersonation, project or group access token: all share `glpat-`.
    PersonalAccessToken,
    /// Deploy token (`gldt-`).
    DeployToken,
    /// Runner authentication token of a runner created in the UI or API (`glrt-`).
    RunnerAuthentication,
    /// Runner authentication token of a runner registered with a registration token (`glrtr-`).
    RunnerAuthenticationFromRegistration,
    /// Deprecated runner registration token (`GR1348941`).
    RunnerRegistration,
    /// CI/CD job token (`glcbt-`), database or JWT form.
    CiJobToken,
    /// Pipeline trigger token (`glptt-`).
    PipelineTrigger,
    /// Feed token (`glft-`).
    FeedToken,
    /// Incoming mail token (`glimt-`).
    IncomingMail,
    /// OAuth application secret (`gloas-`).
    OauthAppSecret,
    /// Agent for Kubernetes token (`glagent-`).
    ClusterAgent,
    /// SCIM token (`glsoat-`).
    ScimToken,
    /// Feature flags client token (`glffct-`).
    FeatureFlagsClient,
    /// Remote development workspace token (`glwt-`).
    WorkspaceToken,
    /// Session cookie value (`_gitlab_session=`).
    GitlabSession,
    /// Nothing GitLab issues with a known prefix.
    Unknown,
}

/// The token-prefix table (`doc/security/tokens/_index.md`, "Token prefixes", plus `glrtr-` and
/// `glwt-` from later revisions): the one list redaction (`glir_redact::scrub`) and scanning
/// (`glir-scan`'s rules) read. `glrtr-` precedes `glrt-` so the longer one wins.
pub const PREFIXES: &[(&str, Family)] = &[
    ("glpat-", Family::PersonalAccessToken),
    ("gldt-", Family::DeployToken),
    ("glrtr-", Family::RunnerAuthenticationFromRegistration),
    ("glrt-", Family::RunnerAuthentication),
    ("GR1348941", Family::RunnerRegistration),
    ("glcbt-", Family::CiJobToken),
    ("glptt-", Family::PipelineTrigger),
    ("glft-", Family::FeedToken),
    ("glimt-", Family::IncomingMail),
    ("gloas-", Family::OauthAppSecret),
    ("glagent-", Family::ClusterAgent),
    ("glsoat-", Family::ScimToken),
    ("glffct-", Family::FeatureFlagsClient),
    ("glwt-", Family::WorkspaceToken),
    ("_gitlab_session=", Family::GitlabSession),
];

/// Longest instance prefix GitLab accepts for routable tokens (handbook: prefix ≤ 20 chars).
const MAX_INSTANCE_PREFIX: usize = 20;

impl Family {
    /// A short plain-words name, e.g. "personal, project or group access token".
    pub fn describe(self) -> &'static str {
        match self {
            Family::PersonalAccessToken => "personal, impersonation, project or group access token",
            Family::DeployToken => "deploy token",
            Family::RunnerAuthentication => "runner authentication token",
            Family::RunnerAuthenticationFromRegistration => {
                "runner authentication token (runner registered with a registration token)"
            }
            Family::RunnerRegistration => "runner registration token (deprecated)",
            Family::CiJobToken => "CI/CD job token",
            Family::PipelineTrigger => "pipeline trigger token",
            Family::FeedToken => "feed token",
            Family::IncomingMail => "incoming mail token",
            Family::OauthAppSecret => "OAuth application secret",
            Family::ClusterAgent => "agent for Kubernetes token",
            Family::ScimToken => "SCIM token",
            Family::FeatureFlagsClient => "feature flags client token",
            Family::WorkspaceToken => "workspace token",
            Family::GitlabSession => "GitLab session cookie",
            Family::Unknown => "unknown",
        }
    }

    /// Families whose models issue routable tokens (gitlab-api.md §2.3, "Which models issue").
    pub(crate) fn issues_routable(self) -> bool {
        matches!(
            self,
            Family::PersonalAccessToken
                | Family::RunnerAuthentication
                | Family::RunnerAuthenticationFromRegistration
                | Family::WorkspaceToken
        )
    }
}

/// The family found at the start of a token and how many bytes its prefix takes.
pub(crate) struct PrefixMatch {
    pub family: Family,
    pub len: usize,
    pub note: Option<String>,
}

/// Find the token's family from its prefix: the configured custom PAT prefix, a plain GitLab
/// prefix, the configured instance prefix, or any other `<instance>-` before a GitLab prefix.
pub(crate) fn match_prefix(
    token: &str,
    custom_pat_prefix: Option<&str>,
    instance_prefix: Option<&str>,
) -> Option<PrefixMatch> {
    if let Some(custom) = custom_pat_prefix.filter(|p| !p.is_empty())
        && token.starts_with(custom)
    {
        return Some(PrefixMatch {
            family: Family::PersonalAccessToken,
            len: custom.len(),
            note: Some(format!("custom PAT prefix {custom:?}")),
        });
    }
    if let Some((family, len)) = plain_prefix(token) {
        return Some(PrefixMatch {
            family,
            len,
            note: None,
        });
    }
    // lib/authn/token_field/prefix_helper.rb: "<instance_token_prefix>-" goes before the
    // family prefix, and "gl" (the old default) means unset.
    let configured = instance_prefix
        .map(|p| p.trim_end_matches('-'))
        .filter(|p| !p.is_empty() && *p != "gl");
    if let Some(instance) = configured
        && let Some(rest) = token
            .strip_prefix(instance)
            .and_then(|r| r.strip_prefix('-'))
        && let Some((family, len)) = plain_prefix(rest)
    {
        return Some(PrefixMatch {
            family,
            len: instance.len() + 1 + len,
            note: Some(format!("instance-wide prefix {instance:?}")),
        });
    }
    unconfigured_instance_prefix(token, configured)
}

fn plain_prefix(token: &str) -> Option<(Family, usize)> {
    PREFIXES
        .iter()
        .find(|(prefix, _)| token.starts_with(prefix))
        .map(|(prefix, family)| (*family, prefix.len()))
}

/// An instance prefix nobody told us about: `<word>-gl…-` within the first characters.
fn unconfigured_instance_prefix(token: &str, configured: Option<&str>) -> Option<PrefixMatch> {
    let head = token.get(..MAX_INSTANCE_PREFIX + 1).unwrap_or(token);
    head.match_indices('-').find_map(|(dash, _)| {
        let instance = &token[..dash];
        let shaped = !instance.is_empty()
            && instance
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        let (family, len) = plain_prefix(&token[dash + 1..])
            .filter(|(f, _)| !matches!(f, Family::RunnerRegistration | Family::GitlabSession))?;
        shaped.then(|| PrefixMatch {
            family,
            len: dash + 1 + len,
            note: Some(match configured {
                Some(expected) => {
                    format!("instance-wide prefix {instance:?}, not the configured {expected:?}")
                }
                None => format!("instance-wide prefix {instance:?}"),
            }),
        })
    })
}
