//! Event types for records that carry none.
//!
//! `audit_json.log` lines written before GitLab named its audit events (and REST items of old
//! rows, including the examples in `doc/api/audit_events.md`) say what happened only through
//! `change`/`from`/`to`, `with`, `add`/`remove`/`as` and `custom_message`. Rules match on
//! `event_type`, so such a record would never alert; [`DERIVATIONS`] names each shape with the
//! type GitLab gives the same action today (`doc/user/compliance/audit_event_types.md`). The table
//! is the documentation: `docs/INPUTS.md` lists every row and a test keeps the two equal.

/// What a derivation looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `with: <provider>`: a successful sign-in (`AuditEventService#for_authentication`).
    With(&'static str),
    /// `with:` a provider no other row names (OmniAuth: SAML, OIDC, GitHub, …).
    WithOther,
    /// `change: <what>` on an entity of this type (`None`: any).
    Change(&'static str, Option<&'static str>),
    /// `add: <what>`.
    Add(&'static str),
    /// `remove: <what>`.
    Remove(&'static str),
    /// `custom_message` equal to this text, ignoring ASCII case.
    Message(&'static str),
    /// `custom_message` starting with this text, ignoring ASCII case.
    MessagePrefix(&'static str),
    /// `failed_login: <METHOD>` (older EE versions' failed sign-ins).
    FailedLogin(&'static str),
}

impl std::fmt::Display for Shape {
    /// The row's condition as `docs/INPUTS.md` shows it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shape::With("ldap") => write!(f, "`with: ldap…` (any LDAP server)"),
            Shape::With(provider) => write!(f, "`with: {provider}`"),
            Shape::WithOther => write!(f, "`with:` any other provider"),
            Shape::Change(what, Some(entity)) => write!(f, "`change: {what}` on a {entity}"),
            Shape::Change(what, None) => write!(f, "`change: {what}`"),
            Shape::Add(what) => write!(f, "`add: {what}`"),
            Shape::Remove(what) => write!(f, "`remove: {what}`"),
            Shape::Message(text) => write!(f, "`custom_message` is \"{text}\""),
            Shape::MessagePrefix(text) => write!(f, "`custom_message` starts with \"{text}\""),
            Shape::FailedLogin(method) => write!(f, "`failed_login: {method}`"),
        }
    }
}

/// One row: a record of this shape is an event of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Derivation {
    /// The shape.
    pub shape: Shape,
    /// The event type it is given.
    pub event_type: &'static str,
}

const fn row(shape: Shape, event_type: &'static str) -> Derivation {
    Derivation { shape, event_type }
}

/// In order: the first row that fits wins.
pub const DERIVATIONS: &[Derivation] = &[
    // Sign-ins (`with`): app/services/audit_event_service.rb `for_authentication`; providers
    // from app/controllers/sessions_controller.rb and omniauth_callbacks_controller.rb.
    row(Shape::With("standard"), "authenticated_with_password"),
    row(Shape::With("two-factor"), "authenticated_with_two_factor"),
    row(
        Shape::With("two-factor-via-webauthn-device"),
        "authenticated_with_webauthn",
    ),
    row(
        Shape::With("two-factor-via-u2f-device"),
        "authenticated_with_webauthn",
    ),
    row(Shape::With("ldap"), "authenticated_with_ldap"),
    row(Shape::With("group_saml"), "authenticated_with_group_saml"),
    row(Shape::WithOther, "authenticated_with_oauth"),
    // Failed sign-ins: ee/app/services/ee/audit_event_service.rb `for_failed_login` writes
    // "Failed to login with <METHOD> authentication".
    row(
        Shape::Message("Failed to login with STANDARD authentication"),
        "login_failed_with_standard_authentication",
    ),
    row(
        Shape::Message("Failed to login with OTP authentication"),
        "login_failed_with_otp_authentication",
    ),
    row(
        Shape::Message("Failed to login with WEBAUTHN authentication"),
        "login_failed_with_webauthn_authentication",
    ),
    row(
        Shape::MessagePrefix("Failed to login with"),
        "omniauth_login_failed",
    ),
    row(
        Shape::FailedLogin("STANDARD"),
        "login_failed_with_standard_authentication",
    ),
    row(
        Shape::FailedLogin("OTP"),
        "login_failed_with_otp_authentication",
    ),
    row(
        Shape::FailedLogin("WEBAUTHN"),
        "login_failed_with_webauthn_authentication",
    ),
    // Visibility and settings (`change`).
    row(
        Shape::Change("visibility", Some("Project")),
        "project_visibility_level_updated",
    ),
    row(
        Shape::Change("visibility", Some("Group")),
        "group_visibility_level_updated",
    ),
    row(
        Shape::Change("require_two_factor_authentication", Some("Group")),
        "group_require_two_factor_authentication_updated",
    ),
    row(
        Shape::Change("two_factor_grace_period", Some("Group")),
        "group_two_factor_grace_period_updated",
    ),
    // Merge request approval settings, as old lines name them (doc/api/audit_events.md).
    row(
        Shape::Change("prevent merge request approval from committers", None),
        "project_merge_requests_disable_committers_approval_updated",
    ),
    row(
        Shape::Change("prevent merge request approval from authors", None),
        "project_merge_requests_author_approval_updated",
    ),
    row(Shape::Change("access_level", None), "member_updated"),
    row(
        Shape::Change("email address", None),
        "user_email_address_updated",
    ),
    row(Shape::Change("username", None), "user_username_updated"),
    row(Shape::Change("name", Some("User")), "user_name_updated"),
    row(
        Shape::Change("path", Some("Project")),
        "project_path_updated",
    ),
    row(Shape::Change("path", Some("Group")), "group_path_updated"),
    row(
        Shape::Change("namespace", Some("Project")),
        "project_namespace_updated",
    ),
    row(Shape::Change("admin", None), "user_admin_status_updated"),
    row(Shape::Change("password", None), "user_password_updated"),
    // Membership, keys, emails, deletions (`add` / `remove`).
    row(Shape::Add("group"), "group_created"),
    row(Shape::Add("user_access"), "member_created"),
    row(Shape::Remove("user_access"), "member_destroyed"),
    row(Shape::Add("ssh_key"), "add_ssh_key"),
    row(Shape::Remove("ssh_key"), "remove_ssh_key"),
    row(Shape::Add("gpg_key"), "add_gpg_key"),
    row(Shape::Remove("gpg_key"), "remove_gpg_key"),
    row(Shape::Add("deploy_key"), "deploy_key_added"),
    row(Shape::Remove("deploy_key"), "deploy_key_removed"),
    row(Shape::Add("email"), "email_created"),
    row(Shape::Remove("email"), "email_destroyed"),
    row(Shape::Remove("project"), "project_destroyed"),
    row(Shape::Remove("group"), "group_destroyed"),
    // Messages of events written before they had names.
    row(
        Shape::Message("Ask for password reset"),
        "password_reset_requested",
    ),
    // ee/app/services/ee/personal_access_tokens/{create,revoke}_service.rb.
    row(
        Shape::MessagePrefix("Created personal access token"),
        "personal_access_token_created",
    ),
    row(
        Shape::MessagePrefix("Revoked personal access token"),
        "personal_access_token_revoked",
    ),
    // Messages in the examples of doc/api/audit_events.md and
    // doc/administration/audit_event_streaming/examples.md.
    row(
        Shape::Message("Repository Download Started"),
        "repository_download_operation",
    ),
    row(Shape::Message("Project archived"), "project_archived"),
    row(
        Shape::Message("Group marked for deletion"),
        "group_deletion_marked",
    ),
    row(
        Shape::MessagePrefix("Forked project to"),
        "project_fork_operation",
    ),
    // ee/app/controllers/ee/admin/users_controller.rb and impersonations_controller.rb.
    row(
        Shape::MessagePrefix("Started Impersonation"),
        "user_impersonation",
    ),
    row(
        Shape::MessagePrefix("Stopped Impersonation"),
        "user_impersonation",
    ),
];

/// The fields a derivation reads; `None` where the record lacks one.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fields<'a> {
    /// `change`.
    pub change: Option<&'a str>,
    /// `with`.
    pub with: Option<&'a str>,
    /// `add`.
    pub add: Option<&'a str>,
    /// `remove`.
    pub remove: Option<&'a str>,
    /// `custom_message` as text.
    pub custom_message: Option<&'a str>,
    /// `failed_login`.
    pub failed_login: Option<&'a str>,
    /// `entity_type`.
    pub entity_type: Option<&'a str>,
}

/// The event type of the first row that fits, if any.
pub fn derive_event_type(f: &Fields<'_>) -> Option<&'static str> {
    let eq = |a: Option<&str>, b: &str| a.is_some_and(|a| a.eq_ignore_ascii_case(b));
    DERIVATIONS
        .iter()
        .find(|d| match d.shape {
            // LDAP providers are named per server (`ldapmain`, `ldapsecondary`).
            Shape::With("ldap") => f.with.is_some_and(|w| starts_with(w, "ldap")),
            Shape::With(provider) => eq(f.with, provider),
            Shape::WithOther => f.with.is_some_and(|w| !w.is_empty()),
            Shape::Change(what, entity) => {
                eq(f.change, what) && entity.is_none_or(|e| eq(f.entity_type, e))
            }
            Shape::Add(what) => eq(f.add, what),
            Shape::Remove(what) => eq(f.remove, what),
            Shape::FailedLogin(method) => eq(f.failed_login, method),
            Shape::Message(text) => eq(f.custom_message.map(str::trim), text),
            Shape::MessagePrefix(text) => f
                .custom_message
                .is_some_and(|m| starts_with(m.trim_start(), text)),
        })
        .map(|d| d.event_type)
}

fn starts_with(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(f: Fields<'_>) -> Option<&'static str> {
        derive_event_type(&f)
    }

    #[test]
    fn sign_ins_by_provider() {
        let with = |w| Fields {
            with: Some(w),
            ..Fields::default()
        };
        assert_eq!(
            derive(with("standard")),
            Some("authenticated_with_password")
        );
        assert_eq!(derive(with("ldapmain")), Some("authenticated_with_ldap"));
        assert_eq!(derive(with("saml")), Some("authenticated_with_oauth"));
        assert_eq!(
            derive(with("group_saml")),
            Some("authenticated_with_group_saml")
        );
        assert_eq!(derive(with("")), None);
    }

    #[test]
    fn changes_depend_on_the_entity() {
        let change = |c, e| Fields {
            change: Some(c),
            entity_type: Some(e),
            ..Fields::default()
        };
        assert_eq!(
            derive(change("visibility", "Project")),
            Some("project_visibility_level_updated")
        );
        assert_eq!(
            derive(change("visibility", "Group")),
            Some("group_visibility_level_updated")
        );
        assert_eq!(derive(change("visibility", "User")), None);
        assert_eq!(
            derive(change("access_level", "Group")),
            Some("member_updated")
        );
    }

    #[test]
    fn failed_logins_by_method_with_omniauth_last() {
        let message = |m| Fields {
            custom_message: Some(m),
            ..Fields::default()
        };
        assert_eq!(
            derive(message("Failed to login with STANDARD authentication")),
            Some("login_failed_with_standard_authentication")
        );
        assert_eq!(
            derive(message("failed to login with otp authentication")),
            Some("login_failed_with_otp_authentication")
        );
        assert_eq!(
            derive(message("Failed to login with SAML authentication")),
            Some("omniauth_login_failed")
        );
        assert_eq!(derive(message("Something else")), None);
    }
}
