//! Errors from loading a scenario or starting the simulator.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a scenario could not be loaded or the simulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The scenario file could not be read.
    #[error("{path}: cannot read scenario: {source}", path = path.display())]
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The scenario is not valid JSON or a field has the wrong type.
    #[error("{origin}: {field}: {message}")]
    Parse {
        /// The file name, or `scenario` for an in-memory string.
        origin: String,
        /// Where in the document the error is, e.g. `tokens[2].scopes`.
        field: String,
        /// What is wrong there, with serde_json's line and column.
        message: String,
    },
    /// The scenario parsed but is inconsistent (e.g. a token for an unknown user).
    #[error("{origin}: {field}: {message}")]
    Invalid {
        /// The file name, or `scenario` for an in-memory string or value.
        origin: String,
        /// The offending field, e.g. `tokens[2].user`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

impl SimError {
    /// The field a parse or validation error points at, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            SimError::Parse { field, .. } | SimError::Invalid { field, .. } => Some(field),
            SimError::Read { .. } | SimError::Bind { .. } => None,
        }
    }

    pub(crate) fn with_origin(self, new_origin: &str) -> SimError {
        match self {
            SimError::Parse { field, message, .. } => SimError::Parse {
                origin: new_origin.to_string(),
                field,
                message,
            },
            SimError::Invalid { field, message, .. } => SimError::Invalid {
                origin: new_origin.to_string(),
                field,
                message,
            },
            other => other,
        }
    }
}
