//! Facts × requirement → yes / no / unknown, with the reason naming what is missing: "needs
//! Owner of acme (you are Developer)", "needs the `api` scope (token has read_api)". Any no
//! makes the answer no (every missing thing is named); otherwise any unknown makes it unknown.

use crate::facts::{Deployment, Facts, Known, Membership, Reach, Tier, role_name};
use crate::requirements::{Offering, Requirement, Role, Scope, TokenScope};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Yes,
    No,
    Unknown,
}

impl Answer {
    pub fn word(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Unknown => "unknown",
        }
    }
}

/// One capability, answered.
#[derive(Debug, Clone, Serialize)]
pub struct Capability {
    /// The requirement's name, with the group or project it was checked against.
    pub name: String,
    pub command: &'static str,
    pub scope: Scope,
    pub answer: Answer,
    pub reason: String,
    /// The containment actions this capability stands for.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub actions: &'static [&'static str],
    pub needs: Needs,
}

/// What a capability needs, as data (the requirement row, for `--format json`).
#[derive(Debug, Clone, Serialize)]
pub struct Needs {
    pub role: Role,
    /// `api` or `read_api`; `null` when the responder's token is not what is used.
    pub token_scope: Option<&'static str>,
    /// An administrator's token also needs `admin_mode` when Admin Mode is on.
    pub admin_mode_scope: bool,
    pub tier: Tier,
    /// `major.minor` it arrived in.
    pub since: Option<String>,
    pub offering: Offering,
    pub feature_flag: Option<&'static str>,
}

impl Needs {
    fn of(r: &Requirement) -> Needs {
        Needs {
            role: r.role,
            token_scope: (r.token_scope != TokenScope::None).then(|| r.token_scope.name()),
            admin_mode_scope: r.role == Role::Admin && r.token_scope != TokenScope::None,
            tier: r.tier,
            since: r.since.map(|(major, minor)| format!("{major}.{minor}")),
            offering: r.offering,
            feature_flag: r.flag,
        }
    }
}

/// One check's outcome: met (with what met it, if worth saying), not met, or not known.
enum Check {
    Met(Option<String>),
    No(String),
    Unknown(String),
}

/// Answers `req` from `facts`.
pub fn answer(facts: &Facts, req: &Requirement) -> Capability {
    let target = target_of(facts, req.scope);
    let name = match target {
        Some(m) => format!("{} ({})", req.name, m.path),
        None => req.name.to_string(),
    };
    let (answer, reason) = match &facts.unreachable {
        Some(_) => (Answer::Unknown, "GitLab did not answer".to_string()),
        None => combine([
            offering(facts, req),
            role(facts, req, target),
            token_scope(facts, req),
            tier(facts, req),
            version(facts, req),
            flag(req),
            audit_endpoint(facts, req),
        ]),
    };
    let reason = match req.note {
        Some(note) => format!("{reason}; {note}"),
        None => reason,
    };
    Capability {
        name,
        command: req.command,
        scope: req.scope,
        answer,
        reason,
        actions: req.actions,
        needs: Needs::of(req),
    }
}

fn combine(checks: impl IntoIterator<Item = Check>) -> (Answer, String) {
    let mut met = Vec::new();
    let mut no = Vec::new();
    let mut unknown = Vec::new();
    for check in checks {
        match check {
            Check::Met(Some(why)) => met.push(why),
            Check::Met(None) => {}
            Check::No(why) => no.push(why),
            Check::Unknown(why) => unknown.push(why),
        }
    }
    if !no.is_empty() {
        (Answer::No, no.join("; "))
    } else if !unknown.is_empty() {
        (Answer::Unknown, unknown.join("; "))
    } else if met.is_empty() {
        (Answer::Yes, "nothing of yours is needed".to_string())
    } else {
        (Answer::Yes, met.join("; "))
    }
}

fn target_of(facts: &Facts, scope: Scope) -> Option<&Membership> {
    match scope {
        Scope::Instance => None,
        Scope::Group | Scope::TopLevelGroup => facts.group.as_ref(),
        Scope::Project => facts.project.as_ref(),
    }
}

fn offering(facts: &Facts, req: &Requirement) -> Check {
    match (req.offering, facts.deployment) {
        (Offering::SelfManaged, Deployment::GitlabCom) => {
            Check::No("not offered on GitLab.com (self-managed and Dedicated only)".into())
        }
        _ => Check::Met(None),
    }
}

