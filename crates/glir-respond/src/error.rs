/// Why a playbook or an apply could not go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Case(#[from] glir_case::Error),
    #[error(transparent)]
    Gitlab(#[from] glir_gitlab::Error),
    #[error(transparent)]
    Store(#[from] glir_store::StoreError),
    #[error(transparent)]
    Collect(#[from] glir_collect::CollectError),
    #[error(transparent)]
    Detect(#[from] glir_detect::DetectError),
    #[error(transparent)]
    Analyze(#[from] glir_analyze::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "plan {0} changed since it was saved (its hash differs from the manifest); make a new plan"
    )]
    PlanTampered(String),
    #[error("{0}")]
    Input(String),
}
