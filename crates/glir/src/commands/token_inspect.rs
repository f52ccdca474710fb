//! `glir token inspect`: one token from stdin, identified offline, then described by GitLab
//! (glir_verify::inspect), rendered as a table or one JSON document.

use super::token::write_table;
use super::write_value;
use crate::cli::{GlobalArgs, TokenInspectArgs};
use crate::output::{status, stdout};
use anyhow::{Context, Result, bail};
use glir_redact::Secret;
use glir_tokens::{Identification, IdentifyOptions, identify};
use glir_verify::{InspectOptions, Inspection, inspect};
use serde::Serialize;
use std::io::{BufRead, Write};
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
    let token = read_token()?;
    let opts = IdentifyOptions {
        custom_pat_prefix: args.identify.pat_prefix.clone(),
        instance_prefix: args.identify.instance_prefix.clone(),
    };
    let identification = identify(token.expose(), &opts);
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

fn read_token() -> Result<Secret> {
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read the token from stdin")?;
        if !line.trim().is_empty() {
            return Ok(Secret::new(line.trim().to_string()));
        }
    }
    bail!("no token on stdin: pipe it in, e.g. `glir token inspect < token.txt`")
}
