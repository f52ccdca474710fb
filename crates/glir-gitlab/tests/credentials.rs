//! Token inspection, runner and job-token checks, jobs, logs, artifacts and CI variables,
//! against the simulator's credential fixture (`Scenario::credentials`).

use futures::TryStreamExt;
use glir_gitlab::{
    Auth, Client, DeployToken, Error, Job, JobFilter, Page, PageRequest, Paging, PatFilter,
    PersonalAccessToken, Project, RunnerTokenCheck, TokenDetails, Trigger, Variable,
};
use glir_redact::Secret;
use glir_sim::{Scenario, SimHandle};
use serde::de::DeserializeOwned;
use std::io::{Cursor, Read};

/// A client for `sim` presenting `token`.
fn client(sim: &SimHandle, token: &str) -> Client {
    glir_test_support::client(&sim.url(), token)
}

fn with_auth(sim: &SimHandle, auth: Auth) -> Client {
    glir_test_support::client_as(&sim.url(), auth)
}

const ADMIN: &str = "glpat-SimAdminToken0000001";
const DEV: &str = "glpat-SimDevToken100000001";
const OWNER: &str = "glpat-SimOwnerToken0000001";
const GUEST: &str = "glpat-SimGuestToken0000001";
const EXPIRED: &str = "glpat-SimExpiredToken00001";
const REVOKED: &str = "glpat-SimRevokedToken00001";
const BLOCKED: &str = "glpat-SimBlockedUser000001";
const PROJECT_BOT: &str = "glpat-SimProjectBot0000001";
const DEPLOY: &str = "gldt-SimDeployActive00001";
const TRIGGER: &str = "glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13";
const RUNNER: &str = "glrt-SimRunnerActive00001";
const RUNNER_EXPIRED: &str = "glrt-SimRunnerExpired0001";
const RUNNING_JOB: &str = "glcbt-64_SimRunningJobToken01";
const FINISHED_JOB: &str = "glcbt-64_SimFinishedJobTokn01";
const OAUTH_SECRET: &str = "gloas-a79baf1b6e8df1344a7f3ca9817144f02c212d6a79127f9937537c3f085c6897";

async fn sim() -> SimHandle {
    glir_sim::start(Scenario::credentials()).await.unwrap()
}

async fn all<T: DeserializeOwned + Send + 'static>(
    client: &Client,
    req: PageRequest,
) -> Result<Vec<T>, Error> {
    let pages: Vec<Page<T>> = client.pages(req).try_collect().await?;
    Ok(pages.into_iter().flat_map(|p| p.items).collect())
}

fn small_pages(mut req: PageRequest) -> PageRequest {
    req.paging = Paging::Offset { per_page: 2 };
    req
}

