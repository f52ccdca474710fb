//! Triage of a GitLab server, read-only, into one verifiable bundle: what GitLab's
//! incident-response guide asks for a suspected compromised instance
//! (https://docs.gitlab.com/security/responding_to_security_incidents/): the server's logs and
//! state saved to a write-once place, processes and ports GitLab does not use looked for.
//!
//! [`triage_host`] reads the live host (`/`) or a mounted image (`root`), never writes under
//! it, opens every file read-only without touching its access time, and streams logs,
//! configuration (secrets redacted), persistence points, live state and a listing of recently
//! changed files into a `tar.zst` bundle in one pass, with a manifest of hashes, an acquisition
//! log and the findings. [`verify`] checks a bundle against its `.sha256` and its manifest.

mod bundle;
mod copy;
mod error;
mod findings;
mod fsread;
mod keys;
mod known;
mod manifest;
mod passwd;
mod proc_net;
mod procs;
mod redact;
mod root;
mod run;
mod sources;
mod verify;

pub use bundle::{ACQUISITION, MANIFEST, Stats};
pub use copy::CopyResult;
pub use error::Error;
pub use findings::{Finding, Kind, Level};
pub use manifest::{
    Category, FileEntry, FileMeta, GeneratedEntry, ListedEntry, Manifest, Redaction, SkippedEntry,
};
pub use proc_net::{BadLine, Proto, Socket, parse_table};
pub use redact::{Redacted, Syntax, is_secret_key, redact_command_line, redact_config};
pub use run::Step;
pub use sources::live::{Listener, LiveCounts};
pub use verify::{VerifyReport, sha256_path, verify};

use bundle::Bundle;
use root::Root;
use run::Run;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What to triage and where the bundle goes.
#[derive(Debug, Clone)]
pub struct Options {
    /// `/` for the live host, else a mounted image.
    pub root: PathBuf,
    /// Where processes and sockets are read from: `None` reads `/proc` on the live host and
    /// nothing for an image (its `/proc` is not the running system's).
    pub proc_dir: Option<PathBuf>,
    /// The bundle to write; it must not exist.
    pub output: PathBuf,
    /// A second, write-once location for the bundle and its `.sha256`.
    pub copy_to: Option<PathBuf>,
    /// Files changed since then under GitLab's directories are listed.
    pub since: jiff::Timestamp,
    /// Files larger than this are listed without their hash.
    pub hash_max: u64,
    /// Walk repositories' object stores too (skipped by default: large, and git's own).
    pub include_objects: bool,
    /// Who runs the triage, for the acquisition log (`user@host`).
    pub operator: String,
    /// The command line, for the acquisition log; GitLab tokens in it are redacted.
    pub command_line: Vec<String>,
    /// The version of the tool that runs the triage.
    pub tool_version: String,
}

/// What a triage did, for the terminal or `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub bundle: PathBuf,
    pub sha256: String,
    pub sha256_file: PathBuf,
    /// The bundle's compressed size.
    pub bundle_bytes: u64,
    #[serde(flatten)]
    pub stats: Stats,
    /// Files changed within the window, listed in `recent.jsonl`.
    pub recent: u64,
    /// Processes and sockets were read (the live host, or `--proc`).
    pub live: Option<LiveCounts>,
    pub findings: Vec<Finding>,
    pub copy: Option<CopyResult>,
    /// What was not collected, and why.
    pub notes: Vec<String>,
}

impl Summary {
    /// Findings at `level`.
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }
}

const JOURNALD_NOTE: &str = "journald's journal is not exported: copy /var/log/journal or run `journalctl -o export` separately";

/// Directories triage reads; a bundle written inside one would be read into itself.
const COLLECTED: [&str; 13] = [
    "/var/log",
    "/etc/gitlab",
    "/opt/gitlab",
    "/var/opt/gitlab",
    "/etc/systemd/system",
    "/lib/systemd/system",
    "/var/spool/cron",
    "/etc/cron.d",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/etc/profile.d",
];

