//! Two runs against the same simulated instance, with a token and a webhook added and a token
//! revoked in between: exactly those appear, and the revoked one shows as changed.

use glir_inventory::{Kind, Options, Scope, Silent, State, collect, diff};
use glir_sim::Scenario;
use glir_sim::scenario::Hook;
use glir_test_support::client;

const ADMIN: &str = "glpat-SimAdminToken0000001";

fn options() -> Options {
    Options {
        scope: Scope::Instance,
        kinds: Vec::new(),
        concurrency: 4,
    }
}

/// The credentials fixture after an intrusion: a new token for dev, a hook on acme/app, and
/// dev's read token revoked.
pub fn after_intrusion(mut s: Scenario) -> Scenario {
    let mut token = s.tokens[1].clone();
    token.id = 50;
    token.token = "glpat-SimAttackerAdded0001".to_string();
    token.name = "backup".to_string();
    token.last_used_at = None;
    token.last_used_ips = Vec::new();
    s.tokens.push(token);
    s.tokens[1].revoked = true;
    let mut hook: Hook = s.projects[0].hooks[0].clone();
    hook.id = 450;
    hook.url = "https://collector.example.net/in".to_string();
    s.projects[0].hooks.push(hook);
    s
}

#[tokio::test]
async fn what_was_added_appears_and_what_was_revoked_changed() {
    let before = Scenario::credentials();
    let sim = glir_sim::start(before.clone()).await.unwrap();
    let addr = sim.addr();
    let old = collect(&client(&sim.url(), ADMIN), &options(), &Silent)
        .await
        .unwrap();
    sim.shutdown().await;

    // The same instance (same address) a day later.
    let sim = glir_sim::start_on(after_intrusion(before), addr)
        .await
        .unwrap();
    let new = collect(&client(&sim.url(), ADMIN), &options(), &Silent)
        .await
        .unwrap();
    let d = diff(&old, &new);
    assert!(d.complete, "{:?}", d.notes);
    let appeared: Vec<(Kind, &str)> = d.appeared.iter().map(|c| (c.kind, c.id.as_str())).collect();
    assert_eq!(
        appeared,
        [(Kind::PersonalAccessToken, "50"), (Kind::Webhook, "450")]
    );
    assert_eq!(d.appeared[1].facts["url_host"], "collector.example.net");
    assert!(d.disappeared.is_empty(), "{:#?}", d.disappeared);
    assert_eq!(d.changed.len(), 1, "{:#?}", d.changed);
    let revoked = &d.changed[0];
    assert_eq!(revoked.credential.id, "2");
    assert_eq!(revoked.credential.state, State::Revoked);
    assert_eq!(revoked.changes.len(), 1, "{:#?}", revoked.changes);
    assert_eq!(revoked.changes[0].field, "state");
    assert_eq!(revoked.changes[0].from, "active");
    assert_eq!(revoked.changes[0].to, "revoked");

    // Read back from its JSON, the earlier run compares the same.
    let text = serde_json::to_string(&old).unwrap();
    let reread = serde_json::from_str(&text).unwrap();
    assert_eq!(diff(&reread, &new), d);
    sim.shutdown().await;
}
