use std::path::PathBuf;

/// Errors name the case file involved so a responder knows what to look at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not valid JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("invalid case name {0:?}: use letters, digits, '.', '_' and '-' (at most 64)")]
    InvalidName(String),
    #[error("case {0:?} already exists")]
    Exists(String),
    #[error("no case named {0:?} (see `glir case list`)")]
    NotFound(String),
    #[error("case {0:?} is closed: `glir case reopen {0}` first, or open a new case")]
    Closed(String),
    #[error("case {0:?} is open")]
    NotClosed(String),
    #[error("invalid evidence path {0:?}: must be relative and stay inside the case")]
    InvalidEvidencePath(String),
    #[error("evidence file {0:?} already exists with different content")]
    EvidenceExists(String),
    #[error("{path}: write-once copy differs from the case file; refusing to overwrite")]
    MirrorConflict { path: PathBuf },
}

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}

pub(crate) fn json(path: impl Into<PathBuf>) -> impl FnOnce(serde_json::Error) -> Error {
    let path = path.into();
    move |source| Error::Json { path, source }
}
