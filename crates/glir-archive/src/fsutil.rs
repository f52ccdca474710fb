//! File-system steps every module needs to be crash-safe: directory fsync, read-only bits,
//! hashing while bytes stream past.

use crate::error::{ArchiveError, io};
use sha2::{Digest, Sha256};
use std::fs::{File, Permissions};
use std::io::{Read, Write};
use std::path::Path;

/// A created, renamed or removed file is only durable once its directory entry is: `fsync` of
/// the file alone does not persist the name.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), ArchiveError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir, "fsync directory"))
}

pub(crate) fn readonly(mut perms: Permissions) -> Permissions {
    perms.set_readonly(true);
    perms
}

/// Owner write only: the manifest is reopened for one append and made read-only again.
#[cfg(unix)]
pub(crate) fn owner_writable(perms: Permissions) -> Permissions {
    use std::os::unix::fs::PermissionsExt;
    Permissions::from_mode(perms.mode() | 0o200)
}

#[cfg(not(unix))]
#[allow(clippy::permissions_set_readonly_false)]
pub(crate) fn owner_writable(mut perms: Permissions) -> Permissions {
    perms.set_readonly(false);
    perms
}

/// Makes `path` read-only unless it already is; a kill between the two `chmod`s of an append
/// leaves the manifest writable, and the next open or mirror puts it back.
pub(crate) fn ensure_readonly(path: &Path) -> Result<(), ArchiveError> {
    let perms = std::fs::metadata(path)
        .map_err(io(path, "stat"))?
        .permissions();
    if !perms.readonly() {
        std::fs::set_permissions(path, readonly(perms)).map_err(io(path, "chmod read-only"))?;
    }
    Ok(())
}

/// Lets the owner write `path` again for an append (root could without it; nobody else can).
pub(crate) fn make_owner_writable(path: &Path) -> Result<(), ArchiveError> {
    let perms = std::fs::metadata(path)
        .map_err(io(path, "stat"))?
        .permissions();
    if perms.readonly() {
        std::fs::set_permissions(path, owner_writable(perms))
            .map_err(io(path, "chmod writable"))?;
    }
    Ok(())
}

/// Removes `path`, which may not exist.
pub(crate) fn remove_if_present(path: &Path) -> Result<bool, ArchiveError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(path, "remove")(e)),
    }
}

/// `Ok(None)` when the file does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, ArchiveError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path, "read")(e)),
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Streams the file so a segment is hashed in constant memory.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut reader = HashingReader::new(File::open(path)?);
    std::io::copy(&mut reader, &mut std::io::sink())?;
    Ok(reader.finish().0)
}

/// Hashes and counts what is written through it, so a segment's SHA-256 comes from the same
/// pass that writes it.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The writer, the hex SHA-256 and the byte count.
    pub(crate) fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes and counts what is read through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The hex SHA-256 and the byte count.
    pub(crate) fn finish(self) -> (String, u64) {
        (hex::encode(self.hasher.finalize()), self.bytes)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Reads until `buf` is full or the reader ends, so two streams can be compared chunk by chunk
/// whatever sizes their `read`s return.
pub(crate) fn fill(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}
