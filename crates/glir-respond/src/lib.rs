//! Respond: the guide's scenarios as playbooks. A playbook collects evidence into a case, runs
//! the detections, lists what the attacker left behind and writes an ordered plan of
//! containment actions. Applying a plan is a separate, confirmed step; every change is
//! journaled with its pre- and post-state and GitLab's request id. An applied step is undone
//! by planning its inverse (`plan_undo`), and a playbook run again recognises the events the
//! case's own steps caused.

mod action;
mod applied_steps;
mod apply;
mod error;
mod evidence;
mod findings;
mod own_changes;
mod plan;
mod playbook;
mod pre_state;
mod scenarios;
mod undo;
mod variable_audit;

pub use action::{Action, Owner, level_name};
pub use apply::{Outcome, StepResult, apply, apply_with_tokens, needs_tokens};
pub use error::Error;
pub use evidence::latest_investigation;
pub use findings::{Finding, findings};
pub use own_changes::OwnChange;
pub use plan::{Plan, Step};
pub use playbook::{
    Investigation, InvestigationRecord, Playbook, Respond, Skipped, Subject, investigate,
};
pub use undo::{Undo, plan_undo};
pub use variable_audit::{VariableAudit, VariableReport, audit_variables};

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
