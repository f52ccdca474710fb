//! Files changed recently under GitLab's directories: a web shell dropped into the Rails app,
//! a replaced binary, an edited configuration. Each is described (size, times, mode, owner and,
//! below a size cap, its SHA-256) in `recent.jsonl`, one line per file, written as the walk
//! goes, so a tree of any size is walked in constant memory. Nothing is copied.

use crate::findings::{Finding, Kind, Level};
use crate::fsread::{Walker, open_file};
use crate::manifest::{Category, FileMeta};
use crate::run::{Run, file_kind, sha256_reader};
use jiff::Timestamp;
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::MetadataExt;

pub(crate) const MEMBER: &str = "recent.jsonl";
pub(crate) const DIRS: [&str; 3] = ["/opt/gitlab", "/var/opt/gitlab", "/etc/gitlab"];
const REPOSITORIES: &str = "/var/opt/gitlab/git-data/repositories/";
/// Findings for recent executables beyond this are summed up in one: after an upgrade every
/// binary of the package is recent, and `recent.jsonl` lists them all anyway.
const MAX_EXECUTABLE_FINDINGS: usize = 200;

#[derive(Serialize)]
struct Recent<'a> {
    path: &'a str,
    kind: &'static str,
    #[serde(flatten)]
    meta: FileMeta,
    ctime: Option<String>,
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_hashed: Option<String>,
}

/// A repository's object store: git's own content-addressed files, large and many.
pub(crate) fn is_object_store(logical: &str) -> bool {
    logical.starts_with(REPOSITORIES) && logical.ends_with("/objects")
}

/// Walks GitLab's directories; returns how many recent files were described.
pub(crate) fn collect(
    run: &mut Run<'_>,
    since: Timestamp,
    include_objects: bool,
) -> io::Result<u64> {
    let owners = crate::passwd::names(&run.users);
    let mut out = BufWriter::new(run.bundle.temp_file()?);
    let mut count = 0u64;
    let mut executables = 0usize;
    for dir in DIRS {
        let Ok(host) = run.root.resolve(dir) else {
            continue;
        };
        let prune = |logical: &str| !include_objects && is_object_store(logical);
        let mut walker = match Walker::new(&host, dir, &prune) {
            Ok(walker) => walker,
            Err(e) => {
                run.skip(&e.logical, Category::Recent, e.reason, true)?;
                continue;
            }
        };
        while let Some(item) = walker.next_entry() {
            let entry = match item {
                Ok(entry) => entry,
                Err(e) => {
                    run.skip(&e.logical, Category::Recent, e.reason, true)?;
                    continue;
                }
            };
            if entry.meta.is_dir() {
                continue;
            }
            let changed = changed_at(&entry.meta);
            if changed.is_none_or(|t| t < since) {
                continue;
            }
            let (sha256, not_hashed) = if entry.meta.is_file() {
                hash(&entry.host, entry.meta.len(), run.hash_max)
            } else {
                (None, None)
            };
            let record = Recent {
                path: &entry.logical,
                kind: file_kind(&entry.meta),
                meta: FileMeta::of(&entry.meta),
                ctime: ctime(&entry.meta).map(|t| t.to_string()),
                owner: owners.get(&entry.meta.uid()).map(String::as_str),
                sha256,
                not_hashed,
            };
            serde_json::to_writer(&mut out, &record)?;
            out.write_all(b"\n")?;
            count += 1;
            if entry.meta.is_file() && entry.meta.mode() & 0o111 != 0 {
                executables += 1;
                if executables <= MAX_EXECUTABLE_FINDINGS {
                    let evidence = format!(
                        "{} bytes, mode {}, owner {}",
                        entry.meta.len(),
                        record.meta.mode,
                        record.owner.unwrap_or("?")
                    );
                    run.findings.push(
                        Finding::new(Kind::RecentExecutable, &entry.logical, &evidence).with(vec![
                            (
                                Level::Medium,
                                format!("an executable changed since {since}"),
                            ),
                        ]),
                    );
                }
            }
        }
    }
    if executables > MAX_EXECUTABLE_FINDINGS {
        run.findings.push(
            Finding::new(Kind::RecentExecutable, "(more)", MEMBER).with(vec![(
                Level::Medium,
                format!(
                    "{} more executables changed since {since}: see {MEMBER}",
                    executables - MAX_EXECUTABLE_FINDINGS
                ),
            )]),
        );
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    run.bundle.add_generated_file(MEMBER, file)?;
    Ok(count)
}

/// The later of the modification and the status-change time: `touch -d` can turn back the
/// first, not the second.
fn changed_at(meta: &std::fs::Metadata) -> Option<Timestamp> {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| Timestamp::try_from(t).ok());
    match (modified, ctime(meta)) {
        (Some(m), Some(c)) => Some(m.max(c)),
        (m, c) => m.or(c),
    }
}

fn ctime(meta: &std::fs::Metadata) -> Option<Timestamp> {
    Timestamp::new(meta.ctime(), i32::try_from(meta.ctime_nsec()).ok()?).ok()
}

fn hash(host: &std::path::Path, len: u64, cap: u64) -> (Option<String>, Option<String>) {
    if len > cap {
        return (
            None,
            Some(format!("larger than the hash cap ({cap} bytes)")),
        );
    }
    match open_file(host).and_then(|(mut file, _)| sha256_reader(&mut file)) {
        Ok((sha, _)) => (Some(sha), None),
        Err(e) => (None, Some(crate::fsread::reason(&e))),
    }
}
