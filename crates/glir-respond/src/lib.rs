//! Respond: the guide's scenarios as playbooks. A playbook collects evidence into a case, runs
//! the detections, lists what the attacker left behind and writes an ordered plan of
//! containment actions. Applying a plan is a separate, confirmed step; every change is
//! journaled with its pre- and post-state and GitLab's request id.

mod action;
mod apply;
mod error;
mod evidence;
mod findings;
mod plan;
mod playbook;
mod scenarios;
mod variable_audit;

pub use action::{Action, Owner, level_name};
pub use apply::{Outcome, StepResult, apply, apply_with_tokens, needs_tokens};
pub use error::Error;
pub use evidence::latest_investigation;
pub use findings::{Finding, findings};
pub use plan::{Plan, Step};
pub use playbook::{
    Investigation, InvestigationRecord, Playbook, Respond, Skipped, Subject, investigate,
};
pub use variable_audit::{VariableAudit, VariableReport, audit_variables};

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
