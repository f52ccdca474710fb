//! `glir users`: every account GitLab shows the token, administrators first, as a table or rows
//! (`json`, `jsonl`, `csv`); stored as evidence in a case with `--case`.
//!
//! Exit codes: 0 an administrator's whole view; 4 when the token sees less (a non-administrator,
//! or emails that could not be read), with what is missing on stderr; 2 a fault.

use super::inventory::{Bar, open_case};
use super::{EXIT_PARTIAL, client, operator, report_format, runtime};
use crate::cli::{GlobalArgs, OutputFormat, UsersArgs};
use crate::config::Settings;
use crate::output::{status, stdout};
use anyhow::{Result, bail};
use glir_inventory::{UserRecord, UserReport};
use glir_report::{Row, Sink, WriterSink};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &UsersArgs) -> Result<ExitCode> {
    if args.max_rps.is_nan() || args.max_rps <= 0.0 {
        bail!("--max-rps must be a positive number");
    }
    let client = client(settings, Duration::from_secs_f64(1.0 / args.max_rps))?;
    let bar = Bar::new(g.quiet || !std::io::stderr().is_terminal(), "users");
    let concurrency = usize::from(args.concurrency);
    let report = runtime()?.block_on(glir_inventory::list_users(&client, concurrency, &bar));
    bar.0.finish_and_clear();
    let report = report?;
    if let Some(name) = &args.case {
        store(settings, args, name, &report)?;
    }
    let mut rows = WriterSink::new(stdout(), report_format(g.format));
    for u in &report.users {
        rows.emit(&UserRow(u))?;
    }
    rows.finish()?;
    let lacks = report.lacks.iter().map(|l| format!("  {l}"));
    if g.format == OutputFormat::Table {
        let mut out = stdout();
        writeln!(
            out,
            "\n{} users of {} as {}{}",
            report.users.len(),
            report.instance,
            report.caller.username,
            if report.caller.admin {
                " (administrator)"
            } else {
                ""
            }
        )?;
        if !report.complete {
            writeln!(out, "INCOMPLETE: this token does not see everything:")?;
            for line in lacks {
                writeln!(out, "{line}")?;
            }
        }
        out.flush()?;
    } else if !report.complete {
        status!("incomplete: this token does not see everything:");
        for line in lacks {
            status!("{line}");
        }
    }
    Ok(if report.complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PARTIAL)
    })
}

/// The whole review, what it lacks included, as evidence in the case.
fn store(settings: &Settings, args: &UsersArgs, name: &str, report: &UserReport) -> Result<()> {
    let operator = operator();
    let mut case = open_case(
        settings,
        &args.dir,
        name,
        "users",
        &report.instance,
        &operator,
    )?;
    let rel = format!(
        "users/{}.json",
        report.generated_at.strftime("%Y%m%dT%H%M%S%.3fZ")
    );
    let mut bytes = serde_json::to_vec_pretty(report)?;
    bytes.push(b'\n');
    let source = format!("glir users on {}", report.instance);
    case.add_evidence(&rel, &bytes, &source, &operator)?;
    case.record_acquisition(
        json!({
            "command": "glir users",
            "glir_version": env!("CARGO_PKG_VERSION"),
            "gitlab_url": report.instance,
            "caller": report.caller,
            "generated_at": report.generated_at,
            "finished_at": Timestamp::now(),
            "complete": report.complete,
            "evidence": [rel],
        }),
        &operator,
    )?;
    status!("stored in case {name}: evidence/{rel}");
    Ok(())
}

/// A user as a row: every field in JSON and CSV, what a review reads first in a table.
#[derive(Serialize)]
#[serde(transparent)]
struct UserRow<'a>(&'a UserRecord);

impl Row for UserRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "username",
        "name",
        "state",
        "admin",
        "auditor",
        "kind",
        "two_factor",
        "external",
        "locked",
        "created_at",
        "created_by",
        "last_sign_in_at",
        "last_sign_in_ip",
        "current_sign_in_at",
        "current_sign_in_ip",
        "last_activity_on",
        "identities",
        "emails",
    ];

    fn record(&self) -> Vec<String> {
        let u = self.0;
        vec![
            u.id.to_string(),
            u.username.clone(),
            u.name.clone(),
            u.state.clone().unwrap_or_default(),
            known(u.admin),
            known(u.auditor),
            u.kind.clone(),
            known(u.two_factor),
            known(u.external),
            u.locked.to_string(),
            time(u.created_at),
            u.created_by.clone().unwrap_or_default(),
            time(u.last_sign_in_at),
            u.last_sign_in_ip.clone().unwrap_or_default(),
            time(u.current_sign_in_at),
            u.current_sign_in_ip.clone().unwrap_or_default(),
            u.last_activity_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            identities(u),
            u.emails.map(|n| n.to_string()).unwrap_or_default(),
        ]
    }

    fn table_columns() -> Vec<String> {
        [
            "USERNAME",
            "NAME",
            "STATE",
            "ADMIN",
            "KIND",
            "2FA",
            "LAST SIGN-IN",
            "FROM",
            "CREATED BY",
            "IDENTITIES",
        ]
        .map(String::from)
        .to_vec()
    }

    fn table_cells(&self) -> Vec<String> {
        let u = self.0;
        let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
        // GitLab shows the admin flag with the creator and identities, to administrators only.
        let hidden = u.admin.is_none();
        let or_none = |v: String| match (v.is_empty(), hidden) {
            (false, _) => v,
            (true, true) => "?".to_string(),
            (true, false) => "-".to_string(),
        };
        let yes_no = |v: Option<bool>| match v {
            Some(true) => "yes".to_string(),
            Some(false) => "no".to_string(),
            None => "?".to_string(),
        };
        // The latest sign-in GitLab knows, with the address it came from.
        let (at, from) = match (u.current_sign_in_at, u.last_sign_in_at) {
            (Some(at), _) => (Some(at), &u.current_sign_in_ip),
            (None, at) => (at, &u.last_sign_in_ip),
        };
        vec![
            u.username.clone(),
            u.name.clone(),
            or_unknown(&u.state),
            yes_no(u.admin),
            u.kind.clone(),
            yes_no(u.two_factor),
            at.map_or_else(|| "?".into(), |t| t.strftime("%Y-%m-%d %H:%M").to_string()),
            or_unknown(from),
            or_none(u.created_by.clone().unwrap_or_default()),
            or_none(identities(u)),
        ]
    }
}

/// `true`, `false`, or empty where GitLab did not say.
fn known(v: Option<bool>) -> String {
    v.map(|b| b.to_string()).unwrap_or_default()
}

fn time(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn identities(u: &UserRecord) -> String {
    u.identities
        .iter()
        .map(|i| format!("{}:{}", i.provider, i.extern_uid))
        .collect::<Vec<_>>()
        .join(" ")
}
