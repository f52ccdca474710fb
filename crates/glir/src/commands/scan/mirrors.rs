//! `--git-mirrors DIR`: the history of every git repository under a directory (a mirror of a
//! GitLab instance's repositories, say), each scanned as `--git` scans one; with `--shard`, only
//! one part of them.

use super::git;
use crate::cli::{GlobalArgs, ScanArgs};
use anyhow::{Context, Result};
use glir_scan::{Collector, Scanner};
use glir_scan_git::HistoryStats;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What scanning the mirrors gave besides their findings.
pub struct MirrorScan {
    pub notes: Vec<String>,
    /// Repositories that could not be read: the scan did not see everything.
    pub unread: usize,
}

pub fn scan(
    g: &GlobalArgs,
    scanner: &Scanner,
    dir: &Path,
    args: &ScanArgs,
    max_size: u64,
    collector: &mut Collector,
) -> Result<MirrorScan> {
    let found = repositories(dir)?;
    let mut scan = MirrorScan {
        notes: Vec::new(),
        unread: 0,
    };
    let mut total = HistoryStats::default();
    let mut scanned = 0usize;
    for (name, path) in &found {
        if args.shard.is_some_and(|s| !s.owns(shard_number(name))) {
            continue;
        }
        scanned += 1;
        // One unreadable repository among hundreds should not cost the others their scan.
        match git::scan(g, scanner, path, Some(name), args, max_size, collector) {
            Ok(stats) => {
                total.commits += stats.commits;
                total.blobs += stats.blobs;
                total.bytes += stats.bytes;
                total.skipped_large += stats.skipped_large;
                total.unreachable_blobs += stats.unreachable_blobs;
            }
            Err(e) => {
                scan.unread += 1;
                scan.notes
                    .push(format!("warning: repository {name}: {e:#}"));
            }
        }
    }
    let count = match args.shard {
        Some(_) => format!("{scanned} of {}", found.len()),
        None => found.len().to_string(),
    };
    scan.notes.insert(
        0,
        format!(
            "git mirrors: {count} repositories under {}{}: {}",
            dir.display(),
            super::shard_note(args.shard, (found.len() - scanned) as u64),
            git::note(&total, args)
        ),
    );
    Ok(scan)
}

/// The number a repository is sharded by: the first 8 bytes of the SHA-256 of its name, big
/// endian. Its name, not its contents or time, so every run puts it in the same shard; and a
/// script can say which shard holds a repository (`int(sha256(name).hexdigest()[:16], 16)`).
fn shard_number(name: &str) -> u64 {
    let digest = Sha256::digest(name.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("SHA-256 is 32 bytes"))
}

/// The name (its path under `dir`, `/`-separated) and path of every repository under `dir`,
/// sorted by name. A directory is a repository when it has a `.git` (a work tree) or `HEAD`,
/// `objects` and `refs` (bare, as `git clone --mirror` makes); any other directory is searched.
/// Symbolic links are not followed: a link cannot make the walk loop or scan a repository twice.
fn repositories(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(current) = todo.pop() {
        let entries = std::fs::read_dir(&current)
            .with_context(|| format!("cannot read {}", current.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read {}", current.display()))?;
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            if !kind.is_dir() {
                continue;
            }
            let path = entry.path();
            if is_repository(&path) {
                found.push((name(dir, &path), path));
            } else {
                todo.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn is_repository(path: &Path) -> bool {
    path.join(".git").exists()
        || (path.join("HEAD").is_file()
            && path.join("objects").is_dir()
            && path.join("refs").is_dir())
}

fn name(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shard_number_is_the_first_eight_bytes_of_the_names_sha256_big_endian() {
        // printf 'acme/app.git' | sha256sum: 3863cd97be019167…
        assert_eq!(shard_number("acme/app.git"), 0x3863_cd97_be01_9167);
    }
}
