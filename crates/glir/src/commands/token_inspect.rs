//! `glir token inspect`: one token from stdin, identified offline, then described by GitLab:
//! owner, scopes, dates, last use, state, and what that access allows in plain words.

use super::token::write_table;
use crate::cli::{GlobalArgs, OutputFormat, TokenInspectArgs};
use crate::output::{status, stdout};
use anyhow::{Context, Result, bail};
use futures::TryStreamExt;
use glir_gitlab::{Auth, Client, PersonalAccessToken, TokenDetails, User};
use glir_redact::Secret;
use glir_tokens::{Family, Identification, IdentifyOptions, identify};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

pub fn run(g: &GlobalArgs, args: &TokenInspectArgs) -> Result<ExitCode> {
    if !args.identify.stray.is_empty() {
        bail!("pass the token on stdin, not as an argument (arguments stay in shell history)");
    }
    let token = read_token()?;
    let opts = IdentifyOptions {
        custom_pat_prefix: args.identify.pat_prefix.clone(),
        instance_prefix: args.identify.instance_prefix.clone(),
    };
    let id = identify(token.expose(), &opts);
    let mut out = stdout();
    if g.format == OutputFormat::Jsonl {
        bail!(
            "glir token inspect prints a table; use `glir token identify --format jsonl` for JSON"
        );
    }
    write_table(&mut out, &id)?;
    if args.offline {
        return Ok(ExitCode::SUCCESS);
    }
    let settings = super::load_settings(g)?;
    if settings.url.is_none() {
        writeln!(
            out,
            "\n(no GitLab instance configured: offline identification only)"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let client = super::client(&settings, Duration::from_millis(100))?;
    let rt = super::runtime()?;
    let caller = if settings.token.is_some() {
        rt.block_on(client.current_user()).ok().map(|r| r.body)
    } else {
        None
    };
    let admin = caller.as_ref().is_some_and(|u| u.is_admin == Some(true));
    writeln!(out)?;
    let described = if admin {
        rt.block_on(admin_lookup(&client, &token, &mut out))?
    } else {
        rt.block_on(own_api(&client, &settings, &token, &id, args, &mut out))?
    };
    if !described {
        row(
            &mut out,
            "gitlab",
            "no details: an administrator's token (POST /admin/token) can describe any token",
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn read_token() -> Result<Secret> {
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read the token from stdin")?;
        if !line.trim().is_empty() {
            return Ok(Secret::new(line.trim().to_string()));
        }
    }
    bail!("no token on stdin: pipe it in, e.g. `glir token inspect < token.txt`")
}

fn row(out: &mut impl Write, key: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "{key:<20}{value}")
}

async fn admin_lookup(client: &Client, token: &Secret, out: &mut impl Write) -> Result<bool> {
    row(
        out,
        "source",
        "POST /api/v4/admin/token (the token itself was not used)",
    )?;
    let answer = match client.admin_token_lookup(token).await {
        Ok(answer) => answer,
        Err(e) if e.status() == Some(404) => {
            row(
                out,
                "state",
                "unknown to GitLab: revoked and deleted, reset, or from another instance",
            )?;
            return Ok(true);
        }
        Err(e) if e.status() == Some(422) => {
            row(
                out,
                "state",
                "this GitLab version cannot look up tokens of this family",
            )?;
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    };
    match &answer.body.details {
        TokenDetails::PersonalAccessToken(pat) => {
            let owner = client.user(pat.user_id).await.ok().map(|r| r.body);
            write_pat(out, pat, owner.as_ref())?;
        }
        TokenDetails::DeployToken(dt) => {
            row(
                out,
                "deploy token",
                &format!("{} \"{}\" (username {})", dt.id, dt.name, dt.username),
            )?;
            row(
                out,
                "state",
                if dt.revoked {
                    "revoked"
                } else if dt.expired {
                    "expired"
                } else {
                    "active"
                },
            )?;
            row(out, "expires", &opt(dt.expires_at))?;
            row(out, "scopes", &dt.scopes.join(", "))?;
            for line in access(&dt.scopes) {
                row(out, "allows", &line)?;
            }
        }
        TokenDetails::Runner(r) => {
            row(
                out,
                "runner",
                &format!("{} ({})", r.id, r.runner_type.as_deref().unwrap_or("?")),
            )?;
            row(out, "description", r.description.as_deref().unwrap_or("-"))?;
            row(out, "status", r.status.as_deref().unwrap_or("-"))?;
            row(out, "last contact", &opt(r.contacted_at))?;
            row(out, "token expires", &opt(r.token_expires_at))?;
            row(
                out,
                "allows",
                "picking up CI jobs for this runner's scope: job scripts, job tokens and every CI variable those jobs receive",
            )?;
        }
        TokenDetails::Trigger(t) => {
            row(out, "pipeline trigger", &t.id.to_string())?;
            row(
                out,
                "owner",
                &t.owner.as_ref().map_or("-".into(), |o| o.username.clone()),
            )?;
            row(out, "last used", &opt(t.last_used))?;
            row(out, "expires", &opt(t.expires_at))?;
            row(
                out,
                "allows",
                "starting pipelines as the trigger's owner, with variables the caller chooses",
            )?;
        }
        TokenDetails::Job(job) => {
            row(
                out,
                "job",
                &format!("{} ({}), status {}", job.id, job.name, job.status),
            )?;
            row(
                out,
                "allows",
                "while the job runs: the job token's API access (its project and allowlisted projects)",
            )?;
        }
        TokenDetails::Application(app) => {
            row(
                out,
                "oauth application",
                &format!("{} \"{}\"", app.id, app.application_name),
            )?;
            row(out, "callback", app.callback_url.as_deref().unwrap_or("-"))?;
            row(
                out,
                "allows",
                "obtaining OAuth tokens as this application for users who authorize it",
            )?;
        }
        TokenDetails::User(user) => {
            row(out, "session of", &describe_user(user))?;
            row(
                out,
                "allows",
                "everything the signed-in user can do in the browser",
            )?;
        }
        TokenDetails::Other => row(out, "gitlab", "GitLab knows this token (no typed details)")?,
    }
    Ok(true)
}

async fn own_api(
    client: &Client,
    settings: &crate::config::Settings,
    token: &Secret,
    id: &Identification,
    args: &TokenInspectArgs,
    out: &mut impl Write,
) -> Result<bool> {
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
                        row(
                            out,
                            "source",
                            "the access-token list of the token's project or group",
                        )?;
                        write_pat(out, pat, owner.as_ref())?;
                        return Ok(true);
                    }
                }
            }
            if let Some(owner) = &owner {
                row(out, "owner", &describe_user(owner))?;
            }
        }
        if use_token {
            status!("warning: using the token itself: GitLab updates its last-used time and IP");
            let own = super::client_as(
                settings,
                Some(Auth::PrivateToken(token.clone())),
                Duration::from_millis(100),
            )?;
            row(
                out,
                "source",
                "GET /api/v4/personal_access_tokens/self (with the token)",
            )?;
            match own.personal_access_token_self().await {
                Ok(answer) => {
                    let owner = own.current_user().await.ok().map(|r| r.body);
                    write_pat(out, &answer.body, owner.as_ref())?;
                }
                Err(e) => {
                    let (verdict, reason) = glir_verify::from_error(&e);
                    row(out, "state", &format!("{} — {reason}", verdict.as_str()))?;
                }
            }
            return Ok(true);
        }
        row(
            out,
            "note",
            "add --use-token to ask GitLab with the token itself (updates its last-used time)",
        )?;
        return Ok(false);
    }
    if id.family == Family::CiJobToken {
        // GET /job answers only while the job runs and leaves no trace on the token.
        let own = super::client_as(
            settings,
            Some(Auth::JobToken(token.clone())),
            Duration::from_millis(100),
        )?;
        row(out, "source", "GET /api/v4/job (JOB-TOKEN)")?;
        match own.current_job().await {
            Ok(answer) => {
                let job = answer.body;
                row(
                    out,
                    "job",
                    &format!("{} ({}), status {}", job.id, job.name, job.status),
                )?;
                row(
                    out,
                    "started by",
                    &job.user.as_ref().map_or("-".into(), |u| u.username.clone()),
                )?;
                row(
                    out,
                    "allows",
                    "while the job runs: the job token's API access (its project and allowlisted projects)",
                )?;
            }
            Err(e) => {
                let (verdict, reason) = glir_verify::from_error(&e);
                row(out, "state", &format!("{} — {reason}", verdict.as_str()))?;
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
    args: &TokenInspectArgs,
    out: &mut impl Write,
) -> Result<bool> {
    let req = match (&args.project, &args.group) {
        (Some(project), _) => client.project_deploy_tokens(project),
        (None, Some(group)) => client.group_deploy_tokens(group),
        (None, None) => {
            row(
                out,
                "note",
                "add --project or --group to list the deploy tokens it may be",
            )?;
            return Ok(false);
        }
    };
    row(
        out,
        "source",
        &format!(
            "GET /api/v4{} (candidates: GitLab does not match a deploy token's value for non-administrators)",
            req.path
        ),
    )?;
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
            row(
                out,
                "candidate",
                &format!(
                    "{} \"{}\" ({}), {state}, expires {}, scopes {}",
                    dt.id,
                    dt.name,
                    dt.username,
                    opt(dt.expires_at),
                    dt.scopes.join(",")
                ),
            )?;
        }
    }
    if listed == 0 {
        row(
            out,
            "candidate",
            "none: the token is not one of this project's or group's",
        )?;
    }
    Ok(true)
}

