//! `glir token identify`: offline identification of tokens read from stdin, so they stay out
//! of shell history and process listings. `inspect` lives in `token_inspect.rs`.

use crate::cli::{GlobalArgs, OutputFormat, TokenCommand, TokenIdentifyArgs};
use crate::output::stdout;
use anyhow::{Context, Result, bail};
use glir_tokens::{Identification, IdentifyOptions, Layout, identify};
use std::io::{BufRead, Write};
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, command: &TokenCommand) -> Result<ExitCode> {
    match command {
        TokenCommand::Identify(args) => run_identify(g, args),
        TokenCommand::Inspect(args) => super::token_inspect::run(g, args),
    }
}

fn run_identify(g: &GlobalArgs, args: &TokenIdentifyArgs) -> Result<ExitCode> {
    if !args.stray.is_empty() {
        bail!(
            "pass tokens on stdin, not as arguments (arguments stay in shell history): \
             `glir token identify < token.txt`"
        );
    }
    let opts = IdentifyOptions {
        custom_pat_prefix: args.pat_prefix.clone(),
        instance_prefix: args.instance_prefix.clone(),
    };
    let mut out = stdout();
    let mut seen = 0;
    // `--format json` is one array of them all, written at the end.
    let mut kept = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read tokens from stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let id = identify(&line, &opts);
        match g.format {
            OutputFormat::Jsonl => {
                serde_json::to_writer(&mut out, &id)?;
                writeln!(out)?;
            }
            OutputFormat::Json => kept.push(id),
            _ => {
                if seen > 0 {
                    writeln!(out)?;
                }
                write_table(&mut out, &id)?;
            }
        }
        seen += 1;
    }
    if seen == 0 {
        bail!("no token on stdin: pipe it in, e.g. `glir token identify < token.txt`");
    }
    if g.format == OutputFormat::Json {
        glir_report::write_json(&mut out, &kept)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn write_table(out: &mut impl Write, id: &Identification) -> Result<()> {
    let row = |out: &mut dyn Write, key: &str, value: &str| writeln!(out, "{key:<20}{value}");
    row(out, "token", &id.redacted)?;
    row(out, "fingerprint", &id.fingerprint)?;
    row(out, "family", id.family.describe())?;
    row(out, "layout", &layout_text(id.layout))?;
    row(out, "prefix", &id.prefix)?;
    let valid = if id.structurally_valid { "yes" } else { "no" };
    row(out, "structurally valid", valid)?;
    if !id.routing.is_empty() {
        let routing: Vec<String> = id.routing.iter().map(|(k, v)| format!("{k}={v}")).collect();
        row(out, "routing", &routing.join(" "))?;
    }
    if let Some(jwt) = &id.jwt {
        let fields = [
            ("jwt issuer", jwt.iss.clone()),
            ("jwt subject", jwt.sub.clone()),
            ("jwt expires", jwt.exp.map(|e| e.to_string())),
            ("job id", jwt.job_id.map(|j| j.to_string())),
            ("project id", jwt.project_id.map(|p| p.to_string())),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                row(out, key, &value)?;
            }
        }
    }
    for (n, check) in id.checks.iter().enumerate() {
        row(out, if n == 0 { "checks" } else { "" }, check)?;
    }
    Ok(())
}

fn layout_text(layout: Layout) -> String {
    match layout {
        Layout::Legacy => "legacy".into(),
        Layout::RoutableV0 => "routable v0".into(),
        Layout::RoutableV1 => "routable v1".into(),
        Layout::RunnerPartition { runner_type } => format!("runner partition t{runner_type}_"),
        Layout::JobTokenDb { partition_id } => format!("job token, partition {partition_id}"),
        Layout::JobTokenJwt => "job token, JWT".into(),
        Layout::Other => "other".into(),
    }
}
