//! GitLab's JSON entities for credentials and CI data (lib/api/entities/deploy_token.rb,
//! trigger.rb, ci/runner_details.rb, ci/job.rb, ci/variable.rb, application.rb).

use super::render::{base, opt_ts, ts, user_basic, user_name};
use crate::scenario::{
    Application, DEFAULT_CREATED_AT, DeployToken, Job, Runner, RunnerType, Trigger, Variable,
};
use crate::world::World;
use jiff::Timestamp;
use serde_json::{Value, json};

/// `API::Entities::DeployToken`.
pub(crate) fn deploy_token(d: &DeployToken, now: Timestamp) -> Value {
    json!({
        "id": d.id,
        "name": d.name,
        "username": d.username.clone().unwrap_or_else(|| format!("gitlab+deploy-token-{}", d.id)),
        "expires_at": opt_ts(d.expires_at),
        "revoked": d.revoked,
        "expired": d.expires_at.is_some_and(|at| at <= now),
        "scopes": d.scopes,
    })
}

/// `API::Entities::Trigger`: the full token only for its owner (`can_access_trigger_token?`),
/// otherwise its first four characters after the prefix.
pub(crate) fn trigger(world: &World, t: &Trigger, viewer_is_owner: bool) -> Value {
    let token = if viewer_is_owner {
        t.token.clone()
    } else {
        let (prefix, rest) = t.token.split_at(t.token.find('-').map_or(0, |i| i + 1));
        format!("{prefix}{}", rest.chars().take(4).collect::<String>())
    };
    let created = ts(t.created_at.unwrap_or(DEFAULT_CREATED_AT));
    json!({
        "id": t.id,
        "token": token,
        "description": t.description,
        "created_at": created,
        "updated_at": created,
        "last_used": opt_ts(t.last_used),
        "expires_at": opt_ts(t.expires_at),
        "owner": world.user_by_name(&t.owner).map(|u| user_basic(world, u)),
    })
}

/// `API::Entities::Ci::RunnerDetails` (trimmed to what triage reads).
pub(crate) fn runner(world: &World, r: &Runner) -> Value {
    let projects: Vec<Value> = r
        .project
        .as_deref()
        .and_then(|p| world.project(p))
        .map(|p| json!({"id": p.id, "path_with_namespace": World::project_path(p)}))
        .into_iter()
        .collect();
    let groups: Vec<Value> = r
        .group
        .as_deref()
        .and_then(|g| world.group(g))
        .map(|g| json!({"id": g.id, "full_path": world.group_full_path(g)}))
        .into_iter()
        .collect();
    json!({
        "id": r.id,
        "description": r.description,
        "active": !r.paused,
        "paused": r.paused,
        "is_shared": r.runner_type == RunnerType::InstanceType,
        "runner_type": r.runner_type.as_str(),
        "name": "gitlab-runner",
        "online": r.contacted_at.is_some(),
        "status": if r.contacted_at.is_some() { "online" } else { "never_contacted" },
        "created_at": ts(r.created_at.unwrap_or(DEFAULT_CREATED_AT)),
        "contacted_at": opt_ts(r.contacted_at),
        "token_expires_at": opt_ts(r.token_expires_at),
        "tag_list": r.tags,
        "run_untagged": r.run_untagged,
        "locked": r.locked,
        "access_level": r.access_level.as_str(),
        "maximum_timeout": Value::Null,
        "projects": projects,
        "groups": groups,
    })
}

/// `API::Entities::Application`; the secret is never part of it.
pub(crate) fn application(a: &Application) -> Value {
    json!({
        "id": a.id,
        "application_id": a.application_id,
        "application_name": a.name,
        "callback_url": a.callback_url,
        "confidential": a.confidential,
    })
}

/// `API::Entities::Ci::Job`.
pub(crate) fn job(world: &World, j: &Job, archive_size: Option<usize>) -> Value {
    let project = world.project(&j.project);
    let web_url = format!("{}/{}/-/jobs/{}", base(world), j.project, j.id);
    let pipeline_id = j.pipeline_id.unwrap_or(j.id);
    let git_ref = j.git_ref.as_deref().unwrap_or("main");
    let sha = format!("{:040x}", pipeline_id);
    let mut artifacts = Vec::new();
    if let Some(size) = archive_size {
        artifacts.push(json!({"file_type": "archive", "size": size, "filename": "artifacts.zip", "file_format": "zip"}));
    }
    if let Some(trace) = &j.trace {
        artifacts.push(json!({"file_type": "trace", "size": trace.len(), "filename": "job.log", "file_format": Value::Null}));
    }
    let duration = match (j.started_at, j.finished_at) {
        (Some(s), Some(f)) => json!(f.duration_since(s).as_secs_f64()),
        _ => Value::Null,
    };
    json!({
        "id": j.id,
        "status": j.status,
        "stage": j.stage.as_deref().unwrap_or("test"),
        "name": j.name,
        "ref": git_ref,
        "tag": false,
        "coverage": Value::Null,
        "allow_failure": false,
        "created_at": ts(j.created_at.unwrap_or(DEFAULT_CREATED_AT)),
        "started_at": opt_ts(j.started_at),
        "finished_at": opt_ts(j.finished_at),
        "erased_at": Value::Null,
        "duration": duration,
        "user": world.user_by_name(&j.user).map(|u| {
            let mut v = user_basic(world, u);
            v["name"] = json!(user_name(u));
            v
        }),
        "commit": {"id": sha, "short_id": &sha[..8], "title": "Synthetic commit"},
        "pipeline": {
            "id": pipeline_id,
            "project_id": project.map(|p| p.id),
            "ref": git_ref,
            "sha": sha,
            "status": j.status,
            "source": "push",
        },
        "web_url": web_url,
        "project": {"ci_job_token_scope_enabled": false},
        "artifacts": artifacts,
        "artifacts_expire_at": opt_ts(j.artifacts_expire_at),
        "runner": Value::Null,
        "tag_list": [],
        "failure_reason": (j.status == "failed").then_some("script_failure"),
    })
}

/// `API::Entities::Ci::Variable`: hidden variables come back with `value: null` (17.4+).
pub(crate) fn variable(v: &Variable) -> Value {
    json!({
        "variable_type": v.variable_type,
        "key": v.key,
        "value": (!v.hidden).then_some(v.value.as_str()),
        "hidden": v.hidden,
        "protected": v.protected,
        "masked": v.masked,
        "raw": v.raw,
        "environment_scope": v.environment_scope,
        "description": v.description,
    })
}
