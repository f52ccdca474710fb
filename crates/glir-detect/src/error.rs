//! Errors of loading rules and building the engine.

use std::fmt;
use std::path::PathBuf;

/// One rule file that could not be (fully) loaded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleFileError {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line, when the YAML parser reported one.
    pub line: Option<u32>,
    /// What is wrong, in the parser's words.
    pub message: String,
}

impl fmt::Display for RuleFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Why rules could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// A rule directory could not be read.
    #[error("cannot read rule directory {}: {source}", path.display())]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Strict loading stopped at broken rule files.
    #[error("{} broken rule file(s):\n{}", .0.len(), join_lines(.0))]
    Rules(Vec<RuleFileError>),
    /// rsigma refused the assembled pack (e.g. a correlation cycle).
    #[error("rule engine: {0}")]
    Engine(String),
}

fn join_lines(errors: &[RuleFileError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}
