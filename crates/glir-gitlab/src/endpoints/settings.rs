//! Settings a responder reads and tightens: 2FA enforcement (instance, groups), project visibility
//! and public jobs. Each setter reads the current value first and reports `changed: false`
//! without writing when it already holds.

use crate::base_url::encode_segment;
use crate::request::Body;
use crate::{ApplicationSettings, Applied, Client, Error, Group, Project, Response, Visibility};
use reqwest::Method;
use serde_json::{Value, json};

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

    /// `PUT path` of one setting of the object `GET path` answers (application settings, a
    /// group, a project); unchanged, without a write, when it already holds. Audited by GitLab
    /// as the setting's own event where it has one (`application_setting_updated`, 16.3).
    pub async fn set_setting(
        &self,
        path: &str,
        key: &str,
        value: Value,
    ) -> Result<Applied<Value>, Error> {
        let current: Response<Value> = self.get(path, &[]).await?;
        if current.body.get(key) == Some(&value) {
            return Ok(Applied::unchanged(
                current.body,
                current.status,
                current.request_id,
            ));
        }
        self.put(path, &[], json!({ key: value })).await
    }

    /// A webhook (`path` is `/projects/:id/hooks/:hook_id`, the group's or `/hooks/:id`) made to
    /// verify its receiver's certificate. The URL is sent back as read: older versions require
    /// it on every edit (doc/api/project_webhooks.md, "Edit a project webhook").
    pub async fn enable_hook_ssl_verification(&self, path: &str) -> Result<Applied<Value>, Error> {
        self.set_hook_ssl_verification(path, true).await
    }

    /// The same webhook back to not verifying (undoing [`Client::enable_hook_ssl_verification`]).
    pub async fn disable_hook_ssl_verification(&self, path: &str) -> Result<Applied<Value>, Error> {
        self.set_hook_ssl_verification(path, false).await
    }

    async fn set_hook_ssl_verification(
        &self,
        path: &str,
        verify: bool,
    ) -> Result<Applied<Value>, Error> {
        let current: Response<Value> = self.get(path, &[]).await?;
        if current.body["enable_ssl_verification"] == json!(verify) {
            return Ok(Applied::unchanged(
                current.body,
                current.status,
                current.request_id,
            ));
        }
        let body = json!({ "url": current.body["url"], "enable_ssl_verification": verify });
        self.put(path, &[], body).await
    }

    /// PUT a JSON body (idempotent, so safe to re-send) and decode the answer; every area's
    /// setters use it.
    pub(crate) async fn put<T: serde::de::DeserializeOwned>(
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
}
