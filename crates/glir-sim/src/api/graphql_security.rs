//! GraphQL's security fields of projects and groups (doc/api/graphql/reference):
//!
//! - `Project.securityScanners { enabled available pipelineRun }`: EE, anyone who can read the
//!   project (the field has no authorization of its own: gitlab-org/gitlab:
//!   ee/app/graphql/ee/types/project_type.rb, `method: :itself`). `enabled` are the scanner jobs
//!   of the latest default-branch pipeline, `pipelineRun` those of them that succeeded
//!   (ee/app/models/concerns/security/latest_pipeline_information.rb; the scenario's jobs all
//!   succeed), `available` the licensed ones (every scanner is an Ultimate feature,
//!   ee/app/models/gitlab_subscriptions/features.rb).
//! - `Project.scanExecutionPolicies` and `Group.scanExecutionPolicies(relationship:)`: Ultimate
//!   (`security_orchestration_policies`) and Developer+ (`read_security_orchestration_policies`,
//!   ee/app/policies/ee/project_policy.rb); `DIRECT` (the default) lists the target's own
//!   policies, `INHERITED` adds its ancestor groups', `INHERITED_ONLY` lists only those. Each node
//!   has `name`, `description`, `enabled` and `yaml` (the policy as YAML). Below the role or
//!   tier the field is `null` with the permission error, as the resolver's `authorize!` gave;
//!   newer versions' finder leaves out the policies the caller may not read instead
//!   (ee/app/finders/security/scan_execution_policies_finder.rb).

use super::graphql::{NOT_ALLOWED, Request, error, first_field, full_path, undefined_field};
use crate::scenario::{
    Group, PolicyRule, Project, SCANNER_TYPES, ScanExecutionPolicy, Tier, User, Visibility,
};
use crate::world::{DEVELOPER, World};
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

const SCANNERS: &str = "securityScanners";
pub(super) const POLICIES: &str = "scanExecutionPolicies";

/// `SecurityPolicyRelationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relationship {
    Direct,
    Inherited,
    InheritedOnly,
}

impl Relationship {
    /// The `relationship:` argument of `scanExecutionPolicies(…)`: an enum literal or a variable.
    fn of(req: &Request) -> Relationship {
        let value = req
            .query
            .split_once(&format!("{POLICIES}("))
            .and_then(|(_, rest)| rest.split_once(')'))
            .and_then(|(args, _)| args.split_once("relationship:"))
            .map(|(_, value)| {
                value
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
                    .collect::<String>()
            })
            .unwrap_or_default();
        let value = match value.strip_prefix('$') {
            Some(name) => req
                .variables
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            None => value,
        };
        match value.as_str() {
            "INHERITED" => Relationship::Inherited,
            "INHERITED_ONLY" => Relationship::InheritedOnly,
            _ => Relationship::Direct,
        }
    }
}

/// The policy as `YAML.dump` writes it (scalars quoted where Ruby would not, which YAML reads
/// the same).
fn yaml(policy: &ScanExecutionPolicy) -> String {
    let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let rule = match policy.rule {
        PolicyRule::Pipeline => "- type: pipeline\n  branches:\n  - \"*\"\n".to_string(),
        PolicyRule::Schedule => {
            "- type: schedule\n  cadence: \"0 0 * * *\"\n  branches:\n  - \"*\"\n".to_string()
        }
    };
    let actions: String = policy
        .scans
        .iter()
        .map(|scan| format!("- scan: {scan}\n"))
        .collect();
    format!(
        "---\nname: {}\ndescription: {}\nenabled: {}\nrules:\n{rule}actions:\n{actions}",
        quoted(&policy.name),
        quoted(&policy.description),
        policy.enabled
    )
}

fn nodes<'a>(policies: impl Iterator<Item = &'a ScanExecutionPolicy>) -> Value {
    let nodes: Vec<Value> = policies
        .map(|p| {
            json!({
                "name": p.name,
                "description": p.description,
                "enabled": p.enabled,
                "yaml": yaml(p),
            })
        })
        .collect();
    json!({ "nodes": nodes })
}

/// The policies a group or project sees under `relationship`: its own, and its ancestor
/// groups' (`chain`, nearest first).
fn policies<'a>(
    own: &'a [ScanExecutionPolicy],
    chain: &[&'a Group],
    relationship: Relationship,
) -> Value {
    let inherited = chain.iter().flat_map(|g| g.scan_execution_policies.iter());
    match relationship {
        Relationship::Direct => nodes(own.iter()),
        Relationship::Inherited => nodes(own.iter().chain(inherited)),
        Relationship::InheritedOnly => nodes(inherited),
    }
}

/// Whether the caller may read scan execution policies: Ultimate, and Developer+ or an
/// administrator.
fn allowed(access: Option<u8>, user: Option<&User>, tier: Tier) -> bool {
    let admin = user.is_some_and(|u| u.is_admin);
    tier == Tier::Ultimate && (admin || access.is_some_and(|a| a >= DEVELOPER))
}

