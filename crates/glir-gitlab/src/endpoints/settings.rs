//! Settings a responder reads and tightens: 2FA enforcement, project visibility and public jobs,
//! CI/CD variable flags, protected branches and merge request approvals. Each setter reads the
//! current value first and reports `changed: false` without writing when it already holds.

use super::tokens::list;
use crate::base_url::encode_segment;
use crate::request::Body;
use crate::{
    ApplicationSettings, Applied, ApprovalSettings, Client, Error, Group, PageRequest, Project,
    ProtectedBranch, Response, Variable, Visibility,
};
use futures::TryStreamExt;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Changes to a project's approval settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalChange {
    /// Approvals required (deprecated project-level rule).
    pub approvals_before_merge: Option<u32>,
    /// New commits reset approvals.
    pub reset_approvals_on_push: Option<bool>,
    /// Approvers cannot be changed per merge request.
    pub disable_overriding_approvers_per_merge_request: Option<bool>,
    /// Authors may approve their own merge requests.
    pub merge_requests_author_approval: Option<bool>,
}

impl ApprovalChange {
    /// The fields that differ from `current`, as GitLab's parameters.
    fn differences(&self, current: &ApprovalSettings) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(n) = self
            .approvals_before_merge
            .filter(|&n| Some(n) != current.approvals_before_merge)
        {
            out.insert("approvals_before_merge".into(), json!(n));
        }
        let flags = [
            (
                "reset_approvals_on_push",
                self.reset_approvals_on_push,
                current.reset_approvals_on_push,
            ),
            (
                "disable_overriding_approvers_per_merge_request",
                self.disable_overriding_approvers_per_merge_request,
                current.disable_overriding_approvers_per_merge_request,
            ),
            (
                "merge_requests_author_approval",
                self.merge_requests_author_approval,
                current.merge_requests_author_approval,
            ),
        ];
        for (name, wanted, now) in flags {
            if let Some(on) = wanted.filter(|&on| on != now) {
                out.insert(name.into(), json!(on));
            }
        }
        out
    }
}

impl Client {
    /// `PUT /groups/:id` with `require_two_factor_authentication` (and `two_factor_grace_period`
    /// in hours when given); Owner. Audited as `group_require_two_factor_authentication_updated`.
    pub async fn set_group_require_2fa(
        &self,
        group: &str,
        require: bool,
        grace_hours: Option<u32>,
    ) -> Result<Applied<Group>, Error> {
        let current = self.group(group).await?;
        let same_grace =
            grace_hours.is_none_or(|h| current.body.two_factor_grace_period == Some(h));
        if current.body.require_two_factor_authentication == Some(require) && same_grace {
            return Ok(Applied::unchanged(
                current.body,
                current.status,
                current.request_id,
            ));
        }
        let mut body = json!({ "require_two_factor_authentication": require });
        if let Some(hours) = grace_hours {
            body["two_factor_grace_period"] = json!(hours);
        }
        let path = format!("/groups/{}", encode_segment(group));
        self.put(&path, &[], body).await
    }

    /// `GET /application/settings` (admin): the typed subset plus the raw JSON.
    pub async fn application_settings(&self) -> Result<Response<ApplicationSettings>, Error> {
        let answer: Response<Value> = self.get("/application/settings", &[]).await?;
        Ok(Response {
            body: ApplicationSettings::from_json(answer.body),
            status: answer.status,
            request_id: answer.request_id,
        })
    }

