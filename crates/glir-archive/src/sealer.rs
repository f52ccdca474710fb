//! Sealing off the writer's path. `Archive::maybe_rotate` only renames the full segment
//! `open-<seq>.jsonl` to `sealing-<seq>.jsonl` (and fsyncs the directory), so the next `append`
//! starts `open-<seq+1>.jsonl` at once; one background thread then seals the `sealing-*`
//! segments strictly in sequence order, so manifest lines are written in order and each links to
//! the one before.
//!
//! Sealing one segment is the same fixed sequence of durable steps as before sealing moved off
//! the writer: compress to a temp name, read-only, fsync, rename to `segment-<seq>.jsonl.gz`,
//! fsync of the directory; append its manifest line (fsync); remove `sealing-<seq>.jsonl`, fsync
//! of the directory. `recover.rs` finishes whichever step a kill interrupted.
//!
//! At most [`MAX_PENDING_SEALS`] segments wait for (or are in) the sealer; a rotation that would
//! exceed it waits, so a sealer slower than the writer bounds the disk the `sealing-*` files take
//! instead of letting it grow. An error on the thread stops it: the files stay as they are (the
//! next `open` finishes them) and the writer's next call reports the error and poisons the
//! archive.

use crate::error::{ArchiveError, io};
use crate::fsutil::sync_dir;
use crate::manifest::{self, ManifestEntry};
use crate::names::sealing_name;
use crate::segment::{SealedSegment, compress};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

/// How many segments may wait to be sealed (the one being sealed included) before a rotation
/// waits for the sealer. With the default 64 MiB segments that is at most 256 MiB of
/// `sealing-*` files beside the open segment.
pub const MAX_PENDING_SEALS: usize = 4;

/// One segment sealed: its facts and its manifest line's hash, the next line's `prev`.
pub(crate) struct Sealed {
    pub segment: SealedSegment,
    pub hash: String,
}

/// Seals `sealing-<seq>.jsonl`, which holds `len` bytes of whole records, as the manifest's next
/// line after `prev`: compressed into place, its manifest line, the plain file removed, each
/// step durable before the next. `Ok(None)` when `stop` was set while compressing: the temp file
/// is removed and `sealing-<seq>.jsonl` left for the next `open` to seal.
pub(crate) fn seal_one(
    dir: &Path,
    seq: u64,
    len: u64,
    prev: &str,
    stop: &AtomicBool,
) -> Result<Option<Sealed>, ArchiveError> {
    let source = dir.join(sealing_name(seq));
    let Some(facts) = compress(dir, seq, &source, len, stop)? else {
        return Ok(None);
    };
    let entry = ManifestEntry::new(
        seq,
        facts.sha256,
        facts.records,
        facts.bytes_uncompressed,
        prev.to_string(),
    )
    .map_err(|e| ArchiveError::Inconsistent {
        path: dir.join(crate::layout::MANIFEST_FILE),
        reason: format!("entry for segment {seq} not serializable: {e}"),
    })?;
    // Once compressed, the rest is two fsyncs and finishes even when asked to stop.
    manifest::append(dir, &entry)?;
    std::fs::remove_file(&source).map_err(io(&source, "remove after sealing"))?;
    sync_dir(dir)?;
    Ok(Some(Sealed {
        segment: SealedSegment {
            seq,
            path: dir.join(&entry.file),
            sha256: entry.sha256,
            records: entry.records,
            bytes_uncompressed: entry.bytes_uncompressed,
            bytes_compressed: facts.bytes_compressed,
            sealed_at: entry.sealed_at,
        },
        hash: entry.hash,
    }))
}

/// A segment handed to the sealer: `sealing-<seq>.jsonl`, `len` bytes.
#[derive(Debug, Clone, Copy)]
struct Job {
    seq: u64,
    len: u64,
}

#[derive(Debug)]
struct State {
    /// Segments handed over and not yet sealed, oldest first; the front one is being sealed.
    pending: VecDeque<Job>,
    /// The last segment whose manifest line is durable, and that line's hash.
    last_seq: u64,
    last_hash: String,
    /// The facts of the last segment the thread sealed, for `Archive::seal` to return.
    last_sealed: Option<SealedSegment>,
    /// Why the thread stopped, until the writer takes it to report.
    failed: Option<(u64, ArchiveError)>,
    /// The thread is gone (failed, stopped or panicked): nothing pending will be sealed.
    exited: bool,
    /// Tests hold the sealer to see the archive with segments pending.
    #[cfg(test)]
    held: bool,
}

