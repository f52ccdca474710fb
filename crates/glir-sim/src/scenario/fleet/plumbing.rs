//! What connects the fleet to the outside: deploy tokens and keys (some with write access),
//! webhooks (some without TLS verification, some to odd hosts), runners (some project runners
//! unlocked or taking untagged jobs), CI/CD variables (secret-looking ones unmasked in a
//! minority) and OAuth applications.

use super::estate::Groups;
use super::{Fleet, IdKind};
use crate::scenario::{
    Application, DeployKey, DeployToken, Hook, Runner, RunnerAccessLevel, RunnerType, Variable,
};

/// Keys that look like secrets, and keys that do not.
const SECRET_KEYS: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "DEPLOY_TOKEN",
    "DATABASE_PASSWORD",
    "NPM_TOKEN",
    "SLACK_WEBHOOK_SECRET",
    "DOCKER_AUTH_SECRET",
    "SONAR_TOKEN",
    "SSH_PRIVATE_KEY",
];
const PLAIN_KEYS: &[&str] = &["NODE_ENV", "LOG_LEVEL", "APP_REGION", "FEATURE_FLAGS", "TZ"];

/// Receivers of a webhook: internal services mostly, and the odd ones a reviewer looks twice at.
const HOOK_URLS: &[&str] = &[
    "https://ci.fleet.test/hooks/gitlab",
    "https://chat.fleet.test/integrations/gitlab",
    "https://jira.fleet.test/gitlab/webhook",
    "https://deploy.fleet.test/trigger",
];
const ODD_HOOK_URLS: &[&str] = &[
    "http://203.0.113.45:8080/collect",
    "https://f3a9c1.ngrok-free.app/hook",
    "https://webhook.site/7d1e9a2c-0b4f-4c1e-9d7a-5a2b1c3d4e5f",
    "http://198.51.100.200/gitlab",
];

pub(super) fn all(fleet: &mut Fleet, groups: &Groups) {
    projects(fleet);
    group_hooks_and_variables(fleet, groups);
    runners(fleet, groups);
    instance_wide(fleet);
}

fn hook(fleet: &mut Fleet) -> Hook {
    let odd = fleet.rng.chance(8);
    let url = if odd {
        fleet.rng.pick(ODD_HOOK_URLS)
    } else {
        fleet.rng.pick(HOOK_URLS)
    };
    let days = fleet.rng.below(700);
    Hook {
        id: fleet.id(IdKind::Hook),
        url: url.to_string(),
        name: None,
        created_at: Some(fleet.ago(days)),
        push_events: true,
        merge_requests_events: fleet.rng.chance(60),
        job_events: fleet.rng.chance(30),
        enable_ssl_verification: !fleet.rng.chance(15),
        token: None,
    }
}

fn variable(fleet: &mut Fleet, key: &str, secret: bool) -> Variable {
    // Secret-looking values are long and single-word, so GitLab could mask every one of them.
    let value = if secret {
        format!("fleet-{}", fleet.rng.alphanumeric(24))
    } else {
        fleet
            .rng
            .pick(&["production", "info", "eu-west-1", "on", "UTC"])
            .to_string()
    };
    let exposed = secret && fleet.rng.chance(15);
    Variable {
        key: key.to_string(),
        value,
        variable_type: "env_var".to_string(),
        protected: secret && !exposed && fleet.rng.chance(85),
        masked: secret && !exposed,
        hidden: false,
        raw: false,
        environment_scope: "*".to_string(),
        description: None,
    }
}

fn variables(fleet: &mut Fleet) -> Vec<Variable> {
    let mut out: Vec<Variable> = Vec::new();
    for _ in 0..1 + fleet.rng.below(4) {
        let secret = fleet.rng.chance(60);
        let key = if secret {
            fleet.rng.pick(SECRET_KEYS)
        } else {
            fleet.rng.pick(PLAIN_KEYS)
        };
        if out.iter().all(|v| v.key != *key) {
            let v = variable(fleet, key, secret);
            out.push(v);
        }
    }
    out
}

fn projects(fleet: &mut Fleet) {
    for p in 0..fleet.s.projects.len() {
        let path = {
            let project = &fleet.s.projects[p];
            format!("{}/{}", project.namespace, project.path)
        };
        if fleet.rng.chance(30) {
            let vars = variables(fleet);
            fleet.s.projects[p].variables = vars;
        }
        if fleet.rng.chance(10) {
            let h = hook(fleet);
            fleet.s.projects[p].hooks.push(h);
        }
        if fleet.rng.chance(8) {
            let id = fleet.id(IdKind::DeployKey);
            let days = fleet.rng.below(900);
            let key = DeployKey {
                id,
                title: format!("deploy-{id}"),
                key: format!(
                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleet{} deploy-{id}",
                    fleet.rng.alphanumeric(32)
                ),
                can_push: fleet.rng.chance(40),
                created_at: Some(fleet.ago(days)),
            };
            fleet.s.projects[p].deploy_keys.push(key);
        }
        if fleet.rng.chance(5) {
            let t = deploy_token(fleet, Some(path), None);
            fleet.s.deploy_tokens.push(t);
        }
    }
}