    /// `PUT /application/settings` `require_two_factor_authentication` (admin); audited as
    /// `application_setting_updated`.
    pub async fn set_instance_require_2fa(
        &self,
        require: bool,
    ) -> Result<Applied<ApplicationSettings>, Error> {
        let current = self.application_settings().await?;
        if current.body.require_two_factor_authentication == Some(require) {
            return Ok(Applied::unchanged(
                current.body,
                current.status,
                current.request_id,
            ));
        }
        let body = json!({ "require_two_factor_authentication": require });
        let applied: Applied<Value> = self.put("/application/settings", &[], body).await?;
        Ok(applied.map(ApplicationSettings::from_json))
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

    /// `PUT /projects/:id` `public_jobs` (Maintainer+): whether non-members see job logs.
    pub async fn set_project_public_jobs(
        &self,
        project: &str,
        public: bool,
    ) -> Result<Applied<Project>, Error> {
        let current = self.project(project).await?;
        if current.body.public_jobs == Some(public) {
            return Ok(Applied::unchanged(
                current.body,
                current.status,
                current.request_id,
            ));
        }
        let path = format!("/projects/{}", encode_segment(project));
        self.put(&path, &[], json!({ "public_jobs": public })).await
    }

    /// `PUT /projects/:id` `visibility` (Maintainer+); audited as
    /// `project_visibility_level_updated`.
    pub async fn set_project_visibility(
        &self,
        project: &str,
        visibility: Visibility,
    ) -> Result<Applied<Project>, Error> {
        let current = self.project(project).await?;
        if current.body.visibility == visibility.as_str() {
            return Ok(Applied::unchanged(
                current.body,
                current.status,
                current.request_id,
            ));
        }
        let path = format!("/projects/{}", encode_segment(project));
        self.put(&path, &[], json!({ "visibility": visibility.as_str() }))
            .await
    }

    /// `GET /projects/:id/protected_branches`, items decode as [`crate::ProtectedBranch`].
    pub fn project_protected_branches(&self, project: &str) -> PageRequest {
        list(format!(
            "/projects/{}/protected_branches",
            encode_segment(project)
        ))
    }

    /// `POST /projects/:id/protected_branches` (Maintainer+); audited as
    /// `protected_branch_created`. A rule that already exists is returned unchanged, whatever
    /// its levels: replacing it would leave the branch unprotected in between, so the caller
    /// compares the levels and decides.
    pub async fn protect_branch(
        &self,
        project: &str,
        name: &str,
        push_level: u8,
        merge_level: u8,
    ) -> Result<Applied<ProtectedBranch>, Error> {
        let base = format!("/projects/{}/protected_branches", encode_segment(project));
        match self
            .get::<ProtectedBranch>(&format!("{base}/{}", encode_segment(name)), &[])
            .await
        {
            Ok(existing) => {
                return Ok(Applied::unchanged(
                    existing.body,
                    existing.status,
                    existing.request_id,
                ));
            }
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e),
        }
        let body = json!({
            "name": name,
            "push_access_level": push_level,
            "merge_access_level": merge_level,
        });
        // Not re-sent: a lost answer to a processed create would come back as a 409.
        let answer: Response<ProtectedBranch> = self
            .mutate_json(Method::POST, &base, &[], Body::Json(body), false)
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// `DELETE /projects/:id/protected_branches/:name` (Maintainer+); audited as
    /// `protected_branch_removed`. Not protected: `changed: false`.
    pub async fn unprotect_branch(&self, project: &str, name: &str) -> Result<Applied<()>, Error> {
        let project = encode_segment(project);
        self.delete_once(
            &format!(
                "/projects/{project}/protected_branches/{}",
                encode_segment(name)
            ),
            &format!("/projects/{project}"),
        )
        .await
    }

    /// `GET /projects/:id/approvals`: the project's merge request approval settings.
    pub async fn project_approval_settings(
        &self,
        project: &str,
    ) -> Result<Response<ApprovalSettings>, Error> {
        self.get(
            &format!("/projects/{}/approvals", encode_segment(project)),
            &[],
        )
        .await
    }

    /// `POST /projects/:id/approvals` with the settings that differ (Maintainer+); each change
    /// is audited with its own event (e.g. `project_merge_requests_author_approval_updated`).
    pub async fn set_project_approvals(
        &self,
        project: &str,
        change: &ApprovalChange,
    ) -> Result<Applied<ApprovalSettings>, Error> {
        let current = self.project_approval_settings(project).await?;
        let body = change.differences(&current.body);
        if body.is_empty() {
            return Ok(Applied::unchanged(
                current.body,
                current.status,
                current.request_id,
            ));
        }
        let path = format!("/projects/{}/approvals", encode_segment(project));
        let answer: Response<ApprovalSettings> = self
            .mutate_json(
                Method::POST,
                &path,
                &[],
                Body::Json(Value::Object(body)),
                true,
            )
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// PUT a JSON body (idempotent, so safe to re-send) and decode the answer.
    async fn put<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: Value,
    ) -> Result<Applied<T>, Error> {
        let answer: Response<T> = self
            .mutate_json(Method::PUT, path, query, Body::Json(body), true)
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// `GET /applications` (admin): OAuth applications, items decode as [`crate::Application`].
    pub fn applications(&self) -> PageRequest {
        list("/applications".to_string())
    }

    /// `GET /runners/all` (admin): every runner, items decode as [`crate::Runner`].
    pub fn runners_all(&self) -> PageRequest {
        list("/runners/all".to_string())
    }

    /// `GET /projects/:id/runners` (Maintainer+): runners available to the project.
    pub fn project_runners(&self, project: &str) -> PageRequest {
        list(format!("/projects/{}/runners", encode_segment(project)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_change_sends_only_differences() {
        let current = ApprovalSettings {
            approvals_before_merge: Some(1),
            reset_approvals_on_push: true,
            disable_overriding_approvers_per_merge_request: false,
            merge_requests_author_approval: true,
            merge_requests_disable_committers_approval: false,
        };
        let change = ApprovalChange {
            approvals_before_merge: Some(1),
            reset_approvals_on_push: Some(true),
            merge_requests_author_approval: Some(false),
            ..ApprovalChange::default()
        };
        let diff = change.differences(&current);
        assert_eq!(
            Value::Object(diff),
            json!({"merge_requests_author_approval": false})
        );
        assert!(ApprovalChange::default().differences(&current).is_empty());
    }
}
