//! A generated fleet of 5,000 projects starts, serves its projects page by page to an
//! administrator and fewer to a member, and has GitLab.com's API rate limit on.

mod common;

use common::{get, get_json, header, ids, link};
use glir_sim::{FleetSpec, Scenario};

#[tokio::test]
async fn a_fleet_of_five_thousand_projects_serves_every_page() {
    let sim = glir_sim::start(Scenario::fleet(FleetSpec::new(5000)))
        .await
        .expect("sim starts");
    let resp = get(&sim, FleetSpec::ADMIN_TOKEN, "/projects?per_page=100").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-total"), Some("5000"));
    assert_eq!(header(&resp, "x-total-pages"), Some("50"));

    let mut url = format!(
        "{}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=100&simple=true",
        sim.url()
    );
    let client = reqwest::Client::new();
    let mut seen: Vec<i64> = Vec::new();
    loop {
        let resp = client
            .get(&url)
            .header("PRIVATE-TOKEN", FleetSpec::ADMIN_TOKEN)
            .send()
            .await
            .expect("page");
        assert_eq!(resp.status(), 200);
        let next = link(&resp, "next");
        let body: serde_json::Value = resp.json().await.expect("json");
        seen.extend(ids(&body));
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    assert_eq!(seen.len(), 5000);
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "ascending, no repeats"
    );

    let member = get(&sim, FleetSpec::MEMBER_TOKEN, "/projects?membership=true").await;
    let total: usize = header(&member, "x-total")
        .and_then(|t| t.parse().ok())
        .expect("x-total");
    assert!(total > 0 && total < 5000, "{total}");

    let (status, settings) = get_json(&sim, FleetSpec::ADMIN_TOKEN, "/application/settings").await;
    assert_eq!(status, 200);
    assert_eq!(settings["throttle_authenticated_api_enabled"], true);
    assert_eq!(
        settings["throttle_authenticated_api_requests_per_period"],
        2000
    );
    assert_eq!(settings["throttle_authenticated_api_period_in_seconds"], 60);
    let (status, groups) = get_json(&sim, FleetSpec::ADMIN_TOKEN, "/groups?per_page=100").await;
    assert_eq!(status, 200);
    assert_eq!(groups.as_array().map(Vec::len), Some(100));
}
