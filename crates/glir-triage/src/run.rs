//! One triage in progress: the root it reads, the bundle it writes, what it found so far, and
//! the ways a file goes in (copied, read once and reviewed, redacted, listed, or skipped).

use crate::bundle::{Bundle, Stats};
use crate::findings::Finding;
use crate::fsread::{Walker, open_file, reason};
use crate::manifest::{Category, FileMeta, ListedEntry, Redaction, SkippedEntry};
use crate::passwd::User;
use crate::redact::{Syntax, redact_config};
use crate::root::Root;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::path::Path;

/// Files read whole to be reviewed (crontabs, keys, profiles, units): larger ones are copied
/// but not reviewed.
pub(crate) const REVIEW_CAP: u64 = 4 * 1024 * 1024;
/// Configuration files are redacted in memory; one larger than this is listed, not copied.
pub(crate) const CONFIG_CAP: u64 = 16 * 1024 * 1024;

/// One step of the acquisition log.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: &'static str,
    pub started: String,
    pub ended: String,
    pub files: u64,
    pub bytes: u64,
    pub listed: u64,
    pub skipped: u64,
}

pub(crate) struct Run<'a> {
    pub root: &'a Root,
    pub bundle: Bundle,
    pub findings: Vec<Finding>,
    pub users: Vec<User>,
    pub steps: Vec<Step>,
    pub hash_max: u64,
}

