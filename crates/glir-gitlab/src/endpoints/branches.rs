//! Protected branches and merge request approvals (doc/api/protected_branches.md,
//! doc/api/merge_request_approvals.md): what keeps unreviewed code out of a default branch.
//! Each setter reads the current value first and reports `changed: false` when it already holds.

use super::tokens::list;
use crate::base_url::encode_segment;
use crate::request::Body;
use crate::{Applied, ApprovalSettings, Client, Error, PageRequest, ProtectedBranch, Response};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Changes to a project's approval settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalChange {
    /// Approvals required (deprecated project-level rule).
    pub approvals_before_merge: Option<u32>,
    /// New commits reset approvals.
    pub reset_approvals_on_push: Option<bool>,
    /// Approvers cannot be changed per merge request.
    pub disable_overriding_approvers_per_merge_request: Option<bool>,
    /// Authors may approve their own merge requests.
    pub merge_requests_author_approval: Option<bool>,
}

impl ApprovalChange {
    /// The fields that differ from `current`, as GitLab's parameters.
    fn differences(&self, current: &ApprovalSettings) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(n) = self
            .approvals_before_merge
            .filter(|&n| Some(n) != current.approvals_before_merge)
        {
            out.insert("approvals_before_merge".into(), json!(n));
        }
        let flags = [
            (
                "reset_approvals_on_push",
                self.reset_approvals_on_push,
                current.reset_approvals_on_push,
            ),
            (
                "disable_overriding_approvers_per_merge_request",
                self.disable_overriding_approvers_per_merge_request,
                current.disable_overriding_approvers_per_merge_request,
            ),
            (
                "merge_requests_author_approval",
                self.merge_requests_author_approval,
                current.merge_requests_author_approval,
            ),
        ];
        for (name, wanted, now) in flags {
            if let Some(on) = wanted.filter(|&on| on != now) {
                out.insert(name.into(), json!(on));
            }
        }
        out
    }
}

impl Client {
    /// `GET /projects/:id/protected_branches`, items decode as [`crate::ProtectedBranch`].
    pub fn project_protected_branches(&self, project: &str) -> PageRequest {
        list(format!(
            "/projects/{}/protected_branches",
            encode_segment(project)
        ))
    }

    /// `POST /projects/:id/protected_branches` (Maintainer+); audited as
    /// `protected_branch_created`. A rule that already exists is returned unchanged, whatever
    /// its levels: replacing it would leave the branch unprotected in between, so the caller
    /// compares the levels and decides.
    pub async fn protect_branch(
        &self,
        project: &str,
        name: &str,
        push_level: u8,
        merge_level: u8,
    ) -> Result<Applied<ProtectedBranch>, Error> {
        let base = format!("/projects/{}/protected_branches", encode_segment(project));
        match self
            .get::<ProtectedBranch>(&format!("{base}/{}", encode_segment(name)), &[])
            .await
        {
            Ok(existing) => {
                return Ok(Applied::unchanged(
                    existing.body,
                    existing.status,
                    existing.request_id,
                ));
            }
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e),
        }
        let body = json!({
            "name": name,
            "push_access_level": push_level,
            "merge_access_level": merge_level,
        });
        // Not re-sent: a lost answer to a processed create would come back as a 409.
        let answer: Response<ProtectedBranch> = self
            .mutate_json(Method::POST, &base, &[], Body::Json(body), false)
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }

    /// `DELETE /projects/:id/protected_branches/:name` (Maintainer+); audited as
    /// `protected_branch_removed`. Not protected: `changed: false`.
    pub async fn unprotect_branch(&self, project: &str, name: &str) -> Result<Applied<()>, Error> {
        let project = encode_segment(project);
        self.delete_once(
            &format!(
                "/projects/{project}/protected_branches/{}",
                encode_segment(name)
            ),
            &format!("/projects/{project}"),
        )
        .await
    }

    /// `GET /projects/:id/approvals`: the project's merge request approval settings.
    pub async fn project_approval_settings(
        &self,
        project: &str,
    ) -> Result<Response<ApprovalSettings>, Error> {
        self.get(
            &format!("/projects/{}/approvals", encode_segment(project)),
            &[],
        )
        .await
    }

    /// `POST /projects/:id/approvals` with the settings that differ (Maintainer+); each change
    /// is audited with its own event (e.g. `project_merge_requests_author_approval_updated`).
    pub async fn set_project_approvals(
        &self,
        project: &str,
        change: &ApprovalChange,
    ) -> Result<Applied<ApprovalSettings>, Error> {
        let current = self.project_approval_settings(project).await?;
        let body = change.differences(&current.body);
        if body.is_empty() {
            return Ok(Applied::unchanged(
                current.body,
                current.status,
                current.request_id,
            ));
        }
        let path = format!("/projects/{}/approvals", encode_segment(project));
        let answer: Response<ApprovalSettings> = self
            .mutate_json(
                Method::POST,
                &path,
                &[],
                Body::Json(Value::Object(body)),
                true,
            )
            .await?;
        Ok(Applied::changed(
            answer.body,
            answer.status,
            answer.request_id,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_change_sends_only_differences() {
        let current = ApprovalSettings {
            approvals_before_merge: Some(1),
            reset_approvals_on_push: true,
            disable_overriding_approvers_per_merge_request: false,
            merge_requests_author_approval: true,
            merge_requests_disable_committers_approval: false,
        };
        let change = ApprovalChange {
            approvals_before_merge: Some(1),
            reset_approvals_on_push: Some(true),
            merge_requests_author_approval: Some(false),
            ..ApprovalChange::default()
        };
        let diff = change.differences(&current);
        assert_eq!(
            Value::Object(diff),
            json!({"merge_requests_author_approval": false})
        );
        assert!(ApprovalChange::default().differences(&current).is_empty());
    }
}