pub fn triage_host(opts: &Options) -> Result<Summary, Error> {
    let root = Root::open(&opts.root)?;
    let proc_dir = match &opts.proc_dir {
        Some(dir) if dir.is_dir() => Some(dir.clone()),
        Some(dir) => return Err(Error::ProcMissing(dir.clone())),
        None => root.is_live().then(|| PathBuf::from("/proc")),
    };
    let output = placed(&root, &opts.output)?;
    let sha256_file = verify::sha256_path(&output);
    for path in [&output, &sha256_file] {
        if path.symlink_metadata().is_ok() {
            return Err(Error::OutputExists(path.clone()));
        }
    }
    if let Some(dir) = &opts.copy_to {
        refuse_inside(&root, &dir.canonicalize().map_err(error::io(dir))?)?;
        // Refused before anything is collected, not after.
        for path in [&output, &sha256_file] {
            if let Some(name) = path.file_name()
                && dir.join(name).symlink_metadata().is_ok()
            {
                return Err(Error::CopyExists(dir.join(name)));
            }
        }
    }
    let out_dir = output
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let partial = Partial::create(&output)?;
    let file = partial.file()?;
    let bundle = Bundle::create(file, &out_dir).map_err(error::io(&partial.path))?;

    let users = root
        .resolve("/etc/passwd")
        .ok()
        .and_then(|p| fsread::read_capped(&p, run::REVIEW_CAP).ok().flatten())
        .map(|bytes| passwd::parse(&String::from_utf8_lossy(&bytes)))
        .unwrap_or_default();
    let started = jiff::Timestamp::now();
    let mut run = Run {
        root: &root,
        bundle,
        findings: Vec::new(),
        users,
        steps: Vec::new(),
        hash_max: opts.hash_max,
    };
    let mut notes = vec![JOURNALD_NOTE.to_string()];
    let mut recent = 0;
    let mut live = None;
    let collected = (|| -> std::io::Result<()> {
        run.step("logs", sources::logs::collect)?;
        run.step("config", sources::config::collect)?;
        run.step("persistence", |run| {
            sources::persistence::collect(run, opts.since)
        })?;
        run.step("recent", |run| {
            recent = sources::recent::collect(run, opts.since, opts.include_objects)?;
            Ok(())
        })?;
        match &proc_dir {
            Some(dir) => run.step("live", |run| {
                live = Some(sources::live::collect(run, dir)?);
                Ok(())
            })?,
            None => notes.push(
                "processes and sockets not read: --root is an image, not the running system (pass --proc to read one)"
                    .to_string(),
            ),
        }
        run.findings.sort_by_key(|f| std::cmp::Reverse(f.level));
        let document = serde_json::json!({
            "counts": {
                "high": run.findings.iter().filter(|f| f.level == Level::High).count(),
                "medium": run.findings.iter().filter(|f| f.level == Level::Medium).count(),
                "low": run.findings.iter().filter(|f| f.level == Level::Low).count(),
            },
            "findings": run.findings,
        });
        let bytes = serde_json::to_vec_pretty(&document).map_err(std::io::Error::other)?;
        run.bundle.add_generated("findings.json", &bytes)
    })();
    collected.map_err(error::io(&partial.path))?;

    let Run {
        bundle,
        findings,
        steps,
        ..
    } = run;
    let stats = bundle.stats.clone();
    let log = Acquisition {
        opts,
        root: &root,
        proc_dir: proc_dir.as_deref(),
        started,
        steps: &steps,
        notes: &notes,
        stats: &stats,
        findings: findings.len(),
    };
    let (sha256, bundle_bytes) = bundle
        .finish(|manifest_sha| log.lines(manifest_sha))
        .map_err(error::io(&partial.path))?;
    partial.publish(&output)?;
    copy::write_sha256_file(&sha256_file, &sha256, &output)?;
    copy::sync_dir(&out_dir)?;
    let copy = match &opts.copy_to {
        Some(dir) => Some(copy::copy_write_once(&output, &sha256_file, &sha256, dir)?),
        None => None,
    };
    Ok(Summary {
        bundle: output,
        sha256,
        sha256_file,
        bundle_bytes,
        stats,
        recent,
        live,
        findings,
        copy,
        notes,
    })
}

