//! Where an inventory looks: the whole instance, or one group's or one project's subtree (what
//! a group Owner or project Maintainer can run), and the groups and projects that makes.

use crate::Error;
use glir_gitlab::{Client, PageRequest, Paging, encode_segment};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// What to take stock of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Everything the token can see: for an administrator, every group, project and user and
    /// the instance-wide lists; for others, the groups and projects they belong to.
    Instance,
    /// A group, its subgroups and their projects (full path or id).
    Group(String),
    /// One project (full path or id).
    Project(String),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Instance => f.write_str("instance"),
            Scope::Group(g) => write!(f, "group {g}"),
            Scope::Project(p) => write!(f, "project {p}"),
        }
    }
}

/// A group or project, by id and full path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub id: i64,
    pub path: String,
}

/// The groups and projects a scope covers.
#[derive(Debug, Default)]
pub(crate) struct Places {
    pub groups: Vec<Place>,
    pub projects: Vec<Place>,
}

const PER_PAGE: u32 = 100;

fn offset(path: String, query: &[(&str, &str)]) -> PageRequest {
    PageRequest {
        path,
        query: query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        paging: Paging::Offset { per_page: PER_PAGE },
    }
}

/// The groups and projects of `scope`. An administrator's instance scope is every group and
/// project; anyone else's is the groups and projects they are a member of
/// (`GET /groups` without `all_available`, `GET /projects?membership=true`,
/// doc/api/groups.md and doc/api/projects.md): the credentials of others' projects are not
/// theirs to list, and public projects would only add refusals.
pub(crate) async fn resolve(client: &Client, scope: &Scope, admin: bool) -> Result<Places, Error> {
    let fail = |what: &str| {
        let what = what.to_string();
        move |source| Error::gitlab(what, source)
    };
    match scope {
        Scope::Instance => {
            let all = if admin { "true" } else { "false" };
            let groups = client
                .all::<Value>(offset(
                    "/groups".into(),
                    &[("all_available", all), ("order_by", "id")],
                ))
                .await
                .map_err(fail("listing groups"))?;
            let membership = if admin { "false" } else { "true" };
            let projects = client
                .all::<Value>(PageRequest {
                    path: "/projects".into(),
                    query: vec![
                        ("membership".into(), membership.into()),
                        ("simple".into(), "true".into()),
                    ],
                    // doc/api/projects.md: keyset paging by id, so a large instance pages
                    // without GitLab's offset limit.
                    paging: Paging::Keyset {
                        per_page: PER_PAGE,
                        order_by: "id".into(),
                        sort: "asc".into(),
                    },
                })
                .await
                .map_err(fail("listing projects"))?;
            Ok(Places {
                groups: groups.iter().filter_map(group_place).collect(),
                projects: projects.iter().filter_map(project_place).collect(),
            })
        }
        Scope::Group(g) => {
            let what = format!("reading group {g}");
            let root = client
                .get::<Value>(&format!("/groups/{}", encode_segment(g)), &[])
                .await
                .map_err(fail(&what))?;
            let Some(root) = group_place(&root.body) else {
                return Err(Error::Unexpected(format!("{what}: no id or full_path")));
            };
            let below = client
                .all::<Value>(offset(
                    format!("/groups/{}/descendant_groups", root.id),
                    &[("order_by", "id")],
                ))
                .await
                .map_err(fail(&format!("listing the subgroups of {g}")))?;
            let projects = client
                .all::<Value>(client.group_projects(&root.id.to_string(), true))
                .await
                .map_err(fail(&format!("listing the projects of {g}")))?;
            let mut groups = vec![root];
            groups.extend(below.iter().filter_map(group_place));
            Ok(Places {
                groups,
                projects: projects.iter().filter_map(project_place).collect(),
            })
        }
        Scope::Project(p) => {
            let what = format!("reading project {p}");
            let project = client
                .get::<Value>(&format!("/projects/{}", encode_segment(p)), &[])
                .await
                .map_err(fail(&what))?;
            let Some(project) = project_place(&project.body) else {
                return Err(Error::Unexpected(format!(
                    "{what}: no id or path_with_namespace"
                )));
            };
            Ok(Places {
                groups: Vec::new(),
                projects: vec![project],
            })
        }
    }
}

fn group_place(v: &Value) -> Option<Place> {
    Some(Place {
        id: v["id"].as_i64()?,
        path: v["full_path"].as_str()?.to_string(),
    })
}

fn project_place(v: &Value) -> Option<Place> {
    Some(Place {
        id: v["id"].as_i64()?,
        path: v["path_with_namespace"].as_str()?.to_string(),
    })
}
