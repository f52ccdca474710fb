//! Webhooks (project, group, system): where an attacker sends events and secrets, listed for
//! evidence and removed during containment. A removal that finds nothing (404) on a visible
//! owner is `changed: false`.

use super::tokens::list;
use crate::base_url::encode_segment;
use crate::{Applied, Client, Error, PageRequest};

impl Client {
    /// `GET /projects/:id/hooks` (Maintainer+), items decode as [`crate::Hook`].
    pub fn project_hooks(&self, project: &str) -> PageRequest {
        list(format!("/projects/{}/hooks", encode_segment(project)))
    }

    /// `DELETE /projects/:id/hooks/:hook_id` (Maintainer+); audited as `webhook_destroyed`.
    pub async fn delete_project_hook(
        &self,
        project: &str,
        hook: i64,
    ) -> Result<Applied<()>, Error> {
        let project = encode_segment(project);
        self.delete_once(
            &format!("/projects/{project}/hooks/{hook}"),
            &format!("/projects/{project}"),
        )
        .await
    }

    /// `GET /groups/:id/hooks` (Owner), items decode as [`crate::Hook`].
    pub fn group_hooks(&self, group: &str) -> PageRequest {
        list(format!("/groups/{}/hooks", encode_segment(group)))
    }

    /// `DELETE /groups/:id/hooks/:hook_id` (Owner); audited as `webhook_destroyed`.
    pub async fn delete_group_hook(&self, group: &str, hook: i64) -> Result<Applied<()>, Error> {
        let group = encode_segment(group);
        self.delete_once(
            &format!("/groups/{group}/hooks/{hook}"),
            &format!("/groups/{group}"),
        )
        .await
    }

    /// `GET /hooks` (admin): system hooks, items decode as [`crate::Hook`].
    pub fn system_hooks(&self) -> PageRequest {
        list("/hooks".to_string())
    }

    /// `DELETE /hooks/:id` (admin); audited as `webhook_destroyed`. A repeat is 404, reported
    /// as `changed: false` once the hook list is confirmed readable.
    pub async fn delete_system_hook(&self, hook: i64) -> Result<Applied<()>, Error> {
        self.delete_once(&format!("/hooks/{hook}"), "/hooks").await
    }
}
