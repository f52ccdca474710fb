//! Git history as a scan source: every blob reachable from any reference, read once, with the
//! commit, author, date and path that introduced it; unreachable blobs on request.
//!
//! The crate only walks history and hands bytes to a callback; matching secrets is the caller's
//! job. It reads the object database in-process with gix, so no `git` binary is needed.

mod blobs;
mod commits;
mod error;
mod new_blobs;
mod pool;
mod scan;

use std::path::Path;

pub use error::{Cause, Error};

/// What to scan besides reachable history, and how big a blob may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Also visit blobs in the object database that no reference reaches (dangling objects,
    /// leftovers of rewritten history), after all reachable ones.
    pub include_unreachable: bool,
    /// Blobs larger than this many bytes are not read; they are counted in
    /// [`HistoryStats::skipped_large`].
    pub max_blob_size: u64,
    /// Threads that read and scan blobs in [`scan_history_parallel`]; 0: one per core.
    pub threads: usize,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        Self {
            include_unreachable: false,
            max_blob_size: 50 * 1024 * 1024,
            threads: 0,
        }
    }
}

/// Where a visited blob came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobOrigin<'a> {
    /// Hex object id of the blob.
    pub blob_id: &'a str,
    /// Hex id of the first commit (in parents-before-children order) whose diff against its
    /// first parent added this blob; `None` for unreachable blobs and for blobs reached only
    /// through a tag that points at a tree or blob.
    pub commit: Option<&'a str>,
    /// Author name of that commit (lossy UTF-8).
    pub author_name: Option<&'a str>,
    /// Author email of that commit (lossy UTF-8).
    pub author_email: Option<&'a str>,
    /// Author time of that commit.
    pub date: Option<jiff::Timestamp>,
    /// Path of the blob in that commit's tree (lossy UTF-8, `/`-separated).
    pub path: Option<&'a str>,
}

/// Counters of one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryStats {
    /// Commits reachable from the references and walked.
    pub commits: u64,
    /// Blobs handed to the callback, unreachable ones included.
    pub blobs: u64,
    /// Bytes handed to the callback.
    pub bytes: u64,
    /// Distinct blobs not read because they exceed [`HistoryOptions::max_blob_size`].
    pub skipped_large: u64,
    /// Of [`Self::blobs`], those no reference reaches.
    pub unreachable_blobs: u64,
}

/// Scans the history of the repository at `repo` (a work tree, its `.git`, or a bare
/// repository), calling `visit` once per distinct blob with its origin and decompressed bytes.
///
/// Commits reachable from every reference (branches, tags, remote-tracking refs, notes, stash,
/// `HEAD`) are visited parents first, oldest commit time first among independent ones; each
/// commit's tree is diffed against its first parent's (the root commit against the empty
/// tree) and each added or modified blob not seen before is visited. Submodule entries are
/// skipped; symlinks are blobs and are visited.
pub fn scan_history(
    repo: &Path,
    opts: &HistoryOptions,
    visit: &mut dyn FnMut(&BlobOrigin<'_>, &[u8]),
) -> Result<HistoryStats, Error> {
    scan::Scan::open(repo, opts)?.run(visit)
}

/// [`scan_history`] on [`HistoryOptions::threads`] threads: `scan` runs on worker threads, each
/// blob once, and `collect` gets its results on the caller's thread in the order
/// [`scan_history`] would visit the blobs, so the output does not depend on the thread count.
/// Decompressing blobs and scanning them is the cost of a history scan; the walk and the tree
/// diffs stay on one thread.
pub fn scan_history_parallel<T: Send>(
    repo: &Path,
    opts: &HistoryOptions,
    scan: &(dyn Fn(&BlobOrigin<'_>, &[u8]) -> T + Sync),
    collect: &mut dyn FnMut(T),
) -> Result<HistoryStats, Error> {
    let history = scan::Scan::open(repo, opts)?;
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    if threads == 1 {
        return history.run(&mut |origin, data| collect(scan(origin, data)));
    }
    pool::run(history, threads, scan, collect)
}
