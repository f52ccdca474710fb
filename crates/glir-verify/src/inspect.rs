//! `glir token inspect`'s questions to GitLab about one leaked token: owner, scopes, dates,
//! last use, state, and what that access allows in plain words. An administrator's token asks
//! `POST /admin/token` (the leaked token is never used); otherwise each family is looked up
//! where a non-administrator can see it, and only `use_token` presents the token itself.

use futures::TryStreamExt;
use glir_gitlab::{Auth, Client, Error, PersonalAccessToken, TokenDetails, User};
use glir_redact::Secret;
use glir_tokens::{Family, Identification, Layout};
use serde::Serialize;

/// Where a non-administrator may look a token up, and whether the token may be used.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// Ask GitLab with the leaked token itself (updates its last-used time and IP).
    pub use_token: bool,
    /// A project whose deploy tokens or pipeline triggers it may be.
    pub project: Option<String>,
    /// A group whose deploy tokens it may be.
    pub group: Option<String>,
}

/// One thing GitLab said, labelled as a person reads it: `owner`, `state`, `allows`, …
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    pub field: String,
    pub value: String,
}

/// What GitLab said about a token, in reading order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inspection {
    /// Whether the responder's token is an administrator's (then `POST /admin/token` was asked).
    pub admin: bool,
    pub facts: Vec<Fact>,
    /// Whether GitLab described the token; if not, `facts` say what would.
    pub described: bool,
    /// Side effects a person should know of (the token's last-used time was updated).
    pub warnings: Vec<String>,
}

impl Inspection {
    fn row(&mut self, field: &str, value: &str) {
        self.facts.push(Fact {
            field: field.to_string(),
            value: value.to_string(),
        });
    }
}

/// Asks GitLab about `token` (identified offline as `id`) through `client`, the responder's.
/// A string that is no GitLab token, or a routable token whose checksum fails, is never sent.
pub async fn inspect(
    client: &Client,
    token: &Secret,
    id: &Identification,
    opts: &InspectOptions,
) -> Result<Inspection, Error> {
    let mut out = Inspection::default();
    if id.family == Family::Unknown {
        out.row("gitlab", "not a GitLab token: nothing was sent to GitLab");
        return Ok(out);
    }
    let routable = matches!(id.layout, Layout::RoutableV0 | Layout::RoutableV1);
    if routable && !id.structurally_valid {
        out.row(
            "gitlab",
            "its checksum fails, so GitLab never issued it (a typo, truncation or fake): nothing was sent to GitLab",
        );
        return Ok(out);
    }
    let caller = if client.authenticated() {
        client.current_user().await.ok().map(|r| r.body)
    } else {
        None
    };
    out.admin = caller.as_ref().is_some_and(|u| u.is_admin == Some(true));
    out.described = if out.admin {
        admin_lookup(client, token, &mut out).await?
    } else {
        own_api(client, token, id, opts, &mut out).await?
    };
    if !out.described {
        out.row(
            "gitlab",
            "no details: an administrator's token (POST /admin/token) can describe any token",
        );
    }
    Ok(out)
}

