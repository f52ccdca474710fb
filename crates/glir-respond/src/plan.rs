//! A plan: the ordered actions a playbook proposes, each with why, what it does, what it may
//! break, and the state it found. Plans are saved into the case as evidence (hashed and
//! journaled) before anything is applied, so what was approved is what gets applied.

use crate::Action;
use crate::error::Error;
use glir_case::{Case, JournalEntry, StepKind, Target};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const PLAN_FORMAT: &str = "glir-plan/1";
const PLAN_DIR: &str = "plans";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format: String,
    pub case: String,
    pub playbook: String,
    pub created_at: Timestamp,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub n: usize,
    pub action: Action,
    /// What applying it does.
    pub effect: String,
    /// The finding or guide step that calls for it.
    pub why: String,
    /// What may stop working, e.g. "last used 2 h ago: automation using it fails".
    pub risk: String,
    /// The object's state when the plan was made.
    pub pre_state: Option<Value>,
    /// Audit events behind it.
    pub event_ids: Vec<String>,
    /// The batch of a rotation plan it belongs to (1 is applied first): what is rotated
    /// together, so what breaks breaks together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
}

impl Plan {
    pub fn new(case: &str, playbook: &str) -> Plan {
        Plan {
            format: PLAN_FORMAT.to_string(),
            case: case.to_string(),
            playbook: playbook.to_string(),
            created_at: Timestamp::now(),
            steps: Vec::new(),
        }
    }

    /// Adds a step unless the same action is already planned (two findings can point at one
    /// object).
    pub fn push(
        &mut self,
        action: Action,
        why: String,
        risk: String,
        pre_state: Option<Value>,
        event_ids: Vec<String>,
    ) {
        if self.steps.iter().any(|s| s.action == action) {
            return;
        }
        self.steps.push(Step {
            n: self.steps.len() + 1,
            effect: action.effect(),
            action,
            why,
            risk,
            pre_state,
            event_ids,
            batch: None,
        });
    }

    /// [`Plan::push`] into rotation batch `batch`.
    pub(crate) fn push_in_batch(
        &mut self,
        batch: u32,
        action: Action,
        why: String,
        risk: String,
        pre_state: Option<Value>,
    ) {
        let before = self.steps.len();
        self.push(action, why, risk, pre_state, Vec::new());
        if let Some(step) = self.steps.get_mut(before) {
            step.batch = Some(batch);
        }
    }

    /// The steps of one batch, numbered as in the whole plan, so applying them journals them as
    /// steps of the saved plan.
    pub fn batch(&self, batch: u32) -> Plan {
        Plan {
            steps: self
                .steps
                .iter()
                .filter(|s| s.batch == Some(batch))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// Saves the plan as evidence (`plans/plan-NNN.json`) and journals one Plan record per step.
    pub fn save(&self, case: &mut Case, operator: &str) -> Result<String, Error> {
        let existing = case
            .manifest()?
            .files
            .iter()
            .filter(|f| f.path.starts_with(PLAN_DIR))
            .count();
        let rel = format!("{PLAN_DIR}/plan-{:03}.json", existing + 1);
        let bytes = serde_json::to_vec_pretty(self)?;
        case.add_evidence(
            &rel,
            &bytes,
            &format!("glir respond {}", self.playbook),
            operator,
        )?;
        for step in &self.steps {
            let (kind, id) = step.action.target();
            case.journal_step(JournalEntry {
                kind: Some(StepKind::Plan),
                action: step.action.name(),
                operator: operator.to_string(),
                target: Some(Target {
                    kind,
                    id,
                    label: None,
                }),
                pre_state: step.pre_state.clone(),
                note: Some(format!(
                    "planned step {} in {rel}: {}; risk: {}",
                    step.n, step.effect, step.risk
                )),
                ..JournalEntry::default()
            })?;
        }
        Ok(rel)
    }

    /// The newest saved plan of the case, with its evidence path.
    pub fn latest(case: &Case) -> Result<Option<(String, Plan)>, Error> {
        let manifest = case.manifest()?;
        let Some(file) = manifest
            .files
            .iter()
            .filter(|f| f.path.starts_with(PLAN_DIR))
            .max_by(|a, b| a.path.cmp(&b.path))
        else {
            return Ok(None);
        };
        let bytes = std::fs::read(case.evidence_path(&file.path)?).map_err(|source| Error::Io {
            path: file.path.clone(),
            source,
        })?;
        if crate::sha256_hex(&bytes) != file.sha256 {
            return Err(Error::PlanTampered(file.path.clone()));
        }
        let plan: Plan = serde_json::from_slice(&bytes)?;
        Ok(Some((file.path.clone(), plan)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_keeps_its_steps_numbered_as_in_the_whole_plan() {
        let mut plan = Plan::new("c", "instance-compromise");
        plan.push_in_batch(
            1,
            Action::BlockUser { user_id: 6 },
            "w".into(),
            "r".into(),
            None,
        );
        plan.push_in_batch(
            3,
            Action::RotatePersonalAccessToken { token_id: 3 },
            "w".into(),
            "r".into(),
            None,
        );
        plan.push_in_batch(
            1,
            Action::ResetRunnerToken { runner_id: 91 },
            "w".into(),
            "r".into(),
            None,
        );
        // A step already planned keeps its first batch.
        plan.push_in_batch(
            3,
            Action::BlockUser { user_id: 6 },
            "w".into(),
            "r".into(),
            None,
        );
        let first = plan.batch(1);
        let numbers: Vec<usize> = first.steps.iter().map(|s| s.n).collect();
        assert_eq!(numbers, [1, 3]);
        assert_eq!(plan.batch(3).steps.len(), 1);
        assert!(plan.batch(2).steps.is_empty());
        // Outside a rotation plan, the field is not written.
        let mut plain = Plan::new("c", "token-exposure");
        plain.push(
            Action::BlockUser { user_id: 6 },
            "w".into(),
            "r".into(),
            None,
            Vec::new(),
        );
        let text = serde_json::to_string(&plain).unwrap();
        assert!(!text.contains("batch"), "{text}");
    }
}
