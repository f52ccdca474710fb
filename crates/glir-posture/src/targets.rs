//! What a run looks at: the instance, groups and projects, listed once at the start with as
//! few requests as GitLab allows (100 per page; projects by keyset, so a 50,000-project
//! instance pages without offset limits).

use crate::check::Scope;
use crate::source::{Refusal, fill};
use glir_gitlab::{Client, Error, PageRequest, Paging};
use serde_json::{Value, json};

/// A group, a project or the instance, with the object GitLab listed it as.
#[derive(Debug, Clone)]
pub struct Target {
    pub scope: Scope,
    /// `instance`, a group's full path, or a project's path with namespace.
    pub label: String,
    pub object: Value,
}

impl Target {
    /// The key the resume file keeps a target's outcomes under.
    pub fn key(&self) -> String {
        format!("{}:{}", self.scope.as_str(), self.label)
    }
}

/// Which part of GitLab to look at.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// One group and everything under it.
    pub group: Option<String>,
    /// One project.
    pub project: Option<String>,
    /// Check scopes to run; empty means every scope the selection has.
    pub scopes: Vec<Scope>,
}

impl Selection {
    fn wants(&self, scope: Scope) -> bool {
        self.scopes.is_empty() || self.scopes.contains(&scope)
    }
}

/// Lists the targets. Without a group or project, an administrator gets the instance and all
/// of it; anyone else gets the instance checks (which say what they need) and the groups and
/// projects they are a member of.
pub async fn list(
    client: &Client,
    is_admin: bool,
    sel: &Selection,
) -> Result<Vec<Target>, Refusal> {
    let mut targets = Vec::new();
    if let Some(project) = &sel.project {
        if sel.wants(Scope::Project) {
            let path = fill("/projects/{target.p}", &json!({"p": project}), None)
                .map_err(Refusal::Failed)?;
            let object = client.get::<Value>(&path, &[]).await.map_err(refused)?.body;
            targets.push(project_target(object));
        }
        return Ok(targets);
    }
    if let Some(group) = &sel.group {
        let encoded = fill("{target.g}", &json!({"g": group}), None).map_err(Refusal::Failed)?;
        let root = client
            .get::<Value>(&format!("/groups/{encoded}"), &[])
            .await
            .map_err(refused)?
            .body;
        if sel.wants(Scope::Group) {
            targets.push(group_target(root));
            let below = all(client, &format!("/groups/{encoded}/descendant_groups"), &[]).await?;
            targets.extend(below.into_iter().map(group_target));
        }
        if sel.wants(Scope::Project) {
            let projects = all(
                client,
                &format!("/groups/{encoded}/projects"),
                &[("include_subgroups", "true")],
            )
            .await?;
            targets.extend(projects.into_iter().map(project_target));
        }
        return Ok(targets);
    }
    if sel.wants(Scope::Instance) {
        targets.push(Target {
            scope: Scope::Instance,
            label: "instance".to_string(),
            object: json!({}),
        });
    }
    if sel.wants(Scope::Group) {
        let query: &[(&str, &str)] = if is_admin {
            &[("all_available", "true")]
        } else {
            &[("min_access_level", "10")]
        };
        targets.extend(
            all(client, "/groups", query)
                .await?
                .into_iter()
                .map(group_target),
        );
    }
    if sel.wants(Scope::Project) {
        let mut query = vec![("archived", "false".to_string())];
        if !is_admin {
            query.push(("membership", "true".to_string()));
        }
        let request = PageRequest {
            path: "/projects".to_string(),
            query: query.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            paging: Paging::Keyset {
                per_page: 100,
                order_by: "id".to_string(),
                sort: "asc".to_string(),
            },
        };
        let projects: Vec<Value> = client.all(request).await.map_err(refused)?;
        targets.extend(projects.into_iter().map(project_target));
    }
    Ok(targets)
}

async fn all(client: &Client, path: &str, query: &[(&str, &str)]) -> Result<Vec<Value>, Refusal> {
    let request = PageRequest {
        path: path.to_string(),
        query: query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        paging: Paging::Offset { per_page: 100 },
    };
    client.all(request).await.map_err(refused)
}

fn refused(e: Error) -> Refusal {
    match e {
        Error::Unauthorized { .. } => Refusal::Unauthorized(e.to_string()),
        other => Refusal::Failed(other.to_string()),
    }
}

fn group_target(object: Value) -> Target {
    Target {
        scope: Scope::Group,
        label: object["full_path"].as_str().unwrap_or("?").to_string(),
        object,
    }
}

fn project_target(object: Value) -> Target {
    Target {
        scope: Scope::Project,
        label: object["path_with_namespace"]
            .as_str()
            .unwrap_or("?")
            .to_string(),
        object,
    }
}
