use super::{client, runtime, write_value};
use crate::cli::{GlobalArgs, WhoamiArgs};
use crate::config::Settings;
use crate::output::stdout;
use anyhow::{Result, bail};
use glir_probe::{Capability, Identity, Targets, probe};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &WhoamiArgs) -> Result<ExitCode> {
    let client = client(settings, Duration::ZERO)?;
    let targets = Targets {
        group: args.group.clone(),
        project: args.project.clone(),
    };
    let identity = runtime()?.block_on(probe(&client, &targets));
    let token_line = settings.token()?.map(|t| {
        format!(
            "{} ({}) from {}",
            t.secret.redacted(),
            t.secret.fingerprint(),
            t.origin
        )
    });
    if !write_value(g.format, &identity)? {
        let mut out = stdout();
        print_identity(&mut out, &identity, token_line.as_deref())?;
        if let Some(profile) = &settings.profile {
            let file = settings
                .config_file
                .as_ref()
                .map_or(String::new(), |p| format!(" in {}", p.display()));
            writeln!(out, "Profile    {profile}{file}")?;
        }
        out.flush()?;
    }
    // What could be learned is shown; an answer without the one thing asked (who this token is,
    // or with no token, whether GitLab answers at all) is still a failure.
    let unanswered =
        identity.username.is_none() && (settings.has_token() || identity.version.is_none());
    if unanswered {
        let why = identity
            .notes
            .iter()
            .find(|n| n.starts_with("current user:"))
            .or(identity.notes.first())
            .map_or("no answer", String::as_str);
        bail!("GitLab did not say who this token is: {why}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The human-readable probe report (also used by the demo).
pub fn print_identity(out: &mut dyn Write, id: &Identity, token_line: Option<&str>) -> Result<()> {
    let deployment = match id.deployment {
        glir_probe::Deployment::GitlabCom => "GitLab.com",
        glir_probe::Deployment::SelfManaged => "self-managed",
    };
    let version = id.version.as_deref().unwrap_or("version unknown");
    let edition = match id.enterprise {
        Some(true) => ", Enterprise Edition",
        Some(false) => ", Community Edition",
        None => "",
    };
    writeln!(
        out,
        "Instance   {} ({deployment}, GitLab {version}{edition})",
        id.url
    )?;
    match (&id.username, id.user_id) {
        (Some(name), Some(uid)) => {
            let role = match id.is_admin {
                Some(true) => "administrator",
                _ => "not an administrator",
            };
            writeln!(out, "User       {name} (id {uid}), {role}")?;
        }
        _ => writeln!(out, "User       unknown")?,
    }
    match token_line {
        Some(t) => writeln!(out, "Token      {t}")?,
        None => writeln!(
            out,
            "Token      none configured (set GLIR_TOKEN or GLIR_TOKEN_FILE)"
        )?,
    }
    if let Some(t) = &id.token {
        let expiry = t.expires_at.as_deref().unwrap_or("never");
        let state = if t.active { "active" } else { "inactive" };
        writeln!(
            out,
            "           \"{}\": scopes {}; expires {expiry}; {state}",
            t.name,
            t.scopes.join(", ")
        )?;
    }
    match &id.tier {
        Some(t) => {
            let whose = if t.of == "instance" {
                String::new()
            } else {
                format!(" ({}'s plan)", t.of)
            };
            let above = if t.or_above { " or above" } else { "" };
            writeln!(out, "Tier       {}{above}{whose}", t.tier.name())?;
        }
        None => writeln!(out, "Tier       unknown")?,
    }
    for note in &id.notes {
        writeln!(out, "Note       {note}")?;
    }
    print_capabilities(out, &id.capabilities)
}

/// One line per capability: the answer, what it is, and why (the command and what it needs
/// are in `--format json`).
fn print_capabilities(out: &mut dyn Write, capabilities: &[Capability]) -> Result<()> {
    let width = capabilities
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    writeln!(out, "Capabilities")?;
    writeln!(out, "  {:<8} {:<width$}  reason", "answer", "capability")?;
    for c in capabilities {
        writeln!(
            out,
            "  {:<8} {:<width$}  {}",
            c.answer.word(),
            c.name,
            c.reason
        )?;
    }
    Ok(())
}
