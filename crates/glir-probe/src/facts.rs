//! What the probe learns about the instance, the caller and the token. Each fact is known, or
//! unknown with the reason, and each is asked of GitLab once: the answers to every capability
//! are worked out from these alone (`answer.rs`).

use glir_gitlab::{AuditEventJson, AuditScope, Client, Error};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A fact GitLab told us, or why it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known<T> {
    Known(T),
    Unknown(String),
}

impl<T> Known<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Known::Known(value) => Some(value),
            Known::Unknown(_) => None,
        }
    }
}

/// GitLab.com or an instance of one's own (Dedicated counts as self-managed here: both have an
/// administrator the customer controls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deployment {
    GitlabCom,
    SelfManaged,
}

/// `major.minor` of the instance, enough to compare with a feature's "introduced in".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    /// As GitLab reported it, such as `17.9.2-ee`.
    pub raw: String,
}

impl Version {
    /// `17.9.2-ee`, `18.7.0-pre` → 17.9, 18.7; `None` when it does not start with `N.N`.
    pub fn parse(raw: &str) -> Option<Version> {
        let mut parts = raw.split(['.', '-']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Version {
            major,
            minor,
            raw: raw.to_string(),
        })
    }

    pub fn at_least(&self, (major, minor): (u32, u32)) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// GitLab's subscription tiers, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Free,
    Premium,
    Ultimate,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Free => "Free",
            Tier::Premium => "Premium",
            Tier::Ultimate => "Ultimate",
        }
    }

    /// A license's or namespace's `plan`. The old names map to today's tiers (Silver became
    /// Premium, Gold Ultimate); Starter and Bronze have no tier of today, so they say nothing.
    fn of_plan(plan: &str) -> Option<Tier> {
        match plan {
            "free" | "default" => Some(Tier::Free),
            "premium" | "silver" | "premium_trial" => Some(Tier::Premium),
            "ultimate"
            | "gold"
            | "ultimate_trial"
            | "ultimate_trial_paid_customer"
            | "opensource" => Some(Tier::Ultimate),
            _ => None,
        }
    }
}

/// The tier, exactly (a license, a plan) or as a floor (a Premium feature answered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierSeen {
    pub tier: Tier,
    /// Only "this tier or above" is known, and why no more is.
    pub floor_only: Option<String>,
    /// Whose tier: `instance`, or the top-level group on GitLab.com.
    pub of: String,
}

impl fmt::Display for TierSeen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tier.name())?;
        if self.floor_only.is_some() {
            f.write_str(" or above")?;
        }
        Ok(())
    }
}

/// Who the token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<String>,
    pub active: bool,
}

/// The caller's role where `--group` or `--project` points: an access level (10 Guest … 50
/// Owner), `None` when not a member (or the namespace is hidden from them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub path: String,
    pub level: Known<Option<u32>>,
}

/// GitLab's name of an access level (doc/api/members.md, "Roles").
pub fn role_name(level: u32) -> &'static str {
    match level {
        50.. => "Owner",
        40..=49 => "Maintainer",
        30..=39 => "Developer",
        20..=29 => "Reporter",
        15..=19 => "Planner",
        10..=14 => "Guest",
        _ => "Minimal Access",
    }
}

/// Whether an audit-event endpoint answered: a Premium feature, so its answer is also evidence
/// of the tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Open,
    /// GitLab answered 403 or 404; why, in plain words.
    Refused(String),
}

/// The audit-event endpoints asked (`None`: not asked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReach {
    pub instance: Option<Known<Reach>>,
    pub group: Option<Known<Reach>>,
    pub project: Option<Known<Reach>>,
}

/// Everything the answers are made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub url: String,
    /// Set when GitLab did not answer at all: then every answer is unknown.
    pub unreachable: Option<String>,
    pub deployment: Deployment,
    pub version: Known<Version>,
    pub enterprise: Known<bool>,
    pub caller: Known<Caller>,
    pub token: Known<TokenInfo>,
    pub tier: Known<TierSeen>,
    pub group: Option<Membership>,
    pub project: Option<Membership>,
    pub audit: AuditReach,
}

