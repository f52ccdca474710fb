//! Sigma detections over GitLab audit events.
//!
//! Rules are Sigma YAML, parsed and compiled by rsigma and evaluated with rsigma's semantics
//! (by glir's own programs and correlation windows where they apply, tested equal to rsigma's
//! engine; by rsigma otherwise). They see each canonical event through one field
//! layer ([`sigma_fields`]) under GitLab's streaming names, whatever layout the event came in,
//! so a pack rule also works on raw streamed events in other Sigma tools. Semantics are
//! rsigma's: case-insensitive strings, `not` over a missing field is true, filters are
//! `AND NOT`, an array field matches when any element does.

#![warn(missing_docs)]

mod alert;
mod allow;
mod correlate;
mod detector;
mod dispatch;
mod error;
mod eval;
mod event_types;
mod event_view;
mod fields;
mod group;
mod lint;
mod pack;
mod ruletest;
mod sql;

pub use alert::{Alert, LEVELS, level_rank};
pub use allow::{Allow, AllowError, Allowlist};
pub use detector::{DetectSummary, Detector, Hits};
pub use error::{DetectError, RuleFileError};
pub use event_types::{KNOWN_EVENT_TYPES, is_known_event_type};
pub use fields::{FIELD_NAMES, is_known_field, sigma_fields};
pub use group::Grouper;
pub use lint::{LintFinding, lint};
pub use pack::{
    LoadOptions, RuleInfo, RuleKind, RulePack, SkipReason, SkippedRule, load_rule_texts, load_rules,
};
pub use ruletest::{RuleTestResult, TestReport, run_tests};
pub use sql::{Pushdown, RulePlan};