#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    state: Mutex<State>,
    /// Signalled on every change of `state`.
    changed: Condvar,
    /// Set by `Drop`: stop at the next step, leaving the rest to the next `open`.
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic on the sealer thread is reported through `failed`; the state is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The writer's handle on the sealer thread.
#[derive(Debug)]
pub(crate) struct Sealer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Sealer {
    /// Starts the thread; the manifest's last line is `last_seq` with hash `last_hash`.
    pub(crate) fn start(
        dir: &Path,
        last_seq: u64,
        last_hash: String,
    ) -> Result<Sealer, ArchiveError> {
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            state: Mutex::new(State {
                pending: VecDeque::new(),
                last_seq,
                last_hash,
                last_sealed: None,
                failed: None,
                exited: false,
                #[cfg(test)]
                held: false,
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let theirs = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("glir-archive-sealer".into())
            .spawn(move || run(&theirs))
            .map_err(io(dir, "start the sealer thread"))?;
        Ok(Sealer {
            shared,
            thread: Some(thread),
        })
    }

    /// The error the thread stopped with, once: the segment it was sealing and what went wrong.
    pub(crate) fn take_failure(&self) -> Option<ArchiveError> {
        let mut state = self.shared.lock();
        let (seq, source) = state.failed.take()?;
        Some(ArchiveError::SealFailed {
            file: self.shared.dir.join(sealing_name(seq)),
            source: Box::new(source),
        })
    }

    /// Waits until fewer than [`MAX_PENDING_SEALS`] segments are pending. `Err` with the
    /// thread's error if it failed meanwhile.
    pub(crate) fn wait_for_room(&self) -> Result<(), ArchiveError> {
        self.wait_until(|state| state.pending.len() < MAX_PENDING_SEALS)
    }

    /// Waits until every segment handed over is sealed.
    pub(crate) fn wait_idle(&self) -> Result<(), ArchiveError> {
        self.wait_until(|state| state.pending.is_empty())
    }

    fn wait_until(&self, done: impl Fn(&State) -> bool) -> Result<(), ArchiveError> {
        let mut state = self.shared.lock();
        loop {
            if done(&state) {
                return Ok(());
            }
            if state.exited {
                drop(state);
                return Err(self.take_failure().unwrap_or_else(|| self.gone()));
            }
            state = self.shared.wait(state);
        }
    }

    /// The thread stopped without an error to report (it was reported already).
    fn gone(&self) -> ArchiveError {
        ArchiveError::Poisoned {
            dir: self.shared.dir.clone(),
        }
    }

    /// Hands `sealing-<seq>.jsonl` (already renamed and durable) to the thread.
    pub(crate) fn hand_off(&self, seq: u64, len: u64) {
        let mut state = self.shared.lock();
        state.pending.push_back(Job { seq, len });
        self.shared.changed.notify_all();
    }

    /// The last sealed segment and the segments pending, oldest first, as of now.
    pub(crate) fn snapshot(&self) -> (u64, Vec<u64>) {
        let state = self.shared.lock();
        (
            state.last_seq,
            state.pending.iter().map(|job| job.seq).collect(),
        )
    }

    /// The facts of the last segment the thread sealed, if it is `seq`.
    pub(crate) fn sealed(&self, seq: u64) -> Option<SealedSegment> {
        let state = self.shared.lock();
        state.last_sealed.clone().filter(|s| s.seq == seq)
    }

    /// `hold(true)` keeps the thread from starting another segment until `hold(false)`; the
    /// closure can be sent to another thread (tests only).
    #[cfg(test)]
    pub(crate) fn holder(&self) -> impl Fn(bool) + Send + 'static {
        let shared = Arc::clone(&self.shared);
        move |held| {
            let mut state = shared.lock();
            state.held = held;
            shared.changed.notify_all();
        }
    }
}

impl Drop for Sealer {
    /// Stops the thread at its next step and waits for it, so the lock is not released while it
    /// still writes; a segment it did not finish stays `sealing-<seq>.jsonl` for the next `open`.
    fn drop(&mut self) {
        {
            let _state = self.shared.lock();
            self.shared.stop.store(true, Ordering::Relaxed);
            self.shared.changed.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Marks the thread gone however it ends, a panic included, so a waiting writer wakes up.
struct ExitGuard<'a>(&'a Shared);

impl Drop for ExitGuard<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        if std::thread::panicking() && state.failed.is_none() {
            let seq = state.pending.front().map_or(0, |job| job.seq);
            state.failed = Some((
                seq,
                ArchiveError::Inconsistent {
                    path: self.0.dir.clone(),
                    reason: "the sealer thread panicked".into(),
                },
            ));
        }
        state.exited = true;
        self.0.changed.notify_all();
    }
}

fn run(shared: &Shared) {
    let _exit = ExitGuard(shared);
    loop {
        let (job, prev) = {
            let mut state = shared.lock();
            loop {
                if shared.stop.load(Ordering::Relaxed) {
                    return;
                }
                #[cfg(test)]
                if state.held {
                    state = shared.wait(state);
                    continue;
                }
                if let Some(&job) = state.pending.front() {
                    break (job, state.last_hash.clone());
                }
                state = shared.wait(state);
            }
        };
        match seal_one(&shared.dir, job.seq, job.len, &prev, &shared.stop) {
            Ok(Some(sealed)) => {
                let mut state = shared.lock();
                state.pending.pop_front();
                state.last_seq = job.seq;
                state.last_hash = sealed.hash;
                state.last_sealed = Some(sealed.segment);
                shared.changed.notify_all();
            }
            Ok(None) => return,
            Err(e) => {
                shared.lock().failed = Some((job.seq, e));
                return;
            }
        }
    }
}
