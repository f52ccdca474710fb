//! Every plaintext credential of the scenario, of whatever family, indexed by value: what the
//! admin token lookup, `/runners/verify` and job-token authentication search.

use crate::scenario::{Application, DeployToken, Job, Runner, Scenario, Token, Trigger};
use std::collections::HashMap;

/// A credential found by its plaintext.
#[derive(Clone, Copy)]
pub(crate) enum Credential<'a> {
    /// Personal, impersonation, project or group access token.
    Token(&'a Token),
    Deploy(&'a DeployToken),
    Trigger(&'a Trigger),
    Runner(&'a Runner),
    Job(&'a Job),
    Application(&'a Application),
}

#[derive(Clone, Copy)]
enum Slot {
    Token(usize),
    Deploy(usize),
    Trigger(usize),
    Runner(usize),
    Job(usize),
    Application(usize),
}

/// Plaintext → credential.
pub(crate) struct CredentialIndex(HashMap<String, Slot>);

impl CredentialIndex {
    pub(crate) fn build(s: &Scenario) -> CredentialIndex {
        let mut map = HashMap::new();
        let mut add = |value: &str, slot: Slot| {
            map.insert(value.to_string(), slot);
        };
        s.tokens
            .iter()
            .enumerate()
            .for_each(|(i, t)| add(&t.token, Slot::Token(i)));
        s.deploy_tokens
            .iter()
            .enumerate()
            .for_each(|(i, t)| add(&t.token, Slot::Deploy(i)));
        s.triggers
            .iter()
            .enumerate()
            .for_each(|(i, t)| add(&t.token, Slot::Trigger(i)));
        s.runners
            .iter()
            .enumerate()
            .for_each(|(i, r)| add(&r.token, Slot::Runner(i)));
        for (i, j) in s.jobs.iter().enumerate() {
            if let Some(token) = &j.token {
                add(token, Slot::Job(i));
            }
        }
        s.applications
            .iter()
            .enumerate()
            .for_each(|(i, a)| add(&a.secret, Slot::Application(i)));
        CredentialIndex(map)
    }

    pub(crate) fn find<'a>(&self, s: &'a Scenario, plaintext: &str) -> Option<Credential<'a>> {
        Some(match *self.0.get(plaintext)? {
            Slot::Token(i) => Credential::Token(&s.tokens[i]),
            Slot::Deploy(i) => Credential::Deploy(&s.deploy_tokens[i]),
            Slot::Trigger(i) => Credential::Trigger(&s.triggers[i]),
            Slot::Runner(i) => Credential::Runner(&s.runners[i]),
            Slot::Job(i) => Credential::Job(&s.jobs[i]),
            Slot::Application(i) => Credential::Application(&s.applications[i]),
        })
    }
}
