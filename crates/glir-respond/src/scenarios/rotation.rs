//! What replaces each credential the inventory lists: the family's rotate API where GitLab has
//! one, revocation where it has none or where nothing uses the credential, and for a CI/CD
//! variable that holds a secret, a step for whoever issued it. Each step says what breaks.
//!
//! GitLab's rotate and reset APIs: `POST /personal_access_tokens/:id/rotate`
//! (doc/api/personal_access_tokens.md), `POST /projects/:id/access_tokens/:token_id/rotate`
//! and `POST /groups/:id/access_tokens/:token_id/rotate` (doc/api/project_access_tokens.md,
//! doc/api/group_access_tokens.md; https://gitlab.com/gitlab-org/gitlab/-/merge_requests/119631),
//! `POST /runners/:id/reset_authentication_token` (doc/api/runners.md,
//! https://gitlab.com/gitlab-org/gitlab/-/merge_requests/69561),
//! `POST /applications/:id/renew-secret` (doc/api/applications.md,
//! https://gitlab.com/gitlab-org/gitlab/-/merge_requests/146989) and a hook's `token` on edit
//! (doc/api/project_webhooks.md, doc/api/system_hooks.md). Deploy tokens have list, get, create
//! and delete only (https://docs.gitlab.com/api/deploy_tokens), pipeline triggers create, edit
//! and delete (doc/api/pipeline_triggers.md): neither can be rotated.

use crate::{Action, Owner};
use glir_inventory::{Credential, Kind, OwnerKind, State};
use jiff::Timestamp;
use serde_json::{Value, json};

/// The order a rotation plan takes: what an attacker on the instance would use to stay first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Batch {
    /// Administrators' and automation credentials, and what the incident itself left.
    Automation = 1,
    /// CI/CD variables: secrets of other systems, rotated where they were issued.
    CiSecrets = 2,
    /// Everyone else's tokens and the remaining hook secrets.
    Rest = 3,
}

impl Batch {
    pub fn number(self) -> u32 {
        self as u32
    }

    pub fn label(self) -> &'static str {
        match self {
            Batch::Automation => "batch 1, administrator and automation credentials",
            Batch::CiSecrets => "batch 2, CI/CD secrets",
            Batch::Rest => "batch 3, the rest",
        }
    }
}

/// One planned replacement or removal.
pub(super) struct Rotation {
    pub action: Action,
    /// What stops working, and until when.
    pub risk: String,
    /// The credential as the inventory listed it.
    pub pre_state: Value,
}

