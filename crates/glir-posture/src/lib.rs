//! `glir posture`: hardening, Git abuse rate limit and incident-readiness checks for a GitLab
//! instance, its groups and projects.
//!
//! Checks are data: one YAML file each (`checks/<scope>/<id>.yml`, bundled; users add their own
//! directories), naming the GitLab API source, a CEL condition over GitLab's JSON, the
//! prerequisites (offering, tier, role, version), the threat, remediation, references, CIS and
//! ATT&CK ids, and the fix. Every check answers PASS, FAIL, SKIP (with the reason) or ERROR
//! (with the reason); a tier, permission or version gap is a SKIP, never an abort. Failures
//! become the same plan/apply actions the playbooks use (`fixes`).

pub mod check;
pub mod engine;
mod expr;
pub mod facts;
pub mod fixes;
pub mod load;
pub mod outcome;
pub mod resume;
mod source;
pub mod targets;
mod version;

pub use check::{Scope, Severity, Tier};
pub use engine::{Ignore, Options, Progress, Quiet, RunError, evaluate, run};
pub use load::{Check, LoadError};
pub use outcome::{Outcome, Report, Status};
pub use resume::Journal;
pub use targets::Selection;
