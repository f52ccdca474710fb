//! The bundle: one `tar` stream, zstd-compressed, written in a single pass. File contents go
//! through in 64 KiB pieces, hashed on the way; the manifest's entries wait in unnamed
//! temporary files beside the output, so neither a multi-gigabyte log nor a million-entry
//! listing is ever held in memory. The compressed bytes are hashed as they are written.

use crate::manifest::{
    Category, FORMAT, FileEntry, FileMeta, GeneratedEntry, ListedEntry, Redaction, SkippedEntry,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

pub const MANIFEST: &str = "manifest.json";
pub const ACQUISITION: &str = "acquisition.jsonl";

/// zstd's default level: about as fast as the disk on two cores, a third of the size of text
/// logs.
const ZSTD_LEVEL: i32 = 3;
const CHUNK: usize = 64 * 1024;

/// Counts for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Files copied into the bundle.
    pub files: u64,
    /// Their bytes as stored.
    pub bytes: u64,
    /// Files described (size, mode, hash) but not copied.
    pub listed: u64,
    /// Files left out, on purpose or not.
    pub skipped: u64,
    /// Of those, the ones an I/O error kept out.
    pub unreadable: u64,
}

/// A writer that hashes what passes through it.
pub(crate) struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> HashWriter<W> {
    pub fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Sha256::new(),
            len: 0,
        }
    }

    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hasher.finalize()), self.len)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Exactly `size` bytes of a source, hashed: a file that shrinks or fails while read is padded
/// with zeros (the tar header already promised its size) and the gap is noted.
struct Exact<R> {
    inner: R,
    remaining: u64,
    read: u64,
    hasher: Sha256,
    gap: Option<String>,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = if self.gap.is_some() {
            0
        } else {
            match self.inner.read(&mut buf[..want]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
                Err(e) => {
                    self.gap = Some(format!(
                        "read failed at byte {}: {e}; zeros from there",
                        self.read
                    ));
                    0
                }
            }
        };
        let n = if n == 0 {
            if self.gap.is_none() {
                self.gap = Some(format!(
                    "the file shrank to {} bytes while read; zeros from there",
                    self.read
                ));
            }
            buf[..want].fill(0);
            want
        } else {
            n
        };
        self.hasher.update(&buf[..n]);
        self.remaining -= n as u64;
        self.read += n as u64;
        Ok(n)
    }
}

type Sink = zstd::Encoder<'static, HashWriter<BufWriter<File>>>;

/// JSON lines waiting in an unnamed temporary file.
struct Spool {
    file: BufWriter<File>,
    count: u64,
}

impl Spool {
    fn new(dir: &Path) -> io::Result<Spool> {
        Ok(Spool {
            file: BufWriter::new(tempfile::tempfile_in(dir)?),
            count: 0,
        })
    }

    fn push(&mut self, value: &impl Serialize) -> io::Result<()> {
        serde_json::to_writer(&mut self.file, value)?;
        self.file.write_all(b"\n")?;
        self.count += 1;
        Ok(())
    }

    /// The lines written, from the start.
    fn reader(self) -> io::Result<BufReader<File>> {
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        Ok(BufReader::new(file))
    }
}

pub(crate) struct Bundle {
    tar: tar::Builder<Sink>,
    spool_dir: std::path::PathBuf,
    files: Spool,
    listed: Spool,
    skipped: Spool,
    generated: Vec<GeneratedEntry>,
    pub stats: Stats,
}

/// The bundle's name for a host path: the path without its leading `/`.
pub(crate) fn member_name(path: &str) -> String {
    path.trim_start_matches('/').to_string()
}

impl Bundle {
    /// Starts a bundle in `out` (already created, empty); temporary files go to `spool_dir`.
    pub fn create(out: File, spool_dir: &Path) -> io::Result<Bundle> {
        let mut encoder = zstd::Encoder::new(HashWriter::new(BufWriter::new(out)), ZSTD_LEVEL)?;
        encoder.include_checksum(true)?;
        let tar = tar::Builder::new(encoder);
        Ok(Bundle {
            tar,
            spool_dir: spool_dir.to_path_buf(),
            files: Spool::new(spool_dir)?,
            listed: Spool::new(spool_dir)?,
            skipped: Spool::new(spool_dir)?,
            generated: Vec::new(),
            stats: Stats::default(),
        })
    }