/// The step that replaces or removes `c`, or `None`: already revoked, nothing of it can leak
/// from GitLab (SSH, GPG and deploy keys: GitLab holds their public halves only), a variable
/// (see [`variable_title`]), or an owner the listing did not name.
pub(super) fn step_for(c: &Credential, now: Timestamp) -> Option<Rotation> {
    if matches!(c.state, State::Revoked | State::Inactive) {
        return None;
    }
    let id: Option<i64> = c.id.parse().ok();
    let unused = unused(c, now);
    let owner = place(c);
    let (action, risk) = match c.kind {
        Kind::PersonalAccessToken if unused.is_none() => (
            Action::RotatePersonalAccessToken { token_id: id? },
            format!("{}: {}", token_use(c), needs_new(c, "token")),
        ),
        Kind::PersonalAccessToken => (Action::RevokePersonalAccessToken { token_id: id? }, unused?),
        // An administrator makes an impersonation token for one piece of support work; none is
        // handed on, so it is revoked, and made again only when needed (doc/api/user_tokens.md).
        Kind::ImpersonationToken => (
            Action::RevokePersonalAccessToken { token_id: id? },
            unused.unwrap_or_else(|| {
                format!(
                    "{}: an impersonation token; an administrator makes a new one if still needed",
                    token_use(c)
                )
            }),
        ),
        Kind::ProjectAccessToken | Kind::GroupAccessToken => {
            let token_id = id?;
            let action = match (owner?, unused.is_some()) {
                (Owner::Project { project }, false) => {
                    Action::RotateProjectAccessToken { project, token_id }
                }
                (Owner::Project { project }, true) => {
                    Action::RevokeProjectAccessToken { project, token_id }
                }
                (Owner::Group { group }, false) => {
                    Action::RotateGroupAccessToken { group, token_id }
                }
                (Owner::Group { group }, true) => {
                    Action::RevokeGroupAccessToken { group, token_id }
                }
                (Owner::Instance, _) => return None,
            };
            let risk =
                unused.unwrap_or_else(|| format!("{}: {}", token_use(c), needs_new(c, "token")));
            (action, risk)
        }
        Kind::DeployToken => {
            let owner = owner.filter(|o| *o != Owner::Instance)?;
            let risk = unused.unwrap_or_else(|| {
                format!(
                    "scopes {}; GitLab does not record a deploy token's use: whatever pulls or pushes with \"{}\" fails until it has a new deploy token",
                    scopes(c),
                    name(c)
                )
            });
            (
                Action::RevokeDeployToken {
                    owner,
                    token_id: id?,
                },
                risk,
            )
        }
        Kind::TriggerToken => {
            let Some(Owner::Project { project }) = owner else {
                return None;
            };
            let runs_as = c.facts.get("runs_as").and_then(Value::as_str);
            let risk = unused.unwrap_or_else(|| {
                format!(
                    "{}: whatever starts pipelines with \"{}\"{} fails until given a new trigger",
                    last_used(c),
                    name(c),
                    runs_as
                        .map(|u| format!(" (they run as {u})"))
                        .unwrap_or_default()
                )
            });
            (
                Action::DeleteTrigger {
                    project,
                    trigger_id: id?,
                },
                risk,
            )
        }
        // doc/api/cluster_agents.md has no rotate: revoke, and the cluster gets a new token.
        Kind::ClusterAgentToken => {
            let Some(Owner::Project { project }) = owner else {
                return None;
            };
            let agent_id = c.facts.get("agent_id").and_then(Value::as_i64)?;
            let agent = c
                .facts
                .get("agent")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let risk = unused.unwrap_or_else(|| {
                format!(
                    "{}: the agent \"{agent}\" stops reaching GitLab (deployments through it stop) until its cluster has a new token",
                    last_used(c)
                )
            });
            (
                Action::RevokeClusterAgentToken {
                    project,
                    agent_id,
                    token_id: id?,
                },
                risk,
            )
        }
        Kind::Runner => (
            Action::ResetRunnerToken { runner_id: id? },
            format!(
                "{}; serves {}: it takes no jobs until it is configured with the new token (in the case's secrets/)",
                match c.last_used_at {
                    Some(at) => format!("last contacted GitLab {at}"),
                    None => "never contacted GitLab".to_string(),
                },
                runner_serves(c)
            ),
        ),
        Kind::OauthApplication => {
            let hosts = c
                .facts
                .get("callback_hosts")
                .and_then(Value::as_array)
                .map(|h| {
                    let hosts: Vec<&str> = h.iter().filter_map(Value::as_str).collect();
                    format!(" (redirects to {})", hosts.join(", "))
                })
                .unwrap_or_default();
            (
                Action::RenewApplicationSecret {
                    application_id: id?,
                },
                format!(
                    "sign-in through \"{}\"{hosts} fails until its configuration has the new secret (in the case's secrets/)",
                    name(c)
                ),
            )
        }
        // A hook GitLab says has no secret token has nothing to rotate.
        Kind::Webhook if c.facts.get("secret_token") != Some(&json!(false)) => (
            Action::ResetHookToken {
                owner: owner?,
                hook_id: id?,
            },
            format!(
                "deliveries to {} carry the new token: a receiver that checks it refuses them until it has the new one (in the case's secrets/)",
                c.facts
                    .get("url_host")
                    .and_then(Value::as_str)
                    .unwrap_or("its receiver")
            ),
        ),
        Kind::Webhook | Kind::CiVariable | Kind::DeployKey | Kind::SshKey | Kind::GpgKey => {
            return None;
        }
    };
    Some(Rotation {
        action,
        risk,
        pre_state: pre_state(c),
    })
}

/// Which batch `c`'s step belongs to: administrators' tokens, bots' and every automation
/// credential first; `admin_owner` says whether its owner is an administrator.
pub(super) fn batch_of(c: &Credential, admin_owner: bool) -> Batch {
    match c.kind {
        Kind::PersonalAccessToken | Kind::ImpersonationToken => {
            let bot = c
                .facts
                .get("owner_type")
                .and_then(Value::as_str)
                .is_some_and(|t| t != "human");
            if admin_owner || bot || c.kind == Kind::ImpersonationToken {
                Batch::Automation
            } else {
                Batch::Rest
            }
        }
        Kind::Webhook if c.owner.kind != OwnerKind::Instance => Batch::Rest,
        Kind::CiVariable => Batch::CiSecrets,
        _ => Batch::Automation,
    }
}

