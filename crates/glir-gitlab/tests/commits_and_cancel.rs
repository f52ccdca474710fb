//! Repository history and job cancellation against the simulator's credential fixture.

use futures::TryStreamExt;
use glir_gitlab::{Auth, Client, Commit};
use glir_redact::Secret;
use glir_sim::Scenario;
use glir_test_support::client;

#[tokio::test]
async fn commits_come_newest_first_with_their_files_and_filter_by_time() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let c = client(&sim.url(), "glpat-SimAdminToken0000001");
    let mut all: Vec<Commit> = Vec::new();
    let mut pages = std::pin::pin!(c.pages::<Commit>(c.project_commits("acme/app", None, None)));
    while let Some(page) = pages.try_next().await.unwrap() {
        all.extend(page.items);
    }
    let titles: Vec<&str> = all.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "ci: add cache warmup",
            "Fix login redirect",
            "Bump dependencies"
        ]
    );
    let since = all[1].authored_date;
    let mut recent: Vec<Commit> = Vec::new();
    let mut pages =
        std::pin::pin!(c.pages::<Commit>(c.project_commits("acme/app", Some(since), None)));
    while let Some(page) = pages.try_next().await.unwrap() {
        recent.extend(page.items);
    }
    assert_eq!(recent.len(), 2);
    let files = c.commit_files("acme/app", &all[0].id).await.unwrap().body;
    let paths: Vec<&str> = files.iter().map(|f| f.new_path.as_str()).collect();
    assert_eq!(paths, [".gitlab-ci.yml", "scripts/warm.sh"]);
    let err = c
        .commit_files("acme/app", "ffffffffffff")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    // A Guest of a private project cannot read its code.
    let guest = client(&sim.url(), "glpat-SimGuestToken0000001");
    let err = guest
        .commit_files("acme/app", &all[0].id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn cancelling_a_running_job_ends_its_token_and_a_repeat_changes_nothing() {
    let sim = glir_sim::start(Scenario::credentials()).await.unwrap();
    let c = client(&sim.url(), "glpat-SimAdminToken0000001");
    let first = c.cancel_job("acme/app", 205).await.unwrap();
    assert!(first.changed);
    assert_eq!(first.value.status, "canceled");
    assert_eq!(first.status, 201);
    let again = c.cancel_job("acme/app", 205).await.unwrap();
    assert!(!again.changed);
    let finished = c.cancel_job("acme/app", 206).await.unwrap();
    assert!(!finished.changed, "a finished job is not cancelable");
    assert_eq!(finished.value.status, "success");
    let job = Client::builder(&sim.url())
        .unwrap()
        .auth(Auth::JobToken(Secret::new("glcbt-64_SimRunningJobToken01")))
        .build()
        .unwrap();
    assert_eq!(job.current_job().await.unwrap_err().status(), Some(401));
    let read_only = client(&sim.url(), "glpat-SimGroupBot100000001");
    let err = read_only.cancel_job("acme/app", 207).await.unwrap_err();
    assert_eq!(err.status(), Some(403), "read_api cannot cancel: {err}");
}
