use super::{read_store, report_format};
use crate::cli::{AlertsArgs, GlobalArgs};
use crate::config::Settings;
use crate::output::stdout;
use crate::timespec::resolve;
use anyhow::Result;
use glir_detect::{Alert, Grouper, level_rank};
use glir_report::{Sink, WriterSink};
use glir_store::AlertFilter;
use jiff::{SignedDuration, Timestamp};
use std::process::ExitCode;

pub fn run(g: &GlobalArgs, settings: &Settings, args: &AlertsArgs) -> Result<ExitCode> {
    let now = Timestamp::now();
    let filter = AlertFilter {
        since: resolve(args.range.since, now),
        until: resolve(args.range.until, now),
        rule_id: args.rule.clone(),
        limit: args.limit,
    };
    let min_rank = level_rank(&args.min_level);
    let mut records = read_store(settings)?.query_alerts(&filter)?;
    records.retain(|a| level_rank(&a.level) >= min_rank);
    // Grouping needs time order; stored alerts come back in it already only per query plan.
    records.sort_by_key(|a| a.time);
    let shown = match args.group_minutes {
        0 => records,
        minutes => {
            let mut grouper = Grouper::new(SignedDuration::from_mins(i64::from(minutes)));
            let mut grouped: Vec<Alert> = records
                .into_iter()
                .flat_map(|a| grouper.push(a, None))
                .collect();
            grouped.extend(grouper.finish());
            grouped
        }
    };
    let mut listing = WriterSink::new(stdout(), report_format(g.format));
    for alert in &shown {
        listing.emit(alert)?;
    }
    listing.finish()?;
    Ok(ExitCode::SUCCESS)
}
