//! One module per credential family: which endpoint lists it, who may read it, and how its
//! items become [`Credential`]s. Each listing records an outcome per family and place.

pub(crate) mod agents;
pub(crate) mod apps;
pub(crate) mod deploy;
pub(crate) mod hooks;
pub(crate) mod keys;
pub(crate) mod runners;
pub(crate) mod tokens;
pub(crate) mod triggers;
pub(crate) mod variables;

use crate::Error;
use crate::coverage::{Outcome, outcome_of};
use crate::kind::Kind;
use crate::record::Credential;
use glir_gitlab::{Client, PageRequest};
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;

/// What every listing needs.
pub(crate) struct Ctx<'a> {
    pub client: &'a Client,
    pub now: Timestamp,
    /// The families asked for.
    pub kinds: &'a BTreeSet<Kind>,
}

impl Ctx<'_> {
    pub fn wants(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }

    pub fn wants_any(&self, kinds: &[Kind]) -> bool {
        kinds.iter().any(|k| self.wants(*k))
    }
}

/// What one place yielded: credentials, each listing's outcome, and runners to look up.
#[derive(Debug, Default)]
pub(crate) struct Harvest {
    pub outcomes: Vec<(Kind, String, Outcome)>,
    pub credentials: Vec<Credential>,
    /// Credentials from an instance-wide list that says less about them (a bot's token without
    /// its project, a deploy token without its owner): kept only when no other list showed
    /// the same credential.
    pub fallbacks: Vec<Credential>,
    /// Runner list items (ids with what the list shows) whose details are read once, however
    /// many projects list them.
    pub runners: Vec<serde_json::Value>,
}

impl Harvest {
    pub fn record(&mut self, kind: Kind, scope: &str, outcome: Outcome) {
        self.outcomes.push((kind, scope.to_string(), outcome));
    }

    pub fn absorb(&mut self, other: Harvest) {
        self.outcomes.extend(other.outcomes);
        self.credentials.extend(other.credentials);
        self.fallbacks.extend(other.fallbacks);
        self.runners.extend(other.runners);
    }
}

/// A listing of one family in one place.
pub(crate) struct Listing<'a> {
    /// The families its outcome counts for.
    pub kinds: &'a [Kind],
    /// `project acme/app`, `instance`, …
    pub scope: &'a str,
    /// Who sees the whole list, for the reason of a refusal: `a Maintainer of project acme/app`.
    pub who_sees: String,
}

impl Listing<'_> {
    /// Every item of `req`, its outcome recorded: on a refusal or failure, no items and the
    /// reason; on a fault that ends the run, the error.
    pub async fn fetch<T: DeserializeOwned + Send + 'static>(
        &self,
        ctx: &Ctx<'_>,
        req: PageRequest,
        harvest: &mut Harvest,
    ) -> Result<Vec<T>, Error> {
        let what = format!("GET {}", req.path);
        let (items, outcome) = match ctx.client.all::<T>(req).await {
            Ok(items) => (items, Outcome::Complete),
            Err(e) => (Vec::new(), outcome_of(e, &what, &self.who_sees)?),
        };
        for kind in self.kinds {
            harvest.record(*kind, self.scope, outcome.clone());
        }
        Ok(items)
    }
}

/// The API call as a credential's `source`.
pub(crate) fn source(req: &PageRequest) -> String {
    format!("GET /api/v4{}", req.path)
}
