//! `--git REPO`: history scanned blob by blob through glir-scan-git.

use super::collector::Collector;
use super::output;
use crate::cli::{GlobalArgs, ScanArgs};
use anyhow::Result;
use glir_scan::{Finding, Location, Scanner};
use glir_scan_git::{HistoryOptions, scan_history};
use std::path::Path;

pub fn scan(
    g: &GlobalArgs,
    scanner: &Scanner,
    repo: &Path,
    args: &ScanArgs,
    max_size: u64,
    collector: &mut Collector,
) -> Result<String> {
    let opts = HistoryOptions {
        include_unreachable: args.unreachable,
        max_blob_size: max_size,
    };
    let spinner = output::spinner(g, "scanning git history");
    let mut scanned = 0u64;
    let stats = scan_history(repo, &opts, &mut |origin, data| {
        scanned += data.len() as u64;
        if scanned & 0xF_FFFF < data.len() as u64 {
            spinner.set_message(format!("scanning git history: {}", output::bytes(scanned)));
        }
        // Binary blobs (images, archives) are skipped as in the file scan.
        if memchr_nul(data) {
            return;
        }
        scanner.scan_content(data, &mut |m| {
            let location = Location::Git {
                commit: origin.commit.unwrap_or("(unreachable)").to_string(),
                author: origin.author_name.unwrap_or_default().to_string(),
                email: origin.author_email.unwrap_or_default().to_string(),
                date: origin.date.map(|d| d.to_string()).unwrap_or_default(),
                path: origin
                    .path
                    .map_or_else(|| format!("blob {}", origin.blob_id), str::to_string),
                line: m.line,
            };
            collector.add(Finding::new(&m, location), &m);
        });
    })?;
    spinner.finish_and_clear();
    Ok(format!(
        "git: {} commits, {} unique blobs ({}) scanned, {} over the size cap skipped{}",
        stats.commits,
        stats.blobs,
        output::bytes(stats.bytes),
        stats.skipped_large,
        if args.unreachable {
            format!(", {} unreachable blobs", stats.unreachable_blobs)
        } else {
            String::new()
        }
    ))
}

fn memchr_nul(data: &[u8]) -> bool {
    data[..data.len().min(8 << 10)].contains(&0)
}
