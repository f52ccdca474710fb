//! Job logs split into shards against the simulator: every shard lists the same projects and
//! fetches only its own, so shards never overlap and together are the whole group.

use glir_collect::{JobLogRequest, Shard, fetch_job_logs};
use glir_gitlab::{Auth, Client};
use glir_redact::Secret;
use glir_sim::Scenario;
use glir_sim::scenario::{Group, Job, Project};
use std::collections::{BTreeMap, BTreeSet};

const ADMIN_TOKEN: &str = "glpat-SimAdminToken0000001";

/// The credential fixture's `acme/app` (id 20) and eleven more projects of `acme` and its
/// subgroup `acme/platform`, each with a job.
fn group_of_projects() -> Scenario {
    let mut s = Scenario::credentials();
    let sub: Group =
        serde_json::from_value(serde_json::json!({"id": 11, "path": "platform", "parent_id": 10}))
            .unwrap();
    s.groups.push(sub);
    let template = s.jobs.iter().find(|j| j.id == 202).unwrap().clone();
    for id in 21..=32 {
        let namespace = if id % 2 == 0 { "acme" } else { "acme/platform" };
        let path = format!("svc{id}");
        s.projects.push(Project::new(id, &path, namespace));
        s.jobs.push(Job {
            id: 1000 + id,
            project: format!("{namespace}/{path}"),
            ..template.clone()
        });
    }
    s
}

fn request(shard: Option<Shard>) -> JobLogRequest {
    JobLogRequest {
        target: "acme".into(),
        since: None,
        artifacts: false,
        max_artifact_bytes: 0,
        concurrency: 2,
        shard,
    }
}

/// The projects whose jobs a run fetched, and how many it listed in all.
async fn fetched(client: &Client, shard: Option<Shard>) -> (BTreeSet<String>, u64) {
    let mut projects = BTreeSet::new();
    let summary = fetch_job_logs(client, &request(shard), &mut |log| {
        projects.insert(log.project);
    })
    .await
    .unwrap();
    assert_eq!(summary.projects, projects.len() as u64, "{shard:?}");
    (projects, summary.projects + summary.other_shards)
}

#[tokio::test]
async fn shards_split_a_group_with_no_project_twice_and_none_left_out() {
    let scenario = group_of_projects();
    let ids: BTreeMap<String, i64> = scenario
        .projects
        .iter()
        .map(|p| (format!("{}/{}", p.namespace, p.path), p.id))
        .collect();
    let sim = glir_sim::start(scenario).await.unwrap();
    let client = Client::builder(&sim.url())
        .unwrap()
        .auth(Auth::PrivateToken(Secret::new(ADMIN_TOKEN)))
        .build()
        .unwrap();
    let (whole, listed) = fetched(&client, None).await;
    assert_eq!(whole.len(), 13, "{whole:?}");
    assert_eq!(listed, 13);
    for count in [1, 2, 3, 5] {
        let mut union = BTreeSet::new();
        for index in 1..=count {
            let shard = Shard::new(index, count).unwrap();
            let (part, listed) = fetched(&client, Some(shard)).await;
            assert_eq!(listed, 13, "shard {shard} lists every project");
            for project in &part {
                assert_eq!(
                    ids[project] % i64::from(count) + 1,
                    i64::from(index),
                    "{project} in shard {shard}"
                );
                assert!(union.insert(project.clone()), "{project} in two shards");
            }
        }
        assert_eq!(union, whole, "the {count} shards together");
    }
}
