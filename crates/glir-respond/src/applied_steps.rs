//! A case's applied steps read back from its journal, each with the action of the plan it came
//! from: `undo` inverts one, and playbooks recognise the audit events they caused.

use crate::error::Error;
use crate::{Action, Plan};
use glir_case::{Case, JournalRecord, StepKind};
use std::collections::BTreeMap;

/// One journaled change GitLab accepted.
#[derive(Debug, Clone)]
pub(crate) struct AppliedStep {
    pub record: JournalRecord,
    pub action: Action,
    /// False when GitLab was already in the wanted state and nothing was sent.
    pub changed: bool,
}

/// Every change the case's journal records as done, oldest first. A record names its step as
/// `step N of plans/plan-NNN.json: …` (apply.rs); that plan file, checked against the manifest,
/// gives the action whole (the record keeps only its name and target).
pub(crate) fn applied_steps(case: &Case) -> Result<Vec<AppliedStep>, Error> {
    let mut plans: BTreeMap<String, Plan> = BTreeMap::new();
    let mut out = Vec::new();
    for record in case.journal().records()? {
        if record.entry.kind != Some(StepKind::Change) || record.entry.post_state.is_none() {
            continue;
        }
        let Some((n, path, rest)) = record.entry.note.as_deref().and_then(step_of) else {
            continue;
        };
        if !plans.contains_key(path) {
            plans.insert(path.to_string(), load_plan(case, path)?);
        }
        let Some(step) = plans
            .get(path)
            .and_then(|plan| plan.steps.iter().find(|s| s.n == n))
        else {
            continue;
        };
        if step.action.name() != record.entry.action {
            continue;
        }
        out.push(AppliedStep {
            action: step.action.clone(),
            changed: !rest.starts_with("already done"),
            record,
        });
    }
    Ok(out)
}

/// `step 3 of plans/plan-002.json: what it did` → `(3, "plans/plan-002.json", "what it did")`.
fn step_of(note: &str) -> Option<(usize, &str, &str)> {
    let rest = note.strip_prefix("step ")?;
    let (n, rest) = rest.split_once(" of ")?;
    let (path, rest) = rest.split_once(": ")?;
    Some((n.parse().ok()?, path, rest))
}

fn load_plan(case: &Case, rel: &str) -> Result<Plan, Error> {
    let manifest = case.manifest()?;
    let Some(file) = manifest.get(rel) else {
        return Err(Error::Input(format!(
            "the journal names plan {rel}, which is not in the case's evidence"
        )));
    };
    let bytes = std::fs::read(case.evidence_path(rel)?).map_err(|source| Error::Io {
        path: rel.to_string(),
        source,
    })?;
    if crate::sha256_hex(&bytes) != file.sha256 {
        return Err(Error::PlanTampered(rel.to_string()));
    }
    Ok(serde_json::from_slice(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::step_of;

    #[test]
    fn a_record_note_names_its_step_and_plan() {
        assert_eq!(
            step_of("step 3 of plans/plan-002.json: block user 2: no sign-in"),
            Some((3, "plans/plan-002.json", "block user 2: no sign-in"))
        );
        assert_eq!(
            step_of("step 1 of plans/plan-001.json: already done, nothing changed"),
            Some((1, "plans/plan-001.json", "already done, nothing changed"))
        );
        assert_eq!(step_of("manual step 4 of plans/plan-001.json left"), None);
    }
}
