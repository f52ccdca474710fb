//! The running system, from `/proc`: processes and listening sockets, each compared with what
//! a GitLab server runs (`known.rs`). Written to `live/processes.json` and
//! `live/listeners.json`; what does not fit is flagged with the reason.

use crate::findings::{Finding, Kind, Level, Shape, suspicious_command, temp_dir_of};
use crate::known::{self, is_expected_process};
use crate::proc_net::{self, Proto, Socket};
use crate::procs::{Exe, Process, read_processes, socket_owners};
use crate::run::Run;
use serde::Serialize;
use std::io;
use std::net::IpAddr;
use std::path::Path;

/// `/proc/net/*` tables are a few KiB; a bound keeps a hostile fake one small.
const NET_CAP: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct Listener {
    pub proto: Proto,
    pub address: IpAddr,
    pub port: u16,
    pub uid: u32,
    pub inode: u64,
    pub pid: Option<u32>,
    pub process: Option<String>,
    /// The GitLab or system service this port belongs to by default.
    pub service: Option<&'static str>,
}

/// What the live step saw, for the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LiveCounts {
    pub processes: usize,
    pub processes_unreadable: usize,
    pub listeners: usize,
    pub socket_lines_unparsed: usize,
}

pub(crate) fn collect(run: &mut Run<'_>, proc_dir: &Path) -> io::Result<LiveCounts> {
    let (processes, unreadable) = read_processes(proc_dir)?;
    let mut counts = LiveCounts {
        processes: processes.len(),
        processes_unreadable: unreadable,
        ..LiveCounts::default()
    };
    for process in &processes {
        if let Some(finding) = review_process(process) {
            run.findings.push(finding);
        }
    }
    let owners = socket_owners(&processes);
    let mut listeners = Vec::new();
    for proto in Proto::ALL {
        let path = proc_dir.join("net").join(proto.file_name());
        let Ok(Some(bytes)) = crate::fsread::read_capped(&path, NET_CAP) else {
            continue;
        };
        let (sockets, bad) = proc_net::parse_table(proto, &String::from_utf8_lossy(&bytes));
        counts.socket_lines_unparsed += bad.len();
        for socket in sockets.into_iter().filter(Socket::is_listening) {
            let owner = owners.get(&socket.inode).map(|&i| &processes[i]);
            let listener = Listener {
                proto,
                address: socket.local,
                port: socket.local_port,
                uid: socket.uid,
                inode: socket.inode,
                pid: owner.map(|p| p.pid),
                process: owner.map(|p| p.comm.clone()),
                service: known::service_for(proto.is_tcp(), socket.local_port).map(|s| s.name),
            };
            if let Some(finding) = review_listener(&listener, owner) {
                run.findings.push(finding);
            }
            listeners.push(listener);
        }
    }
    counts.listeners = listeners.len();
    run.bundle.add_generated(
        "live/processes.json",
        &serde_json::to_vec_pretty(&processes).map_err(io::Error::other)?,
    )?;
    run.bundle.add_generated(
        "live/listeners.json",
        &serde_json::to_vec_pretty(&listeners).map_err(io::Error::other)?,
    )?;
    Ok(counts)
}

fn review_process(p: &Process) -> Option<Finding> {
    if p.is_kernel_thread() {
        return None;
    }
    let exe_text = match &p.exe {
        Exe::Path(path) => path.clone(),
        Exe::Deleted(path) => format!("{path} (deleted)"),
        Exe::None => String::new(),
        Exe::Unreadable(why) => format!("exe {why}"),
    };
    let mut finding = Finding::new(
        Kind::Process,
        format!("pid {} ({})", p.pid, p.comm),
        &format!("{} [{}]", p.cmdline, exe_text),
    );
    if let Exe::Deleted(path) = &p.exe {
        let why = if path.starts_with("/memfd:") {
            // Fileless malware runs from anonymous memory; so do container runtimes' sealed
            // copies of themselves (runc, since CVE-2019-5736).
            format!("runs from an anonymous memory file ({path}), not from a file on disk")
        } else {
            format!("its executable {path} was deleted or replaced after it started")
        };
        finding.flag(Level::High, why);
    }
    let exe_path = match &p.exe {
        Exe::Path(path) | Exe::Deleted(path) => Some(path.as_str()),
        Exe::None | Exe::Unreadable(_) => None,
    };
    let arg0 = p.cmdline.split(' ').next().unwrap_or("");
    if let Some(dir) = exe_path.and_then(temp_dir_of).or_else(|| temp_dir_of(arg0)) {
        finding.flag(
            Level::High,
            format!("runs from {dir}, a directory anyone can write"),
        );
    }
    if !is_expected_process(&p.names()) {
        finding.flag(
            Level::Low,
            "not a GitLab service nor a common system process",
        );
    }
    for (level, why) in suspicious_command(&p.cmdline, Shape::Command) {
        finding.flag(level, why);
    }
    (!finding.reasons.is_empty()).then_some(finding)
}

fn review_listener(l: &Listener, owner: Option<&Process>) -> Option<Finding> {
    let proto = match l.proto {
        Proto::Tcp | Proto::Tcp6 => "tcp",
        Proto::Udp | Proto::Udp6 => "udp",
    };
    let address = match l.address {
        IpAddr::V6(v6) => format!("[{v6}]:{}", l.port),
        IpAddr::V4(v4) => format!("{v4}:{}", l.port),
    };
    let held_by = owner.map_or_else(
        || "owner unknown (run as root to map sockets to processes)".to_string(),
        |p| format!("pid {} ({}) {}", p.pid, p.comm, p.cmdline),
    );
    let mut finding = Finding::new(Kind::Listener, format!("{proto} {address}"), &held_by);
    match known::service_for(l.proto.is_tcp(), l.port) {
        None => {
            let level = if l.address.is_loopback() {
                Level::Medium
            } else {
                Level::High
            };
            finding.flag(
                level,
                format!(
                    "port {}/{proto} is not one GitLab's Linux package uses by default nor a usual system service",
                    l.port
                ),
            );
        }
        Some(service) => {
            if let Some(p) = owner
                && !known::service_process(service, &p.names())
            {
                finding.flag(
                    Level::Medium,
                    format!(
                        "port {}/{proto} is {}'s, but {} holds it",
                        l.port, service.name, p.comm
                    ),
                );
            }
        }
    }
    (!finding.reasons.is_empty()).then_some(finding)
}
