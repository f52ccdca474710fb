//! The application settings `GET /application/settings` serves, with GitLab's defaults
//! (`ApplicationSettingImplementation.defaults`, app/models/application_setting_implementation.rb;
//! doc/api/settings.md). Versions are the "Introduced in" notes of doc/api/settings.md; EE-only
//! fields follow ee/app/helpers/ee/application_settings_helper.rb and the license checks of
//! ee/lib/ee/api/entities/application_setting.rb and ee/lib/ee/api/settings.rb.

use super::{Field, Initial, Kind};
use crate::scenario::Tier;

const VISIBILITY: Kind = Kind::OneOf(&["private", "internal", "public"]);

/// lib/api/settings.rb: `import_sources` values; the default enables them all (gitlab.yml).
const IMPORT_SOURCES: &[&str] = &[
    "github",
    "bitbucket",
    "bitbucket_server",
    "fogbugz",
    "git",
    "gitlab_project",
    "gitea",
    "manifest",
];

const fn flag(name: &'static str, on: bool) -> Field {
    Field::new(name, Kind::Bool, Initial::Bool(on))
}

const fn int(name: &'static str, n: i64) -> Field {
    Field::new(name, Kind::Int, Initial::Int(n))
}

pub(crate) const FIELDS: &[Field] = &[
    // Sign-up and sign-in.
    flag("signup_enabled", true),
    flag("require_admin_approval_after_user_signup", true),
    Field::new(
        "email_confirmation_setting",
        Kind::OneOf(&["off", "soft", "hard"]),
        Initial::Text("off"),
    ),
    flag("send_user_confirmation_email", false),
    Field::new("domain_allowlist", Kind::Texts, Initial::EmptyList),
    flag("password_authentication_enabled_for_web", true),
    // doc/api/settings.md: group Owners may change their groups' default branch protection
    // (Premium).
    flag("group_owners_can_manage_default_branch_protection", true).tier(Tier::Premium),
    flag("password_authentication_enabled_for_git", true),
    int("minimum_password_length", 8),
    // Password complexity is the `password_complexity` feature (Premium).
    flag("password_number_required", false)
        .tier(Tier::Premium)
        .since(15, 1),
    flag("password_symbol_required", false)
        .tier(Tier::Premium)
        .since(15, 1),
    flag("password_uppercase_required", false)
        .tier(Tier::Premium)
        .since(15, 1),
    flag("password_lowercase_required", false)
        .tier(Tier::Premium)
        .since(15, 1),
    flag("require_two_factor_authentication", false),
    int("two_factor_grace_period", 48),
    flag("require_admin_two_factor_authentication", false),
    flag("admin_mode", false),
    int("session_expire_delay", 10080),
    flag("remember_me_enabled", true).since(16, 0),
    flag("notify_on_unknown_sign_in", true),
    flag("deactivate_dormant_users", false),
    int("deactivate_dormant_users_period", 90).since(15, 3),
    flag("can_create_group", true).since(15, 5),
    // Tokens.
    flag("require_personal_access_token_expiry", true).since(17, 3),
    // EE's visible_attributes lists it without a license check; only its enforcement is Ultimate.
    Field::new(
        "max_personal_access_token_lifetime",
        Kind::Int,
        Initial::Null,
    )
    .ee(),
    Field::new(
        "personal_access_token_prefix",
        Kind::Text,
        Initial::Text("glpat-"),
    ),
    flag("disable_personal_access_tokens", false)
        .tier(Tier::Premium)
        .since(15, 7),
    flag("disable_feed_token", false),
    flag("user_oauth_applications", true),
    flag("allow_runner_registration_token", true),
    // Visibility.
    Field::new(
        "default_project_visibility",
        VISIBILITY,
        Initial::Text("private"),
    ),
    Field::new(
        "default_group_visibility",
        VISIBILITY,
        Initial::Text("private"),
    ),
    Field::new(
        "default_snippet_visibility",
        VISIBILITY,
        Initial::Text("private"),
    ),
    Field::new(
        "restricted_visibility_levels",
        Kind::Texts,
        Initial::EmptyList,
    ),
    int("default_branch_protection", 2),
    // CI/CD.
    flag("protected_ci_variables", true),
    Field::new(
        "default_artifacts_expire_in",
        Kind::Text,
        Initial::Text("30 days"),
    ),
    // Network.
    flag("allow_local_requests_from_web_hooks_and_services", false),
    flag("allow_local_requests_from_system_hooks", true),
    Field::new(
        "outbound_local_requests_whitelist",
        Kind::Texts,
        Initial::EmptyList,
    ),
    flag("dns_rebinding_protection_enabled", true),
    Field::new("globally_allowed_ips", Kind::Text, Initial::Text("")),
    Field::new(
        "enabled_git_access_protocol",
        Kind::OneOf(&["ssh", "http", "all"]),
        Initial::Null,
    ),
    // SSH key restrictions: 0 allows any size, -1 forbids the type.
    int("rsa_key_restriction", 0),
    int("dsa_key_restriction", 0),
    int("ecdsa_key_restriction", 0),
    int("ed25519_key_restriction", 0),
    // Rate limits (doc/administration/settings/user_and_ip_rate_limits.md).
    flag("throttle_authenticated_api_enabled", false),
    int("throttle_authenticated_api_requests_per_period", 7200),
    int("throttle_authenticated_api_period_in_seconds", 3600),
    flag("throttle_unauthenticated_api_enabled", false),
    int("throttle_unauthenticated_api_requests_per_period", 3600),
    int("throttle_unauthenticated_api_period_in_seconds", 3600),
    flag("throttle_authenticated_web_enabled", false),
    int("throttle_authenticated_web_requests_per_period", 7200),
    int("throttle_authenticated_web_period_in_seconds", 3600),
    flag("throttle_unauthenticated_web_enabled", false),
    int("throttle_unauthenticated_web_requests_per_period", 3600),
    int("throttle_unauthenticated_web_period_in_seconds", 3600),
    // The 429's body; `Retry later` when blank (lib/gitlab/throttle.rb).
    Field::new("rate_limiting_response_text", Kind::Text, Initial::Null),
    int("gitlab_shell_operation_limit", 600).since(16, 2),
    // Git abuse rate limit (`git_abuse_rate_limit`, Ultimate).
    int("max_number_of_repository_downloads", 0)
        .tier(Tier::Ultimate)
        .since(15, 1),
    int("max_number_of_repository_downloads_within_time_period", 0)
        .tier(Tier::Ultimate)
        .since(15, 1),
    Field::new(
        "git_rate_limit_users_allowlist",
        Kind::Texts,
        Initial::EmptyList,
    )
    .tier(Tier::Ultimate)
    .since(15, 2),
    Field::new(
        "git_rate_limit_users_alertlist",
        Kind::Ints,
        Initial::EmptyList,
    )
    .tier(Tier::Ultimate)
    .since(15, 9),
    flag("auto_ban_user_on_excessive_projects_download", false)
        .tier(Tier::Ultimate)
        .since(15, 4),
    // Data leaving the instance.
    flag("usage_ping_enabled", true),
    flag("version_check_enabled", true),
    Field::new(
        "import_sources",
        Kind::Texts,
        Initial::Texts(IMPORT_SOURCES),
    ),
    flag("project_export_enabled", true),
];