#[tokio::test]
async fn admin_lookup_identifies_every_family() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let lookup = |t: &str| {
        let admin = admin.clone();
        let t = Secret::new(t);
        async move { admin.admin_token_lookup(&t).await }
    };

    let found = lookup(DEV).await.unwrap().body;
    let TokenDetails::PersonalAccessToken(pat) = found.details else {
        panic!("{:?}", found.details)
    };
    assert_eq!((pat.id, pat.user_id), (2, 2));
    assert!(pat.active && !pat.revoked);
    assert_eq!(
        pat.last_used_ips.as_deref(),
        Some(&["203.0.113.50".to_string(), "198.51.100.11".to_string()][..])
    );

    // The lookup finds tokens in every state; the state is in the entity.
    let TokenDetails::PersonalAccessToken(revoked) = lookup(REVOKED).await.unwrap().body.details
    else {
        panic!("revoked PAT not found")
    };
    assert!(revoked.revoked && !revoked.active);
    let TokenDetails::PersonalAccessToken(expired) = lookup(EXPIRED).await.unwrap().body.details
    else {
        panic!("expired PAT not found")
    };
    assert!(!expired.active && !expired.revoked);
    let TokenDetails::PersonalAccessToken(bot) = lookup(PROJECT_BOT).await.unwrap().body.details
    else {
        panic!("project token not found")
    };
    assert_eq!(bot.access_level, Some(40));

    assert!(matches!(
        lookup(DEPLOY).await.unwrap().body.details,
        TokenDetails::DeployToken(DeployToken {
            id: 1,
            revoked: false,
            ..
        })
    ));
    let trigger = lookup(TRIGGER).await.unwrap().body;
    let TokenDetails::Trigger(t) = &trigger.details else {
        panic!("{:?}", trigger.details)
    };
    assert_eq!(t.id, 1);
    // Not the owner: GitLab shows only the start of the token.
    assert_ne!(t.token.as_ref().map(Secret::expose), Some(TRIGGER));
    assert!(matches!(
        lookup(RUNNER).await.unwrap().body.details,
        TokenDetails::Runner(r) if r.id == 1 && r.runner_type.as_deref() == Some("project_type")
    ));
    assert!(matches!(
        lookup(RUNNING_JOB).await.unwrap().body.details,
        TokenDetails::Job(j) if j.id == 205 && j.status == "running"
    ));
    let app = lookup(OAUTH_SECRET).await.unwrap().body;
    assert!(matches!(
        &app.details,
        TokenDetails::Application(a) if a.application_name == "sim-deploy-dashboard"
    ));
    assert!(!app.raw.to_string().contains("SimOauthAppSecret"));

    let unknown = lookup("glpat-NoSuchTokenAnywhere1").await.unwrap_err();
    assert_eq!(unknown.status(), Some(404), "{unknown}");
    assert!(matches!(unknown, Error::NotFound { .. }));
    let unsupported = lookup("glwt-SimWorkspaceToken000001").await.unwrap_err();
    assert_eq!(unsupported.status(), Some(422), "{unsupported}");

    let not_admin = client(&sim, OWNER)
        .admin_token_lookup(&Secret::new(DEV))
        .await
        .unwrap_err();
    assert_eq!(not_admin.status(), Some(403), "{not_admin}");
    // The looked-up token never appears in an error.
    for err in [unknown, unsupported, not_admin] {
        assert!(!err.to_string().contains("SimDevToken"), "{err}");
    }
}

#[tokio::test]
async fn pat_self_reports_state_through_statuses() {
    let sim = sim().await;
    let me = client(&sim, DEV)
        .personal_access_token_self()
        .await
        .unwrap()
        .body;
    assert_eq!((me.id, me.name.as_str()), (2, "sim-dev"));
    assert_eq!(me.last_used_ips.as_ref().map(Vec::len), Some(2));

    let expired = client(&sim, EXPIRED)
        .personal_access_token_self()
        .await
        .unwrap_err();
    assert!(
        matches!(&expired, Error::Unauthorized { detail: Some(d), .. } if d.contains("expired")),
        "{expired}"
    );
    let revoked = client(&sim, REVOKED)
        .personal_access_token_self()
        .await
        .unwrap_err();
    assert!(
        matches!(&revoked, Error::Unauthorized { detail: Some(d), .. } if d.contains("revoked")),
        "{revoked}"
    );
    let blocked = client(&sim, BLOCKED)
        .personal_access_token_self()
        .await
        .unwrap_err();
    assert!(
        matches!(&blocked, Error::Forbidden { message, .. } if message.contains("blocked")),
        "{blocked}"
    );
    let unknown = client(&sim, "glpat-NoSuchTokenAnywhere1")
        .personal_access_token_self()
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, Error::Unauthorized { detail: None, .. }),
        "{unknown}"
    );
}

