//! Tokens of GitLab agents for Kubernetes (doc/api/cluster_agents.md): an agent token lets the
//! agent in a cluster talk to GitLab as its project, so a leaked one is a way in as good as a
//! deploy token. GitLab shows a token once, at creation; the inventory keeps none of it.

use super::{Ctx, Harvest, Listing, source};
use crate::Error;
use crate::kind::Kind;
use crate::record::{Draft, Owner, State};
use crate::scope::Place;
use glir_gitlab::{PageRequest, Paging};
use jiff::Timestamp;
use serde::Deserialize;

#[derive(Deserialize)]
struct Agent {
    id: i64,
    name: String,
}

#[derive(Deserialize)]
struct AgentToken {
    id: i64,
    name: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    created_at: Option<Timestamp>,
    #[serde(default)]
    last_used_at: Option<Timestamp>,
}

fn list(path: String) -> PageRequest {
    PageRequest {
        path,
        query: Vec::new(),
        paging: Paging::Offset { per_page: 100 },
    }
}

/// `GET /projects/:id/cluster_agents` (Developer+), then each agent's
/// `GET …/cluster_agents/:agent_id/tokens` (Maintainer+).
pub(crate) async fn project(
    ctx: &Ctx<'_>,
    place: &Place,
    harvest: &mut Harvest,
) -> Result<(), Error> {
    if !ctx.wants(Kind::ClusterAgentToken) {
        return Ok(());
    }
    let scope = format!("project {}", place.path);
    let agents_listing = Listing {
        kinds: &[Kind::ClusterAgentToken],
        scope: &scope,
        who_sees: format!("a Developer of {scope}"),
    };
    let agents: Vec<Agent> = agents_listing
        .fetch(
            ctx,
            list(format!("/projects/{}/cluster_agents", place.id)),
            harvest,
        )
        .await?;
    let tokens_listing = Listing {
        kinds: &[Kind::ClusterAgentToken],
        scope: &scope,
        who_sees: format!("a Maintainer of {scope}"),
    };
    for agent in &agents {
        let req = list(format!(
            "/projects/{}/cluster_agents/{}/tokens",
            place.id, agent.id
        ));
        let from = source(&req);
        let tokens: Vec<AgentToken> = tokens_listing.fetch(ctx, req, harvest).await?;
        for t in tokens {
            let owner = Owner::project(place.id, &place.path);
            let mut d = Draft::new(
                Kind::ClusterAgentToken,
                t.id.to_string(),
                owner,
                from.clone(),
            )
            .named(Some(&t.name));
            d.created_at = t.created_at;
            d.last_used_at = t.last_used_at;
            d.state = State::of(t.status.as_deref() == Some("revoked"), None, ctx.now);
            d.fact("agent", agent.name.clone());
            d.fact("agent_id", agent.id);
            harvest.credentials.push(d.finish());
        }
    }
    Ok(())
}
