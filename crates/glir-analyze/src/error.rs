/// Why an analysis over the store stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] glir_store::StoreError),
    #[error("looking up username `{username}`: {source}")]
    UserLookup {
        username: String,
        #[source]
        source: Box<glir_gitlab::Error>,
    },
    #[error("cannot save the baseline: {0}")]
    Baseline(String),
    /// The temporary file alerts wait in while a pushed-down detection merges its two parts.
    #[error("cannot keep alerts in a temporary file: {0}")]
    Spool(String),
}