#[tokio::test]
async fn pat_by_id_and_list_follow_ownership() {
    let sim = sim().await;
    let admin = client(&sim, ADMIN);
    let dev = client(&sim, DEV);
    assert_eq!(
        admin.personal_access_token(7).await.unwrap().body.user_id,
        5
    );
    assert_eq!(
        dev.personal_access_token(4).await.unwrap().body.name,
        "expired"
    );
    assert_eq!(
        dev.personal_access_token(1).await.unwrap_err().status(),
        Some(401)
    );
    assert_eq!(
        admin.personal_access_token(999).await.unwrap_err().status(),
        Some(404)
    );

    let mut ids: Vec<i64> = all::<PersonalAccessToken>(
        &admin,
        admin.personal_access_tokens(&PatFilter {
            user_id: Some(2),
            ..PatFilter::default()
        }),
    )
    .await
    .unwrap()
    .iter()
    .map(|t| t.id)
    .collect();
    ids.sort_unstable();
    assert_eq!(ids, [2, 4, 5, 9, 11]);
    let impersonation = admin.personal_access_token(9).await.unwrap().body;
    assert_eq!(impersonation.impersonation, Some(true));

    // A non-admin sees only their own, and may not ask for someone else's.
    let own: Vec<PersonalAccessToken> =
        all(&dev, dev.personal_access_tokens(&PatFilter::default()))
            .await
            .unwrap();
    assert!(own.iter().all(|t| t.user_id == 2) && own.len() == 5);
    let others = all::<PersonalAccessToken>(
        &dev,
        dev.personal_access_tokens(&PatFilter {
            user_id: Some(1),
            ..PatFilter::default()
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(others.status(), Some(401));

    let active: Vec<PersonalAccessToken> = all(
        &admin,
        admin.personal_access_tokens(&PatFilter {
            user_id: Some(2),
            state: Some("active".into()),
            ..PatFilter::default()
        }),
    )
    .await
    .unwrap();
    let mut active_ids: Vec<i64> = active.iter().map(|t| t.id).collect();
    active_ids.sort_unstable();
    assert_eq!(active_ids, [2, 9, 11]);
}

#[tokio::test]
async fn resource_tokens_need_their_roles() {
    let sim = sim().await;
    let owner = client(&sim, OWNER);
    let dev = client(&sim, DEV);

    let project: Vec<PersonalAccessToken> = all(&owner, owner.project_access_tokens("acme/app"))
        .await
        .unwrap();
    assert_eq!(project.len(), 1);
    assert_eq!((project[0].id, project[0].access_level), (7, Some(40)));
    let group: Vec<PersonalAccessToken> = all(&owner, owner.group_access_tokens("acme"))
        .await
        .unwrap();
    assert_eq!(group.len(), 1);
    assert_eq!((group[0].id, group[0].access_level), (8, Some(30)));

    let denied = all::<PersonalAccessToken>(&dev, dev.project_access_tokens("acme/app"))
        .await
        .unwrap_err();
    assert_eq!(denied.status(), Some(403));
    let hidden = all::<PersonalAccessToken>(&dev, dev.project_access_tokens("acme/nope"))
        .await
        .unwrap_err();
    assert_eq!(hidden.status(), Some(404));

    let project_deploy: Vec<DeployToken> = all(&owner, owner.project_deploy_tokens("acme/app"))
        .await
        .unwrap();
    let expired: Vec<(i64, bool)> = project_deploy.iter().map(|d| (d.id, d.expired)).collect();
    assert_eq!(expired, [(3, true), (1, false)]);
    let group_deploy: Vec<DeployToken> = all(&owner, owner.group_deploy_tokens("acme"))
        .await
        .unwrap();
    assert!(group_deploy.len() == 1 && group_deploy[0].revoked);
    let admin = client(&sim, ADMIN);
    assert_eq!(
        all::<DeployToken>(&admin, admin.deploy_tokens())
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        all::<DeployToken>(&owner, owner.deploy_tokens())
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    assert_eq!(
        all::<DeployToken>(&dev, dev.project_deploy_tokens("acme/app"))
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );

    let triggers: Vec<Trigger> = all(&owner, owner.project_triggers("acme/app"))
        .await
        .unwrap();
    let own = triggers.iter().find(|t| t.id == 1).unwrap();
    let others = triggers.iter().find(|t| t.id == 2).unwrap();
    // Only the owner sees a trigger's full token.
    assert_eq!(own.token.as_ref().map(Secret::expose), Some(TRIGGER));
    assert_eq!(own.owner.as_ref().map(|u| u.username.as_str()), Some("ops"));
    let short = others.token.as_ref().map(Secret::expose).unwrap();
    assert!(short.len() < 15 && short.starts_with("glptt-"), "{short}");
    assert!(others.expires_at.is_some());
}

#[tokio::test]
async fn runners_are_shown_by_role_and_verified_without_auth() {
    let sim = sim().await;
    let runner = client(&sim, OWNER).runner(1).await.unwrap().body;
    assert_eq!(runner.runner_type.as_deref(), Some("project_type"));
    assert_eq!(runner.tag_list, ["docker"]);
    assert_eq!(
        client(&sim, DEV).runner(1).await.unwrap_err().status(),
        Some(403)
    );
    // Instance runners are visible to any signed-in user.
    assert!(client(&sim, DEV).runner(2).await.is_ok());
    assert_eq!(
        client(&sim, ADMIN).runner(99).await.unwrap_err().status(),
        Some(404)
    );

    let anonymous = with_auth(&sim, Auth::None);
    match anonymous
        .runners_verify(&Secret::new(RUNNER))
        .await
        .unwrap()
    {
        RunnerTokenCheck::Valid(v) => assert_eq!(v.id, Some(1)),
        RunnerTokenCheck::Invalid => panic!("active runner token reported invalid"),
    }
    for dead in [RUNNER_EXPIRED, "glrt-NoSuchRunnerToken0001", DEV] {
        assert_eq!(
            anonymous.runners_verify(&Secret::new(dead)).await.unwrap(),
            RunnerTokenCheck::Invalid
        );
    }
}

#[tokio::test]
async fn job_tokens_work_only_while_the_job_runs() {
    let sim = sim().await;
    let running = with_auth(&sim, Auth::JobToken(Secret::new(RUNNING_JOB)))
        .current_job()
        .await
        .unwrap()
        .body;
    assert_eq!((running.id, running.status.as_str()), (205, "running"));
    for dead in [FINISHED_JOB, "glcbt-NoSuchJobToken000001"] {
        let err = with_auth(&sim, Auth::JobToken(Secret::new(dead)))
            .current_job()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(401), "{err}");
    }
    // A job token is not a user token: GET /job with PRIVATE-TOKEN is refused.
    assert_eq!(
        client(&sim, DEV).current_job().await.unwrap_err().status(),
        Some(401)
    );
}

#[tokio::test]
async fn jobs_page_and_filter_by_scope() {
    let sim = sim().await;
    let dev = client(&sim, DEV);
    let req = dev.project_jobs(
        "acme/app",
        &JobFilter {
            per_page: Some(2),
            ..JobFilter::default()
        },
    );
    let pages: Vec<Page<Job>> = dev.pages(req).try_collect().await.unwrap();
    assert_eq!(pages.len(), 4);
    let ids: Vec<i64> = pages.iter().flat_map(|p| &p.items).map(|j| j.id).collect();
    assert_eq!(ids, [207, 206, 205, 204, 203, 202, 201]);

    let first = &pages[3].items[0];
    assert_eq!(first.name, "build");
    assert_eq!(
        first.user.as_ref().map(|u| u.username.as_str()),
        Some("ops")
    );
    assert_eq!(first.git_ref.as_deref(), Some("main"));
    assert!(first.pipeline.is_some() && first.started_at.is_some());
    let archive = first
        .artifacts
        .iter()
        .find(|a| a.file_type == "archive")
        .unwrap();
    assert!(archive.size.unwrap() > 100);
    assert!(first.artifacts_expire_at.is_some());

    let done: Vec<Job> = all(
        &dev,
        dev.project_jobs(
            "acme/app",
            &JobFilter {
                scope: vec!["success".into(), "failed".into()],
                per_page: None,
            },
        ),
    )
    .await
    .unwrap();
    let ids: Vec<i64> = done.iter().map(|j| j.id).collect();
    assert_eq!(ids, [206, 204, 203, 202, 201]);

    let group_projects: Vec<Project> = all(&dev, dev.group_projects("acme", true)).await.unwrap();
    assert_eq!(group_projects.len(), 1);
    assert_eq!(group_projects[0].path_with_namespace, "acme/app");
}

#[tokio::test]
async fn traces_are_raw_bytes_for_developers() {
    let sim = sim().await;
    let scenario = Scenario::credentials();
    let dev = client(&sim, DEV);
    for job in &scenario.jobs {
        match &job.trace {
            Some(expected) => {
                let got = dev.job_trace("acme/app", job.id).await.unwrap().body;
                assert_eq!(got, expected.as_bytes(), "job {}", job.id);
            }
            // A job that never ran: GitLab answers an empty log, not 404.
            None => assert!(
                dev.job_trace("acme/app", job.id)
                    .await
                    .unwrap()
                    .body
                    .is_empty()
            ),
        }
    }
    let build = dev.job_trace("acme/app", 201).await.unwrap().body;
    let text = String::from_utf8(build).unwrap();
    assert!(text.contains("\u{1b}[0Ksection_start:") && text.contains("[MASKED]"));

    let guest = client(&sim, GUEST);
    assert_eq!(
        guest.job_trace("acme/app", 201).await.unwrap_err().status(),
        Some(403)
    );
    assert_eq!(
        dev.job_trace("acme/app", 999).await.unwrap_err().status(),
        Some(404)
    );
}

#[tokio::test]
async fn artifacts_are_a_readable_zip_within_the_cap() {
    let sim = sim().await;
    let dev = client(&sim, DEV);
    let zip = dev
        .job_artifacts("acme/app", 201, 1 << 20)
        .await
        .unwrap()
        .body;
    let mut archive = zip::ZipArchive::new(Cursor::new(zip.clone())).unwrap();
    let mut env = String::new();
    archive
        .by_name(".env")
        .unwrap()
        .read_to_string(&mut env)
        .unwrap();
    assert!(env.contains(DEPLOY));
    let mut nested = Vec::new();
    archive
        .by_name("dist/bundle.zip")
        .unwrap()
        .read_to_end(&mut nested)
        .unwrap();
    let mut inner = zip::ZipArchive::new(Cursor::new(nested)).unwrap();
    let mut text = String::new();
    inner
        .by_name("config/trigger.txt")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains(TRIGGER));

    let limit = u64::try_from(zip.len()).unwrap() - 1;
    let err = dev.job_artifacts("acme/app", 201, limit).await.unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit: l, .. } if l == limit),
        "{err}"
    );
    assert_eq!(
        dev.job_artifacts("acme/app", 202, 1 << 20)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

#[tokio::test]
async fn variables_need_maintainer_and_hide_hidden_values() {
    let sim = sim().await;
    let owner = client(&sim, OWNER);
    let pages: Vec<Page<Variable>> = owner
        .pages(small_pages(owner.project_variables("acme/app")))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    let vars: Vec<&Variable> = pages.iter().flat_map(|p| &p.items).collect();
    let keys: Vec<&str> = vars.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "DEPLOY_PASSWORD",
            "API_SECRET_KEY",
            "HIDDEN_SIGNING_KEY",
            "KUBECONFIG"
        ]
    );
    let leaky = vars[1];
    assert!(!leaky.masked && !leaky.protected);
    assert_eq!(
        leaky.value.as_ref().map(Secret::expose),
        Some("Sim+Leak/Secret=Value!2026")
    );
    assert!(!format!("{leaky:?}").contains("Sim+Leak"));
    let hidden = vars[2];
    assert_eq!((hidden.hidden, hidden.value.as_ref()), (Some(true), None));
    assert!(vars[0].masked && vars[0].protected);
    assert_eq!(vars[3].variable_type, "file");
    assert_eq!(vars[3].environment_scope.as_deref(), Some("production"));

    let group: Vec<Variable> = all(&owner, owner.group_variables("acme")).await.unwrap();
    assert_eq!(group.len(), 2);

    let dev = client(&sim, DEV);
    for req in [
        dev.project_variables("acme/app"),
        dev.group_variables("acme"),
    ] {
        let err = all::<Variable>(&dev, req).await.unwrap_err();
        assert_eq!(err.status(), Some(403), "{err}");
    }
}
