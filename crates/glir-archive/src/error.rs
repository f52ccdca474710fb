use std::path::PathBuf;

/// Every error names the file involved and what went wrong with it, so the receiver's log line is
/// enough to act on.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{path}: {op}: {source}")]
    Io {
        path: PathBuf,
        /// What was being done: "fdatasync", "rename", …
        op: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{dir}: record {index} of the batch contains a newline; the archive stores one record \
         per line, so nothing of this batch was appended"
    )]
    RecordHasNewline { dir: PathBuf, index: usize },
    #[error("{path}: another process has this archive open")]
    Locked { path: PathBuf },
    #[error(
        "{dir}: an earlier write, fsync or seal failed, so what reached the disk is unknown; open \
         the archive again and recovery will check it"
    )]
    Poisoned { dir: PathBuf },
    /// The background sealer failed on `file`; reported by the writer's next call, after which
    /// the archive refuses writes (`Poisoned`) until opened again, which finishes the seal.
    #[error(
        "{file}: sealing it in the background failed, so the archive refuses further writes \
         until it is opened again (which finishes the seal): {source}"
    )]
    SealFailed {
        file: PathBuf,
        #[source]
        source: Box<ArchiveError>,
    },
    #[error("{path} line {line}: {reason}")]
    Manifest {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Inconsistent { path: PathBuf, reason: String },
    #[error("{path}: {reason}; recovery stopped here and changed nothing, so a person can look")]
    Recovery { path: PathBuf, reason: String },
    #[error(
        "{path}: SHA-256 is {found} but the manifest records {expected}; the archive's copy \
         changed after sealing, so it is not mirrored"
    )]
    SourceChanged {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{path}: the mirror's copy differs from the archive's; refusing to overwrite it")]
    MirrorConflict { path: PathBuf },
    #[error("{path}: {reason}; the mirror's manifest is only ever extended, refusing to change it")]
    MirrorManifestDiverged { path: PathBuf, reason: String },
}

/// `map_err(io(path, "fsync"))`: attaches the file and the operation to an I/O error.
pub(crate) fn io(
    path: impl Into<PathBuf>,
    op: &'static str,
) -> impl FnOnce(std::io::Error) -> ArchiveError {
    let path = path.into();
    move |source| ArchiveError::Io { path, op, source }
}
