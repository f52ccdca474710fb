//! Reading the host without leaving a mark: files and directories are opened read-only with
//! `O_NOATIME` (the kernel allows it to the owner and to root; anyone else falls back to a
//! plain open, silently), never through a symlink, and never blocking on a FIFO.

use rustix::fs::{Dir, Mode, OFlags};
use rustix::io::Errno;
use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

fn open_quietly(path: &Path, flags: OFlags) -> io::Result<File> {
    let base = flags | OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd = match rustix::fs::open(path, base | OFlags::NOATIME, Mode::empty()) {
        // O_NOATIME is refused to whoever neither owns the file nor has CAP_FOWNER.
        Err(Errno::PERM) => rustix::fs::open(path, base, Mode::empty())?,
        other => other?,
    };
    Ok(File::from(fd))
}

/// A regular file, opened read-only; anything else (a FIFO, a device swapped in) is refused.
pub(crate) fn open_file(path: &Path) -> io::Result<(File, Metadata)> {
    let file = open_quietly(path, OFlags::empty())?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    Ok((file, meta))
}

/// At most `cap` bytes of a small file (a /proc entry, a config file); `None` past the cap.
pub(crate) fn read_capped(path: &Path, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let file = open_quietly(path, OFlags::empty())?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

/// One entry met by [`Walker`]: its path on the host, its path as the host knows it (under
/// the root), and its own metadata (a symlink is described, never followed).
pub(crate) struct Entry {
    pub host: PathBuf,
    pub logical: String,
    pub meta: Metadata,
}

/// Something the walk could not do, to be listed with its reason.
pub(crate) struct WalkError {
    pub logical: String,
    pub reason: String,
}

struct Level {
    dir: Dir,
    host: PathBuf,
    logical: String,
}

/// Deeper than this, a directory is listed as skipped: no GitLab directory nests this far, and
/// a bound keeps a hostile tree from exhausting file descriptors.
const MAX_DEPTH: usize = 48;

/// A depth-first walk that holds one open directory per level and nothing else, so a tree of
/// millions of files goes through in constant memory. Entries come in directory order.
pub(crate) struct Walker<'a> {
    stack: Vec<Level>,
    prune: &'a dyn Fn(&str) -> bool,
}

impl<'a> Walker<'a> {
    /// Walks `host` (known on the host as `logical`); `prune` names directories not entered.
    pub fn new(
        host: &Path,
        logical: &str,
        prune: &'a dyn Fn(&str) -> bool,
    ) -> Result<Self, WalkError> {
        let dir = open_dir(host).map_err(|e| WalkError {
            logical: logical.to_string(),
            reason: reason(&e),
        })?;
        Ok(Walker {
            stack: vec![Level {
                dir,
                host: host.to_path_buf(),
                logical: logical.trim_end_matches('/').to_string(),
            }],
            prune,
        })
    }

    /// The next entry (directories included, before their contents), or why one failed.
    pub fn next_entry(&mut self) -> Option<Result<Entry, WalkError>> {
        loop {
            let top = self.stack.last_mut()?;
            let Some(item) = top.dir.read() else {
                self.stack.pop();
                continue;
            };
            let dirent = match item {
                Ok(d) => d,
                Err(e) => {
                    let logical = top.logical.clone();
                    self.stack.pop();
                    return Some(Err(WalkError {
                        logical,
                        reason: format!("directory read failed: {e}"),
                    }));
                }
            };
            let name = OsStr::from_bytes(dirent.file_name().to_bytes());
            if name == "." || name == ".." {
                continue;
            }
            let host = top.host.join(name);
            let logical = format!("{}/{}", top.logical, name.to_string_lossy());
            let meta = match std::fs::symlink_metadata(&host) {
                Ok(m) => m,
                Err(e) => {
                    return Some(Err(WalkError {
                        logical,
                        reason: reason(&e),
                    }));
                }
            };
            if meta.is_dir() && !(self.prune)(&logical) {
                if self.stack.len() >= MAX_DEPTH {
                    return Some(Err(WalkError {
                        logical,
                        reason: format!("deeper than {MAX_DEPTH} directories: not entered"),
                    }));
                }
                match open_dir(&host) {
                    Ok(dir) => self.stack.push(Level {
                        dir,
                        host: host.clone(),
                        logical: logical.clone(),
                    }),
                    Err(e) => {
                        return Some(Err(WalkError {
                            logical,
                            reason: reason(&e),
                        }));
                    }
                }
            }
            return Some(Ok(Entry {
                host,
                logical,
                meta,
            }));
        }
    }
}

fn open_dir(path: &Path) -> io::Result<Dir> {
    let file = open_quietly(path, OFlags::DIRECTORY)?;
    Ok(Dir::new(std::os::fd::OwnedFd::from(file))?)
}

/// An I/O error as a manifest reason: "permission denied", "not found", ….
pub(crate) fn reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "unreadable: permission denied".to_string(),
        io::ErrorKind::NotFound => "not found".to_string(),
        _ => format!("unreadable: {e}"),
    }
}
