//! Scanning files and directories: `.gitignore`/`.ignore` honoured unless told otherwise,
//! binary files and files over the size cap skipped and counted.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkState};
use std::sync::{Mutex, mpsc};

use crate::{Error, Finding, Location, RawMatch, Scanner};

/// How to walk and read paths.
#[derive(Debug, Clone)]
pub struct PathOptions {
    /// Scan files that `.gitignore`, `.ignore` or git excludes would skip.
    pub no_ignore: bool,
    /// Files larger than this many bytes are skipped.
    pub max_file_size: u64,
    /// Threads that walk and scan; 0: one per core.
    pub threads: usize,
}

/// Default size cap: 50 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 50 << 20;

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions {
            no_ignore: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            threads: 0,
        }
    }
}

/// What a walk covered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathStats {
    /// Files scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Files skipped because they look binary (a NUL byte in the first 8 KiB).
    pub skipped_binary: u64,
    /// Files skipped for exceeding `max_file_size`.
    pub skipped_large: u64,
    /// Unreadable paths, each message naming the path.
    pub errors: Vec<String>,
}

impl PathStats {
    fn add(&mut self, other: PathStats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.skipped_binary += other.skipped_binary;
        self.skipped_large += other.skipped_large;
        self.errors.extend(other.errors);
    }
}

/// Bytes inspected for a NUL when deciding whether a file is binary (git's heuristic).
const BINARY_SNIFF: usize = 8 << 10;

/// Walk `roots` and scan every regular file; findings go to `sink` (on the caller's thread, in
/// no fixed order) with the match that holds the plaintext for a caller that verifies (and must
/// not keep it). Files are walked, read and scanned on [`PathOptions::threads`] threads: on a tree
/// of many small files the cost is per file (open, read, walk), which one core cannot hide.
///
/// # Errors
/// Per-file problems are collected in [`PathStats::errors`]; this returns `Ok` unless a
/// root itself cannot be walked.
pub fn scan_paths(
    scanner: &Scanner,
    roots: &[PathBuf],
    opts: &PathOptions,
    sink: &mut dyn FnMut(Finding, &RawMatch<'_>),
) -> Result<PathStats, Error> {
    let Some((first, rest)) = roots.split_first() else {
        return Ok(PathStats::default());
    };
    for root in roots {
        if let Err(source) = std::fs::metadata(root) {
            return Err(Error::Io {
                path: root.clone(),
                source,
            });
        }
    }
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    let walker = builder
        // Secrets live in dotfiles (.env, .npmrc): scan hidden files. Of git's store only its
        // config, whose remote URLs carry credentials (`https://oauth2:<token>@host/…`).
        .hidden(false)
        .filter_entry(|entry| {
            let in_git_dir =
                entry.path().parent().and_then(Path::file_name) == Some(".git".as_ref());
            !in_git_dir || entry.file_name() == "config"
        })
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        // Honour .gitignore in a directory that is not (yet) a git checkout too.
        .require_git(false)
        .threads(opts.threads)
        .build_parallel();
    let stats = Mutex::new(PathStats::default());
    let (found, received) = mpsc::channel::<(Finding, RawMatch<'_>)>();
    std::thread::scope(|scope| {
        let stats = &stats;
        scope.spawn(move || {
            walker.run(|| {
                let found = found.clone();
                // One read buffer per thread: on small files, allocating one each time shows.
                let mut buf = Vec::new();
                Box::new(move |entry| {
                    let mut local = PathStats::default();
                    match entry {
                        Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                            let path = entry.path();
                            scan_file(scanner, path, opts, &mut buf, &mut local, &mut |f, m| {
                                // The receiver only goes away once the walk is over.
                                let _ = found.send((f, m));
                            });
                        }
                        Ok(_) => {}
                        Err(error) => local.errors.push(error.to_string()),
                    }
                    if let Ok(mut total) = stats.lock() {
                        total.add(local);
                    }
                    WalkState::Continue
                })
            });
        });
        for (finding, m) in received {
            sink(finding, &m);
        }
    });
    Ok(stats
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner()))
}

