use std::path::PathBuf;

/// What went wrong in the store, in plain words.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store's directory could not be created.
    #[error("cannot create store directory {}: {source}", path.display())]
    CreateDir {
        /// The directory glir tried to create.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// SQLite could not open or configure the database file.
    #[error("cannot open store at {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// The underlying SQLite error.
        source: rusqlite::Error,
    },
    /// The file was written by a newer glir whose schema this one does not know.
    #[error("store schema version {found} is newer than this glir (max {max})")]
    TooNew {
        /// The version found in the file.
        found: u32,
        /// The newest version this glir can read.
        max: u32,
    },
    /// A schema migration step failed; the store is left at the previous version.
    #[error("cannot migrate store to schema version {version}: {source}")]
    Migrate {
        /// The version the failed step would have reached.
        version: u32,
        /// The underlying SQLite error.
        source: rusqlite::Error,
    },
    /// An SQLite operation failed; `action` says which ("cannot insert events", ...).
    #[error("{action}: {source}")]
    Sqlite {
        /// What the store was doing.
        action: &'static str,
        /// The underlying SQLite error.
        source: rusqlite::Error,
    },
    /// The ClickHouse server refused a request or could not be reached; `message` is its own
    /// words (or the network error).
    #[error("{action}: ClickHouse at {store}: {message}")]
    ClickHouse {
        /// What the store was doing.
        action: &'static str,
        /// The store URL, its password redacted.
        store: String,
        /// What the server (or the network) said.
        message: String,
    },
    /// The store location given cannot be used.
    #[error(transparent)]
    Location(#[from] crate::location::LocationError),
    /// An operation only one backend offers was asked of the other.
    #[error("{what} needs a {needs} store; this one is {this}")]
    Unsupported {
        /// The operation.
        what: &'static str,
        /// The backend that offers it.
        needs: &'static str,
        /// The backend in use.
        this: &'static str,
    },
    /// A stored value cannot be turned back into its Rust form (a damaged or hand-edited file).
    #[error("store holds an unreadable {what}")]
    Corrupt {
        /// Which value, e.g. "details of event rowid 12 (not JSON)".
        what: String,
    },
}

/// Attaches the plain-words action to an SQLite error.
pub(crate) trait Context<T> {
    fn context(self, action: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn context(self, action: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite { action, source })
    }
}
