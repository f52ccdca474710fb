//! Project settings `GET /projects/:id` serves beyond the record's own fields (doc/api/projects.md,
//! lib/api/entities/project.rb, EE's ee/lib/ee/api/entities/project.rb). CI/CD settings are in
//! the entity's `admin_project` block: Maintainers and administrators only.

use super::{Audience, Field, Initial, Kind};
use crate::scenario::Tier;

/// `ProjectFeature` access levels as the API spells them.
const FEATURE_ACCESS: Kind = Kind::OneOf(&["disabled", "private", "enabled"]);

const fn flag(name: &'static str, on: bool) -> Field {
    Field::new(name, Kind::Bool, Initial::Bool(on))
}

pub(crate) const FIELDS: &[Field] = &[
    // Audited by EE's `Audit::ProjectChangesAuditor`, which names one event per column.
    flag("only_allow_merge_if_pipeline_succeeds", false)
        .audited("project_only_allow_merge_if_pipeline_succeeds_updated"),
    flag("allow_merge_on_skipped_pipeline", false),
    flag("only_allow_merge_if_all_discussions_are_resolved", false)
        .audited("project_only_allow_merge_if_all_discussions_are_resolved_updated"),
    flag("request_access_enabled", true),
    // "Status checks must succeed" (doc/api/projects.md, Ultimate, 15.5).
    flag("only_allow_merge_if_all_status_checks_passed", false)
        .tier(Tier::Ultimate)
        .since(15, 5),
    // doc/api/projects.md: `merge` (merge commit), `rebase_merge` (semi-linear) or `ff`.
    Field::new(
        "merge_method",
        Kind::OneOf(&["merge", "rebase_merge", "ff"]),
        Initial::Text("merge"),
    ),
    Field::new(
        "forking_access_level",
        FEATURE_ACCESS,
        Initial::Text("enabled"),
    ),
    Field::new(
        "container_registry_access_level",
        FEATURE_ACCESS,
        Initial::Text("enabled"),
    ),
    // Whether the project has environments to deploy to at all (lib/api/entities/project.rb;
    // 15.8, with the other `*_access_level` fields split out of `builds_access_level`).
    Field::new(
        "environments_access_level",
        FEATURE_ACCESS,
        Initial::Text("enabled"),
    )
    .since(15, 8),
    flag("shared_runners_enabled", true),
    Field::new("last_activity_at", Kind::Timestamp, Initial::CreatedAt).read_only(),
    // The entity's `ci_job_token_scope_enabled` is the *outbound* scope.
    flag("ci_job_token_scope_enabled", false).audience(Audience::Maintainer),
    flag("keep_latest_artifact", true).audience(Audience::Maintainer),
    flag("restrict_user_defined_variables", false).audience(Audience::Maintainer),
    Field::new(
        "ci_pipeline_variables_minimum_override_role",
        Kind::OneOf(&["owner", "maintainer", "developer", "no_one_allowed"]),
        Initial::Text("developer"),
    )
    .audience(Audience::Maintainer)
    .since(17, 1),
    // "Limit access to this project" (doc/api/project_job_token_scopes.md), on for new projects;
    // served by `GET /projects/:id/job_token_scope` only.
    flag("inbound_job_token_scope_enabled", true)
        .audience(Audience::Nobody)
        .read_only(),
    // `read_secret_push_protection_info` (ee/app/policies/ee/project_policy.rb): Ultimate and
    // `admin_security_testing`. Set through the security settings API, not `PUT /projects/:id`;
    // renamed from `pre_receive_secret_detection_enabled` in 17.11
    // (doc/api/project_security_settings.md), which is still served as an alias.
    flag("secret_push_protection_enabled", false)
        .tier(Tier::Ultimate)
        .audience(Audience::Maintainer)
        .since(17, 11)
        .read_only(),
    flag("pre_receive_secret_detection_enabled", false)
        .tier(Tier::Ultimate)
        .audience(Audience::Maintainer)
        .alias_of("secret_push_protection_enabled"),
];
