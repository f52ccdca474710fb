//! Group settings `GET /groups/:id` serves beyond the record's own fields (doc/api/groups.md,
//! lib/api/entities/group.rb, EE's ee/lib/ee/api/entities/group_detail.rb).

use super::{Audience, Field, Initial, Kind};
use crate::scenario::Tier;

const fn flag(name: &'static str, on: bool) -> Field {
    Field::new(name, Kind::Bool, Initial::Bool(on))
}

/// The unique project download limit (`unique_project_download_limit`, Ultimate): exposed to
/// those who may `admin_group` a top-level group with the feature licensed.
const fn download_limit(field: Field) -> Field {
    field
        .tier(Tier::Ultimate)
        .audience(Audience::TopLevelOwner)
        .detail_only()
}

pub(crate) const FIELDS: &[Field] = &[
    Field::new("default_branch_protection", Kind::Int, Initial::Int(2)),
    // GroupDetail exposes `prevent_forking_outside_group?`, which is false unless the
    // `group_forking_protection` feature (Premium) is licensed.
    flag("prevent_forking_outside_group", false)
        .tier(Tier::Premium)
        .default_below_tier()
        .detail_only(),
    download_limit(Field::new(
        "unique_project_download_limit",
        Kind::Int,
        Initial::Int(0),
    )),
    download_limit(Field::new(
        "unique_project_download_limit_interval_in_seconds",
        Kind::Int,
        Initial::Int(0),
    )),
    download_limit(Field::new(
        "unique_project_download_limit_allowlist",
        Kind::Texts,
        Initial::EmptyList,
    )),
    download_limit(Field::new(
        "unique_project_download_limit_alertlist",
        Kind::Ints,
        Initial::EmptyList,
    )),
    download_limit(flag("auto_ban_user_on_excessive_projects_download", false)),
    // GroupDetail exposes both when the group may use the feature (`group_ip_restriction`,
    // `group_allowed_email_domains`, Premium) to those who may administer it; a comma-separated
    // list, `null` when unset.
    Field::new("ip_restriction_ranges", Kind::Text, Initial::Null)
        .tier(Tier::Premium)
        .audience(Audience::TopLevelOwner)
        .detail_only(),
    Field::new("allowed_email_domains_list", Kind::Text, Initial::Null)
        .tier(Tier::Premium)
        .audience(Audience::TopLevelOwner)
        .detail_only(),
];
