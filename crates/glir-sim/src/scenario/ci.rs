//! CI data: jobs (with their logs, artifact files and job tokens) and CI/CD variables.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A CI job of a project.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// Numeric id, positive and unique among jobs.
    pub id: i64,
    /// Full path of its project.
    pub project: String,
    /// Job name.
    pub name: String,
    /// Stage name; defaults to `test`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// `created`, `pending`, `running`, `success`, `failed`, `canceled`, `skipped`, `manual`.
    pub status: String,
    /// Branch or tag; defaults to `main`.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Pipeline id; defaults to the job id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    /// Username of the user who started it.
    pub user: String,
    /// Creation time; defaults to [`super::DEFAULT_CREATED_AT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// End time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// Its CI job token (`glcbt-…`); valid only while the job runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The raw log, ANSI codes and section markers included; no log when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// Files of its artifact archive; no archive when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<ArtifactFile>,
    /// When the artifacts expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts_expire_at: Option<Timestamp>,
}

impl Job {
    /// GitLab's job token authenticates only while the job runs (`Ci::Build#valid_token?`).
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("project", &self.project)
            .field("name", &self.name)
            .field("status", &self.status)
            .field("token", &self.token.as_deref().map(glir_redact::redact))
            .field("trace_bytes", &self.trace.as_ref().map(String::len))
            .field("artifacts", &self.artifacts.len())
            .finish_non_exhaustive()
    }
}

/// One file of an artifact archive: text `content`, or a nested zip of `files`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactFile {
    /// Path inside the archive, e.g. `build/.env`.
    pub path: String,
    /// Text content of a plain file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Entries of a nested zip archive at `path`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ArtifactFile>,
}

/// A project or group CI/CD variable. `Debug` hides the value.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    /// Name, `[A-Za-z0-9_]`.
    pub key: String,
    /// The value.
    pub value: String,
    /// `env_var` (default) or `file`.
    #[serde(default = "env_var")]
    pub variable_type: String,
    /// Only for protected branches and tags.
    #[serde(default)]
    pub protected: bool,
    /// Masked in job logs.
    #[serde(default)]
    pub masked: bool,
    /// Masked and hidden (17.4+): the API serves `value: null`.
    #[serde(default)]
    pub hidden: bool,
    /// Not expanded.
    #[serde(default)]
    pub raw: bool,
    /// Environment scope; defaults to `*`.
    #[serde(default = "all_environments")]
    pub environment_scope: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn env_var() -> String {
    "env_var".to_string()
}

fn all_environments() -> String {
    "*".to_string()
}

impl fmt::Debug for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variable")
            .field("key", &self.key)
            .field("value", &glir_redact::redact(&self.value))
            .field("protected", &self.protected)
            .field("masked", &self.masked)
            .field("hidden", &self.hidden)
            .finish_non_exhaustive()
    }
}
