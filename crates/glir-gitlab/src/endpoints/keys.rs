//! SSH, GPG and deploy keys and emails: the persistence an attacker adds, listed for evidence and removed
//! during containment. Removals that find nothing (404) on a visible owner are `changed: false`.

use super::tokens::list;
use crate::base_url::encode_segment;
use crate::{Applied, Client, Error, PageRequest};

impl Client {
    /// `GET /users/:id_or_username/keys`, items decode as [`crate::SshKey`].
    pub fn user_ssh_keys(&self, user: &str) -> PageRequest {
        list(format!("/users/{}/keys", encode_segment(user)))
    }

    /// `DELETE /users/:id/keys/:key_id` (admin); audited as `remove_ssh_key`.
    pub async fn delete_user_ssh_key(&self, user: i64, key: i64) -> Result<Applied<()>, Error> {
        self.delete_once(
            &format!("/users/{user}/keys/{key}"),
            &format!("/users/{user}"),
        )
        .await
    }

    /// `GET /users/:id/gpg_keys`, items decode as [`crate::GpgKey`].
    pub fn user_gpg_keys(&self, user: &str) -> PageRequest {
        list(format!("/users/{}/gpg_keys", encode_segment(user)))
    }

    /// `DELETE /users/:id/gpg_keys/:key_id` (admin); audited as `remove_gpg_key`.
    pub async fn delete_user_gpg_key(&self, user: i64, key: i64) -> Result<Applied<()>, Error> {
        self.delete_once(
            &format!("/users/{user}/gpg_keys/{key}"),
            &format!("/users/{user}"),
        )
        .await
    }

    /// `GET /users/:id/emails` (admin), items decode as [`crate::Email`]: secondary addresses.
    pub fn user_emails(&self, user: i64) -> PageRequest {
        list(format!("/users/{user}/emails"))
    }

    /// `GET /projects/:id/deploy_keys` (Maintainer+), items decode as [`crate::DeployKey`].
    pub fn project_deploy_keys(&self, project: &str) -> PageRequest {
        list(format!("/projects/{}/deploy_keys", encode_segment(project)))
    }

    /// `DELETE /projects/:id/deploy_keys/:key_id` (Maintainer+); audited as `deploy_key_removed`.
    pub async fn delete_project_deploy_key(
        &self,
        project: &str,
        key: i64,
    ) -> Result<Applied<()>, Error> {
        let project = encode_segment(project);
        self.delete_once(
            &format!("/projects/{project}/deploy_keys/{key}"),
            &format!("/projects/{project}"),
        )
        .await
    }
}
