//! The writer: buffered appends, one durable write per batch, rotation by size or age with the
//! sealing itself on a background thread (`sealer.rs`).

use crate::error::{ArchiveError, io};
use crate::fsutil::sync_dir;
use crate::layout::LOCK_FILE;
use crate::names::{sealing_name, segment_name};
use crate::recover::{Recovery, recover};
use crate::sealer::Sealer;
use crate::segment::{OpenFile, SealedSegment, read_gz};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// When the open segment is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveOptions {
    /// Rotate once the open segment holds this many bytes (checked by `maybe_rotate`, so a
    /// segment may exceed it by one batch).
    pub segment_max_bytes: u64,
    /// Rotate once the open segment is this old, so a quiet instance's records still reach a
    /// sealed, mirrorable file.
    pub segment_max_age: Option<Duration>,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        ArchiveOptions {
            segment_max_bytes: 64 << 20,
            segment_max_age: None,
        }
    }
}

/// An archive directory open for appending. One per directory: `open` takes an exclusive lock.
#[derive(Debug)]
pub struct Archive {
    /// Declared before `_lock`: dropping it stops and joins the sealer thread, so the lock is
    /// released only once nothing writes the directory any more.
    sealer: Sealer,
    dir: PathBuf,
    opts: ArchiveOptions,
    /// Held for the archive's lifetime; the OS releases it when the process dies, so a kill
    /// never leaves the archive locked.
    _lock: File,
    /// The sequence number the next open segment gets: one past the last segment sealed or
    /// handed to the sealer.
    next_seq: u64,
    open: Option<OpenFile>,
    /// Records appended since the last sync, each with its newline.
    buf: Vec<u8>,
    /// Set when a write, fsync or seal step fails (on this thread or the sealer's): after a
    /// failed fsync the page cache may claim bytes the disk never got, so nothing more is
    /// written and nothing acknowledged until the archive is opened again and recovery has
    /// looked at the files.
    poisoned: bool,
    recovered: Recovery,
}

