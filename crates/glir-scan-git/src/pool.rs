//! History on several threads: one thread walks commits and diffs trees (cheap), workers read
//! and scan the blobs (decompression and the caller's scan are the cost), and the caller's
//! thread takes results back in the order one thread would have produced them.
//!
//! Each path's versions go to one worker: they are stored as deltas of one another, and the
//! worker's cache of decoded delta bases only serves versions it reads itself. Handed out to
//! whichever worker was free, two workers spent 15% more time inflating than one thread.

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use crate::{
    BlobOrigin, Error, HistoryStats,
    blobs::{Job, Read},
    error::Failure,
    scan::{self, Scan},
};

/// Planned blobs waiting for each worker: enough to keep it busy while a diff runs, few enough
/// that a long history is never held in memory at once.
const QUEUE: usize = 512;

/// What one blob gave: its counts and, if it was read, the caller's result.
struct Done<T> {
    counted: HistoryStats,
    result: Option<T>,
}

enum Message<T> {
    Blob(Result<Done<T>, Failure>),
    /// The walk is over (the commit count) or failed; numbered after the last blob.
    End(Result<u64, Failure>),
}

pub(crate) fn run<T: Send>(
    scan: Scan,
    threads: usize,
    each: &(dyn Fn(&BlobOrigin<'_>, &[u8]) -> T + Sync),
    collect: &mut dyn FnMut(T),
) -> Result<HistoryStats, Error> {
    let Scan {
        path,
        repo,
        include_unreachable,
        max_blob_size: max_size,
    } = scan;
    let shared = repo.into_sync();
    let stop = AtomicBool::new(false);
    let (job_txs, job_rxs): (Vec<_>, Vec<_>) = (0..threads)
        .map(|_| mpsc::sync_channel::<(usize, Job)>(QUEUE))
        .unzip();
    let (done_tx, done_rx) = mpsc::channel::<(usize, Message<T>)>();
    std::thread::scope(|s| {
        let (stop, shared) = (&stop, &shared);
        let walker_tx = done_tx.clone();
        s.spawn(move || {
            let mut repo = shared.to_thread_local();
            scan::with_pack_cache(&mut repo);
            // Fixed keys: the same repository is split the same way every run.
            let hasher = std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default();
            let mut next = 0;
            let walked = scan::plan(&repo, include_unreachable, &mut |job| {
                if stop.load(Ordering::Relaxed) {
                    return Err(Failure::new("history", "the scan stopped"));
                }
                let worker = match &job.path {
                    Some(path) => hasher.hash_one(path),
                    None => next as u64,
                } as usize
                    % job_txs.len();
                job_txs[worker]
                    .send((next, job))
                    .map_err(|_| Failure::new("history", "the scan stopped"))?;
                next += 1;
                Ok(())
            });
            drop(job_txs);
            let _ = walker_tx.send((next, Message::End(walked)));
        });
        for jobs in job_rxs {
            let done_tx = done_tx.clone();
            s.spawn(move || {
                let mut repo = shared.to_thread_local();
                scan::with_pack_cache(&mut repo);
                let mut buf = Vec::new();
                for (seq, job) in jobs {
                    if stop.load(Ordering::Relaxed) {
                        continue;
                    }
                    let done = job.read(&repo.objects, max_size, &mut buf).map(|read| {
                        let mut counted = HistoryStats::default();
                        scan::tally(&mut counted, &job, &read);
                        let result = match read {
                            Read::Data(data) => Some(job.with_origin(|origin| each(origin, data))),
                            Read::TooLarge => None,
                        };
                        Done { counted, result }
                    });
                    // Once the caller stopped listening, the queue is still drained so that the
                    // walker, maybe waiting on a full queue, sees the stop.
                    let _ = done_tx.send((seq, Message::Blob(done)));
                }
            });
        }
        drop(done_tx);
        let collected = in_order(done_rx, collect);
        if collected.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        collected
    })
    .map_err(|f| f.at(&path))
}

/// Hands results to `collect` by sequence number, holding back those that arrive early.
fn in_order<T>(
    done: mpsc::Receiver<(usize, Message<T>)>,
    collect: &mut dyn FnMut(T),
) -> Result<HistoryStats, Failure> {
    let mut stats = HistoryStats::default();
    let mut early = BTreeMap::new();
    let mut next = 0;
    for (seq, message) in done {
        early.insert(seq, message);
        while let Some(message) = early.remove(&next) {
            next += 1;
            match message {
                Message::Blob(done) => {
                    let done = done?;
                    stats.blobs += done.counted.blobs;
                    stats.bytes += done.counted.bytes;
                    stats.skipped_large += done.counted.skipped_large;
                    stats.unreachable_blobs += done.counted.unreachable_blobs;
                    if let Some(result) = done.result {
                        collect(result);
                    }
                }
                Message::End(walked) => {
                    stats.commits = walked?;
                    return Ok(stats);
                }
            }
        }
    }
    Err(Failure::new("history", "a worker thread stopped"))
}
