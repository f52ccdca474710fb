//! Builds small repositories with the `git` CLI, deterministically, and runs scans on them.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::{
    collections::BTreeSet,
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use glir_scan_git::{HistoryOptions, HistoryStats, scan_history};

/// One callback invocation, owned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Visit {
    pub blob: String,
    pub commit: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub date: Option<jiff::Timestamp>,
    pub path: Option<String>,
    pub data: Vec<u8>,
}

pub fn scan(path: &Path, opts: &HistoryOptions) -> (Vec<Visit>, HistoryStats) {
    let mut visits = Vec::new();
    let stats = scan_history(path, opts, &mut |origin, data| {
        visits.push(Visit {
            blob: origin.blob_id.to_owned(),
            commit: origin.commit.map(str::to_owned),
            author_name: origin.author_name.map(str::to_owned),
            author_email: origin.author_email.map(str::to_owned),
            date: origin.date,
            path: origin.path.map(str::to_owned),
            data: data.to_vec(),
        })
    })
    .expect("scan succeeds");
    (visits, stats)
}

pub fn reachable() -> HistoryOptions {
    HistoryOptions::default()
}

pub fn with_unreachable() -> HistoryOptions {
    HistoryOptions {
        include_unreachable: true,
        ..HistoryOptions::default()
    }
}

/// A repository in a temporary directory whose commits get increasing, fixed dates.
pub struct Repo {
    dir: tempfile::TempDir,
    /// Seconds since the epoch of the next commit.
    clock: i64,
    author: (String, String),
}

/// 2024-01-01T00:00:00Z.
pub const START: i64 = 1_704_067_200;

impl Repo {
    pub fn new() -> Self {
        let repo = Self {
            dir: tempfile::tempdir().expect("tempdir"),
            clock: START,
            author: ("Alice Example".into(), "alice@example.com".into()),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn set_author(&mut self, name: &str, email: &str) {
        self.author = (name.into(), email.into());
    }

    /// The time the next commit will carry.
    pub fn next_date(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.clock).expect("valid time")
    }

    fn command(&self, args: &[&str]) -> Command {
        let date = format!("@{} +0000", self.clock);
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", &self.author.0)
            .env("GIT_AUTHOR_EMAIL", &self.author.1)
            .env("GIT_COMMITTER_NAME", "Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        cmd
    }

    /// Runs git, panicking on failure, and returns its trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_with_input(args, b"")
    }

    pub fn git_with_input(&self, args: &[&str], input: &[u8]) -> String {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("git runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
        let out = child.wait_with_output().expect("git finishes");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    /// Runs git expecting failure (e.g. a conflicting merge).
    pub fn git_may_fail(&self, args: &[&str]) {
        let _ = self.command(args).output().expect("git runs");
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).expect("remove");
    }

    /// Stages everything, commits, advances the clock by a day; returns the commit id.
    pub fn commit(&mut self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.clock += 86_400;
        self.git(&["rev-parse", "HEAD"])
    }

    /// Sets the date of the next commit.
    pub fn set_clock(&mut self, seconds: i64) {
        self.clock = seconds;
    }

    /// Advances the clock without committing (for merges made with `git merge`).
    pub fn tick(&mut self) {
        self.clock += 86_400;
    }

    pub fn rev(&self, spec: &str) -> String {
        self.git(&["rev-parse", spec])
    }

    /// Writes a blob no commit or reference points at; returns its id.
    pub fn dangling_blob(&self, content: &str) -> String {
        self.git_with_input(&["hash-object", "-w", "--stdin"], content.as_bytes())
    }

    /// Ids of the blobs `git rev-list --objects --all` reaches (tags and HEAD included).
    pub fn git_reachable_blobs(&self) -> BTreeSet<String> {
        let objects = self.git(&["rev-list", "--objects", "--all"]);
        let ids: String = objects
            .lines()
            .map(|l| format!("{}\n", l.split(' ').next().expect("id")))
            .collect();
        self.blobs_among(&ids)
    }

    /// Ids of every blob in the object database, reachable or not.
    pub fn git_all_blobs(&self) -> BTreeSet<String> {
        self.git(&[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objecttype) %(objectname)",
        ])
        .lines()
        .filter_map(|l| l.strip_prefix("blob "))
        .map(str::to_owned)
        .collect()
    }

    fn blobs_among(&self, ids: &str) -> BTreeSet<String> {
        self.git_with_input(
            &["cat-file", "--batch-check=%(objecttype) %(objectname)"],
            ids.as_bytes(),
        )
        .lines()
        .filter_map(|l| l.strip_prefix("blob "))
        .map(str::to_owned)
        .collect()
    }

    /// Number of loose objects (0 once everything is packed).
    pub fn loose_objects(&self) -> u64 {
        let out = self.git(&["count-objects", "-v"]);
        out.lines()
            .find_map(|l| l.strip_prefix("count: "))
            .expect("count line")
            .parse()
            .expect("number")
    }

    /// A bare clone (mirror: every ref) next to the repository.
    pub fn bare_mirror(&self, into: &Path) -> PathBuf {
        let target = into.join("mirror.git");
        self.git(&[
            "clone",
            "-q",
            "--mirror",
            self.path().to_str().expect("utf-8"),
            target.to_str().expect("utf-8"),
        ]);
        target
    }
}

/// A fake GitLab PAT assembled at run time, so no token-shaped literal sits in the source.
pub fn planted_token() -> String {
    format!("glpat-{}", "Xk9vQ2mL7pR4tW8yB1nZ")
}
