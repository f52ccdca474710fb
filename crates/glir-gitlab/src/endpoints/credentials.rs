//! Deploy tokens, pipeline triggers, runners and OAuth applications: the credentials that are
//! not users' tokens.

use super::tokens::list;
use crate::base_url::encode_segment;
use crate::{Client, Error, PageRequest, Response, Runner, RunnerTokenCheck};
use glir_redact::Secret;

impl Client {
    /// `GET /projects/:id/deploy_tokens` (Maintainer+).
    pub fn project_deploy_tokens(&self, project: &str) -> PageRequest {
        list(format!(
            "/projects/{}/deploy_tokens",
            encode_segment(project)
        ))
    }

    /// `GET /groups/:id/deploy_tokens` (Maintainer+).
    pub fn group_deploy_tokens(&self, group: &str) -> PageRequest {
        list(format!("/groups/{}/deploy_tokens", encode_segment(group)))
    }

    /// `GET /deploy_tokens`: every deploy token of the instance (admin).
    pub fn deploy_tokens(&self) -> PageRequest {
        list("/deploy_tokens".to_string())
    }

    /// `GET /projects/:id/triggers` (Maintainer+).
    pub fn project_triggers(&self, project: &str) -> PageRequest {
        list(format!("/projects/{}/triggers", encode_segment(project)))
    }

    /// `GET /runners/:id`.
    pub async fn runner(&self, id: i64) -> Result<Response<Runner>, Error> {
        self.get(&format!("/runners/{id}"), &[]).await
    }

    /// `POST /runners/verify` with form `token=`: needs no other credential and changes nothing.
    pub async fn runners_verify(&self, token: &Secret) -> Result<RunnerTokenCheck, Error> {
        let form = vec![("token", token.expose().to_string())];
        match self.post_form("/runners/verify", form).await {
            Ok(answer) => Ok(RunnerTokenCheck::Valid(answer.body)),
            // GitLab quirk: an unknown or expired runner token is 403, not 401
            // (doc/api/runners.md "Verify authentication for a registered runner";
            // lib/api/ci/helpers/runner.rb `authenticate_runner!` calls `forbidden!`).
            Err(e) if e.status() == Some(403) => Ok(RunnerTokenCheck::Invalid),
            Err(e) => Err(e),
        }
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
