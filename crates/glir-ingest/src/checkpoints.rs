//! WAL checkpoints on a thread of their own, so the inserting thread only inserts.
//!
//! SQLite starts the WAL over from its beginning only when a write transaction begins after a
//! checkpoint has copied every committed page (`walRestartLog` in SQLite's src/wal.c). A writer
//! that never pauses therefore grows the WAL by everything it writes, and appending to a growing
//! file costs the kernel about twice as much as overwriting one already in the page cache. So
//! every few batches the writer waits for the checkpoint of its last commit; the WAL stays a few
//! batches long and is rewritten in place.

use glir_store::Checkpointer;
use std::sync::mpsc::{Receiver, Sender};

/// Batches committed between two waits for the checkpoint thread. A wait lasts about one batch's
/// checkpoint (~0.2 s for 100,000 stream events); waiting every 4 batches measured faster than
/// every 2, and keeps the WAL within about 5 batches (~450 MB of stream events).
const RESTART_EVERY: u64 = 4;

/// The writer's side: reports commits, and waits when the WAL is due to start over.
pub(crate) struct Checkpoints {
    commits: Sender<u64>,
    done: Receiver<u64>,
    committed: u64,
    checkpointed: u64,
    last_restart: u64,
}

impl Checkpoints {
    /// The writer's side and the loop to run on the checkpoint thread.
    pub(crate) fn new(checkpointer: Checkpointer) -> (Checkpoints, impl FnOnce() + Send) {
        let (commits, committed) = std::sync::mpsc::channel();
        let (finished, done) = std::sync::mpsc::channel();
        let run = move || checkpoint_commits(&checkpointer, &committed, &finished);
        let writer = Checkpoints {
            commits,
            done,
            committed: 0,
            checkpointed: 0,
            last_restart: 0,
        };
        (writer, run)
    }

    /// Tells the checkpoint thread a batch has been committed.
    pub(crate) fn committed(&mut self) {
        self.committed += 1;
        // The thread only stops when this side hangs up.
        let _ = self.commits.send(self.committed);
    }

    /// Waits, if the WAL is due to start over, until every commit is checkpointed.
    pub(crate) fn before_batch(&mut self) {
        if self.committed - self.last_restart < RESTART_EVERY {
            return;
        }
        while self.checkpointed < self.committed {
            match self.done.recv() {
                Ok(n) => self.checkpointed = n,
                Err(_) => return,
            }
        }
        self.last_restart = self.committed;
    }
}

/// Checkpoints once per burst of commits until the writer hangs up, reporting the last commit
/// each checkpoint covers. A failed checkpoint only leaves committed pages in the WAL, where
/// readers find them; the checkpoint that ends the ingest reports a store that really cannot
/// checkpoint.
fn checkpoint_commits(checkpointer: &Checkpointer, commits: &Receiver<u64>, done: &Sender<u64>) {
    while let Ok(mut latest) = commits.recv() {
        while let Ok(n) = commits.try_recv() {
            latest = n;
        }
        let _ = checkpointer.checkpoint();
        if done.send(latest).is_err() {
            return;
        }
    }
}
