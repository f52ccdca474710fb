//! `--copy-to DIR`: the bundle and its `.sha256` copied to a second place, write-once, as
//! GitLab's incident-response guide asks of evidence and as `glir-case`'s mirror does: a copy
//! that exists is never overwritten, the copy is made read-only, and its hash is read back
//! from the disk and compared before it counts.

use crate::error::{Error, io};
use crate::fsread::open_file;
use crate::run::sha256_reader;
use serde::Serialize;
use std::fs::{File, OpenOptions, Permissions};
use std::io::{BufReader, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct CopyResult {
    pub bundle: PathBuf,
    pub sha256_file: PathBuf,
    /// The copy's hash, read back after writing, equals the bundle's.
    pub verified: bool,
}

/// Copies `bundle` and `sha256_file` into `dir`, write-once; `sha256` is the bundle's hash.
pub fn copy_write_once(
    bundle: &Path,
    sha256_file: &Path,
    sha256: &str,
    dir: &Path,
) -> Result<CopyResult, Error> {
    let target = |from: &Path| -> Result<PathBuf, Error> {
        let name = from.file_name().ok_or_else(|| Error::Io {
            path: from.to_path_buf(),
            source: std::io::Error::other("no file name"),
        })?;
        let to = dir.join(name);
        if to.symlink_metadata().is_ok() {
            return Err(Error::CopyExists(to));
        }
        Ok(to)
    };
    let bundle_to = target(bundle)?;
    let sha_to = target(sha256_file)?;
    copy_once(bundle, &bundle_to)?;
    let copied = hash_of(&bundle_to)?;
    if copied != sha256 {
        return Err(Error::CopyMismatch {
            path: bundle_to,
            copied,
            expected: sha256.to_string(),
        });
    }
    copy_once(sha256_file, &sha_to)?;
    if hash_of(&sha_to)? != hash_of(sha256_file)? {
        return Err(Error::CopyMismatch {
            path: sha_to.clone(),
            copied: hash_of(&sha_to)?,
            expected: hash_of(sha256_file)?,
        });
    }
    sync_dir(dir)?;
    Ok(CopyResult {
        bundle: bundle_to,
        sha256_file: sha_to,
        verified: true,
    })
}

/// Streams `from` to a new file at `to` (`create_new`: an existing one is an error, never
/// replaced), synced and made read-only.
pub(crate) fn copy_once(from: &Path, to: &Path) -> Result<(), Error> {
    let (source, _) = open_file(from).map_err(io(from))?;
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::CopyExists(to.to_path_buf())
            } else {
                Error::Io {
                    path: to.to_path_buf(),
                    source: e,
                }
            }
        })?;
    let mut writer = BufWriter::new(out);
    std::io::copy(&mut BufReader::new(source), &mut writer).map_err(io(to))?;
    let out = writer.into_inner().map_err(|e| Error::Io {
        path: to.to_path_buf(),
        source: e.into_error(),
    })?;
    out.set_permissions(Permissions::from_mode(0o444))
        .map_err(io(to))?;
    out.sync_all().map_err(io(to))
}

pub(crate) fn hash_of(path: &Path) -> Result<String, Error> {
    let (mut file, _) = open_file(path).map_err(io(path))?;
    sha256_reader(&mut file)
        .map(|(sha, _)| sha)
        .map_err(io(path))
}

/// Makes the new names durable: the files' own sync does not cover their directory entry.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// `sha256sum` format, so `sha256sum -c` checks the bundle too.
pub(crate) fn write_sha256_file(path: &Path, sha256: &str, bundle: &Path) -> Result<(), Error> {
    let name = bundle
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io(path))?;
    writeln!(out, "{sha256}  {name}").map_err(io(path))?;
    out.set_permissions(Permissions::from_mode(0o444))
        .map_err(io(path))?;
    out.sync_all().map_err(io(path))
}
