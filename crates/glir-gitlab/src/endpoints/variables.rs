//! CI/CD variables (Maintainer+ for projects, Owner or Maintainer for groups).

use super::tokens::list;
use crate::base_url::encode_segment;
use crate::{Client, PageRequest};

impl Client {
    /// `GET /projects/:id/variables`, items decode as [`crate::Variable`].
    pub fn project_variables(&self, project: &str) -> PageRequest {
        list(format!("/projects/{}/variables", encode_segment(project)))
    }

    /// `GET /groups/:id/variables`, items decode as [`crate::Variable`].
    pub fn group_variables(&self, group: &str) -> PageRequest {
        list(format!("/groups/{}/variables", encode_segment(group)))
    }
}