/// Namespaces whose access the caller wants checked.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub group: Option<String>,
    pub project: Option<String>,
}

/// `GET /license` (doc/api/license.md; admin only). EE without a license answers `null`
/// (ee/lib/api/license.rb presents `License.current`); CE has no such route.
#[derive(Deserialize)]
struct License {
    plan: Option<String>,
    #[serde(default)]
    expired: bool,
}

/// `GET /namespaces/:id` (doc/api/namespaces.md): EE adds the group's `plan` for those who may
/// `admin_namespace` it, its Owners (ee/lib/ee/api/entities/namespace.rb).
#[derive(Deserialize)]
struct NamespacePlan {
    plan: Option<String>,
}

/// Asks GitLab what the answers need, one request per fact.
pub async fn learn(client: &Client, targets: &Targets) -> Facts {
    let url = client.base_url().to_string();
    let deployment = deployment_of(client);
    let (version, enterprise) = match client.version().await {
        Ok(r) => (
            Version::parse(&r.body.version).map_or_else(
                || Known::Unknown(format!("GitLab reported version {:?}", r.body.version)),
                Known::Known,
            ),
            // `enterprise` arrived in 15.6 (doc/api/version.md); older EE builds say it only in
            // the version's `-ee` suffix.
            Known::Known(r.body.enterprise || r.body.version.contains("-ee")),
        ),
        // Nothing answers: every other question would wait out the same deadline.
        Err(e @ (Error::Network { .. } | Error::Timeout { .. })) => {
            return unreachable(url, deployment, targets, format!("version: {e}"));
        }
        Err(e) => (
            Known::Unknown(format!("version: {e}")),
            Known::Unknown(format!("version: {e}")),
        ),
    };
    let caller = match client.current_user().await {
        // `is_admin` is shown only to an administrator acting as one (API::Entities::UserWithAdmin).
        Ok(r) => Known::Known(Caller {
            id: r.body.id,
            username: r.body.username,
            is_admin: r.body.is_admin.unwrap_or(false),
        }),
        Err(e) => Known::Unknown(format!("current user: {e}")),
    };
    let token = match client.pat_self().await {
        Ok(r) => Known::Known(TokenInfo {
            name: r.body.name,
            scopes: r.body.scopes,
            expires_at: r.body.expires_at.map(|d| d.to_string()),
            active: r.body.active && !r.body.revoked,
        }),
        // doc/api/personal_access_tokens.md: `self` arrived in 15.5.
        Err(Error::NotFound { .. }) if version.known().is_some_and(|v| !v.at_least((15, 5))) => {
            Known::Unknown(
                "token details: GitLab before 15.5 cannot show a token its own scopes".into(),
            )
        }
        Err(e) => Known::Unknown(format!(
            "token details: {e} (an OAuth or job token has no personal-access-token record)"
        )),
    };
    let mut group = None;
    if let Some(g) = &targets.group {
        group = Some(membership(client, &caller, g, Namespace::Group).await);
    }
    let mut project = None;
    if let Some(p) = &targets.project {
        project = Some(membership(client, &caller, p, Namespace::Project).await);
    }
    let is_admin = caller.known().map(|c| c.is_admin);
    let mut audit = AuditReach::default();
    // Only an administrator can read them, and not on GitLab.com: anyone else's 403 says
    // nothing the role does not.
    if deployment == Deployment::SelfManaged && is_admin == Some(true) {
        audit.instance = Some(reach(client, AuditScope::Instance).await);
    }
    if let Some(g) = &targets.group {
        audit.group = Some(reach(client, AuditScope::Group(g.clone())).await);
    }
    if let Some(p) = &targets.project {
        audit.project = Some(reach(client, AuditScope::Project(p.clone())).await);
    }
    let tier = tier(client, deployment, &enterprise, is_admin, targets).await;
    let tier = with_audit_evidence(tier, &audit);
    Facts {
        url,
        unreachable: None,
        deployment,
        version,
        enterprise,
        caller,
        token,
        tier,
        group,
        project,
        audit,
    }
}

