//! Revoking, rotating and resetting credentials of every family. Each method reads the state
//! first where GitLab lets it, so a repeat reports `changed: false` instead of failing; rotations
//! and resets are never re-sent after an ambiguous failure (see [`crate::Applied`]).

use crate::base_url::encode_segment;
use crate::request::Body;
use crate::{
    Applied, Client, Error, PersonalAccessToken, RenewedApplication, Response, RotatedToken,
    RunnerTokenReset, TokenDetails,
};
use glir_redact::Secret;
use jiff::civil::Date;
use reqwest::Method;
use serde_json::json;

impl Client {
    /// `DELETE /personal_access_tokens/:id` (204). Already revoked: `changed: false`.
    pub async fn revoke_personal_access_token(&self, id: i64) -> Result<Applied<()>, Error> {
        let path = format!("/personal_access_tokens/{id}");
        self.revoke_token_at(&path, &path).await
    }

    /// `POST /personal_access_tokens/:id/rotate`: revokes the token and returns its successor;
    /// `expires_at` defaults to a week from today on GitLab's side.
    pub async fn rotate_personal_access_token(
        &self,
        id: i64,
        expires_at: Option<Date>,
    ) -> Result<Applied<RotatedToken>, Error> {
        self.rotate_at(&format!("/personal_access_tokens/{id}/rotate"), expires_at)
            .await
    }

    /// `DELETE /projects/:id/access_tokens/:token_id` (Maintainer+). Already revoked:
    /// `changed: false`.
    pub async fn revoke_project_access_token(
        &self,
        project: &str,
        id: i64,
    ) -> Result<Applied<()>, Error> {
        let path = format!("/projects/{}/access_tokens/{id}", encode_segment(project));
        self.revoke_token_at(&path, &path).await
    }

    /// `POST /projects/:id/access_tokens/:token_id/rotate` (Maintainer+).
    pub async fn rotate_project_access_token(
        &self,
        project: &str,
        id: i64,
        expires_at: Option<Date>,
    ) -> Result<Applied<RotatedToken>, Error> {
        let path = format!(
            "/projects/{}/access_tokens/{id}/rotate",
            encode_segment(project)
        );
        self.rotate_at(&path, expires_at).await
    }

    /// `DELETE /groups/:id/access_tokens/:token_id` (Owner). Already revoked: `changed: false`.
    pub async fn revoke_group_access_token(
        &self,
        group: &str,
        id: i64,
    ) -> Result<Applied<()>, Error> {
        let path = format!("/groups/{}/access_tokens/{id}", encode_segment(group));
        self.revoke_token_at(&path, &path).await
    }

    /// `POST /groups/:id/access_tokens/:token_id/rotate` (Owner).
    pub async fn rotate_group_access_token(
        &self,
        group: &str,
        id: i64,
        expires_at: Option<Date>,
    ) -> Result<Applied<RotatedToken>, Error> {
        let path = format!(
            "/groups/{}/access_tokens/{id}/rotate",
            encode_segment(group)
        );
        self.rotate_at(&path, expires_at).await
    }

    /// `DELETE /projects/:id/deploy_tokens/:token_id` (Maintainer+). GitLab destroys the token;
    /// a repeat is 404, reported as `changed: false` once the project itself is confirmed
    /// visible.
    pub async fn revoke_project_deploy_token(
        &self,
        project: &str,
        id: i64,
    ) -> Result<Applied<()>, Error> {
        let project = encode_segment(project);
        self.delete_once(
            &format!("/projects/{project}/deploy_tokens/{id}"),
            &format!("/projects/{project}"),
        )
        .await
    }

    /// `DELETE /groups/:id/deploy_tokens/:token_id` (Owner); repeats as for project tokens.
    pub async fn revoke_group_deploy_token(
        &self,
        group: &str,
        id: i64,
    ) -> Result<Applied<()>, Error> {
        let group = encode_segment(group);
        self.delete_once(
            &format!("/groups/{group}/deploy_tokens/{id}"),
            &format!("/groups/{group}"),
        )
        .await
    }

    /// `DELETE /projects/:id/cluster_agents/:agent_id/tokens/:token_id` (Maintainer+;
    /// doc/api/cluster_agents.md, "Revoke an agent token"); audited as
    /// `cluster_agent_token_revoked` (15.10). A repeat is `changed: false`.
    pub async fn revoke_cluster_agent_token(
        &self,
        project: &str,
        agent_id: i64,
        token_id: i64,
    ) -> Result<Applied<()>, Error> {
        let project = encode_segment(project);
        self.delete_once(
            &format!("/projects/{project}/cluster_agents/{agent_id}/tokens/{token_id}"),
            &format!("/projects/{project}"),
        )
        .await
    }

    /// `DELETE /projects/:id/triggers/:trigger_id` (Maintainer+); a repeat is `changed: false`.
    pub async fn delete_trigger(&self, project: &str, id: i64) -> Result<Applied<()>, Error> {
        let project = encode_segment(project);
        self.delete_once(
            &format!("/projects/{project}/triggers/{id}"),
            &format!("/projects/{project}"),
        )
        .await
    }