fn deploy_token(fleet: &mut Fleet, project: Option<String>, group: Option<String>) -> DeployToken {
    let id = fleet.id(IdKind::DeployToken);
    let days = fleet.rng.below(600);
    let mut scopes = vec!["read_repository".to_string()];
    if fleet.rng.chance(40) {
        scopes.push("read_registry".to_string());
    }
    if fleet.rng.chance(15) {
        scopes.push("write_registry".to_string());
    }
    let expires_at = match fleet.rng.below(100) {
        0..40 => None,
        40..55 => Some(fleet.ago(1 + days / 2)),
        _ => Some(fleet.ahead(30 + days)),
    };
    DeployToken {
        id,
        token: fleet.secret("gldt-", id),
        name: format!("deploy-token-{id}"),
        username: None,
        project,
        group,
        scopes,
        created_at: Some(fleet.ago(days)),
        expires_at,
        revoked: fleet.rng.chance(8),
    }
}

fn group_hooks_and_variables(fleet: &mut Fleet, groups: &Groups) {
    for &g in &groups.top_level {
        if fleet.rng.chance(20) {
            let h = hook(fleet);
            fleet.s.groups[g].hooks.push(h);
        }
        if fleet.rng.chance(40) {
            let vars = variables(fleet);
            fleet.s.groups[g].variables = vars;
        }
        if fleet.rng.chance(10) {
            let t = deploy_token(fleet, None, Some(groups.paths[g].clone()));
            fleet.s.deploy_tokens.push(t);
        }
        if fleet.rng.chance(15) {
            let url = format!("https://siem.fleet.test/gitlab/{}", fleet.s.groups[g].path);
            fleet.s.groups[g].streaming_destinations.push(url);
        }
    }
}

fn runner(fleet: &mut Fleet, runner_type: RunnerType) -> Runner {
    let id = fleet.id(IdKind::Runner);
    let days = fleet.rng.below(500);
    let contacted = fleet.rng.below(3);
    Runner {
        id,
        token: fleet.secret("glrt-", id),
        description: Some(format!("runner-{id}")),
        runner_type,
        group: None,
        project: None,
        paused: fleet.rng.chance(5),
        tags: vec![
            fleet
                .rng
                .pick(&["docker", "linux", "k8s", "windows"])
                .to_string(),
        ],
        locked: true,
        run_untagged: false,
        access_level: RunnerAccessLevel::NotProtected,
        created_at: Some(fleet.ago(days)),
        contacted_at: fleet.rng.chance(85).then(|| fleet.ago(contacted)),
        token_expires_at: None,
    }
}

/// Instance runners shared by all, group runners on a third of the top-level groups, project
/// runners on a few projects: some of those unlocked, some taking untagged jobs, a few only
/// for protected refs.
fn runners(fleet: &mut Fleet, groups: &Groups) {
    for _ in 0..3 {
        let mut r = runner(fleet, RunnerType::InstanceType);
        r.run_untagged = true;
        r.locked = false;
        fleet.s.runners.push(r);
    }
    for &g in &groups.top_level {
        if fleet.rng.chance(30) {
            let mut r = runner(fleet, RunnerType::GroupType);
            r.group = Some(groups.paths[g].clone());
            r.locked = false;
            r.run_untagged = fleet.rng.chance(40);
            fleet.s.runners.push(r);
        }
    }
    for p in 0..fleet.s.projects.len() {
        if !fleet.rng.chance(3) {
            continue;
        }
        let mut r = runner(fleet, RunnerType::ProjectType);
        let project = &fleet.s.projects[p];
        r.project = Some(format!("{}/{}", project.namespace, project.path));
        r.locked = !fleet.rng.chance(35);
        r.run_untagged = fleet.rng.chance(40);
        if fleet.rng.chance(20) {
            r.access_level = RunnerAccessLevel::RefProtected;
        }
        fleet.s.runners.push(r);
    }
}

/// System hooks, instance variables and OAuth applications.
fn instance_wide(fleet: &mut Fleet) {
    let mut siem = hook(fleet);
    siem.url = "https://siem.fleet.test/gitlab/system".to_string();
    siem.enable_ssl_verification = true;
    let mut legacy = hook(fleet);
    legacy.url = "http://198.51.100.77:9000/gitlab-events".to_string();
    legacy.enable_ssl_verification = false;
    fleet.s.system_hooks = vec![siem, legacy];
    let region = variable(fleet, "APP_REGION", false);
    let registry = variable(fleet, "DOCKER_AUTH_SECRET", true);
    fleet.s.instance_variables = vec![region, registry];
    let apps = [
        (
            "Grafana SSO",
            "https://grafana.fleet.test/login/gitlab",
            true,
            "read_user",
        ),
        (
            "Backstage",
            "https://backstage.fleet.test/api/auth/gitlab/handler/frame",
            true,
            "read_api",
        ),
        (
            "Release CLI",
            "http://localhost:7777/callback",
            false,
            "api",
        ),
    ];
    for (i, (name, callback, confidential, scope)) in apps.into_iter().enumerate() {
        let id = i64::try_from(i).unwrap_or(0) + 1;
        let application_id = fleet.rng.hex(64);
        let secret = format!("gloas-{}", fleet.rng.hex(64));
        fleet.s.applications.push(Application {
            id,
            application_id,
            secret,
            name: name.to_string(),
            callback_url: callback.to_string(),
            confidential,
            scopes: vec![scope.to_string()],
        });
    }
}
