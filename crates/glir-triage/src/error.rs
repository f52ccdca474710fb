use std::path::PathBuf;

/// What stops a triage, a verification or a copy. Files that cannot be read are not errors:
/// they are listed in the manifest with the reason.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no directory at {0} to triage (--root)")]
    RootMissing(PathBuf),
    #[error("no directory at {0} to read processes from (--proc)")]
    ProcMissing(PathBuf),
    #[error(
        "{path} is inside {inside}, which triage collects: write the bundle (and --copy-to) outside the collected directories and, for an image, outside --root"
    )]
    OutputInsideCollected { path: PathBuf, inside: PathBuf },
    #[error("{0} already exists: a bundle is written once, never overwritten")]
    OutputExists(PathBuf),
    #[error("{0} already exists: the write-once copy is never overwritten")]
    CopyExists(PathBuf),
    #[error("{path}: the copy's SHA-256 is {copied}, the bundle's {expected}")]
    CopyMismatch {
        path: PathBuf,
        copied: String,
        expected: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