impl Archive {
    /// Opens or creates the archive in `dir`, first recovering from whatever a kill left (see
    /// `recover.rs`), which includes sealing any segment left waiting as `sealing-<seq>.jsonl`;
    /// `recovered()` says what that did.
    pub fn open(dir: &Path, opts: ArchiveOptions) -> Result<Archive, ArchiveError> {
        if !dir.is_dir() {
            std::fs::create_dir_all(dir).map_err(io(dir, "create directory"))?;
            // The new directory's own name must survive a crash for its files to.
            if let Some(parent) = dir.parent() {
                let parent = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
                sync_dir(parent)?;
            }
        }
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path, "open lock file"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(ArchiveError::Locked { path: lock_path }),
            Err(TryLockError::Error(e)) => return Err(io(&lock_path, "lock")(e)),
        }
        let (resumed, recovered) = recover(dir)?;
        let open = match resumed.open {
            Some((seq, len)) => Some(OpenFile::reopen(dir, seq, len)?),
            None => None,
        };
        let next_seq = open.as_ref().map_or(resumed.last_seq + 1, |o| o.seq);
        let sealer = Sealer::start(dir, resumed.last_seq, resumed.last_hash)?;
        Ok(Archive {
            sealer,
            dir: dir.to_path_buf(),
            opts,
            _lock: lock,
            next_seq,
            open,
            buf: Vec::new(),
            poisoned: false,
            recovered,
        })
    }

    /// What recovery did when the archive was opened.
    pub fn recovered(&self) -> &Recovery {
        &self.recovered
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The sequence number of the last sealed segment (0 before the first): the last whose
    /// manifest line is durable. The sealer moves it on in the background.
    pub fn last_sealed(&self) -> u64 {
        self.sealer.snapshot().0
    }

    /// The segments rotated out and waiting for the sealer (the first possibly being sealed),
    /// oldest first; at most [`MAX_PENDING_SEALS`](crate::MAX_PENDING_SEALS).
    pub fn pending_seals(&self) -> Vec<u64> {
        self.sealer.snapshot().1
    }

    /// Bytes in the open segment, synced or not.
    pub fn open_bytes(&self) -> u64 {
        self.open.as_ref().map_or(0, |o| o.len) + self.buf.len() as u64
    }

    /// The records a reader of this archive may lack after a crash, oldest first: those of the
    /// last sealed segment, of every segment waiting to be sealed (`sealing-*`), and the synced
    /// ones of the open segment. A receiver whose index (the store) commits after the archive
    /// syncs puts these back into it on start: the index skips what it already holds. The last
    /// sealed segment is included because an index that syncs less often than the archive
    /// (SQLite's `synchronous=NORMAL`) can lose its last commits to a power cut, and those are
    /// at most one rotation old. Right after `open` nothing waits to be sealed (recovery sealed
    /// it); later, a segment the sealer finishes while this reads is read from its sealed file.
    pub fn tail(&self) -> Result<Vec<Vec<u8>>, ArchiveError> {
        let mut bytes = Vec::new();
        let (last_sealed, pending) = self.sealer.snapshot();
        let read_sealed = |seq: u64, bytes: &mut Vec<u8>| {
            let path = self.dir.join(segment_name(seq));
            read_gz(&path, |chunk| {
                bytes.extend_from_slice(chunk);
                Ok(true)
            })
            .map(|_| ())
            .map_err(io(&path, "read"))
        };
        if last_sealed > 0 {
            read_sealed(last_sealed, &mut bytes)?;
        }
        for seq in pending {
            let path = self.dir.join(sealing_name(seq));
            match std::fs::read(&path) {
                Ok(plain) => bytes.extend_from_slice(&plain),
                // Sealed since the snapshot: its records are in its segment now.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    read_sealed(seq, &mut bytes)?;
                }
                Err(e) => return Err(io(&path, "read")(e)),
            }
        }
        if let Some(open) = &self.open {
            let synced = std::fs::read(&open.path).map_err(io(&open.path, "read"))?;
            bytes.extend_from_slice(&synced[..(open.len as usize).min(synced.len())]);
        }
        Ok(bytes
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .map(<[u8]>::to_vec)
            .collect())
    }

    /// Appends records, each as one line, to the open segment's buffer; nothing is durable until
    /// `sync`, and records still buffered when the `Archive` is dropped are not written (they
    /// were never acknowledged). A record containing a newline would become two records, so the
    /// whole batch is refused and nothing of it is appended.
    pub fn append(&mut self, records: &[&[u8]]) -> Result<(), ArchiveError> {
        self.check_usable()?;
        if let Some(index) = records.iter().position(|r| r.contains(&b'\n')) {
            return Err(ArchiveError::RecordHasNewline {
                dir: self.dir.clone(),
                index,
            });
        }
        self.buf
            .reserve(records.iter().map(|r| r.len() + 1).sum::<usize>());
        for record in records {
            self.buf.extend_from_slice(record);
            self.buf.push(b'\n');
        }
        Ok(())
    }

    /// Makes everything appended so far durable: one write and one `fdatasync` of the open
    /// segment (plus an `fsync` of the directory when the segment was just created). Once it
    /// returns `Ok`, a kill loses none of these records.
    pub fn sync(&mut self) -> Result<(), ArchiveError> {
        self.check_usable()?;
        let result = self.write_buffered();
        self.poison_on_error(result)
    }

    /// Rotates the open segment if it reached `segment_max_bytes` or `segment_max_age`: syncs
    /// it, renames it to `sealing-<seq>.jsonl` (one rename and one directory fsync) and hands it
    /// to the background sealer; the next `append` starts a new open segment at once. Returns
    /// the sequence number handed over. Waits only when [`MAX_PENDING_SEALS`](crate::MAX_PENDING_SEALS)
    /// segments are already waiting. No system call unless it rotates, so it can follow every
    /// `sync` (or run on a timer for the age limit).
    pub fn maybe_rotate(&mut self) -> Result<Option<u64>, ArchiveError> {
        self.check_usable()?;
        let size = self.open_bytes();
        if size == 0 {
            return Ok(None);
        }
        let too_big = size >= self.opts.segment_max_bytes;
        let too_old = match (self.opts.segment_max_age, &self.open) {
            (Some(max), Some(open)) => SystemTime::now()
                .duration_since(open.started)
                .is_ok_and(|age| age >= max),
            _ => false,
        };
        if too_big || too_old {
            let result = self.rotate();
            self.poison_on_error(result)
        } else {
            Ok(None)
        }
    }

    /// Seals the open segment now if it holds a record (graceful shutdown; syncs first) and
    /// waits until every segment waiting to be sealed is sealed. Returns the open segment's
    /// facts when it held records.
    pub fn seal(&mut self) -> Result<Option<SealedSegment>, ArchiveError> {
        self.check_usable()?;
        let result = self.seal_and_wait();
        self.poison_on_error(result)
    }

    /// Waits until every segment handed to the sealer is sealed, without touching the open
    /// segment.
    pub fn wait_for_seals(&mut self) -> Result<(), ArchiveError> {
        self.check_usable()?;
        let result = self.sealer.wait_idle();
        self.poison_on_error(result)
    }

    /// Refuses once poisoned; reports (once) an error of the sealer thread, which poisons.
    fn check_usable(&mut self) -> Result<(), ArchiveError> {
        if self.poisoned {
            return Err(ArchiveError::Poisoned {
                dir: self.dir.clone(),
            });
        }
        if let Some(failure) = self.sealer.take_failure() {
            self.poisoned = true;
            return Err(failure);
        }
        Ok(())
    }

    fn poison_on_error<T>(&mut self, result: Result<T, ArchiveError>) -> Result<T, ArchiveError> {
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    fn write_buffered(&mut self) -> Result<(), ArchiveError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let open = match &mut self.open {
            Some(open) => open,
            None => self
                .open
                .insert(OpenFile::create(&self.dir, self.next_seq)?),
        };
        open.write_durably(&self.dir, &self.buf)?;
        self.buf.clear();
        Ok(())
    }

    fn seal_and_wait(&mut self) -> Result<Option<SealedSegment>, ArchiveError> {
        let handed = self.rotate()?;
        self.sealer.wait_idle()?;
        Ok(handed.and_then(|seq| self.sealer.sealed(seq)))
    }

    /// The writer's part of sealing, each step durable before the next in the order
    /// `recover.rs` relies on: the records synced, then the open file renamed to
    /// `sealing-<seq>.jsonl` and the rename made durable; only then does the sealer get it.
    fn rotate(&mut self) -> Result<Option<u64>, ArchiveError> {
        self.write_buffered()?;
        if self.open.is_none() {
            return Ok(None);
        }
        self.sealer.wait_for_room()?;
        let Some(open) = self.open.take() else {
            return Ok(None);
        };
        let (seq, len, from) = (open.seq, open.len, open.path.clone());
        drop(open);
        let to = self.dir.join(sealing_name(seq));
        // `rename` replaces silently; the lock makes this check and the rename one step.
        if to.exists() {
            return Err(ArchiveError::Inconsistent {
                path: to,
                reason: "already exists; a segment waiting to be sealed is never replaced".into(),
            });
        }
        std::fs::rename(&from, &to).map_err(io(&to, "rename for sealing"))?;
        sync_dir(&self.dir)?;
        self.next_seq = seq + 1;
        self.sealer.hand_off(seq, len);
        Ok(Some(seq))
    }
}

