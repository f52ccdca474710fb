//! `glir token inspect`: one token from stdin, identified offline, then described by GitLab
//! (glir_verify::inspect), rendered as a table or one JSON document.

use super::token::write_table;
use super::write_value;
use crate::cli::{GlobalArgs, TokenInspectArgs};
use crate::output::{status, stdout};
use anyhow::{Context, Result, bail};
use glir_redact::Secret;
use glir_tokens::{Identification, IdentifyOptions, candidates, identify};
use glir_verify::{InspectOptions, Inspection, inspect};
use serde::Serialize;
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

/// What `token inspect` reports: the offline identification, and GitLab's answer when asked.
#[derive(Serialize)]
struct TokenReport {
    identification: Identification,
    /// `None` offline (`--offline`, or no instance configured).
    gitlab: Option<Inspection>,
}

pub fn run(g: &GlobalArgs, args: &TokenInspectArgs) -> Result<ExitCode> {
    if !args.identify.stray.is_empty() {
        bail!("pass the token on stdin, not as an argument (arguments stay in shell history)");
    }
    let opts = IdentifyOptions {
        custom_pat_prefix: args.identify.pat_prefix.clone(),
        instance_prefix: args.identify.instance_prefix.clone(),
    };
    let (token, identification) = read_token(&opts)?;
    let (gitlab, offline_note) = if args.offline {
        (None, None)
    } else {
        let settings = super::load_settings(g)?;
        if settings.url.is_none() {
            (
                None,
                Some("(no GitLab instance configured: offline identification only)"),
            )
        } else {
            let client = super::client(&settings, Duration::from_millis(100))?;
            let opts = InspectOptions {
                use_token: args.use_token,
                project: args.project.clone(),
                group: args.group.clone(),
            };
            let answer =
                super::runtime()?.block_on(inspect(&client, &token, &identification, &opts))?;
            (Some(answer), None)
        }
    };
    if let Some(gitlab) = &gitlab {
        for w in &gitlab.warnings {
            status!("warning: {w}");
        }
    }
    let report = TokenReport {
        identification,
        gitlab,
    };
    if write_value(g.format, &report)? {
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = stdout();
    write_table(&mut out, &report.identification)?;
    if let Some(note) = offline_note {
        writeln!(out, "\n{note}")?;
    }
    if let Some(gitlab) = &report.gitlab {
        writeln!(out)?;
        for fact in &gitlab.facts {
            writeln!(out, "{:<20}{}", fact.field, fact.value)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The one GitLab token in what was pasted on stdin (a bare token, a log or `.env` line), or
/// the first line as typed when it holds none (identified offline, never sent).
fn read_token(opts: &IdentifyOptions) -> Result<(Secret, Identification)> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the token from stdin")?;
    let text = Secret::new(text);
    let mut found = candidates(text.expose(), opts);
    match found.len() {
        0 => {
            let Some(first) = text.expose().lines().map(str::trim).find(|l| !l.is_empty()) else {
                bail!("no token on stdin: pipe it in, e.g. `glir token inspect < token.txt`");
            };
            Ok((Secret::new(first), identify(first, opts)))
        }
        1 => {
            let (token, id) = found.remove(0);
            Ok((Secret::new(token), id))
        }
        n => {
            let shown: Vec<&str> = found.iter().map(|(_, id)| id.redacted.as_str()).collect();
            bail!(
                "stdin holds {n} GitLab tokens ({}): inspect one at a time",
                shown.join(", ")
            )
        }
    }
}