fn scan_file<'s>(
    scanner: &'s Scanner,
    path: &Path,
    opts: &PathOptions,
    buf: &mut Vec<u8>,
    stats: &mut PathStats,
    sink: &mut dyn FnMut(Finding, RawMatch<'s>),
) {
    let data = match read_capped(path, opts.max_file_size, buf) {
        Ok(Some(len)) => &buf[..len],
        Ok(None) => {
            stats.skipped_large += 1;
            return;
        }
        Err(error) => {
            stats.errors.push(format!("{}: {error}", path.display()));
            return;
        }
    };
    if memchr::memchr(0, &data[..data.len().min(BINARY_SNIFF)]).is_some() {
        stats.skipped_binary += 1;
        return;
    }
    stats.files += 1;
    stats.bytes += data.len() as u64;
    let mut emit = |m: crate::RawMatch<'s>| {
        let location = Location::File {
            path: path.display().to_string(),
            line: m.line,
            column: m.column,
        };
        sink(Finding::new(&m, location), m);
    };
    scanner.scan_content(data, &mut emit);
}

/// A thread's read buffer starts this large: most source files, configs and logs fit, so a file
/// is read without asking its size first.
const FIRST_BUFFER: usize = 256 << 10;

/// Reads `path` into the start of `buf` and returns its length, unless it is larger than
/// `max_size` (then `None`). One open and, for a file that fits the buffer, two reads (the
/// second finds the end): on small files those system calls are the cost, and `fs::read` (or
/// `read_to_end`) adds a stat and reads a small file in several steps. Only a file that fills
/// the buffer is asked its size, to skip it over the cap or grow the buffer to fit it.
fn read_capped(path: &Path, max_size: u64, buf: &mut Vec<u8>) -> std::io::Result<Option<usize>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        // An unreadable file over the cap is skipped for its size, as before it is opened.
        Err(error) => {
            return match std::fs::metadata(path) {
                Ok(meta) if meta.len() > max_size => Ok(None),
                _ => Err(error),
            };
        }
    };
    // The buffer only grows, and is zeroed only when it does.
    if buf.len() < FIRST_BUFFER {
        buf.resize(FIRST_BUFFER, 0);
    }
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            let size = file.metadata()?.len();
            if size > max_size {
                return Ok(None);
            }
            // One byte more than the size, so the read that fills it leaves room for the one
            // that finds the end; twice the buffer when the file grew since it was stat'ed.
            let want = usize::try_from(size)
                .unwrap_or(usize::MAX - 1)
                .saturating_add(1)
                .max(2 * buf.len());
            buf.resize(want, 0);
        }
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok((filled as u64 <= max_size).then_some(filled))
}

#[cfg(test)]
mod tests {
    use super::read_capped;

    #[test]
    fn one_buffer_reads_files_of_any_size_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = Vec::new();
        // Around the first buffer's size too: exactly full, one byte over, and twice over.
        let first = super::FIRST_BUFFER;
        for (i, size) in [
            0usize,
            1,
            5000,
            3,
            70_000,
            0,
            12,
            first,
            first + 1,
            2 * first + 3,
        ]
        .into_iter()
        .enumerate()
        {
            let path = dir.path().join(format!("f{i}"));
            let content: Vec<u8> = (0..size).map(|b| (b * 7 + i) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            let len = read_capped(&path, 1 << 20, &mut buf).unwrap().unwrap();
            assert_eq!(&buf[..len], content.as_slice(), "size {size}");
        }
        let big = dir.path().join("big");
        std::fs::write(&big, [b'x'; 101]).unwrap();
        assert_eq!(read_capped(&big, 100, &mut buf).unwrap(), None);
        assert_eq!(read_capped(&big, 101, &mut buf).unwrap(), Some(101));
        let huge = dir.path().join("huge");
        std::fs::write(&huge, vec![b'y'; 3 * super::FIRST_BUFFER]).unwrap();
        assert_eq!(
            read_capped(&huge, 2 * super::FIRST_BUFFER as u64, &mut buf).unwrap(),
            None
        );
        assert!(read_capped(&dir.path().join("missing"), 100, &mut buf).is_err());
    }
}