/// Why revoking `c` breaks nothing, when it does not: never used, or expired.
fn unused(c: &Credential, now: Timestamp) -> Option<String> {
    if c.state == State::Expired || c.expires_at.is_some_and(|at| at <= now) {
        return Some(format!(
            "expired{}: revoking it breaks nothing",
            c.expires_at.map(|at| format!(" {at}")).unwrap_or_default()
        ));
    }
    // Deploy tokens and triggers that GitLab does not date are not taken for unused.
    let dated = matches!(
        c.kind,
        Kind::PersonalAccessToken
            | Kind::ImpersonationToken
            | Kind::ProjectAccessToken
            | Kind::GroupAccessToken
            | Kind::TriggerToken
    );
    (dated && c.last_used_at.is_none())
        .then(|| format!("never used: revoking \"{}\" breaks nothing", name(c)))
}

/// `c`'s group or project as an [`Owner`]; the instance for instance-wide credentials.
pub(super) fn place(c: &Credential) -> Option<Owner> {
    match c.owner.kind {
        OwnerKind::Project => Some(Owner::Project {
            project: c.owner.name.clone(),
        }),
        OwnerKind::Group => Some(Owner::Group {
            group: c.owner.name.clone(),
        }),
        OwnerKind::Instance => Some(Owner::Instance),
        OwnerKind::User | OwnerKind::Unknown => None,
    }
}

fn name(c: &Credential) -> String {
    c.name
        .clone()
        .unwrap_or_else(|| format!("{} {}", c.kind, c.id))
}

fn scopes(c: &Credential) -> String {
    if c.scopes.is_empty() {
        "not shown".to_string()
    } else {
        c.scopes.join(", ")
    }
}

fn last_used(c: &Credential) -> String {
    match c.last_used_at {
        Some(at) => {
            let ips = c
                .facts
                .get("last_used_ips")
                .and_then(Value::as_array)
                .filter(|ips| !ips.is_empty())
                .map(|ips| {
                    let ips: Vec<&str> = ips.iter().filter_map(Value::as_str).collect();
                    format!(" from {}", ips.join(", "))
                })
                .unwrap_or_default();
            format!("last used {at}{ips}")
        }
        None => "never used".to_string(),
    }
}

/// A token's scopes and last use.
fn token_use(c: &Credential) -> String {
    format!("scopes {}, {}", scopes(c), last_used(c))
}

fn needs_new(c: &Credential, what: &str) -> String {
    format!(
        "whatever uses \"{}\" fails until it has the new {what} (in the case's secrets/)",
        name(c)
    )
}

/// The projects a runner takes jobs from, as its page names them.
fn runner_serves(c: &Credential) -> String {
    if let Some(projects) = c.facts.get("projects").and_then(Value::as_array) {
        let paths: Vec<&str> = projects.iter().filter_map(Value::as_str).collect();
        return format!("projects {}", paths.join(", "));
    }
    match c.owner.kind {
        OwnerKind::Instance => "every project of the instance".to_string(),
        OwnerKind::Group => format!("every project of group {}", c.owner.name),
        OwnerKind::Project => format!("project {}", c.owner.name),
        OwnerKind::User | OwnerKind::Unknown => "projects GitLab did not name".to_string(),
    }
}

/// What the plan records of the credential: the inventory's listing, which holds no secret.
fn pre_state(c: &Credential) -> Value {
    json!({
        "key": c.key,
        "state": c.state,
        "scopes": c.scopes,
        "last_used_at": c.last_used_at,
        "expires_at": c.expires_at,
    })
}

/// Words of a variable's key that say it holds a secret.
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "KEY",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
    "PRIVATE",
    "CERT",
    "DSN",
    "KUBECONFIG",
    "SIGNING",
];

/// A variable its owner marked masked or hidden, or whose key names a secret.
pub(super) fn looks_secret(c: &Credential) -> bool {
    let flag = |name: &str| c.facts.get(name) == Some(&json!(true));
    let key = c.name.as_deref().unwrap_or(&c.id).to_ascii_uppercase();
    flag("masked")
        || flag("hidden")
        || key
            .split(|ch: char| !ch.is_ascii_alphanumeric())
            .any(|word| SECRET_WORDS.contains(&word))
}

