//! The fixture behind [`Scenario::credentials`]: the synthetic cast plus a token of every family
//! in every state, CI jobs whose logs and artifacts leak some of them, and CI variables.

use super::synthetic::{self, member, token};
use super::{
    Application, ArtifactFile, ClusterAgent, ClusterAgentToken, Commit, DeployToken, Job, Runner,
    RunnerAccessLevel, RunnerType, Scenario, Token, TokenKind, Trigger, User, UserState, Variable,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::{SignedDuration, Timestamp};

/// When the fixture's jobs ran; tokens expire relative to real time, so dates are far apart.
const JOBS_AT: Timestamp = Timestamp::constant(1_764_230_400, 0); // 2025-11-27T08:00:00Z

/// The unmasked, unprotected variable whose value leaks in three job logs.
pub(super) const LEAKY_VALUE: &str = "Sim+Leak/Secret=Value!2026";

pub(super) fn build() -> Scenario {
    let mut s = synthetic::build(0, JOBS_AT);
    s.description = Some(
        "Synthetic credential fixture — a token of every GitLab family in every state, leaky CI \
         jobs and variables. Not real data."
            .to_string(),
    );
    s.users.extend([
        extra_user(4, "blocked-user", UserState::Blocked, false),
        extra_user(5, "project_20_bot_sim", UserState::Active, true),
        extra_user(6, "group_10_bot_sim", UserState::Active, true),
        extra_user(7, "guest", UserState::Active, false),
    ]);
    let acme = &mut s.groups[0];
    acme.members
        .extend([member("group_10_bot_sim", 30), member("guest", 10)]);
    acme.variables = vec![
        variable(
            "GROUP_REGISTRY_PASSWORD",
            "SimGroupRegistryPw01",
            true,
            true,
        ),
        variable(
            "GROUP_WEBHOOK_SECRET",
            "SimGroupWebhookSecret01",
            false,
            false,
        ),
    ];
    let app = &mut s.projects[0];
    app.members.push(member("project_20_bot_sim", 40));
    // An agent for Kubernetes with a token in use and one revoked.
    app.cluster_agents = vec![ClusterAgent {
        id: 701,
        name: "prod-cluster".to_string(),
        created_at: None,
        created_by_user_id: Some(3),
        tokens: vec![
            ClusterAgentToken {
                id: 7011,
                name: "prod-agent-token".to_string(),
                description: Some("kas connection of prod-cluster".to_string()),
                revoked: false,
                created_at: None,
                created_by_user_id: Some(3),
                last_used_at: Some("2026-11-30T08:00:00Z".parse().expect("a timestamp")),
            },
            ClusterAgentToken {
                id: 7012,
                name: "old-agent-token".to_string(),
                description: None,
                revoked: true,
                created_at: None,
                created_by_user_id: Some(3),
                last_used_at: None,
            },
        ],
    }];
    // History around the jobs: two ordinary changes, then a pipeline change pushed while the
    // long-running job 205 (whose token leaks) was running.
    app.commits = vec![
        commit(
            "a1",
            "Bump dependencies",
            "dev",
            -600,
            &["package.json", "package-lock.json"],
        ),
        commit("b2", "Fix login redirect", "dev", -120, &["src/login.ts"]),
        commit(
            "c3",
            "ci: add cache warmup",
            "ops",
            45,
            &[".gitlab-ci.yml", "scripts/warm.sh"],
        ),
    ];
    app.variables = vec![
        variable("DEPLOY_PASSWORD", "SimMaskedDeployPw0001", true, true),
        variable("API_SECRET_KEY", LEAKY_VALUE, false, false),
        Variable {
            hidden: true,
            description: Some("masked and hidden (17.4+)".to_string()),
            ..variable("HIDDEN_SIGNING_KEY", "SimHiddenSigningKey001", true, true)
        },
        Variable {
            variable_type: "file".to_string(),
            environment_scope: "production".to_string(),
            ..variable("KUBECONFIG", "apiVersion: v1\nkind: Config\n", true, false)
        },
    ];
    s.tokens[1].last_used_at = Some(JOBS_AT);
    s.tokens[1].last_used_ips = vec!["203.0.113.50".to_string(), "198.51.100.11".to_string()];
    s.tokens.extend([
        Token {
            expires_at: Some(jiff::civil::date(2025, 1, 1)),
            ..token(4, "glpat-SimExpiredToken00001", "dev", "expired", &["api"])
        },
        Token {
            revoked: true,
            ..token(5, "glpat-SimRevokedToken00001", "dev", "revoked", &["api"])
        },
        token(
            6,
            "glpat-SimBlockedUser000001",
            "blocked-user",
            "blocked",
            &["api"],
        ),
        Token {
            kind: TokenKind::ProjectAccess,
            resource: Some("acme/app".to_string()),
            access_level: Some(40),
            ..token(
                7,
                "glpat-SimProjectBot0000001",
                "project_20_bot_sim",
                "ci-bot",
                &["api"],
            )
        },
        Token {
            kind: TokenKind::GroupAccess,
            resource: Some("acme".to_string()),
            access_level: Some(30),
            ..token(
                8,
                "glpat-SimGroupBot100000001",
                "group_10_bot_sim",
                "group-bot",
                &["read_api"],
            )
        },
        Token {
            kind: TokenKind::Impersonation,
            ..token(9, "glpat-SimImpersonation0001", "dev", "support", &["api"])
        },
        token(
            10,
            "glpat-SimGuestToken0000001",
            "guest",
            "guest",
            &["read_api"],
        ),
        // Git over HTTPS only: live, but every REST call beyond itself is refused with 403.
        token(
            11,
            "glpat-SimRepoOnlyToken0001",
            "dev",
            "git-pull",
            &["read_repository"],
        ),
    ]);
    s.deploy_tokens = vec![
        deploy(
            1,
            "gldt-SimDeployActive00001",
            Some("acme/app"),
            None,
            false,
            None,
        ),
        deploy(
            2,
            "gldt-SimDeployRevoked0001",
            None,
            Some("acme"),
            true,
            None,
        ),
        deploy(
            3,
            "gldt-SimDeployExpired0001",
            Some("acme/app"),
            None,
            false,
            Some(past()),
        ),
    ];
    s.triggers = vec![
        Trigger {
            id: 1,
            token: "glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13".to_string(),
            project: "acme/app".to_string(),
            owner: "ops".to_string(),
            description: Some("nightly".to_string()),
            created_at: None,
            last_used: Some(JOBS_AT),
            expires_at: None,
        },
        Trigger {
            id: 2,
            token: "glptt-69ebad93a6c292505d045e0ba19290f7548b4dd8".to_string(),
            project: "acme/app".to_string(),
            owner: "dev".to_string(),
            description: Some("old release hook".to_string()),
            created_at: None,
            last_used: None,
            expires_at: Some(past()),
        },
    ];
    s.runners = vec![
        runner(
            1,
            "glrt-SimRunnerActive00001",
            RunnerType::ProjectType,
            None,
        ),
        runner(
            2,
            "glrt-SimRunnerExpired0001",
            RunnerType::InstanceType,
            Some(past()),
        ),
    ];
    s.applications = vec![Application {
        id: 1,
        application_id: "5832fc6e14300a0d962240a8144466eef4ee93ef0d218477e55f11cf12fc3737"
            .to_string(),
        secret: "gloas-a79baf1b6e8df1344a7f3ca9817144f02c212d6a79127f9937537c3f085c6897"
            .to_string(),
        name: "sim-deploy-dashboard".to_string(),
        callback_url: "https://dashboard.sim.test/callback".to_string(),
        confidential: true,
        scopes: vec!["read_api".to_string()],
    }];
    s.jobs = jobs();
    super::containment_fixture::seed(&mut s);
    s
}

fn past() -> Timestamp {
    Timestamp::constant(1_704_067_200, 0) // 2024-01-01
}

fn extra_user(id: i64, username: &'static str, state: UserState, bot: bool) -> User {
    let cast = synthetic::Cast {
        id,
        username,
        name: username,
        ip: "198.51.100.20",
    };
    User {
        state,
        bot,
        is_admin: false,
        two_factor_enabled: false,
        ..synthetic::user(&cast, JOBS_AT)
    }
}

fn variable(key: &str, value: &str, masked: bool, protected: bool) -> Variable {
    Variable {
        key: key.to_string(),
        value: value.to_string(),
        variable_type: "env_var".to_string(),
        protected,
        masked,
        hidden: false,
        raw: false,
        environment_scope: "*".to_string(),
        description: None,
    }
}

fn deploy(
    id: i64,
    value: &str,
    project: Option<&str>,
    group: Option<&str>,
    revoked: bool,
    expires_at: Option<Timestamp>,
) -> DeployToken {
    DeployToken {
        id,
        token: value.to_string(),
        name: format!("deploy-{id}"),
        username: None,
        project: project.map(str::to_string),
        group: group.map(str::to_string),
        scopes: vec!["read_repository".to_string(), "read_registry".to_string()],
        created_at: None,
        expires_at,
        revoked,
    }
}

fn runner(id: i64, value: &str, runner_type: RunnerType, expires: Option<Timestamp>) -> Runner {
    Runner {
        id,
        token: value.to_string(),
        description: Some(format!("sim-runner-{id}")),
        runner_type,
        group: None,
        project: (runner_type == RunnerType::ProjectType).then(|| "acme/app".to_string()),
        paused: false,
        tags: vec!["docker".to_string()],
        locked: false,
        run_untagged: true,
        access_level: RunnerAccessLevel::NotProtected,
        created_at: None,
        contacted_at: Some(JOBS_AT),
        token_expires_at: expires,
    }
}

/// A collapsible log section as the runner writes it.
fn section(name: &str, title: &str, body: &str, at: i64) -> String {
    format!(
        "\x1b[0Ksection_start:{at}:{name}[collapsed=true]\r\x1b[0K\x1b[36;1m{title}\x1b[0;m\n{body}\x1b[0Ksection_end:{}:{name}\r\x1b[0K\n",
        at + 1
    )
}

fn command(cmd: &str) -> String {
    format!("\x1b[32;1m$ {cmd}\x1b[0;m\n")
}

/// The build job's log: ANSI colours, sections, a masked value, a token split by a colour code
/// and a double-base64 `env` dump holding the project bot's token.
pub(super) fn build_trace() -> String {
    let env = "CI_JOB_ID=201\nCI_PROJECT_PATH=acme/app\nGITLAB_TOKEN=glpat-SimProjectBot0000001\n";
    let twice = STANDARD.encode(STANDARD.encode(env));
    let at = JOBS_AT.as_second();
    let mut log = String::from("\x1b[0KRunning with gitlab-runner 17.9.0 (sim)\x1b[0;m\n");
    log += &section(
        "prepare_executor",
        "Preparing the \"docker\" executor",
        "Using Docker executor with image alpine:3.20 ...\n",
        at,
    );
    log += &command("echo \"$DEPLOY_PASSWORD\"");
    log += "[MASKED]\n";
    log += &command("./scripts/publish.sh");
    // The owner's token printed with a colour change in its middle.
    log += "publishing with token glpat-SimOwner\x1b[0;m\x1b[33mToken0000001\x1b[0;m\n";
    log += &section(
        "debug_env",
        "Environment (base64, twice)",
        &format!("{twice}\n"),
        at + 10,
    );
    log += "\x1b[32;1mJob succeeded\x1b[0;m\n";
    log
}

fn jobs() -> Vec<Job> {
    let leaky_b64 = STANDARD.encode(LEAKY_VALUE);
    let leaky_url: String = url::form_urlencoded::byte_serialize(LEAKY_VALUE.as_bytes()).collect();
    let plain = format!(
        "{}API key is {LEAKY_VALUE}\n\x1b[32;1mJob succeeded\x1b[0;m\n",
        command("echo \"API key is $API_SECRET_KEY\"")
    );
    let encoded = format!(
        "{}{leaky_b64}\n\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m\n",
        command("echo \"$API_SECRET_KEY\" | base64")
    );
    let in_url = format!(
        "{}curl: (22) The requested URL returned error: 500 https://hooks.sim.test/notify?key={leaky_url}\n",
        command("curl -f \"https://hooks.sim.test/notify?key=$API_SECRET_KEY\"")
    );
    vec![
        Job {
            artifacts: vec![
                ArtifactFile {
                    path: ".env".to_string(),
                    content: Some(
                        "APP_ENV=production\nDEPLOY_TOKEN=gldt-SimDeployActive00001\n".to_string(),
                    ),
                    files: Vec::new(),
                },
                ArtifactFile {
                    path: "dist/bundle.zip".to_string(),
                    content: None,
                    files: vec![ArtifactFile {
                        path: "config/trigger.txt".to_string(),
                        content: Some(
                            "TRIGGER=glptt-7ad30cf79ae33f70f5c8a31b82f75b70559eea13\n".to_string(),
                        ),
                        files: Vec::new(),
                    }],
                },
            ],
            artifacts_expire_at: Some(at_minute(60 * 24 * 30)),
            ..job(201, "build", "build", "success", "ops", Some(build_trace()))
        },
        job(202, "announce", "deploy", "success", "dev", Some(plain)),
        job(203, "encode", "test", "failed", "dev", Some(encoded)),
        job(204, "notify", "deploy", "success", "dev", Some(in_url)),
        Job {
            token: Some("glcbt-64_SimRunningJobToken01".to_string()),
            finished_at: None,
            ..job(
                205,
                "long-running",
                "deploy",
                "running",
                "dev",
                Some("Waiting…\n".into()),
            )
        },
        Job {
            token: Some("glcbt-64_SimFinishedJobTokn01".to_string()),
            ..job(206, "lint", "test", "success", "dev", Some("ok\n".into()))
        },
        job(207, "pending", "test", "pending", "dev", None),
    ]
}

fn commit(id: &str, title: &str, author: &str, minute: i64, files: &[&str]) -> Commit {
    Commit {
        id: format!("{id:0>40}"),
        title: title.to_string(),
        author_name: author.to_string(),
        author_email: format!("{author}@sim.test"),
        authored_date: at_minute(minute),
        files: files.iter().map(|f| (*f).to_string()).collect(),
    }
}

fn at_minute(m: i64) -> Timestamp {
    JOBS_AT
        .saturating_add(SignedDuration::from_mins(m))
        .unwrap_or(JOBS_AT)
}

fn job(id: i64, name: &str, stage: &str, status: &str, user: &str, trace: Option<String>) -> Job {
    let offset = id - 200;
    let started = (status != "pending").then(|| at_minute(offset * 10));
    Job {
        id,
        project: "acme/app".to_string(),
        name: name.to_string(),
        stage: Some(stage.to_string()),
        status: status.to_string(),
        git_ref: Some("main".to_string()),
        pipeline_id: Some(100 + (id - 200 + 1) / 2),
        user: user.to_string(),
        created_at: Some(at_minute(offset * 10 - 1)),
        started_at: started,
        finished_at: started.map(|_| at_minute(offset * 10 + 3)),
        token: None,
        trace,
        artifacts: Vec::new(),
        artifacts_expire_at: None,
    }
}
