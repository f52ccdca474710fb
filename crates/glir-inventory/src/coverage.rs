//! What the token saw of each family in each place it was looked for. As in glir-collect's
//! `coverage.rs`, a partial answer never reads as complete: a listing GitLab refused, one it
//! trimmed to the caller's own, and one that failed are each named with why.

use crate::Error;
use crate::kind::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How one listing of one family in one place went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Complete,
    /// GitLab answered with only part of the list (a non-administrator's own tokens).
    Partial(String),
    /// GitLab refused (403) or hid (404) the list from this token, or glir knows it would.
    Skipped(String),
    /// A fault: the answer says nothing about what is there.
    Failed(String),
}

impl Outcome {
    /// Why it is not complete; `None` when it is.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Complete => None,
            Outcome::Partial(r) | Outcome::Skipped(r) | Outcome::Failed(r) => Some(r),
        }
    }
}

/// Why a family was not seen whole in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// `instance`, `group acme`, `project acme/app`, `user dev`, `runner 7`.
    pub scope: String,
    pub status: GapStatus,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapStatus {
    Partial,
    Skipped,
    Failed,
}

impl GapStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GapStatus::Partial => "partial",
            GapStatus::Skipped => "skipped",
            GapStatus::Failed => "failed",
        }
    }
}

/// One family's coverage over every place it was looked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCoverage {
    pub kind: Kind,
    /// Places (the instance, groups, projects, users, runners) it was listed in.
    pub scopes: usize,
    /// Of those, the ones listed whole.
    pub complete: usize,
    /// The others, with why.
    pub gaps: Vec<Gap>,
}

impl KindCoverage {
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }
}

/// Outcomes as they come in, summed per family.
#[derive(Debug, Default)]
pub(crate) struct Ledger(BTreeMap<Kind, KindCoverage>);

impl Ledger {
    pub fn record(&mut self, kind: Kind, scope: &str, outcome: Outcome) {
        let entry = self.0.entry(kind).or_insert_with(|| KindCoverage {
            kind,
            scopes: 0,
            complete: 0,
            gaps: Vec::new(),
        });
        entry.scopes += 1;
        let (status, reason) = match outcome {
            Outcome::Complete => {
                entry.complete += 1;
                return;
            }
            Outcome::Partial(r) => (GapStatus::Partial, r),
            Outcome::Skipped(r) => (GapStatus::Skipped, r),
            Outcome::Failed(r) => (GapStatus::Failed, r),
        };
        entry.gaps.push(Gap {
            scope: scope.to_string(),
            status,
            reason,
        });
    }

    pub fn finish(self) -> Vec<KindCoverage> {
        self.0.into_values().collect()
    }
}

/// A failed listing as an outcome, or the end of the run. Access (403, 404) is a skip naming
/// who would see the list; a server error or an unreadable answer is a failed listing. A
/// refused token (401), an unreachable GitLab and a rate limit that outlasted the retries end
/// the run instead: every later request would meet the same, each costing the client's whole
/// deadline, and an inventory of nothing but failures helps nobody.
pub(crate) fn outcome_of(
    e: glir_gitlab::Error,
    what: &str,
    who_sees: &str,
) -> Result<Outcome, Error> {
    use glir_gitlab::Error as E;
    match e {
        E::Unauthorized { .. }
        | E::Network { .. }
        | E::Timeout { .. }
        | E::RateLimited { .. }
        | E::ForeignHost { .. }
        | E::InvalidUrl { .. }
        | E::Config(_) => Err(Error::gitlab(what, e)),
        e if e.is_access_denied() => Ok(Outcome::Skipped(format!(
            "{who_sees} sees them; GitLab answered {} to this token",
            e.status().map_or_else(String::new, |s| s.to_string())
        ))),
        e => Ok(Outcome::Failed(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_counts_and_only_gaps_are_listed() {
        let mut ledger = Ledger::default();
        ledger.record(Kind::Webhook, "project a/b", Outcome::Complete);
        ledger.record(
            Kind::Webhook,
            "group a",
            Outcome::Skipped("an Owner of group a sees them".into()),
        );
        ledger.record(Kind::Runner, "instance", Outcome::Complete);
        let coverage = ledger.finish();
        assert_eq!(coverage.len(), 2);
        let hooks = coverage.iter().find(|c| c.kind == Kind::Webhook).unwrap();
        assert_eq!((hooks.scopes, hooks.complete), (2, 1));
        assert!(!hooks.is_complete());
        assert_eq!(hooks.gaps[0].scope, "group a");
        assert_eq!(hooks.gaps[0].status, GapStatus::Skipped);
        assert!(
            coverage
                .iter()
                .any(|c| c.kind == Kind::Runner && c.is_complete())
        );
    }
}