/// What needs the sealer held still (segments pending at a known moment); the rest is in
/// `tests/`.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::sealer::MAX_PENDING_SEALS;
    use std::time::Instant;

    fn tiny() -> ArchiveOptions {
        ArchiveOptions {
            segment_max_bytes: 1,
            segment_max_age: None,
        }
    }

    /// Appends and syncs `records`, then rotates: with `tiny()` each call is one segment.
    fn segment(archive: &mut Archive, records: &[&[u8]]) -> Option<u64> {
        archive.append(records).unwrap();
        archive.sync().unwrap();
        archive.maybe_rotate().unwrap()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn lines(records: &[&[u8]]) -> Vec<Vec<u8>> {
        records.iter().map(|r| r.to_vec()).collect()
    }

    fn manifest_seqs(dir: &Path) -> Vec<u64> {
        crate::manifest::ManifestText::read(dir)
            .unwrap()
            .entries(dir)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    }

    #[test]
    fn a_rotation_only_renames_and_the_next_append_starts_a_new_open_segment() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut archive = Archive::open(dir, tiny()).unwrap();
        archive.sealer.holder()(true);
        assert_eq!(segment(&mut archive, &[b"a1", b"a2"]), Some(1));
        // Nothing compressed on the writer's path: the segment waits under its new name.
        assert_eq!(names(dir), ["archive.lock", "sealing-00000001.jsonl"]);
        assert_eq!(
            std::fs::read(dir.join("sealing-00000001.jsonl")).unwrap(),
            b"a1\na2\n"
        );
        assert_eq!(archive.pending_seals(), [1]);
        assert_eq!(archive.last_sealed(), 0);
        archive.append(&[b"b1"]).unwrap();
        archive.sync().unwrap();
        assert_eq!(
            names(dir),
            [
                "archive.lock",
                "open-00000002.jsonl",
                "sealing-00000001.jsonl"
            ]
        );
        archive.sealer.holder()(false);
        archive.wait_for_seals().unwrap();
        assert_eq!(archive.last_sealed(), 1);
        assert_eq!(
            names(dir),
            [
                "archive.lock",
                "manifest.jsonl",
                "open-00000002.jsonl",
                "segment-00000001.jsonl.gz"
            ]
        );
    }

    #[test]
    fn the_tail_includes_every_segment_waiting_to_be_sealed_oldest_first() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut archive = Archive::open(dir, tiny()).unwrap();
        assert_eq!(segment(&mut archive, &[b"a1", b"a2"]), Some(1));
        archive.wait_for_seals().unwrap();
        archive.sealer.holder()(true);
        assert_eq!(segment(&mut archive, &[b"b1"]), Some(2));
        assert_eq!(segment(&mut archive, &[b"c1", b"c2"]), Some(3));
        archive.append(&[b"d1"]).unwrap();
        archive.sync().unwrap();
        archive.append(&[b"not synced"]).unwrap();
        assert_eq!(archive.pending_seals(), [2, 3]);
        assert!(dir.join("sealing-00000002.jsonl").exists());
        assert!(dir.join("sealing-00000003.jsonl").exists());
        assert_eq!(
            archive.tail().unwrap(),
            lines(&[b"a1", b"a2", b"b1", b"c1", b"c2", b"d1"])
        );
        archive.sealer.holder()(false);
        archive.wait_for_seals().unwrap();
        assert_eq!(archive.tail().unwrap(), lines(&[b"c1", b"c2", b"d1"]));
    }

    #[test]
    fn the_tail_reads_a_segment_sealed_while_it_reads_from_its_sealed_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut archive = Archive::open(dir, tiny()).unwrap();
        archive.sealer.holder()(true);
        assert_eq!(segment(&mut archive, &[b"a1"]), Some(1));
        assert_eq!(segment(&mut archive, &[b"b1", b"b2"]), Some(2));
        // The sealer's steps for segment 1, done behind the snapshot's back as a sealer that
        // finished between the snapshot and the read would.
        let stop = std::sync::atomic::AtomicBool::new(false);
        crate::sealer::seal_one(dir, 1, 3, crate::manifest::GENESIS, &stop)
            .unwrap()
            .unwrap();
        assert!(!dir.join("sealing-00000001.jsonl").exists());
        assert_eq!(archive.pending_seals(), [1, 2]);
        assert_eq!(archive.tail().unwrap(), lines(&[b"a1", b"b1", b"b2"]));
    }

    #[test]
    fn seal_waits_until_every_pending_segment_is_sealed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut archive = Archive::open(dir, tiny()).unwrap();
        let hold = archive.sealer.holder();
        hold(true);
        for (seq, record) in (1..=3).zip([b"a", b"b", b"c"]) {
            assert_eq!(segment(&mut archive, &[record]), Some(seq));
        }
        archive.append(&[b"d"]).unwrap();
        assert_eq!(archive.pending_seals(), [1, 2, 3]);
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            hold(false);
        });
        let started = Instant::now();
        let sealed = archive.seal().unwrap().unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "seal returned after {:?}, before the sealer was released",
            started.elapsed()
        );
        release.join().unwrap();
        assert_eq!((sealed.seq, sealed.records), (4, 1));
        assert_eq!(manifest_seqs(dir), [1, 2, 3, 4]);
        assert!(archive.pending_seals().is_empty());
        assert_eq!(archive.last_sealed(), 4);
        assert!(
            names(dir)
                .iter()
                .all(|n| !n.starts_with("sealing-") && !n.starts_with("open-")),
            "{:?}",
            names(dir)
        );
    }

    #[test]
    fn a_rotation_waits_while_the_maximum_of_segments_waits_for_the_sealer() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut archive = Archive::open(dir, tiny()).unwrap();
        let hold = archive.sealer.holder();
        hold(true);
        for seq in 1..=MAX_PENDING_SEALS as u64 {
            assert_eq!(segment(&mut archive, &[b"x"]), Some(seq));
        }
        assert_eq!(archive.pending_seals().len(), MAX_PENDING_SEALS);
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            hold(false);
        });
        let started = Instant::now();
        let next = MAX_PENDING_SEALS as u64 + 1;
        assert_eq!(segment(&mut archive, &[b"x"]), Some(next));
        let waited = started.elapsed();
        release.join().unwrap();
        assert!(
            waited >= Duration::from_millis(250),
            "the rotation past the limit returned after {waited:?}"
        );
        assert!(archive.pending_seals().len() <= MAX_PENDING_SEALS);
        archive.wait_for_seals().unwrap();
        assert_eq!(manifest_seqs(dir), (1..=next).collect::<Vec<_>>());
    }

    #[test]
    fn dropped_with_segments_pending_the_next_open_seals_them_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut archive = Archive::open(dir, tiny()).unwrap();
        assert_eq!(segment(&mut archive, &[b"a1"]), Some(1));
        archive.wait_for_seals().unwrap();
        archive.sealer.holder()(true);
        assert_eq!(segment(&mut archive, &[b"b1"]), Some(2));
        assert_eq!(segment(&mut archive, &[b"c1"]), Some(3));
        archive.append(&[b"d1"]).unwrap();
        archive.sync().unwrap();
        // Returns although the sealer is held: dropping stops it.
        drop(archive);
        assert_eq!(
            names(dir),
            [
                "archive.lock",
                "manifest.jsonl",
                "open-00000004.jsonl",
                "sealing-00000002.jsonl",
                "sealing-00000003.jsonl",
                "segment-00000001.jsonl.gz"
            ]
        );
        let archive = Archive::open(dir, tiny()).unwrap();
        assert_eq!(archive.recovered().segments_sealed, [2, 3]);
        assert_eq!(archive.last_sealed(), 3);
        assert_eq!(manifest_seqs(dir), [1, 2, 3]);
        assert_eq!(archive.tail().unwrap(), lines(&[b"c1", b"d1"]));
    }

    #[test]
    fn dropping_the_archive_stops_a_seal_midway_and_the_next_open_finishes_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        // Enough poorly compressible bytes that compressing takes a while.
        let mut seed = 1u64;
        let records: Vec<Vec<u8>> = (0..40_000)
            .map(|_| {
                (0..200)
                    .map(|_| {
                        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        b'a' + (seed >> 59) as u8
                    })
                    .collect()
            })
            .collect();
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let mut archive = Archive::open(dir, tiny()).unwrap();
        assert_eq!(segment(&mut archive, &refs), Some(1));
        let temp = dir.join(crate::names::temp_name(1));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !temp.exists() {
            assert!(Instant::now() < deadline, "the sealer never started");
            std::thread::sleep(Duration::from_millis(1));
        }
        let started = Instant::now();
        drop(archive);
        let dropped_in = started.elapsed();
        // Stopped while compressing: its temp file removed, the segment still waiting.
        assert_eq!(
            names(dir),
            ["archive.lock", "sealing-00000001.jsonl"],
            "dropped in {dropped_in:?}"
        );
        let archive = Archive::open(dir, tiny()).unwrap();
        assert_eq!(
            *archive.recovered(),
            Recovery {
                segments_sealed: vec![1],
                ..Recovery::default()
            }
        );
        assert_eq!(archive.tail().unwrap(), records);
        assert_eq!(manifest_seqs(dir), [1]);
    }
}