async fn admin_lookup(
    client: &Client,
    token: &Secret,
    out: &mut Inspection,
) -> Result<bool, Error> {
    out.row(
        "source",
        "POST /api/v4/admin/token (the token itself was not used)",
    );
    let answer = match client.admin_token_lookup(token).await {
        Ok(answer) => answer,
        Err(e) if e.status() == Some(404) => {
            out.row(
                "state",
                "unknown to GitLab: revoked and deleted, reset, or from another instance",
            );
            return Ok(true);
        }
        Err(e) if e.status() == Some(422) => {
            out.row(
                "state",
                "this GitLab version cannot look up tokens of this family",
            );
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    match &answer.body.details {
        TokenDetails::PersonalAccessToken(pat) => {
            let owner = client.user(pat.user_id).await.ok().map(|r| r.body);
            write_pat(out, pat, owner.as_ref());
        }
        TokenDetails::DeployToken(dt) => {
            out.row(
                "deploy token",
                &format!("{} \"{}\" (username {})", dt.id, dt.name, dt.username),
            );
            out.row(
                "state",
                if dt.revoked {
                    "revoked"
                } else if dt.expired {
                    "expired"
                } else {
                    "active"
                },
            );
            out.row("expires", &opt(dt.expires_at));
            out.row("scopes", &dt.scopes.join(", "));
            for line in access(&dt.scopes) {
                out.row("allows", &line);
            }
        }
        TokenDetails::Runner(r) => {
            out.row(
                "runner",
                &format!("{} ({})", r.id, r.runner_type.as_deref().unwrap_or("?")),
            );
            out.row("description", r.description.as_deref().unwrap_or("-"));
            out.row("status", r.status.as_deref().unwrap_or("-"));
            out.row("last contact", &opt(r.contacted_at));
            out.row("token expires", &opt(r.token_expires_at));
            out.row("allows",
                "picking up CI jobs for this runner's scope: job scripts, job tokens and every CI variable those jobs receive",
            );
        }
        TokenDetails::Trigger(t) => {
            out.row("pipeline trigger", &t.id.to_string());
            trigger_facts(out, t);
        }
        TokenDetails::Job(job) => {
            out.row(
                "job",
                &format!("{} ({}), status {}", job.id, job.name, job.status),
            );
            out.row("allows",
                "while the job runs: the job token's API access (its project and allowlisted projects)",
            );
        }
        TokenDetails::Application(app) => {
            out.row(
                "oauth application",
                &format!("{} \"{}\"", app.id, app.application_name),
            );
            out.row("callback", app.callback_url.as_deref().unwrap_or("-"));
            out.row(
                "allows",
                "obtaining OAuth tokens as this application for users who authorize it",
            );
        }
        TokenDetails::User(user) => {
            out.row("session of", &describe_user(user));
            out.row(
                "allows",
                "everything the signed-in user can do in the browser",
            );
        }
        TokenDetails::Other => out.row("gitlab", "GitLab knows this token (no typed details)"),
    }
    Ok(true)
}

async fn own_api(
    client: &Client,
    token: &Secret,
    id: &Identification,
    args: &InspectOptions,
    out: &mut Inspection,
) -> Result<bool, Error> {
    let use_token = args.use_token;
    if id.family == Family::DeployToken {
        return deploy_candidates(client, args, out).await;
    }
    if id.family == Family::PipelineTrigger {
        return trigger_match(client, token, args, out).await;
    }
    if id.family == Family::PersonalAccessToken {
        // A routable token names its user, group and project (glir-tokens decoded them
        // offline); a bot's token is then found in its project's or group's access-token list.
        if let Some(&user_id) = id.routing.get("u") {
            let owner = client.user(user_id as i64).await.ok().map(|r| r.body);
            let list = if let Some(p) = id.routing.get("p") {
                Some(client.project_access_tokens(&p.to_string()))
            } else {
                id.routing
                    .get("g")
                    .map(|g| client.group_access_tokens(&g.to_string()))
            };
            if let Some(req) = list {
                let mut pages = std::pin::pin!(client.pages::<PersonalAccessToken>(req));
                while let Ok(Some(page)) = pages.try_next().await {
                    if let Some(pat) = page.items.iter().find(|t| t.user_id == user_id as i64) {
                        out.row(
                            "source",
                            "the access-token list of the token's project or group",
                        );
                        write_pat(out, pat, owner.as_ref());
                        return Ok(true);
                    }
                }
            }
            if let Some(owner) = &owner {
                out.row("owner", &describe_user(owner));
            }
        }
        if use_token {
            out.warnings
                .push("using the token itself: GitLab updates its last-used time and IP".into());
            let own = client.with_auth(Auth::PrivateToken(token.clone()))?;
            out.row(
                "source",
                "GET /api/v4/personal_access_tokens/self (with the token)",
            );
            match own.personal_access_token_self().await {
                Ok(answer) => {
                    let owner = own.current_user().await.ok().map(|r| r.body);
                    write_pat(out, &answer.body, owner.as_ref());
                }
                Err(e) => {
                    let (verdict, reason) = crate::from_error(&e);
                    out.row("state", &format!("{} — {reason}", verdict.as_str()));
                }
            }
            return Ok(true);
        }
        out.row(
            "note",
            "add --use-token to ask GitLab with the token itself (updates its last-used time)",
        );
        return Ok(false);
    }
    if id.family == Family::CiJobToken {
        // GET /job answers only while the job runs and leaves no trace on the token.
        let own = client.with_auth(Auth::JobToken(token.clone()))?;
        out.row("source", "GET /api/v4/job (JOB-TOKEN)");
        match own.current_job().await {
            Ok(answer) => {
                let job = answer.body;
                out.row(
                    "job",
                    &format!("{} ({}), status {}", job.id, job.name, job.status),
                );
                out.row(
                    "started by",
                    &job.user.as_ref().map_or("-".into(), |u| u.username.clone()),
                );
                out.row("allows",
                    "while the job runs: the job token's API access (its project and allowlisted projects)",
                );
            }
            Err(e) => {
                let (verdict, reason) = crate::from_error(&e);
                out.row("state", &format!("{} — {reason}", verdict.as_str()));
            }
        }
        return Ok(true);
    }
    Ok(false)
}

/// Deploy tokens cannot be matched to their plaintext without an administrator; the project's or
/// group's list (Maintainer/Owner) narrows it to candidates a responder can recognise.
async fn deploy_candidates(
    client: &Client,
    args: &InspectOptions,
    out: &mut Inspection,
) -> Result<bool, Error> {
    let req = match (&args.project, &args.group) {
        (Some(project), _) => client.project_deploy_tokens(project),
        (None, Some(group)) => client.group_deploy_tokens(group),
        (None, None) => {
            out.row(
                "note",
                "add --project or --group to list the deploy tokens it may be",
            );
            return Ok(false);
        }
    };
    out.row("source",
        &format!(
            "GET /api/v4{} (candidates: GitLab does not match a deploy token's value for non-administrators)",
            req.path
        ),
    );
    let mut pages = std::pin::pin!(client.pages::<glir_gitlab::DeployToken>(req));
    let mut listed = 0;
    while let Some(page) = pages.try_next().await? {
        for dt in page.items {
            listed += 1;
            let state = if dt.revoked {
                "revoked"
            } else if dt.expired {
                "expired"
            } else {
                "active"
            };
            out.row(
                "candidate",
                &format!(
                    "{} \"{}\" ({}), {state}, expires {}, scopes {}",
                    dt.id,
                    dt.name,
                    dt.username,
                    opt(dt.expires_at),
                    dt.scopes.join(",")
                ),
            );
        }
    }
    if listed == 0 {
        out.row(
            "candidate",
            "none: the token is not one of this project's or group's",
        );
    }
    Ok(true)
}

/// A trigger's owner sees its full token in the project's list (doc/api/pipeline_triggers.md);
/// others see its last four characters, which still narrow it down.
async fn trigger_match(
    client: &Client,
    token: &Secret,
    args: &InspectOptions,
    out: &mut Inspection,
) -> Result<bool, Error> {
    let Some(project) = &args.project else {
        out.row(
            "note",
            "add --project to find the pipeline trigger among the project's",
        );
        return Ok(false);
    };
    let req = client.project_triggers(project);
    out.row("source", &format!("GET /api/v4{}", req.path));
    let tail: String = token
        .expose()
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut pages = std::pin::pin!(client.pages::<glir_gitlab::Trigger>(req));
    let mut found = false;
    while let Some(page) = pages.try_next().await? {
        for t in page.items {
            let shown = t
                .token
                .as_ref()
                .map(|s| s.expose().to_string())
                .unwrap_or_default();
            let exact = shown == token.expose();
            if exact || (!shown.is_empty() && shown.ends_with(&tail)) {
                found = true;
                out.row(
                    "trigger",
                    &format!(
                        "{} \"{}\" ({})",
                        t.id,
                        t.description.as_deref().unwrap_or(""),
                        if exact {
                            "exact match"
                        } else {
                            "same last four characters"
                        }
                    ),
                );
                trigger_facts(out, &t);
            }
        }
    }
    if !found {
        out.row("trigger", "not among this project's triggers");
    }
    Ok(true)
}

fn write_pat(out: &mut Inspection, pat: &PersonalAccessToken, owner: Option<&User>) {
    out.row("token", &format!("{} \"{}\"", pat.id, pat.name));
    let kind = if pat.impersonation == Some(true) {
        "impersonation token"
    } else if pat.access_level.is_some() {
        "project or group access token (bot user)"
    } else {
        "personal access token"
    };
    out.row("kind", kind);
    out.row(
        "owner",
        &owner.map_or_else(|| format!("user {}", pat.user_id), describe_user),
    );
    let state = if pat.revoked {
        "revoked"
    } else if !pat.active {
        "inactive (expired)"
    } else {
        "active"
    };
    out.row("state", state);
    out.row("created", &opt(pat.created_at));
    out.row(
        "expires",
        &pat.expires_at.map_or("never".into(), |d| d.to_string()),
    );
    out.row("last used", &opt(pat.last_used_at));
    if let Some(ips) = &pat.last_used_ips {
        out.row("last-used IPs", &ips.join(", "));
    }
    out.row("scopes", &pat.scopes.join(", "));
    if let Some(level) = pat.access_level {
        out.row("role", &format!("{} ({level})", role(level)));
    }
    for line in access(&pat.scopes) {
        out.row("allows", &line);
    }
    if owner.is_some_and(|u| u.is_admin == Some(true)) && pat.scopes.iter().any(|s| s == "api") {
        out.row("risk",
            "the owner is an administrator: with the api scope this is control of the whole instance",
        );
    }
}

/// A pipeline trigger's owner, use and expiry, and what holding it allows.
fn trigger_facts(out: &mut Inspection, t: &glir_gitlab::Trigger) {
    out.row(
        "owner",
        &t.owner.as_ref().map_or("-".into(), |o| o.username.clone()),
    );
    out.row("last used", &opt(t.last_used));
    out.row("expires", &opt(t.expires_at));
    out.row(
        "allows",
        "starting pipelines as the trigger's owner, with variables the caller chooses",
    );
}

fn describe_user(u: &User) -> String {
    let mut text = format!(
        "{} (id {}, {})",
        u.username,
        u.id,
        u.state.as_deref().unwrap_or("?")
    );
    if u.is_admin == Some(true) {
        text.push_str(", administrator");
    }
    if u.bot {
        text.push_str(", bot");
    }
    text
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn role(level: u8) -> &'static str {
    match level {
        10 => "Guest",
        15 => "Planner",
        20 => "Reporter",
        30 => "Developer",
        40 => "Maintainer",
        50 => "Owner",
        _ => "custom",
    }
}

/// What each scope lets a holder do (doc/security/tokens/access_token_scopes.md), worst first.
pub fn access(scopes: &[String]) -> Vec<String> {
    const WORDS: &[(&str, &str)] = &[
        ("sudo", "act as ANY user of the instance (Sudo header)"),
        ("admin_mode", "perform administrator API actions"),
        (
            "api",
            "full read and write API access as the owner: code, settings, members, CI variables, new tokens",
        ),
        ("write_repository", "push code over HTTPS"),
        (
            "create_runner",
            "register runners that pick up CI jobs and their secrets",
        ),
        ("manage_runner", "change and delete runners"),
        ("write_registry", "push container images"),
        ("write_package_registry", "publish packages"),
        ("write_virtual_registry", "write to virtual registries"),
        (
            "read_api",
            "read everything the owner can see through the API, CI job logs included",
        ),
        ("read_repository", "clone repositories over HTTPS"),
        ("read_registry", "pull container images"),
        ("read_package_registry", "download packages"),
        ("read_virtual_registry", "read virtual registries"),
        ("read_user", "read user profiles"),
        ("self_rotate", "rotate itself (a holder can keep it alive)"),
        ("k8s_proxy", "use the Kubernetes agent proxy"),
        ("ai_features", "use GitLab Duo features"),
        ("read_service_ping", "read Service Ping data"),
    ];
    let mut out: Vec<String> = WORDS
        .iter()
        .filter(|(scope, _)| scopes.iter().any(|s| s == scope))
        .map(|(scope, words)| format!("{scope}: {words}"))
        .collect();
    out.extend(
        scopes
            .iter()
            .filter(|s| !WORDS.iter().any(|(w, _)| w == s))
            .map(|s| format!("{s}: (scope glir does not describe)")),
    );
    out
}
