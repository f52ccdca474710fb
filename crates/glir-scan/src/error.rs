//! Errors of the scanning library.

use std::path::PathBuf;

/// Everything that can go wrong while building a scanner, walking paths or handling baselines.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule's regex does not compile (a bug in a built-in rule or a bad custom prefix).
    #[error("rule {rule}: invalid regex: {source}")]
    Regex {
        /// Rule id.
        rule: &'static str,
        /// What the regex engine said.
        source: regex::Error,
    },
    /// The keyword automaton could not be built.
    #[error("keyword prefilter: {0}")]
    Prefilter(#[from] aho_corasick::BuildError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A baseline file is not the JSON glir writes.
    #[error("{path}: not a glir baseline: {source}")]
    Baseline {
        /// The baseline file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A baseline file has a version this build does not know.
    #[error("{path}: unsupported baseline version {version}")]
    BaselineVersion {
        /// The baseline file.
        path: PathBuf,
        /// The version found.
        version: u64,
    },
}