fn role(facts: &Facts, req: &Requirement, target: Option<&Membership>) -> Check {
    if req.role == Role::Any {
        return Check::Met(None);
    }
    let caller = match &facts.caller {
        Known::Known(c) => c,
        Known::Unknown(_) => return Check::Unknown("GitLab did not say who this token is".into()),
    };
    if req.scope == Scope::TopLevelGroup
        && let Some(m) = target
        && m.path.contains('/')
    {
        return Check::No(format!(
            "needs a top-level group ({} is a subgroup)",
            m.path
        ));
    }
    if caller.is_admin {
        return Check::Met(Some("administrator".into()));
    }
    let Some(need) = req.role.level() else {
        return Check::No("needs an administrator".into());
    };
    let Some(m) = target else {
        let flag = match req.scope {
            Scope::Project => "--project",
            _ => "--group",
        };
        let kind = flag.trim_start_matches("--");
        return Check::Unknown(format!(
            "needs {} of the {kind}: give {flag} to check {kind} access",
            req.role.name()
        ));
    };
    let short = match &m.level {
        Known::Unknown(why) => return Check::Unknown(why.clone()),
        Known::Known(Some(level)) if *level >= need => {
            return Check::Met(Some(format!("{} of {}", role_name(*level), m.path)));
        }
        Known::Known(Some(level)) => format!(
            "needs {} of {} (you are {})",
            req.role.name(),
            m.path,
            role_name(*level)
        ),
        Known::Known(None) => format!(
            "needs {} of {} (you are not a member, or it is hidden from you)",
            req.role.name(),
            m.path
        ),
    };
    match req.unless {
        Some(alternative) => Check::Unknown(format!("{short} {alternative}")),
        None => Check::No(short),
    }
}

fn token_scope(facts: &Facts, req: &Requirement) -> Check {
    let granted_by = req.token_scope.granted_by();
    if granted_by.is_empty() {
        return Check::Met(None);
    }
    match &facts.token {
        Known::Known(t) if t.scopes.iter().any(|s| granted_by.contains(&s.as_str())) => {
            Check::Met(None)
        }
        Known::Known(t) => Check::No(format!(
            "needs the `{}` scope (token has {})",
            req.token_scope.name(),
            if t.scopes.is_empty() {
                "none".to_string()
            } else {
                t.scopes.join(", ")
            }
        )),
        Known::Unknown(_) => Check::Unknown(format!(
            "needs the `{}` scope (GitLab did not show the token's scopes)",
            req.token_scope.name()
        )),
    }
}

fn tier(facts: &Facts, req: &Requirement) -> Check {
    if req.tier == Tier::Free {
        return Check::Met(None);
    }
    let needed = req.tier.name();
    match &facts.tier {
        Known::Known(seen) if seen.tier >= req.tier => Check::Met(None),
        Known::Known(seen) => match &seen.floor_only {
            Some(why) => Check::Unknown(format!("needs {needed} ({} is {seen}: {why})", seen.of)),
            None => Check::No(format!("needs {needed} ({} is {seen})", seen.of)),
        },
        Known::Unknown(why) => Check::Unknown(format!("needs {needed} (tier unknown: {why})")),
    }
}

fn version(facts: &Facts, req: &Requirement) -> Check {
    let Some((major, minor)) = req.since else {
        return Check::Met(None);
    };
    match &facts.version {
        Known::Known(v) if v.at_least((major, minor)) => Check::Met(None),
        Known::Known(v) => Check::No(format!("needs GitLab {major}.{minor}+ (instance runs {v})")),
        Known::Unknown(_) => {
            Check::Unknown(format!("needs GitLab {major}.{minor}+ (version unknown)"))
        }
    }
}

fn flag(req: &Requirement) -> Check {
    match req.flag {
        Some(flag) => Check::Unknown(format!(
            "needs the feature flag `{flag}`, off by default (an administrator can check it: GET /features)"
        )),
        None => Check::Met(None),
    }
}

fn audit_endpoint(facts: &Facts, req: &Requirement) -> Check {
    if !req.audit_endpoint {
        return Check::Met(None);
    }
    let asked = match req.scope {
        Scope::Instance => &facts.audit.instance,
        Scope::Group | Scope::TopLevelGroup => &facts.audit.group,
        Scope::Project => &facts.audit.project,
    };
    match asked {
        None | Some(Known::Known(Reach::Open)) => Check::Met(None),
        Some(Known::Known(Reach::Refused(why))) => Check::No(why.clone()),
        Some(Known::Unknown(why)) => Check::Unknown(why.clone()),
    }
}
