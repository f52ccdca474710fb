//! Memberships, inherited ones included.

use crate::base_url::encode_segment;
use crate::{Client, Error, Member, Response};

impl Client {
    /// `GET /groups/:id/members/all/:user_id`: the user's effective role in a group.
    pub async fn group_member(&self, group: &str, user_id: i64) -> Result<Response<Member>, Error> {
        let path = format!("/groups/{}/members/all/{user_id}", encode_segment(group));
        self.get(&path, &[]).await
    }

    /// `GET /projects/:id/members/all/:user_id`: the user's effective role in a project.
    pub async fn project_member(
        &self,
        project: &str,
        user_id: i64,
    ) -> Result<Response<Member>, Error> {
        let path = format!(
            "/projects/{}/members/all/{user_id}",
            encode_segment(project)
        );
        self.get(&path, &[]).await
    }
}