/// `project(fullPath:) { securityScanners { … } scanExecutionPolicies { … } }`.
pub(super) fn project(world: &World, user: Option<&User>, req: &Request) -> Response {
    let query = req.query.as_str();
    let asked: Vec<&str> = [SCANNERS, POLICIES]
        .into_iter()
        .filter(|f| query.contains(f))
        .collect();
    let inner = query.split_once("project(").map_or("", |(_, rest)| rest);
    let Some(&first) = asked.first() else {
        return undefined_field(query, "Project", first_field(inner));
    };
    if !world.scenario.instance.enterprise {
        return undefined_field(query, "Project", first);
    }
    let visible = |p: &&Project| match user {
        Some(u) => world.can_see_project(u, p),
        None => p.visibility == Visibility::Public,
    };
    let Some(project) = full_path(req, "project")
        .and_then(|path| world.project(&path))
        .filter(visible)
    else {
        return Json(json!({ "data": { "project": Value::Null } })).into_response();
    };
    let mut data = Map::new();
    let mut errors = Vec::new();
    if asked.contains(&SCANNERS) {
        let available: &[&str] = if world.project_tier(project) == Tier::Ultimate {
            SCANNER_TYPES
        } else {
            &[]
        };
        data.insert(
            SCANNERS.to_string(),
            json!({
                "enabled": project.security_scanners,
                "available": available,
                "pipelineRun": project.security_scanners,
            }),
        );
    }
    if asked.contains(&POLICIES) {
        let access = user.and_then(|u| world.project_access(u, project));
        if allowed(access, user, world.project_tier(project)) {
            let chain = world
                .project_namespace(project)
                .map(|g| world.group_chain(g))
                .unwrap_or_default();
            data.insert(
                POLICIES.to_string(),
                policies(
                    &project.scan_execution_policies,
                    &chain,
                    Relationship::of(req),
                ),
            );
        } else {
            data.insert(POLICIES.to_string(), Value::Null);
            errors.push(error(
                query,
                POLICIES,
                NOT_ALLOWED,
                json!(["project", POLICIES]),
            ));
        }
    }
    answer(json!({ "project": data }), errors)
}

/// `group(fullPath:) { scanExecutionPolicies { … } }`.
pub(super) fn group(world: &World, user: Option<&User>, req: &Request) -> Response {
    let query = req.query.as_str();
    if !world.scenario.instance.enterprise {
        return undefined_field(query, "Group", POLICIES);
    }
    let visible = |g: &&Group| match user {
        Some(u) => world.can_see_group(u, g),
        None => g.visibility == Visibility::Public,
    };
    let Some(group) = full_path(req, "group")
        .and_then(|path| world.group(&path))
        .filter(visible)
    else {
        return Json(json!({ "data": { "group": Value::Null } })).into_response();
    };
    let access = user.and_then(|u| world.group_access(u, group));
    if !allowed(access, user, world.group_tier(group)) {
        return answer(
            json!({ "group": { POLICIES: Value::Null } }),
            vec![error(
                query,
                POLICIES,
                NOT_ALLOWED,
                json!(["group", POLICIES]),
            )],
        );
    }
    // The chain starts at the group itself; its own policies are the direct ones.
    let ancestors: Vec<&Group> = world.group_chain(group).into_iter().skip(1).collect();
    let found = policies(
        &group.scan_execution_policies,
        &ancestors,
        Relationship::of(req),
    );
    answer(json!({ "group": { POLICIES: found } }), Vec::new())
}

fn answer(data: Value, errors: Vec<Value>) -> Response {
    if errors.is_empty() {
        Json(json!({ "data": data })).into_response()
    } else {
        Json(json!({ "data": data, "errors": errors })).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(query: &str, variables: Value) -> Request {
        Request {
            query: query.to_string(),
            variables: variables.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn the_relationship_is_read_from_a_literal_or_a_variable() {
        let of = |q: &str, v: Value| Relationship::of(&req(q, v));
        assert_eq!(
            of(
                "{ project(fullPath: \"a/b\") { scanExecutionPolicies { nodes { name } } } }",
                json!({})
            ),
            Relationship::Direct
        );
        assert_eq!(
            of(
                "{ group(fullPath: \"a\") { scanExecutionPolicies(relationship: INHERITED) { nodes { name } } } }",
                json!({})
            ),
            Relationship::Inherited
        );
        assert_eq!(
            of(
                "query($r: SecurityPolicyRelationType) { group(fullPath: \"a\") { scanExecutionPolicies(relationship: $r) { nodes { name } } } }",
                json!({"r": "INHERITED_ONLY"})
            ),
            Relationship::InheritedOnly
        );
    }

    #[test]
    fn a_policy_is_served_as_yaml_naming_its_rule_and_scans() {
        let policy = ScanExecutionPolicy {
            name: "Scan \"everything\"".to_string(),
            description: String::new(),
            enabled: true,
            rule: PolicyRule::Pipeline,
            scans: vec!["sast".to_string(), "secret_detection".to_string()],
        };
        assert_eq!(
            yaml(&policy),
            "---\nname: \"Scan \\\"everything\\\"\"\ndescription: \"\"\nenabled: true\nrules:\n- type: pipeline\n  branches:\n  - \"*\"\nactions:\n- scan: sast\n- scan: secret_detection\n"
        );
    }
}
