use std::path::PathBuf;

/// Why a releases file cannot be used. Every variant names the file; a bad value also names
/// its JSON field (`releases[3].versions[0]`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the releases file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("releases file {origin}: {field}: {message}")]
    Invalid {
        origin: String,
        field: String,
        message: String,
    },
}
