//! `whoami`: who this token is on this instance, and what every glir command can do here.
//!
//! The probe learns a few facts, one request each (`facts.rs`); one table says what each
//! capability needs (`requirements.rs`); each answer is worked out from the two
//! (`answer.rs`): yes / no / unknown with the reason. A 403 or 404 is an answer, not a failure,
//! and a network fault makes every answer unknown.

pub mod answer;
pub mod facts;
pub mod requirements;

pub use answer::{Answer, Capability, Needs, answer};
pub use facts::{Deployment, Facts, Known, Targets, Tier, TokenInfo, learn};
pub use requirements::{REQUIREMENTS, Requirement, Role, Scope, TokenScope};

use glir_gitlab::Client;
use serde::Serialize;

/// What `whoami` shows: the identity, then every capability answered.
#[derive(Debug, Clone, Serialize)]
pub struct Identity {
    pub url: String,
    pub version: Option<String>,
    pub enterprise: Option<bool>,
    pub deployment: Deployment,
    pub username: Option<String>,
    pub user_id: Option<i64>,
    pub is_admin: Option<bool>,
    pub token: Option<TokenInfo>,
    pub tier: Option<TierShown>,
    /// Why a field above is missing or partial, in plain words.
    pub notes: Vec<String>,
    pub capabilities: Vec<Capability>,
}

/// The tier as far as it is known.
#[derive(Debug, Clone, Serialize)]
pub struct TierShown {
    pub tier: Tier,
    /// Only "this tier or above" is known.
    pub or_above: bool,
    /// `instance`, or the top-level group whose plan it is (GitLab.com).
    pub of: String,
}

pub async fn probe(client: &Client, targets: &Targets) -> Identity {
    identity(&learn(client, targets).await)
}

/// The identity and every answer, from facts already learned.
pub fn identity(facts: &Facts) -> Identity {
    let mut notes = Vec::new();
    match &facts.unreachable {
        Some(why) => notes.push(why.clone()),
        None => {
            for why in [
                unknown(&facts.version),
                unknown(&facts.caller),
                unknown(&facts.token),
            ]
            .into_iter()
            .flatten()
            {
                notes.push(why.clone());
            }
            match &facts.tier {
                Known::Unknown(why) => notes.push(format!("tier: {why}")),
                Known::Known(seen) => {
                    notes.extend(seen.floor_only.as_ref().map(|why| format!("tier: {why}")))
                }
            }
        }
    }
    let caller = facts.caller.known();
    Identity {
        url: facts.url.clone(),
        version: facts.version.known().map(|v| v.raw.clone()),
        enterprise: facts.enterprise.known().copied(),
        deployment: facts.deployment,
        username: caller.map(|c| c.username.clone()),
        user_id: caller.map(|c| c.id),
        is_admin: caller.map(|c| c.is_admin),
        token: facts.token.known().cloned(),
        tier: facts.tier.known().map(|seen| TierShown {
            tier: seen.tier,
            or_above: seen.floor_only.is_some(),
            of: seen.of.clone(),
        }),
        notes,
        capabilities: REQUIREMENTS.iter().map(|r| answer(facts, r)).collect(),
    }
}

fn unknown<T>(fact: &Known<T>) -> Option<&String> {
    match fact {
        Known::Known(_) => None,
        Known::Unknown(why) => Some(why),
    }
}