/// A trigger's owner sees its full token in the project's list (doc/api/pipeline_triggers.md);
/// others see its last four characters, which still narrow it down.
async fn trigger_match(
    client: &Client,
    token: &Secret,
    args: &TokenInspectArgs,
    out: &mut impl Write,
) -> Result<bool> {
    let Some(project) = &args.project else {
        row(
            out,
            "note",
            "add --project to find the pipeline trigger among the project's",
        )?;
        return Ok(false);
    };
    let req = client.project_triggers(project);
    row(out, "source", &format!("GET /api/v4{}", req.path))?;
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
                row(
                    out,
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
                )?;
                row(
                    out,
                    "owner",
                    &t.owner.as_ref().map_or("-".into(), |o| o.username.clone()),
                )?;
                row(out, "last used", &opt(t.last_used))?;
                row(out, "expires", &opt(t.expires_at))?;
                row(
                    out,
                    "allows",
                    "starting pipelines as the trigger's owner, with variables the caller chooses",
                )?;
            }
        }
    }
    if !found {
        row(out, "trigger", "not among this project's triggers")?;
    }
    Ok(true)
}

fn write_pat(out: &mut impl Write, pat: &PersonalAccessToken, owner: Option<&User>) -> Result<()> {
    row(out, "token", &format!("{} \"{}\"", pat.id, pat.name))?;
    let kind = if pat.impersonation == Some(true) {
        "impersonation token"
    } else if pat.access_level.is_some() {
        "project or group access token (bot user)"
    } else {
        "personal access token"
    };
    row(out, "kind", kind)?;
    row(
        out,
        "owner",
        &owner.map_or_else(|| format!("user {}", pat.user_id), describe_user),
    )?;
    let state = if pat.revoked {
        "revoked"
    } else if !pat.active {
        "inactive (expired)"
    } else {
        "active"
    };
    row(out, "state", state)?;
    row(out, "created", &opt(pat.created_at))?;
    row(
        out,
        "expires",
        &pat.expires_at.map_or("never".into(), |d| d.to_string()),
    )?;
    row(out, "last used", &opt(pat.last_used_at))?;
    if let Some(ips) = &pat.last_used_ips {
        row(out, "last-used IPs", &ips.join(", "))?;
    }
    row(out, "scopes", &pat.scopes.join(", "))?;
    if let Some(level) = pat.access_level {
        row(out, "role", &format!("{} ({level})", role(level)))?;
    }
    for line in access(&pat.scopes) {
        row(out, "allows", &line)?;
    }
    if owner.is_some_and(|u| u.is_admin == Some(true)) && pat.scopes.iter().any(|s| s == "api") {
        row(
            out,
            "risk",
            "the owner is an administrator: with the api scope this is control of the whole instance",
        )?;
    }
    Ok(())
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
