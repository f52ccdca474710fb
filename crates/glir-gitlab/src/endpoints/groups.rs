//! Groups.

use super::tokens::offset;
use crate::base_url::encode_segment;
use crate::{Client, Error, Group, PageRequest, Response};

impl Client {
    /// `GET /groups/:id`, by numeric id or full path (encoded here).
    pub async fn group(&self, id_or_path: &str) -> Result<Response<Group>, Error> {
        // `with_projects=false`: the project list is deprecated here and can be large
        // (doc/api/groups.md, "Get a single group").
        let query = [("with_projects", "false".to_string())];
        self.get(&format!("/groups/{}", encode_segment(id_or_path)), &query)
            .await
    }

    /// `GET /groups/:id/projects`, items decode as [`crate::Project`]; with `include_subgroups`
    /// the projects of every descendant group too.
    pub fn group_projects(&self, group: &str, include_subgroups: bool) -> PageRequest {
        let mut query = vec![("order_by".to_string(), "id".to_string())];
        if include_subgroups {
            query.push(("include_subgroups".to_string(), "true".to_string()));
        }
        PageRequest {
            path: format!("/groups/{}/projects", encode_segment(group)),
            query,
            paging: offset(None),
        }
    }
}
