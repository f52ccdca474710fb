//! Projects.

use crate::base_url::encode_segment;
use crate::{Client, Error, Project, Response};

impl Client {
    /// `GET /projects/:id`, by numeric id or full path (encoded here).
    pub async fn project(&self, id_or_path: &str) -> Result<Response<Project>, Error> {
        self.get(&format!("/projects/{}", encode_segment(id_or_path)), &[])
            .await
    }
}
