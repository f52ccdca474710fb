//! Which request can tell whether a token of a given family is live without changing anything.

use glir_tokens::{Family, Identification, Layout};

/// How one token is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// `POST /admin/token` with the responder's own administrator token. Preferred: the leaked
    /// token is never presented, so its `last_used_at` and `last_used_ips` — evidence of the
    /// attacker's last use — stay untouched (doc/api/admin/token.md).
    AdminLookup,
    /// `GET /personal_access_tokens/self` presenting the leaked token. Side-effect free apart from
    /// updating the token's last-used time, which the report says.
    PatSelf,
    /// `GET /job` with `JOB-TOKEN`: answers 200 only while the job runs.
    JobSelf,
    /// Decided offline, e.g. a JWT job token whose `exp` has passed.
    Offline(crate::Verdict, &'static str),
    /// No side-effect-free request exists for this family without an administrator.
    NotVerifiable(&'static str),
}

/// The probe for a token, given whether the responder's connection is an administrator's.
pub fn probe_for(id: &Identification, admin: bool, now_unix: i64) -> Probe {
    // Only a failed routable CRC is proof: GitLab computes it over every token it issues. A
    // legacy token of an odd length or alphabet may still be one an administrator set or
    // migrated, so it is asked about like any other.
    let routable = matches!(id.layout, Layout::RoutableV0 | Layout::RoutableV1);
    if routable && !id.structurally_valid {
        return Probe::Offline(
            crate::Verdict::RevokedOrInvalid,
            "its CRC does not match: GitLab never issued it (a typo, truncation or fake)",
        );
    }
    if let Some(exp) = id.jwt.as_ref().and_then(|j| j.exp)
        && exp < now_unix
    {
        return Probe::Offline(
            crate::Verdict::Expired,
            "JWT job token past its exp claim; job tokens die with their job",
        );
    }
    // The admin token API identifies every family GitLab issues (17.9+), except the SCIM and
    // workspace tokens it does not list (doc/api/admin/token.md).
    let admin_can_identify = !matches!(
        id.family,
        Family::ScimToken | Family::WorkspaceToken | Family::Unknown
    );
    if admin && admin_can_identify {
        return Probe::AdminLookup;
    }
    match id.family {
        Family::PersonalAccessToken => Probe::PatSelf,
        Family::CiJobToken => Probe::JobSelf,
        Family::DeployToken => Probe::NotVerifiable(
            "deploy tokens cannot call the REST API and need their username for Git; \
             an administrator's connection can look them up",
        ),
        Family::RunnerAuthentication | Family::RunnerAuthenticationFromRegistration => {
            Probe::NotVerifiable(
                "POST /runners/verify with a glrt- token requires a system_id and records a \
                 runner manager, so it is not side-effect free; an administrator's connection \
                 can look the token up",
            )
        }
        Family::RunnerRegistration => Probe::NotVerifiable(
            "registration tokens are only checked by registering a runner; an administrator's \
             connection can look them up",
        ),
        Family::PipelineTrigger => Probe::NotVerifiable(
            "a trigger token is only accepted by POST /trigger/pipeline, which starts a \
             pipeline; an administrator's connection can look it up",
        ),
        Family::OauthAppSecret => Probe::NotVerifiable(
            "an OAuth secret needs its application id to be tried; an administrator's \
             connection can look it up",
        ),
        Family::GitlabSession => Probe::NotVerifiable(
            "using a session cookie extends the session; an administrator's connection can \
             look it up",
        ),
        Family::FeedToken
        | Family::IncomingMail
        | Family::ClusterAgent
        | Family::FeatureFlagsClient => Probe::NotVerifiable(
            "no REST endpoint accepts this token without side effects; an administrator's \
             connection can look it up",
        ),
        Family::ScimToken | Family::WorkspaceToken => {
            Probe::NotVerifiable("GitLab offers no side-effect-free check for this token family")
        }
        Family::Unknown => Probe::NotVerifiable("not a GitLab token"),
    }
}
