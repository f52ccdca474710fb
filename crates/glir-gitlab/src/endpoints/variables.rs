//! CI/CD variables (Maintainer+ for projects, Owner or Maintainer for groups): listed with their
//! flags, and masked or protected during containment (the value is never sent back).

use super::tokens::list;
use crate::base_url::encode_segment;
use crate::{Applied, Client, Error, PageRequest, Variable};
use futures::TryStreamExt;
use serde_json::{Map, Value, json};

impl Client {
    /// `GET /projects/:id/variables`, items decode as [`crate::Variable`].
    pub fn project_variables(&self, project: &str) -> PageRequest {
        list(format!("/projects/{}/variables", encode_segment(project)))
    }

    /// `GET /groups/:id/variables`, items decode as [`crate::Variable`].
    pub fn group_variables(&self, group: &str) -> PageRequest {
        list(format!("/groups/{}/variables", encode_segment(group)))
    }

    /// `PUT /projects/:id/variables/:key` with only the flags given; the value is never sent
    /// (GitLab's update takes it as optional), so it never travels again. `env_scope` picks one
    /// of several same-key variables. Audited as `ci_variable_updated`.
    pub async fn update_project_variable(
        &self,
        project: &str,
        key: &str,
        env_scope: Option<&str>,
        masked: Option<bool>,
        protected: Option<bool>,
    ) -> Result<Applied<Variable>, Error> {
        let owner = format!("/projects/{}", encode_segment(project));
        let current = self.project_variables(project);
        self.update_variable(current, &owner, key, env_scope, masked, protected)
            .await
    }

    /// `PUT /groups/:id/variables/:key`, as [`Client::update_project_variable`]; audited as
    /// `ci_group_variable_updated`.
    pub async fn update_group_variable(
        &self,
        group: &str,
        key: &str,
        env_scope: Option<&str>,
        masked: Option<bool>,
        protected: Option<bool>,
    ) -> Result<Applied<Variable>, Error> {
        let owner = format!("/groups/{}", encode_segment(group));
        let current = self.group_variables(group);
        self.update_variable(current, &owner, key, env_scope, masked, protected)
            .await
    }

    async fn update_variable(
        &self,
        list: PageRequest,
        owner: &str,
        key: &str,
        env_scope: Option<&str>,
        masked: Option<bool>,
        protected: Option<bool>,
    ) -> Result<Applied<Variable>, Error> {
        let pages: Vec<crate::Page<Variable>> = self.pages(list).try_collect().await?;
        let request_id = pages.last().and_then(|p| p.request_id.clone());
        let current = pages.into_iter().flat_map(|p| p.items).find(|v| {
            v.key == key
                && env_scope.is_none_or(|s| v.environment_scope.as_deref().unwrap_or("*") == s)
        });
        if let Some(v) = current
            && masked.is_none_or(|m| m == v.masked)
            && protected.is_none_or(|p| p == v.protected)
        {
            return Ok(Applied::unchanged(v, 200, request_id));
        }
        let mut body = Map::new();
        if let Some(m) = masked {
            body.insert("masked".into(), json!(m));
        }
        if let Some(p) = protected {
            body.insert("protected".into(), json!(p));
        }
        let query: Vec<(&str, String)> = env_scope
            .map(|s| ("filter[environment_scope]", s.to_string()))
            .into_iter()
            .collect();
        let path = format!("{owner}/variables/{}", encode_segment(key));
        self.put(&path, &query, Value::Object(body)).await
    }
}
