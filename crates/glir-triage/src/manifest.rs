//! `manifest.json`: every file the bundle holds with its hash, every file only listed, and
//! every file that could not be taken, with the reason. `verify` reads it back.

use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "glir-triage-manifest/1";

/// Why a file was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Log,
    Config,
    Persistence,
    Recent,
}

/// File metadata as found on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    pub size: u64,
    /// Modification time, RFC 3339.
    pub mtime: Option<String>,
    /// Permission bits in octal, e.g. `0640`.
    pub mode: String,
    pub uid: u32,
    pub gid: u32,
}

impl FileMeta {
    pub(crate) fn of(meta: &std::fs::Metadata) -> FileMeta {
        use std::os::unix::fs::MetadataExt;
        FileMeta {
            size: meta.len(),
            mtime: meta
                .modified()
                .ok()
                .and_then(|t| jiff::Timestamp::try_from(t).ok())
                .map(|t| t.to_string()),
            mode: format!("{:04o}", meta.mode() & 0o7777),
            uid: meta.uid(),
            gid: meta.gid(),
        }
    }
}

/// A file copied into the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Where it was, as the host knows it.
    pub path: String,
    /// Its name in the bundle.
    pub member: String,
    pub category: Category,
    /// Metadata of the original (its size may differ from `stored_size` when redacted).
    #[serde(flatten)]
    pub meta: FileMeta,
    /// Bytes the bundle holds.
    pub stored_size: u64,
    /// SHA-256 of the bytes the bundle holds.
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<Redaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A copy with secrets taken out: the original's hash proves which file it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub values: usize,
    pub original_sha256: String,
}

/// A file described but not copied (`gitlab-secrets.json`, vendor units, a recent file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEntry {
    pub path: String,
    pub category: Category,
    #[serde(flatten)]
    pub meta: FileMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    pub reason: String,
}

/// A file that could not be taken, or was left out on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedEntry {
    pub path: String,
    pub category: Category,
    pub reason: String,
    /// An I/O failure rather than a choice.
    #[serde(default)]
    pub unreadable: bool,
}

/// A document glir wrote into the bundle (findings, live state, the recent-files listing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedEntry {
    pub member: String,
    pub size: u64,
    pub sha256: String,
}

/// The manifest as `verify` reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub files: Vec<FileEntry>,
    pub generated: Vec<GeneratedEntry>,
    pub listed: Vec<ListedEntry>,
    pub skipped: Vec<SkippedEntry>,
}