    fn header(meta: &FileMeta, size: u64) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(u32::from_str_radix(&meta.mode, 8).unwrap_or(0o400));
        header.set_uid(u64::from(meta.uid));
        header.set_gid(u64::from(meta.gid));
        let mtime = meta
            .mtime
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map_or(0, |t| u64::try_from(t.as_second()).unwrap_or(0));
        header.set_mtime(mtime);
        header
    }

    /// Streams an open file into the bundle under its host path.
    pub fn add_file(
        &mut self,
        path: &str,
        category: Category,
        meta: FileMeta,
        file: File,
    ) -> io::Result<()> {
        let member = member_name(path);
        let size = meta.size;
        let mut header = Self::header(&meta, size);
        let mut source = Exact {
            inner: BufReader::with_capacity(CHUNK, file),
            remaining: size,
            read: 0,
            hasher: Sha256::new(),
            gap: None,
        };
        self.tar.append_data(&mut header, &member, &mut source)?;
        let entry = FileEntry {
            path: path.to_string(),
            member,
            category,
            meta,
            stored_size: size,
            sha256: hex::encode(source.hasher.finalize()),
            redacted: None,
            note: source.gap,
        };
        self.record(entry)
    }

    /// A copy made in memory: a small file read once to be both stored and reviewed, or a
    /// redacted configuration file (`redaction` then says what was taken out).
    pub fn add_bytes(
        &mut self,
        path: &str,
        category: Category,
        meta: FileMeta,
        bytes: &[u8],
        redaction: Option<Redaction>,
    ) -> io::Result<()> {
        let member = member_name(path);
        let mut header = Self::header(&meta, bytes.len() as u64);
        self.tar.append_data(&mut header, &member, bytes)?;
        let entry = FileEntry {
            path: path.to_string(),
            member,
            category,
            meta,
            stored_size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
            redacted: redaction,
            note: None,
        };
        self.record(entry)
    }

    fn record(&mut self, entry: FileEntry) -> io::Result<()> {
        self.stats.files += 1;
        self.stats.bytes += entry.stored_size;
        self.files.push(&entry)
    }

    pub fn list(&mut self, entry: ListedEntry) -> io::Result<()> {
        self.stats.listed += 1;
        self.listed.push(&entry)
    }

    pub fn skip(&mut self, entry: SkippedEntry) -> io::Result<()> {
        self.stats.skipped += 1;
        if entry.unreadable {
            self.stats.unreadable += 1;
        }
        self.skipped.push(&entry)
    }

    /// A document of glir's own, hashed into the manifest's `generated`.
    pub fn add_generated(&mut self, member: &str, bytes: &[u8]) -> io::Result<()> {
        self.append_own(member, bytes.len() as u64, bytes)
            .map(|entry| self.generated.push(entry))
    }

    /// A document of glir's own that waited in a temporary file.
    pub fn add_generated_file(&mut self, member: &str, mut file: File) -> io::Result<()> {
        let size = file.seek(io::SeekFrom::End(0))?;
        file.rewind()?;
        self.append_own(member, size, BufReader::new(file))
            .map(|entry| self.generated.push(entry))
    }

    /// A temporary file in the bundle's spool directory, for [`Self::add_generated_file`].
    pub fn temp_file(&self) -> io::Result<File> {
        tempfile::tempfile_in(&self.spool_dir)
    }

    fn append_own(
        &mut self,
        member: &str,
        size: u64,
        data: impl Read,
    ) -> io::Result<GeneratedEntry> {
        let now = jiff::Timestamp::now().as_second();
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(0o444);
        header.set_mtime(u64::try_from(now).unwrap_or(0));
        let mut source = Exact {
            inner: data,
            remaining: size,
            read: 0,
            hasher: Sha256::new(),
            gap: None,
        };
        self.tar.append_data(&mut header, member, &mut source)?;
        if let Some(gap) = source.gap {
            return Err(io::Error::other(format!("{member}: {gap}")));
        }
        Ok(GeneratedEntry {
            member: member.to_string(),
            size,
            sha256: hex::encode(source.hasher.finalize()),
        })
    }

    /// Writes `manifest.json`, then the acquisition log `acquisition` makes from the
    /// manifest's hash, and closes the stream. Returns the bundle's SHA-256 and size.
    pub fn finish(
        mut self,
        acquisition: impl FnOnce(&str) -> Vec<u8>,
    ) -> io::Result<(String, u64)> {
        let manifest = self.manifest_file()?;
        let entry = self.append_own_file(MANIFEST, manifest)?;
        let log = acquisition(&entry.sha256);
        self.append_own(ACQUISITION, log.len() as u64, log.as_slice())?;
        let encoder = self.tar.into_inner()?;
        let hashing = encoder.finish()?;
        let (buffered, sha256, len) = hashing.finish();
        let file = buffered.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok((sha256, len))
    }

    fn append_own_file(&mut self, member: &str, mut file: File) -> io::Result<GeneratedEntry> {
        let size = file.seek(io::SeekFrom::End(0))?;
        file.rewind()?;
        self.append_own(member, size, BufReader::new(file))
    }

    /// The manifest composed from the spools into one more temporary file.
    fn manifest_file(&mut self) -> io::Result<File> {
        let mut out = BufWriter::new(self.temp_file()?);
        write!(out, "{{\n\"format\": {},\n", serde_json::to_string(FORMAT)?)?;
        let spools = [
            (
                "files",
                std::mem::replace(&mut self.files, Spool::new(&self.spool_dir)?),
            ),
            (
                "listed",
                std::mem::replace(&mut self.listed, Spool::new(&self.spool_dir)?),
            ),
            (
                "skipped",
                std::mem::replace(&mut self.skipped, Spool::new(&self.spool_dir)?),
            ),
        ];
        for (name, spool) in spools {
            write!(out, "\"{name}\": [")?;
            for (i, line) in spool.reader()?.lines().enumerate() {
                out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                out.write_all(line?.as_bytes())?;
            }
            out.write_all(b"\n],\n")?;
        }
        write!(out, "\"generated\": [")?;
        for (i, entry) in self.generated.iter().enumerate() {
            out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut out, entry)?;
        }
        out.write_all(b"\n]\n}\n")?;
        out.into_inner().map_err(|e| e.into_error())
    }
}
