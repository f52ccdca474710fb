//! Audit events REST API (doc/api/audit_events.md).
//!
//! Items are not decoded into a struct here: `details` has no schema and the events crate needs
//! the JSON as GitLab sent it. Page through [`Client::audit_events`] with
//! `Page<AuditEventJson>` to keep each event's raw text, or `Page<serde_json::Value>`.

use crate::base_url::encode_segment;
use crate::{Client, PageRequest, Paging};
use jiff::Timestamp;
use serde_json::value::RawValue;
use std::fmt;

/// One audit event exactly as GitLab sent it.
pub type AuditEventJson = Box<RawValue>;

/// GitLab's largest page (doc/api/rest/_index.md).
const MAX_PER_PAGE: u32 = 100;

/// Whose audit events to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuditScope {
    /// `GET /audit_events` (admin, self-managed).
    Instance,
    /// `GET /groups/:id/audit_events`, by id or full path.
    Group(String),
    /// `GET /projects/:id/audit_events`, by id or full path.
    Project(String),
}

impl AuditScope {
    fn path(&self) -> String {
        match self {
            AuditScope::Instance => "/audit_events".to_string(),
            AuditScope::Group(group) => format!("/groups/{}/audit_events", encode_segment(group)),
            AuditScope::Project(project) => {
                format!("/projects/{}/audit_events", encode_segment(project))
            }
        }
    }
}

impl fmt::Display for AuditScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditScope::Instance => f.write_str("instance"),
            AuditScope::Group(group) => write!(f, "group {group}"),
            AuditScope::Project(project) => write!(f, "project {project}"),
        }
    }
}

impl Client {
    /// Audit events of `scope`, newest first. Keyset paging with `order_by=id&sort=desc`, the
    /// only keyset order audit events support; offset paging is deprecated since 17.8
    /// (doc/api/rest/_index.md). An instance query covers at most 30 days.
    pub fn audit_events(
        &self,
        scope: &AuditScope,
        created_after: Option<Timestamp>,
        created_before: Option<Timestamp>,
        per_page: u32,
    ) -> PageRequest {
        let mut query = Vec::new();
        if let Some(at) = created_after {
            query.push(("created_after".to_string(), whole_seconds(at, Round::Down)));
        }
        if let Some(at) = created_before {
            query.push(("created_before".to_string(), whole_seconds(at, Round::Up)));
        }
        PageRequest {
            path: scope.path(),
            query,
            paging: Paging::Keyset {
                per_page: per_page.clamp(1, MAX_PER_PAGE),
                order_by: "id".to_string(),
                sort: "desc".to_string(),
            },
        }
    }
}

enum Round {
    Down,
    Up,
}

/// GitLab documents `YYYY-MM-DDTHH:MM:SSZ` for these parameters. Rounding outwards widens the
/// window rather than losing an event at its edge; duplicates are removed by id downstream.
fn whole_seconds(at: Timestamp, round: Round) -> String {
    let mut seconds = at.as_second();
    if matches!(round, Round::Up) && at.subsec_nanosecond() != 0 {
        seconds += 1;
    }
    // as_second() of a valid Timestamp, plus at most one, stays in range except at the
    // very end of jiff's range, where the unrounded instant is the best answer left.
    let rounded = Timestamp::from_second(seconds).unwrap_or(at);
    rounded.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder("https://h").unwrap().build().unwrap()
    }

    #[test]
    fn scope_paths_and_names() {
        assert_eq!(AuditScope::Instance.path(), "/audit_events");
        assert_eq!(
            AuditScope::Group("acme".into()).path(),
            "/groups/acme/audit_events"
        );
        assert_eq!(
            AuditScope::Project("acme/app".into()).path(),
            "/projects/acme%2Fapp/audit_events"
        );
        assert_eq!(AuditScope::Instance.to_string(), "instance");
        assert_eq!(AuditScope::Group("acme".into()).to_string(), "group acme");
        assert_eq!(
            AuditScope::Project("acme/app".into()).to_string(),
            "project acme/app"
        );
    }

    #[test]
    fn window_is_whole_seconds_rounded_outwards() {
        let after: Timestamp = "2025-03-01T07:00:41.885Z".parse().unwrap();
        let before: Timestamp = "2025-03-02T08:00:00.001Z".parse().unwrap();
        let req = client().audit_events(&AuditScope::Instance, Some(after), Some(before), 50);
        assert_eq!(
            req.query,
            [
                (
                    "created_after".to_string(),
                    "2025-03-01T07:00:41Z".to_string()
                ),
                (
                    "created_before".to_string(),
                    "2025-03-02T08:00:01Z".to_string()
                ),
            ]
        );
        let exact: Timestamp = "2025-03-02T08:00:00Z".parse().unwrap();
        assert_eq!(whole_seconds(exact, Round::Up), "2025-03-02T08:00:00Z");
    }

    #[test]
    fn keyset_by_id_descending_with_capped_page_size() {
        let req = client().audit_events(&AuditScope::Group("acme".into()), None, None, 1000);
        assert!(req.query.is_empty());
        assert_eq!(
            req.paging,
            Paging::Keyset {
                per_page: 100,
                order_by: "id".into(),
                sort: "desc".into(),
            }
        );
    }

    #[test]
    fn raw_items_keep_gitlab_text() {
        let items: Vec<AuditEventJson> = serde_json::from_str(
            r#"[{"id":101,"author_id":1,"entity_id":6,"entity_type":"Project","event_name":"project_archived","details":{"target_id":"grp/app"},"created_at":"2025-03-01T07:00:41.885Z"}]"#,
        )
        .unwrap();
        assert!(items[0].get().contains(r#""target_id":"grp/app""#));
    }
}
