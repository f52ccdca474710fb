use super::detect::{write_alert, write_header};
use super::{open_store, report_format};
use crate::cli::{AlertsArgs, GlobalArgs};
use crate::config::Settings;
use crate::output::stdout;
use crate::timespec::parse_opt;
use anyhow::Result;
use glir_store::AlertFilter;
use jiff::Timestamp;
use std::io::Write;
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &AlertsArgs) -> Result<ExitCode> {
    let now = Timestamp::now();
    let filter = AlertFilter {
        since: parse_opt(args.range.since.as_deref(), now)?,
        until: parse_opt(args.range.until.as_deref(), now)?,
        rule_id: args.rule.clone(),
        limit: args.limit,
    };
    let records = open_store(settings)?.query_alerts(&filter)?;
    let mut out = stdout();
    write_header(&mut out, g.format)?;
    for alert in &records {
        write_alert(&mut out, alert, report_format(g.format))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