impl Run<'_> {
    /// Runs `body` as a named step of the acquisition log.
    pub fn step(
        &mut self,
        name: &'static str,
        body: impl FnOnce(&mut Self) -> io::Result<()>,
    ) -> io::Result<()> {
        let before = self.bundle.stats.clone();
        let started = jiff::Timestamp::now().to_string();
        body(self)?;
        let after: &Stats = &self.bundle.stats;
        self.steps.push(Step {
            step: name,
            started,
            ended: jiff::Timestamp::now().to_string(),
            files: after.files - before.files,
            bytes: after.bytes - before.bytes,
            listed: after.listed - before.listed,
            skipped: after.skipped - before.skipped,
        });
        Ok(())
    }

    pub fn skip(
        &mut self,
        path: &str,
        category: Category,
        why: String,
        unreadable: bool,
    ) -> io::Result<()> {
        self.bundle.skip(SkippedEntry {
            path: path.to_string(),
            category,
            reason: why,
            unreadable,
        })
    }

    fn skip_error(&mut self, path: &str, category: Category, e: &io::Error) -> io::Result<()> {
        let unreadable = e.kind() != io::ErrorKind::NotFound;
        self.skip(path, category, reason(e), unreadable)
    }

    /// Streams a file into the bundle.
    pub fn copy_host(&mut self, host: &Path, logical: &str, category: Category) -> io::Result<()> {
        match open_file(host) {
            Ok((file, meta)) => self
                .bundle
                .add_file(logical, category, FileMeta::of(&meta), file),
            Err(e) => self.skip_error(logical, category, &e),
        }
    }

    /// Copies a small file and returns its text for review; a larger one is streamed and not
    /// reviewed (said in the manifest). `None` when it could not be read.
    pub fn copy_for_review(
        &mut self,
        host: &Path,
        logical: &str,
        category: Category,
    ) -> io::Result<Option<String>> {
        let (file, meta) = match open_file(host) {
            Ok(opened) => opened,
            Err(e) => {
                self.skip_error(logical, category, &e)?;
                return Ok(None);
            }
        };
        if meta.len() > REVIEW_CAP {
            self.bundle
                .add_file(logical, category, FileMeta::of(&meta), file)?;
            return Ok(None);
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        if let Err(e) = file.take(REVIEW_CAP).read_to_end(&mut bytes) {
            self.skip_error(logical, category, &e)?;
            return Ok(None);
        }
        let mut file_meta = FileMeta::of(&meta);
        file_meta.size = bytes.len() as u64;
        self.bundle
            .add_bytes(logical, category, file_meta, &bytes, None)?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// A named file copied and reviewed, if it is there.
    pub fn review_named(
        &mut self,
        logical: &str,
        category: Category,
    ) -> io::Result<Option<String>> {
        match self.root.resolve(logical) {
            Ok(host) => self.copy_for_review(&host, logical, category),
            Err(e) => {
                self.skip_error(logical, category, &e)?;
                Ok(None)
            }
        }
    }

    /// A configuration file with its secrets taken out; the original's hash is kept.
    pub fn copy_redacted(&mut self, host: &Path, logical: &str, syntax: Syntax) -> io::Result<()> {
        let category = Category::Config;
        let (file, meta) = match open_file(host) {
            Ok(opened) => opened,
            Err(e) => return self.skip_error(logical, category, &e),
        };
        if meta.len() > CONFIG_CAP {
            let why = format!(
                "larger than {} MiB: not redacted, so not copied",
                CONFIG_CAP >> 20
            );
            return self.list_host(host, logical, category, why);
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        if let Err(e) = file.take(CONFIG_CAP).read_to_end(&mut bytes) {
            return self.skip_error(logical, category, &e);
        }
        let original_sha256 = hex::encode(Sha256::digest(&bytes));
        let redacted = redact_config(&String::from_utf8_lossy(&bytes), syntax);
        let mut file_meta = FileMeta::of(&meta);
        file_meta.size = bytes.len() as u64;
        drop(bytes);
        self.bundle.add_bytes(
            logical,
            category,
            file_meta,
            redacted.text.as_bytes(),
            Some(Redaction {
                values: redacted.values,
                original_sha256,
            }),
        )
    }

    /// Describes a file (size, mode, times and, below the hash cap, its SHA-256) without
    /// copying it.
    pub fn list_host(
        &mut self,
        host: &Path,
        logical: &str,
        category: Category,
        why: String,
    ) -> io::Result<()> {
        let meta = match std::fs::symlink_metadata(host) {
            Ok(meta) => meta,
            Err(e) => return self.skip_error(logical, category, &e),
        };
        let link_target = meta
            .file_type()
            .is_symlink()
            .then(|| std::fs::read_link(host).ok())
            .flatten()
            .map(|t| t.to_string_lossy().into_owned());
        let sha256 = if meta.is_file() {
            self.hash(host, meta.len())
        } else {
            None
        };
        self.bundle.list(ListedEntry {
            path: logical.to_string(),
            category,
            meta: FileMeta::of(&meta),
            sha256,
            link_target,
            reason: why,
        })
    }

    /// The SHA-256 of a file below the hash cap, read without holding it.
    pub fn hash(&self, host: &Path, len: u64) -> Option<String> {
        if len > self.hash_max {
            return None;
        }
        let (mut file, _) = open_file(host).ok()?;
        sha256_reader(&mut file).ok().map(|(sha, _)| sha)
    }

    /// Every file under a directory, copied (`copy` true) or listed; symlinks and special files
    /// are listed, never followed or opened. `pick` chooses files and directories to enter by
    /// path; `each` may take a file itself (and return true).
    pub fn tree(
        &mut self,
        logical_dir: &str,
        category: Category,
        copy: bool,
        pick: &Pick<'_>,
        mut each: impl FnMut(&mut Self, &Path, &str) -> io::Result<bool>,
    ) -> io::Result<()> {
        let host_dir = match self.root.resolve(logical_dir) {
            Ok(host) => host,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return self.skip_error(logical_dir, category, &e),
        };
        let prune = |logical: &str| !(pick.enter)(logical);
        let mut walker = match Walker::new(&host_dir, logical_dir, &prune) {
            Ok(w) => w,
            Err(e) => return self.skip(&e.logical, category, e.reason, true),
        };
        while let Some(item) = walker.next_entry() {
            let entry = match item {
                Ok(entry) => entry,
                Err(e) => {
                    self.skip(&e.logical, category, e.reason, true)?;
                    continue;
                }
            };
            if entry.meta.is_dir() || !(pick.file)(&entry.logical) {
                continue;
            }
            if each(self, &entry.host, &entry.logical)? {
                continue;
            }
            let kind = entry.meta.file_type();
            if kind.is_symlink() {
                self.list_host(
                    &entry.host,
                    &entry.logical,
                    category,
                    "a symlink: listed, not followed".to_string(),
                )?;
            } else if !kind.is_file() {
                self.skip(
                    &entry.logical,
                    category,
                    format!("not a regular file ({})", file_kind(&entry.meta)),
                    false,
                )?;
            } else if copy {
                self.copy_host(&entry.host, &entry.logical, category)?;
            } else {
                self.list_host(
                    &entry.host,
                    &entry.logical,
                    category,
                    "listed only".to_string(),
                )?;
            }
        }
        Ok(())
    }
}

/// Which entries of a walk to take.
pub(crate) struct Pick<'a> {
    pub file: &'a dyn Fn(&str) -> bool,
    pub enter: &'a dyn Fn(&str) -> bool,
}

impl Pick<'_> {
    pub const ALL: Pick<'static> = Pick {
        file: &|_| true,
        enter: &|_| true,
    };
}

/// Streams a reader through SHA-256.
pub(crate) fn sha256_reader(reader: &mut impl Read) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

pub(crate) fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "directory"
    } else if t.is_symlink() {
        "symlink"
    } else if t.is_fifo() {
        "fifo"
    } else if t.is_socket() {
        "socket"
    } else if t.is_block_device() || t.is_char_device() {
        "device"
    } else {
        "file"
    }
}
