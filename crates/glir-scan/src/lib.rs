//! Secret scanning for incident response: every GitLab token family and a curated set of
//! third-party secrets, found by a literal-keyword prefilter (Aho-Corasick) and confirmed by
//! bounded regexes, with GitLab candidates validated offline by `glir_tokens::identify`.
//!
//! Plaintext secrets exist only in [`RawMatch`]; [`Finding`] and every output format carry the
//! redacted form and fingerprint.

pub mod archive;
pub mod baseline;
pub mod decode;
pub mod engine;
mod error;
pub mod finding;
pub mod ignore_marker;
pub mod joblog;
mod markers;
mod named;
pub mod output;
pub mod paths;
mod prefilter;
pub mod report;
pub mod rules;
pub mod value_leak;

pub use archive::{ArchiveLimits, ArchiveStats, scan_zip};
pub use baseline::Baseline;
pub use decode::{Encoding, Layer};
pub use engine::{RawMatch, Scanner};
pub use error::Error;
pub use finding::{Finding, Location};
pub use joblog::{CleanLog, clean_job_log};
pub use paths::{PathOptions, PathStats, scan_paths};
pub use report::{Collector, Policy, ScanReport};
pub use rules::{Confidence, Rule, RuleOptions, RuleSet, shannon_entropy};
pub use value_leak::{ValueHit, ValueLeakFinder};
