//! Project protections a posture check reads that are records of their own rather than project
//! settings: the push rule (doc/api/project_push_rules.md, Premium).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A project's push rule; GitLab keeps at most one per project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRule {
    /// Numeric id, unique among push rules.
    pub id: i64,
    /// Creation time; defaults to the scenario default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Commit messages must match this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_message_regex: Option<String>,
    /// Commit messages must not match this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_message_negative_regex: Option<String>,
    /// Branch names must match this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_name_regex: Option<String>,
    /// Author emails must match this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_email_regex: Option<String>,
    /// Committed file names must not match this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name_regex: Option<String>,
    /// Largest file accepted, in MB; 0 for no limit.
    #[serde(default)]
    pub max_file_size: u32,
    /// Tags cannot be deleted with `git push`.
    #[serde(default)]
    pub deny_delete_tag: bool,
    /// Commit authors must be GitLab users.
    #[serde(default)]
    pub member_check: bool,
    /// Files that look like secrets are rejected.
    #[serde(default)]
    pub prevent_secrets: bool,
    /// The committer email must be one of the pusher's verified emails.
    #[serde(default)]
    pub commit_committer_check: bool,
    /// The commit author name must match the pusher's GitLab name.
    #[serde(default)]
    pub commit_committer_name_check: bool,
    /// Unsigned commits are rejected.
    #[serde(default)]
    pub reject_unsigned_commits: bool,
    /// Commits without a DCO sign-off are rejected.
    #[serde(default)]
    pub reject_non_dco_commits: bool,
}

impl PushRule {
    /// A rule that checks nothing yet.
    pub fn new(id: i64) -> PushRule {
        PushRule {
            id,
            created_at: None,
            commit_message_regex: None,
            commit_message_negative_regex: None,
            branch_name_regex: None,
            author_email_regex: None,
            file_name_regex: None,
            max_file_size: 0,
            deny_delete_tag: false,
            member_check: false,
            prevent_secrets: false,
            commit_committer_check: false,
            commit_committer_name_check: false,
            reject_unsigned_commits: false,
            reject_non_dco_commits: false,
        }
    }
}
