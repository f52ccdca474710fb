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
}
