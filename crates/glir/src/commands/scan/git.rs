//! `--git REPO`: history scanned blob by blob through glir-scan-git.

use super::output;
use crate::cli::{GlobalArgs, ScanArgs};
use anyhow::Result;
use glir_scan::Collector;
use glir_scan::{Finding, Location, Scanner};
use glir_scan_git::{BlobOrigin, HistoryOptions, HistoryStats, scan_history_parallel};
use std::path::Path;

/// Scans `repo`'s history into `collector`. `name`, the repository's name among several
/// (`--git-mirrors`), prefixes each finding's path as `NAME:PATH`: a finding names its
/// repository, and the same commit in two forks is two places.
pub fn scan(
    g: &GlobalArgs,
    scanner: &Scanner,
    repo: &Path,
    name: Option<&str>,
    args: &ScanArgs,
    max_size: u64,
    collector: &mut Collector,
) -> Result<HistoryStats> {
    let opts = HistoryOptions {
        include_unreachable: args.unreachable,
        max_blob_size: max_size,
        threads: args.threads,
    };
    let label = match name {
        Some(name) => format!("scanning git history of {name}"),
        None => "scanning git history".to_string(),
    };
    let spinner = output::spinner(g, &label);
    let mut scanned = 0u64;
    // Blobs are scanned on worker threads; findings come back here in history order.
    let scan_blob = |origin: &BlobOrigin<'_>, data: &[u8]| {
        let mut found = Vec::new();
        // Binary blobs (images, archives) are skipped as in the file scan.
        if memchr_nul(data) {
            return (data.len() as u64, found);
        }
        scanner.scan_content(data, &mut |m| {
            let location = Location::Git {
                commit: origin.commit.unwrap_or("(unreachable)").to_string(),
                author: origin.author_name.unwrap_or_default().to_string(),
                email: origin.author_email.unwrap_or_default().to_string(),
                date: origin.date.map(|d| d.to_string()).unwrap_or_default(),
                path: {
                    let path = origin
                        .path
                        .map_or_else(|| format!("blob {}", origin.blob_id), str::to_string);
                    match name {
                        Some(name) => format!("{name}:{path}"),
                        None => path,
                    }
                },
                line: m.line,
            };
            found.push((Finding::new(&m, location), m));
        });
        (data.len() as u64, found)
    };
    let stats = scan_history_parallel(repo, &opts, &scan_blob, &mut |(bytes, found)| {
        scanned += bytes;
        if scanned & 0xF_FFFF < bytes {
            spinner.set_message(format!("{label}: {}", output::bytes(scanned)));
        }
        for (finding, m) in found {
            collector.add(finding, &m);
        }
    });
    spinner.finish_and_clear();
    Ok(stats?)
}

/// What a history scan covered, for the closing notes.
pub fn note(stats: &HistoryStats, args: &ScanArgs) -> String {
    format!(
        "{} commits, {} unique blobs ({}) scanned, {} over the size cap skipped{}",
        stats.commits,
        stats.blobs,
        output::bytes(stats.bytes),
        stats.skipped_large,
        if args.unreachable {
            format!(", {} unreachable blobs", stats.unreachable_blobs)
        } else {
            String::new()
        }
    )
}

fn memchr_nul(data: &[u8]) -> bool {
    data[..data.len().min(8 << 10)].contains(&0)
}
