//! `glir user ACTION USER --case C`: one account control as a one-step plan in a case, shown,
//! applied on confirmation and journaled like any plan; `glir user show USER` reads an account.

use super::case::cases;
use super::respond::{apply_plan, refuse_closed, write_applied, write_plan};
use super::{open_store, operator, runtime, write_value};
use crate::cli::{GlobalArgs, OutputFormat, UserActionArgs, UserCommand, UserShowArgs};
use crate::config::Settings;
use crate::output::stdout;
use anyhow::{Result, bail};
use glir_case::{Case, NewCase};
use glir_gitlab::{Client, User, UserFilter};
use glir_respond::{Action, Plan};
use jiff::Timestamp;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(g: &GlobalArgs, settings: &Settings, command: &UserCommand) -> Result<ExitCode> {
    let (verb, args, make): (&str, _, fn(i64) -> Action) = match command {
        UserCommand::Show(args) => return show(g, settings, args),
        UserCommand::Block(a) => ("block", a, |user_id| Action::BlockUser { user_id }),
        UserCommand::Unblock(a) => ("unblock", a, |user_id| Action::UnblockUser { user_id }),
        UserCommand::Ban(a) => ("ban", a, |user_id| Action::BanUser { user_id }),
        UserCommand::Unban(a) => ("unban", a, |user_id| Action::UnbanUser { user_id }),
        UserCommand::Deactivate(a) => ("deactivate", a, |user_id| Action::DeactivateUser {
            user_id,
        }),
        UserCommand::Reactivate(a) => ("reactivate", a, |user_id| Action::ReactivateUser {
            user_id,
        }),
        UserCommand::ResetPassword(a) => ("reset-password", a, |user_id| Action::ResetPassword {
            user_id,
        }),
        UserCommand::DisableTwoFactor(a) => ("disable-2fa", a, |user_id| {
            Action::DisableTwoFactor { user_id }
        }),
    };
    act(g, settings, verb, args, make)
}