/// What is known of an instance that did not answer: nothing but why.
fn unreachable(url: String, deployment: Deployment, targets: &Targets, why: String) -> Facts {
    fn unknown<T>() -> Known<T> {
        Known::Unknown("GitLab did not answer".to_string())
    }
    let member = |path: &String| Membership {
        path: path.clone(),
        level: unknown(),
    };
    Facts {
        url,
        unreachable: Some(why),
        deployment,
        version: unknown(),
        enterprise: unknown(),
        caller: unknown(),
        token: unknown(),
        tier: unknown(),
        group: targets.group.as_ref().map(member),
        project: targets.project.as_ref().map(member),
        audit: AuditReach::default(),
    }
}

fn deployment_of(client: &Client) -> Deployment {
    let host = client.host();
    if host == "gitlab.com" || host.ends_with(".gitlab.com") {
        Deployment::GitlabCom
    } else {
        Deployment::SelfManaged
    }
}

#[derive(Clone, Copy)]
enum Namespace {
    Group,
    Project,
}

async fn membership(
    client: &Client,
    caller: &Known<Caller>,
    path: &str,
    ns: Namespace,
) -> Membership {
    let level = match caller {
        Known::Unknown(why) => Known::Unknown(why.clone()),
        // An administrator has every role; asking would only add a request.
        Known::Known(c) if c.is_admin => Known::Unknown("not asked of an administrator".into()),
        Known::Known(c) => {
            let answer = match ns {
                Namespace::Group => client.group_member(path, c.id).await,
                Namespace::Project => client.project_member(path, c.id).await,
            };
            match answer {
                Ok(m) => Known::Known(Some(m.body.access_level)),
                // GitLab answers 404 both for a non-member and for a namespace hidden from them.
                Err(Error::NotFound { .. }) => Known::Known(None),
                Err(e) => Known::Unknown(format!("role in {path}: {e}")),
            }
        }
    };
    Membership {
        path: path.to_string(),
        level,
    }
}

async fn reach(client: &Client, scope: AuditScope) -> Known<Reach> {
    let req = client.audit_events(&scope, None, None, 1);
    match client.get_page::<AuditEventJson>(&req, None).await {
        Ok(_) => Known::Known(Reach::Open),
        Err(e) => match e.status() {
            Some(403) => Known::Known(Reach::Refused(format!("GitLab refused {scope}'s audit events: {e}"))),
            // doc/api/audit_events.md: instance events are not offered on GitLab.com, and no
            // audit events API exists below Premium.
            Some(404) if scope == AuditScope::Instance => Known::Known(Reach::Refused(
                "GitLab answered 404: instance audit events are not offered here (GitLab.com, or no Premium license)".into(),
            )),
            Some(404) => Known::Known(Reach::Refused(format!(
                "GitLab answered 404 for {scope}'s audit events: not found, not visible to you, or no Premium license"
            ))),
            _ => Known::Unknown(format!("{scope}'s audit events: {e}")),
        },
    }
}

async fn tier(
    client: &Client,
    deployment: Deployment,
    enterprise: &Known<bool>,
    is_admin: Option<bool>,
    targets: &Targets,
) -> Known<TierSeen> {
    match deployment {
        Deployment::GitlabCom => com_plan(client, targets).await,
        Deployment::SelfManaged if is_admin == Some(true) => license(client, enterprise).await,
        // Community Edition has no paid tier to be on.
        Deployment::SelfManaged if enterprise == &Known::Known(false) => {
            Known::Known(exactly(Tier::Free, "instance"))
        }
        Deployment::SelfManaged => Known::Unknown(
            "the instance's license is shown to administrators only (GET /license)".into(),
        ),
    }
}