    /// `POST /runners/:id/reset_authentication_token` (admin for instance runners, Owner for
    /// group runners, Maintainer for project runners): the old token stops working at once.
    pub async fn reset_runner_token(
        &self,
        runner_id: i64,
    ) -> Result<Applied<RunnerTokenReset>, Error> {
        let path = format!("/runners/{runner_id}/reset_authentication_token");
        let answer: Response<RunnerTokenReset> = self
            .mutate_json(Method::POST, &path, &[], Body::Empty, false)
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// `POST /applications/:id/renew-secret` (admin, 16.11): the new OAuth client secret.
    pub async fn renew_application_secret(
        &self,
        id: i64,
    ) -> Result<Applied<RenewedApplication>, Error> {
        let path = format!("/applications/{id}/renew-secret");
        let answer: Response<RenewedApplication> = self
            .mutate_json(Method::POST, &path, &[], Body::Empty, false)
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// A webhook's secret token replaced by one made here at random. `path` is the hook's
    /// (`/projects/:id/hooks/:hook_id`, the group's, or `/hooks/:id` for a system hook); the
    /// edit is `PUT` with `token` (doc/api/project_webhooks.md "Edit a project webhook",
    /// doc/api/group_webhooks.md, doc/api/system_hooks.md). GitLab never shows a hook's token,
    /// so every call changes it; it is not re-sent after an ambiguous failure. The URL is sent
    /// back as read: older versions require it on every edit.
    pub async fn reset_hook_token(&self, path: &str) -> Result<Applied<Secret>, Error> {
        let current: Response<serde_json::Value> = self.get(path, &[]).await?;
        let token = random_hook_token();
        let body = json!({ "url": current.body["url"], "token": token.expose() });
        let answer: Response<serde_json::Value> = self
            .mutate_json(Method::PUT, path, &[], Body::Json(body), false)
            .await?;
        Ok(Applied::changed(token, answer.status, answer.request_id))
    }

    /// `DELETE /admin/token` with `{"token": …}` (admin; doc/api/admin/token.md): GitLab revokes,
    /// resets or expires the token as its family allows. A token the lookup shows revoked
    /// already is `changed: false` without a DELETE. 422 (CI job tokens, unsupported families)
    /// comes back as the error, for the caller to fall back to the family's own API.
    pub async fn admin_revoke_token(&self, token: &Secret) -> Result<Applied<()>, Error> {
        let found = self.admin_token_lookup(token).await?;
        let revoked = match &found.body.details {
            TokenDetails::PersonalAccessToken(t) => t.revoked,
            TokenDetails::DeployToken(d) => d.revoked,
            _ => false,
        };
        if revoked {
            return Ok(Applied::unchanged((), found.status, found.request_id));
        }
        let answer = self
            .mutate_empty(
                Method::DELETE,
                "/admin/token",
                Body::Json(json!({ "token": token.expose() })),
            )
            .await?;
        Ok(Applied::changed((), answer.status, answer.request_id))
    }

    /// Reads the token at `show`, then deletes at `delete` unless it is revoked already.
    async fn revoke_token_at(&self, show: &str, delete: &str) -> Result<Applied<()>, Error> {
        let current: Response<PersonalAccessToken> = self.get(show, &[]).await?;
        if current.body.revoked {
            return Ok(Applied::unchanged((), current.status, current.request_id));
        }
        let answer = self
            .mutate_empty(Method::DELETE, delete, Body::Empty)
            .await?;
        Ok(Applied::changed((), answer.status, answer.request_id))
    }

    async fn rotate_at(
        &self,
        path: &str,
        expires_at: Option<Date>,
    ) -> Result<Applied<RotatedToken>, Error> {
        let body = match expires_at {
            Some(day) => Body::Json(json!({ "expires_at": day.to_string() })),
            None => Body::Empty,
        };
        let answer: Response<RotatedToken> = self
            .mutate_json(Method::POST, path, &[], body, false)
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// DELETE `path`; a 404 counts as "already gone" only when `parent` is visible, so a typo
    /// in the project or group is still an error.
    pub(crate) async fn delete_once(&self, path: &str, parent: &str) -> Result<Applied<()>, Error> {
        match self.mutate_empty(Method::DELETE, path, Body::Empty).await {
            Ok(answer) => Ok(Applied::changed((), answer.status, answer.request_id)),
            Err(e) if e.status() == Some(404) => {
                let request_id = e.request_id().map(str::to_string);
                self.get::<serde_json::Value>(parent, &[]).await?;
                Ok(Applied::unchanged((), 404, request_id))
            }
            Err(e) => Err(e),
        }
    }
}

/// How long a new hook token is: 40 alphanumeric characters carry over 230 bits.
const HOOK_TOKEN_LENGTH: usize = 40;

/// A webhook secret token from the thread's CSPRNG (GitLab accepts any string; receivers
/// compare the `X-Gitlab-Token` header with it).
fn random_hook_token() -> Secret {
    use rand::Rng;
    let token: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(HOOK_TOKEN_LENGTH)
        .map(char::from)
        .collect();
    Secret::new(token)
}

#[cfg(test)]
mod tests {
    use super::{HOOK_TOKEN_LENGTH, random_hook_token};

    #[test]
    fn a_hook_token_is_long_alphanumeric_and_new_each_time() {
        let (a, b) = (random_hook_token(), random_hook_token());
        assert_eq!(a.expose().len(), HOOK_TOKEN_LENGTH);
        assert!(a.expose().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a.expose(), b.expose());
    }
}
