//! The writer: buffered appends, one durable write per batch, sealing by size or age.

use crate::error::{ArchiveError, io};
use crate::fsutil::sync_dir;
use crate::layout::LOCK_FILE;
use crate::manifest::{self, ManifestEntry};
use crate::recover::{Recovery, recover};
use crate::segment::{OpenFile, SealedSegment, compress, read_gz};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// When the open segment is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveOptions {
    /// Seal once the open segment holds this many bytes (checked by `maybe_rotate`, so a
    /// segment may exceed it by one batch).
    pub segment_max_bytes: u64,
    /// Seal once the open segment is this old, so a quiet instance's records still reach a
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
    dir: PathBuf,
    opts: ArchiveOptions,
    /// Held for the archive's lifetime; the OS releases it when the process dies, so a kill
    /// never leaves the archive locked.
    _lock: File,
    last_seq: u64,
    last_hash: String,
    open: Option<OpenFile>,
    /// Records appended since the last sync, each with its newline.
    buf: Vec<u8>,
    /// Set when a write, fsync or seal step fails: after a failed fsync the page cache may
    /// claim bytes the disk never got, so nothing more is written and nothing acknowledged
    /// until the archive is opened again and recovery has looked at the files.
    poisoned: bool,
    recovered: Recovery,
}

impl Archive {
    /// Opens or creates the archive in `dir`, first recovering from whatever a kill left (see
    /// `recover.rs`); `recovered()` says what that did.
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
        Ok(Archive {
            dir: dir.to_path_buf(),
            opts,
            _lock: lock,
            last_seq: resumed.last_seq,
            last_hash: resumed.last_hash,
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

    /// The sequence number of the last sealed segment (0 before the first).
    pub fn last_sealed(&self) -> u64 {
        self.last_seq
    }

    /// Bytes in the open segment, synced or not.
    pub fn open_bytes(&self) -> u64 {
        self.open.as_ref().map_or(0, |o| o.len) + self.buf.len() as u64
    }

    /// The records a reader of this archive may lack after a crash: those of the last sealed
    /// segment and the synced ones of the open segment, oldest first. A receiver whose index
    /// (the store) commits after the archive syncs puts these back into it on start: the index
    /// skips what it already holds. The last sealed segment is included because an index that
    /// syncs less often than the archive (SQLite's `synchronous=NORMAL`) can lose its last
    /// commits to a power cut, and those are at most one rotation old.
    pub fn tail(&self) -> Result<Vec<Vec<u8>>, ArchiveError> {
        let mut bytes = Vec::new();
        if self.last_seq > 0 {
            let path = self.dir.join(crate::layout::segment_name(self.last_seq));
            read_gz(&path, |chunk| {
                bytes.extend_from_slice(chunk);
                Ok(true)
            })
            .map_err(io(&path, "read"))?;
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
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    /// Seals the open segment if it reached `segment_max_bytes` or `segment_max_age`. No system
    /// call unless it does, so it can follow every `sync` (or run on a timer for the age limit).
    pub fn maybe_rotate(&mut self) -> Result<Option<SealedSegment>, ArchiveError> {
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
            self.seal()
        } else {
            Ok(None)
        }
    }

    /// Seals the open segment now if it holds a record (graceful shutdown); syncs first.
    pub fn seal(&mut self) -> Result<Option<SealedSegment>, ArchiveError> {
        self.check_usable()?;
        if self.open_bytes() == 0 {
            return Ok(None);
        }
        let result = self.seal_now();
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    fn check_usable(&self) -> Result<(), ArchiveError> {
        if self.poisoned {
            return Err(ArchiveError::Poisoned {
                dir: self.dir.clone(),
            });
        }
        Ok(())
    }

    fn write_buffered(&mut self) -> Result<(), ArchiveError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let open = match &mut self.open {
            Some(open) => open,
            None => self
                .open
                .insert(OpenFile::create(&self.dir, self.last_seq + 1)?),
        };
        open.write_durably(&self.dir, &self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Each step is durable before the next starts, in the order `recover.rs` relies on: the
    /// records synced, the compressed file in place, its manifest line, the open file removed.
    fn seal_now(&mut self) -> Result<Option<SealedSegment>, ArchiveError> {
        self.write_buffered()?;
        let Some(open) = self.open.take() else {
            return Ok(None);
        };
        let facts = compress(&self.dir, open.seq, &open.path, open.len)?;
        let entry = ManifestEntry::new(
            open.seq,
            facts.sha256,
            facts.records,
            facts.bytes_uncompressed,
            self.last_hash.clone(),
        )
        .map_err(|e| ArchiveError::Inconsistent {
            path: self.dir.join(crate::layout::MANIFEST_FILE),
            reason: format!("entry for segment {} not serializable: {e}", open.seq),
        })?;
        manifest::append(&self.dir, &entry)?;
        let path = open.path.clone();
        drop(open);
        std::fs::remove_file(&path).map_err(io(&path, "remove after sealing"))?;
        sync_dir(&self.dir)?;
        self.last_seq = entry.seq;
        self.last_hash = entry.hash;
        Ok(Some(SealedSegment {
            seq: entry.seq,
            path: self.dir.join(&entry.file),
            sha256: entry.sha256,
            records: entry.records,
            bytes_uncompressed: entry.bytes_uncompressed,
            bytes_compressed: facts.bytes_compressed,
            sealed_at: entry.sealed_at,
        }))
    }
}