fn act(
    g: &GlobalArgs,
    settings: &Settings,
    verb: &str,
    args: &UserActionArgs,
    make: fn(i64) -> Action,
) -> Result<ExitCode> {
    let all = cases(settings, &args.dir);
    let existing = match all.load(&args.case) {
        Ok(case) => Some(refuse_closed(case)?),
        Err(glir_case::Error::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let client = super::client(settings, Duration::from_millis(50))?;
    let rt = runtime()?;
    let started = Timestamp::now();
    // Who acts and on whom is settled before a case is opened, so a wrong name or an instance
    // that does not answer leaves no empty case behind.
    let caller = match rt.block_on(client.current_user()) {
        Ok(answer) => answer.body,
        Err(e) => {
            bail!("GitLab did not say who the responder's token is: {e}; nothing was changed")
        }
    };
    let user = rt.block_on(find_user(&client, &args.user))?;
    let action = make(user.id);
    let operator = operator();
    let mut case = match existing {
        Some(case) => case,
        None => all.open_new(
            &args.case,
            NewCase {
                scenario: None,
                exposed_at: None,
                operator: operator.clone(),
                glir_version: env!("CARGO_PKG_VERSION").to_string(),
                gitlab_url: settings.url.clone(),
            },
        )?,
    };
    record_acquisition(
        &mut case,
        &client,
        &caller,
        &format!("glir user {verb}"),
        started,
        &operator,
    )?;
    let mut plan = Plan::new(&args.case, &format!("user {verb}"));
    plan.push(
        action.clone(),
        format!(
            "glir user {verb} {} (requested by {operator})",
            user.username
        ),
        risk(&action, &user),
        Some(json!({"state": user.state, "two_factor_enabled": user.two_factor_enabled})),
        Vec::new(),
    );
    let path = plan.save(&mut case, &operator)?;
    let json = g.format == OutputFormat::Json;
    if !json {
        write_plan(&mut stdout(), &plan, &path)?;
    }
    let mut store = open_store(settings)?;
    let applied = apply_plan(
        &rt,
        &client,
        &mut store,
        &mut case,
        &plan,
        &path,
        args.yes,
        &operator,
        &[],
    )?;
    let value = json!({
        "case": args.case,
        "dir": case.dir(),
        "user": {"id": user.id, "username": user.username},
        "plan_path": path,
        "plan": plan,
        "applied": applied,
    });
    if !write_value(g.format, &value)? {
        write_applied(&mut stdout(), &applied, &args.case)?;
    }
    Ok(applied.exit_code())
}

fn risk(action: &Action, user: &User) -> String {
    let name = &user.username;
    match action {
        Action::BlockUser { .. } | Action::BanUser { .. } | Action::DeactivateUser { .. } => {
            format!(
                "{name} cannot sign in, push or use the API until undone; automation running as {name} stops"
            )
        }
        Action::ResetPassword { .. } => format!(
            "{name} cannot sign in with a password until they reset it by email; tokens and SSH keys keep working"
        ),
        Action::DisableTwoFactor { .. } => format!(
            "{name} signs in with the password alone until they enrol again (require 2FA to make them)"
        ),
        _ => format!("{name} can sign in again, and every token of {name} not revoked works again"),
    }
}

/// Who ran the command against which instance, as `glir respond` records it: the case's
/// playbooks read the responder's GitLab id from here to recognise the case's own changes.
pub(super) fn record_acquisition(
    case: &mut Case,
    client: &Client,
    caller: &User,
    command: &str,
    started: Timestamp,
    operator: &str,
) -> Result<()> {
    case.record_acquisition(
        json!({
            "command": command,
            "glir_version": env!("CARGO_PKG_VERSION"),
            "gitlab_url": client.base_url().to_string(),
            "caller": {"id": caller.id, "username": caller.username, "admin": caller.is_admin},
            "started_at": started,
        }),
        operator,
    )?;
    Ok(())
}

/// A user by id (all digits) or username.
async fn find_user(client: &Client, user: &str) -> Result<User> {
    if let Ok(id) = user.parse::<i64>() {
        match client.user(id).await {
            Ok(answer) => return Ok(answer.body),
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let found: Vec<User> = client
        .all(client.users(&UserFilter {
            username: Some(user.to_string()),
            ..UserFilter::default()
        }))
        .await?;
    match found.into_iter().next() {
        // The list shows less than the user itself to a non-administrator.
        Some(u) => Ok(client.user(u.id).await.map(|a| a.body).unwrap_or(u)),
        None => bail!("GitLab knows no user {user} (or this token may not see them)"),
    }
}

fn show(g: &GlobalArgs, settings: &Settings, args: &UserShowArgs) -> Result<ExitCode> {
    let client = super::client(settings, Duration::from_millis(50))?;
    let user = runtime()?.block_on(find_user(&client, &args.user))?;
    if write_value(g.format, &user)? {
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = stdout();
    let row = |out: &mut dyn Write, k: &str, v: String| writeln!(out, "{k:<16}{v}");
    let or_unknown = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
    row(
        &mut out,
        "user",
        format!("{} (id {})", user.username, user.id),
    )?;
    row(&mut out, "name", user.name.clone())?;
    row(&mut out, "state", or_unknown(user.state.clone()))?;
    row(
        &mut out,
        "2FA",
        match user.two_factor_enabled {
            Some(true) => "on".to_string(),
            Some(false) => "off".to_string(),
            None => "unknown (needs an administrator)".to_string(),
        },
    )?;
    row(
        &mut out,
        "administrator",
        or_unknown(user.is_admin.map(|a| a.to_string())),
    )?;
    let sign_in = |at: Option<Timestamp>, ip: &Option<String>| {
        at.map(|at| match ip {
            Some(ip) => format!("{at} from {ip}"),
            None => at.to_string(),
        })
    };
    row(
        &mut out,
        "last sign-in",
        or_unknown(sign_in(user.current_sign_in_at, &user.current_sign_in_ip)),
    )?;
    row(
        &mut out,
        "sign-in before",
        or_unknown(sign_in(user.last_sign_in_at, &user.last_sign_in_ip)),
    )?;
    row(
        &mut out,
        "last activity",
        or_unknown(user.last_activity_on.map(|d| d.to_string())),
    )?;
    if user.identities.is_empty() {
        row(&mut out, "identities", "-".to_string())?;
    }
    for identity in &user.identities {
        row(
            &mut out,
            "identity",
            format!("{} {}", identity.provider, identity.extern_uid),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
