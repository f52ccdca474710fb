//! Groups.

use crate::base_url::encode_segment;
use crate::{Client, Error, Group, Response};

impl Client {
    /// `GET /groups/:id`, by numeric id or full path (encoded here).
    pub async fn group(&self, id_or_path: &str) -> Result<Response<Group>, Error> {
        // `with_projects=false`: the project list is deprecated here and can be large
        // (doc/api/groups.md, "Get a single group").
        let query = [("with_projects", "false".to_string())];
        self.get(&format!("/groups/{}", encode_segment(id_or_path)), &query)
            .await
    }
}