/// The output path made absolute (its directory must exist), and refused inside what is read.
fn placed(root: &Root, output: &Path) -> Result<PathBuf, Error> {
    let name = output.file_name().ok_or_else(|| Error::Io {
        path: output.to_path_buf(),
        source: std::io::Error::other("not a file name"),
    })?;
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = parent.canonicalize().map_err(error::io(&parent))?;
    refuse_inside(root, &dir)?;
    Ok(dir.join(name))
}

fn refuse_inside(root: &Root, dir: &Path) -> Result<(), Error> {
    if !root.is_live() && dir.starts_with(root.host()) {
        return Err(Error::OutputInsideCollected {
            path: dir.to_path_buf(),
            inside: root.host().to_path_buf(),
        });
    }
    for logical in COLLECTED {
        if let Ok(host) = root.resolve(logical)
            && dir.starts_with(&host)
        {
            return Err(Error::OutputInsideCollected {
                path: dir.to_path_buf(),
                inside: host,
            });
        }
    }
    Ok(())
}

/// The bundle while it is written: `.<name>.partial`, removed if the triage fails, linked to
/// its name (never replacing a file there) when done.
struct Partial {
    path: PathBuf,
    done: bool,
}

impl Partial {
    fn create(output: &Path) -> Result<Partial, Error> {
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = output.with_file_name(format!(".{name}.partial"));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(error::io(&path))?;
        Ok(Partial { path, done: false })
    }

    fn file(&self) -> Result<std::fs::File, Error> {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map_err(error::io(&self.path))
    }

    fn publish(mut self, output: &Path) -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o444))
            .map_err(error::io(&self.path))?;
        std::fs::hard_link(&self.path, output).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::OutputExists(output.to_path_buf())
            } else {
                Error::Io {
                    path: output.to_path_buf(),
                    source: e,
                }
            }
        })?;
        self.done = true;
        std::fs::remove_file(&self.path).map_err(error::io(&self.path))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            // Nothing else to do with a failure to clean up after a failure.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `acquisition.jsonl`: who collected what, where and when, one JSON record a line.
struct Acquisition<'a> {
    opts: &'a Options,
    root: &'a Root,
    proc_dir: Option<&'a Path>,
    started: jiff::Timestamp,
    steps: &'a [Step],
    notes: &'a [String],
    stats: &'a Stats,
    findings: usize,
}

impl Acquisition<'_> {
    fn lines(&self, manifest_sha256: &str) -> Vec<u8> {
        let command_line: Vec<String> = self
            .opts
            .command_line
            .iter()
            .map(|a| glir_redact::scrub(a).into_owned())
            .collect();
        let host = rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned();
        let mut records = vec![serde_json::json!({
            "event": "start",
            "time": self.started.to_string(),
            "operator": self.opts.operator,
            "euid": rustix::process::geteuid().as_raw(),
            "host": host,
            "tool": "glir",
            "version": self.opts.tool_version,
            "command_line": command_line,
            "root": self.root.host(),
            "live_host": self.root.is_live(),
            "proc": self.proc_dir,
            "since": self.opts.since.to_string(),
            "hash_max": self.opts.hash_max,
            "include_objects": self.opts.include_objects,
        })];
        for step in self.steps {
            let mut value = serde_json::to_value(step).unwrap_or_default();
            value["event"] = "step".into();
            records.push(value);
        }
        for note in self.notes {
            records.push(serde_json::json!({"event": "note", "text": note}));
        }
        records.push(serde_json::json!({
            "event": "end",
            "time": jiff::Timestamp::now().to_string(),
            "manifest_sha256": manifest_sha256,
            "files": self.stats.files,
            "bytes": self.stats.bytes,
            "listed": self.stats.listed,
            "skipped": self.stats.skipped,
            "unreadable": self.stats.unreadable,
            "findings": self.findings,
        }));
        let mut out = Vec::new();
        for record in records {
            out.extend_from_slice(record.to_string().as_bytes());
            out.push(b'\n');
        }
        out
    }
}
