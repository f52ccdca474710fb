//! The filesystem being triaged: the live host (`/`) or a mounted image. Every path glir reads is
//! a path as the host knows it (`/etc/gitlab/gitlab.rb`), resolved under the root the way a
//! `chroot` would: an absolute symlink starts again at the root and `..` stops there, so nothing
//! in an image can send a read outside it.

use crate::error::Error;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Symlink hops before a path is given up on, as the kernel's `ELOOP` limit.
const MAX_HOPS: usize = 40;

#[derive(Debug, Clone)]
pub(crate) struct Root {
    host: PathBuf,
}

impl Root {
    pub fn open(path: &Path) -> Result<Root, Error> {
        let host = path
            .canonicalize()
            .ok()
            .filter(|p| p.is_dir())
            .ok_or_else(|| Error::RootMissing(path.to_path_buf()))?;
        Ok(Root { host })
    }

    /// Whether this is the running system rather than an image.
    pub fn is_live(&self) -> bool {
        self.host == Path::new("/")
    }

    pub fn host(&self) -> &Path {
        &self.host
    }

    /// The host path of `logical`, every symlink on the way (the last one too) resolved inside
    /// the root.
    pub fn resolve(&self, logical: &str) -> io::Result<PathBuf> {
        let mut todo: VecDeque<OsString> = components(Path::new(logical)).collect();
        let mut done: Vec<OsString> = Vec::new();
        let mut hops = 0;
        while let Some(part) = todo.pop_front() {
            if part == ".." {
                done.pop();
                continue;
            }
            let candidate = self.join(&done).join(&part);
            let meta = std::fs::symlink_metadata(&candidate)?;
            if !meta.file_type().is_symlink() {
                done.push(part);
                continue;
            }
            hops += 1;
            if hops > MAX_HOPS {
                return Err(io::Error::other("too many levels of symbolic links"));
            }
            let target = std::fs::read_link(&candidate)?;
            if target.is_absolute() {
                done.clear();
            }
            for (i, c) in components(&target).enumerate() {
                todo.insert(i, c);
            }
        }
        Ok(self.join(&done))
    }

    fn join(&self, parts: &[OsString]) -> PathBuf {
        let mut path = self.host.clone();
        path.extend(parts);
        path
    }
}

/// The names in `path`, `..` kept (resolution needs it), the root and `.` dropped.
fn components(path: &Path) -> impl Iterator<Item = OsString> + '_ {
    path.components().filter_map(|c| match c {
        Component::Normal(n) => Some(n.to_os_string()),
        Component::ParentDir => Some(OsString::from("..")),
        Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlinks_resolve_inside_the_root_never_out_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("etc/gitlab")).unwrap();
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("data/gitlab.rb"), "inside").unwrap();
        std::fs::write(dir.path().join("outside"), "outside").unwrap();
        symlink("/data/gitlab.rb", root.join("etc/gitlab/gitlab.rb")).unwrap();
        symlink("../../../../outside", root.join("etc/escape")).unwrap();
        symlink("/etc/loop", root.join("etc/loop")).unwrap();
        let root = Root::open(&root).unwrap();

        let resolved = root.resolve("/etc/gitlab/gitlab.rb").unwrap();
        assert_eq!(std::fs::read_to_string(&resolved).unwrap(), "inside");
        // `..` stops at the root: the link lands on <root>/outside, which does not exist.
        let escape = root.resolve("/etc/escape");
        assert!(escape.is_err(), "{escape:?}");
        assert!(root.resolve("/etc/loop").is_err());
        assert!(!root.is_live());
    }

    #[test]
    fn a_missing_root_is_named() {
        let err = Root::open(Path::new("/no/such/image")).unwrap_err();
        assert!(err.to_string().contains("/no/such/image"), "{err}");
    }
}