fn exactly(tier: Tier, of: &str) -> TierSeen {
    TierSeen {
        tier,
        floor_only: None,
        of: of.to_string(),
    }
}

async fn license(client: &Client, enterprise: &Known<bool>) -> Known<TierSeen> {
    match client.get::<Option<License>>("/license", &[]).await {
        Ok(r) => match r.body {
            None => Known::Known(exactly(Tier::Free, "instance")),
            Some(l) if l.expired => {
                Known::Unknown("the instance's license has expired (GET /license)".into())
            }
            Some(l) => match l.plan.as_deref().and_then(Tier::of_plan) {
                Some(t) => Known::Known(exactly(t, "instance")),
                None => Known::Unknown(format!(
                    "the license's plan {:?} is not a tier of today",
                    l.plan.unwrap_or_default()
                )),
            },
        },
        Err(Error::NotFound { .. }) if enterprise == &Known::Known(false) => {
            Known::Known(exactly(Tier::Free, "instance"))
        }
        Err(e) => Known::Unknown(format!("license: {e}")),
    }
}

/// On GitLab.com the tier is the top-level group's plan.
async fn com_plan(client: &Client, targets: &Targets) -> Known<TierSeen> {
    let Some(path) = targets.group.as_ref().or(targets.project.as_ref()) else {
        return Known::Unknown(
            "on GitLab.com the tier is the top-level group's plan: give --group to learn it".into(),
        );
    };
    let top = path.split('/').next().unwrap_or(path);
    match client
        .get::<NamespacePlan>(&format!("/namespaces/{}", encode_segment(top)), &[])
        .await
    {
        Ok(r) => match r.body.plan.as_deref().and_then(Tier::of_plan) {
            Some(t) => Known::Known(exactly(t, top)),
            None => Known::Unknown(format!(
                "GitLab.com did not show {top}'s plan (it shows it to those who administer the group)"
            )),
        },
        Err(e) => Known::Unknown(format!("{top}'s plan: {e}")),
    }
}

/// An audit-event endpoint that answered proves at least Premium when nothing better is known
/// (doc/api/audit_events.md: Premium, Ultimate).
fn with_audit_evidence(tier: Known<TierSeen>, audit: &AuditReach) -> Known<TierSeen> {
    let open = [&audit.instance, &audit.group, &audit.project]
        .into_iter()
        .any(|r| matches!(r, Some(Known::Known(Reach::Open))));
    match tier {
        Known::Unknown(why) if open => Known::Known(TierSeen {
            tier: Tier::Premium,
            floor_only: Some(format!(
                "the audit events API answered, so Premium at least; {why}"
            )),
            of: "instance".into(),
        }),
        other => other,
    }
}

/// One path segment for `:id` (doc/api/rest/_index.md, "Namespaced paths").
fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_major_and_minor() {
        let v = Version::parse("15.4.1-ee").unwrap();
        assert_eq!(v.to_string(), "15.4");
        assert!(v.at_least((15, 2)) && v.at_least((15, 4)));
        assert!(!v.at_least((15, 11)) && !v.at_least((16, 0)));
        assert_eq!(Version::parse("18.7.0-pre").map(|v| v.minor), Some(7));
        assert_eq!(Version::parse("nightly"), None);
    }

    #[test]
    fn plans_old_and_new_map_to_tiers() {
        assert_eq!(Tier::of_plan("gold"), Some(Tier::Ultimate));
        assert_eq!(Tier::of_plan("silver"), Some(Tier::Premium));
        assert_eq!(Tier::of_plan("ultimate_trial"), Some(Tier::Ultimate));
        assert_eq!(Tier::of_plan("free"), Some(Tier::Free));
        assert_eq!(Tier::of_plan("bronze"), None);
    }

    #[test]
    fn a_license_answer_of_null_is_no_license() {
        let none: Option<License> = serde_json::from_str("null").unwrap();
        assert!(none.is_none());
    }
}
