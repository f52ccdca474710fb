//! The process table from a `/proc` directory (the host's, or a test's): each process's name,
//! command line, executable and owner, and the socket inodes its descriptors hold. Read as
//! `ps` and `ss -p` read it (`proc(5)`); a process that exits half-way is simply missing.

use crate::fsread::read_capped;
use serde::Serialize;
use std::collections::HashMap;
use std::io;
use std::path::Path;

/// Bytes of a command line kept: enough to show what ran, bounded against a hostile one.
const CMDLINE_CAP: u64 = 16 * 1024;
/// A /proc text file larger than this is not what the kernel writes.
const SMALL_FILE: u64 = 64 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct Process {
    pub pid: u32,
    pub ppid: Option<u32>,
    pub uid: Option<u32>,
    /// `comm`: the kernel's (15-byte) name of the process.
    pub comm: String,
    /// The command line, arguments joined by spaces, secret-looking arguments redacted.
    pub cmdline: String,
    pub exe: Exe,
    /// Its descriptors could not be read (another user's process, when not root).
    #[serde(skip_serializing_if = "is_false")]
    pub fds_unreadable: bool,
    #[serde(skip)]
    pub socket_inodes: Vec<u64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Where `/proc/<pid>/exe` points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "path", rename_all = "snake_case")]
pub enum Exe {
    Path(String),
    /// The file was removed or replaced after the process started: the kernel adds
    /// ` (deleted)` to the link.
    Deleted(String),
    /// A kernel thread has no executable.
    None,
    Unreadable(String),
}

impl Process {
    /// The names a process goes by: `comm` and argv[0]'s file name.
    pub fn names(&self) -> Vec<&str> {
        let mut names = vec![self.comm.as_str()];
        if let Some(arg0) = self.cmdline.split(' ').next()
            && let Some(base) = arg0.rsplit('/').next()
            && !base.is_empty()
            && base != self.comm
        {
            names.push(base);
        }
        names
    }

    /// A kernel thread: no command line and no executable (kthreadd, pid 2, is their parent).
    pub fn is_kernel_thread(&self) -> bool {
        self.pid == 2 || self.ppid == Some(2) || (self.cmdline.is_empty() && self.exe == Exe::None)
    }
}

/// Every process under `proc_dir`, and how many could not be read at all.
pub fn read_processes(proc_dir: &Path) -> io::Result<(Vec<Process>, usize)> {
    let mut processes = Vec::new();
    let mut unreadable = 0;
    for entry in std::fs::read_dir(proc_dir)? {
        let Ok(entry) = entry else {
            unreadable += 1;
            continue;
        };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        match read_process(&entry.path(), pid) {
            Some(p) => processes.push(p),
            None => unreadable += 1,
        }
    }
    processes.sort_by_key(|p| p.pid);
    Ok((processes, unreadable))
}

fn read_process(dir: &Path, pid: u32) -> Option<Process> {
    let comm = read_text(&dir.join("comm"))?
        .trim_end_matches('\n')
        .to_string();
    let cmdline = read_capped(&dir.join("cmdline"), CMDLINE_CAP)
        .ok()
        .map(|bytes| {
            let bytes = bytes.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            let joined = text.trim_end_matches('\0').replace('\0', " ");
            crate::redact::redact_command_line(&joined)
        })
        .unwrap_or_default();
    let status = read_text(&dir.join("status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u32>().ok())
    };
    let exe = match std::fs::read_link(dir.join("exe")) {
        Ok(target) => {
            let target = target.to_string_lossy().into_owned();
            match target.strip_suffix(" (deleted)") {
                Some(path) => Exe::Deleted(path.to_string()),
                None => Exe::Path(target),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Exe::None,
        Err(e) => Exe::Unreadable(crate::fsread::reason(&e)),
    };
    let (socket_inodes, fds_unreadable) = socket_inodes(&dir.join("fd"));
    Some(Process {
        pid,
        ppid: field("PPid:"),
        uid: field("Uid:"),
        comm,
        cmdline,
        exe,
        fds_unreadable,
        socket_inodes,
    })
}

fn read_text(path: &Path) -> Option<String> {
    let bytes = read_capped(path, SMALL_FILE).ok()??;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The inodes of `socket:[N]` descriptors, and whether the directory could not be read.
fn socket_inodes(fd_dir: &Path) -> (Vec<u64>, bool) {
    let Ok(entries) = std::fs::read_dir(fd_dir) else {
        return (Vec::new(), true);
    };
    let inodes = entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|target| {
            target
                .to_str()?
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()
        })
        .collect();
    (inodes, false)
}

/// Which process holds each socket inode (the first found, as `ss -p` shows one).
pub fn socket_owners(processes: &[Process]) -> HashMap<u64, usize> {
    let mut owners = HashMap::new();
    for (i, p) in processes.iter().enumerate() {
        for inode in &p.socket_inodes {
            owners.entry(*inode).or_insert(i);
        }
    }
    owners
}