/// The manual step of a secret-looking variable: only its issuer can rotate it.
pub(super) fn variable_title(c: &Credential) -> String {
    let key = c.name.clone().unwrap_or_else(|| c.id.clone());
    let env = c
        .facts
        .get("environment_scope")
        .and_then(Value::as_str)
        .unwrap_or("*");
    let command = match c.owner.kind {
        OwnerKind::Project => format!(
            "`glir respond ci-secret-exposure --project {}` finds the job logs that show it",
            c.owner.name
        ),
        _ => "`glir scan --gitlab-jobs GROUP` finds the job logs that show it".to_string(),
    };
    format!(
        "rotate at its issuer: CI/CD variable {key} of {} (environments {env}); GitLab cannot rotate a secret another system issued, so its issuer makes a new one and the variable gets it; {command}",
        owner_label(c)
    )
}

/// Who gets a variable: `users` are the jobs or projects known to read it.
pub(super) fn variable_risk(c: &Credential, users: &str) -> String {
    let protected = c.facts.get("protected") == Some(&json!(true));
    format!(
        "{users}{}: they fail once the issuer revokes the old value, until the variable holds the new one",
        if protected {
            " (protected: on protected branches and tags only)"
        } else {
            ""
        }
    )
}

fn owner_label(c: &Credential) -> String {
    match c.owner.kind {
        OwnerKind::Instance => "the instance".to_string(),
        _ => c.owner.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(kind: Kind, id: &str, owner: glir_inventory::Owner) -> Credential {
        let doc = json!({
            "key": format!("{kind}:x:{id}"), "kind": kind, "id": id, "name": "ci",
            "owner": owner, "scopes": ["api"], "access": null, "created_at": null,
            "expires_at": null, "last_used_at": "2026-11-20T10:00:00Z", "state": "active",
            "facts": {}, "source": "GET x"
        });
        serde_json::from_value(doc).unwrap()
    }

    fn now() -> Timestamp {
        "2026-12-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_used_token_is_rotated_and_an_unused_or_expired_one_revoked() {
        let group = glir_inventory::Owner::group(10, "acme");
        let used = credential(Kind::GroupAccessToken, "8", group.clone());
        let step = step_for(&used, now()).unwrap();
        assert_eq!(
            step.action,
            Action::RotateGroupAccessToken {
                group: "acme".into(),
                token_id: 8
            }
        );
        assert!(step.risk.contains("last used 2026-11-20"), "{}", step.risk);
        let mut never = used.clone();
        never.last_used_at = None;
        assert!(matches!(
            step_for(&never, now()).unwrap().action,
            Action::RevokeGroupAccessToken { .. }
        ));
        let mut expired = used.clone();
        expired.expires_at = Some("2026-11-30T00:00:00Z".parse().unwrap());
        let step = step_for(&expired, now()).unwrap();
        assert!(matches!(step.action, Action::RevokeGroupAccessToken { .. }));
        assert!(step.risk.starts_with("expired"), "{}", step.risk);
        let mut revoked = used;
        revoked.state = State::Revoked;
        assert!(step_for(&revoked, now()).is_none());
    }

    #[test]
    fn families_without_a_rotate_api_are_revoked_and_keys_left_alone() {
        let project = glir_inventory::Owner::project(20, "acme/app");
        let deploy = step_for(&credential(Kind::DeployToken, "1", project.clone()), now());
        assert!(matches!(
            deploy.unwrap().action,
            Action::RevokeDeployToken { token_id: 1, .. }
        ));
        let trigger = step_for(&credential(Kind::TriggerToken, "2", project.clone()), now());
        assert!(matches!(
            trigger.unwrap().action,
            Action::DeleteTrigger { trigger_id: 2, .. }
        ));
        assert!(step_for(&credential(Kind::DeployKey, "3", project.clone()), now()).is_none());
        let mut silent = credential(Kind::Webhook, "4", project);
        silent.facts.insert("secret_token".into(), json!(false));
        assert!(step_for(&silent, now()).is_none());
    }

    #[test]
    fn a_variable_looks_secret_by_its_flags_or_its_key() {
        let project = glir_inventory::Owner::project(20, "acme/app");
        let mut v = credential(Kind::CiVariable, "STRIPE_API_KEY@*", project);
        v.name = Some("STRIPE_API_KEY".into());
        assert!(looks_secret(&v));
        v.name = Some("AWS_DEPLOY_ROLE".into());
        assert!(!looks_secret(&v));
        v.facts.insert("masked".into(), json!(true));
        assert!(looks_secret(&v));
        v.name = Some("MONKEY_COUNT".into());
        v.facts.clear();
        assert!(!looks_secret(&v), "KEY only as a whole word");
        assert!(
            variable_title(&v).starts_with(
                "rotate at its issuer: CI/CD variable MONKEY_COUNT of project acme/app"
            )
        );
    }
}
