//! Authentication as GitLab's API does it: token lookup (lib/gitlab/auth/auth_finders.rb),
//! validity and account checks (lib/api/api_guard.rb), `Sudo`, then endpoint scopes
//! (lib/api/helpers.rb `current_user`).

use super::ctx::Ctx;
use super::error::ApiError;
use crate::scenario::{Token, User, UserState};
use crate::world::World;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Scopes accepted by GET endpoints (lib/api/api.rb: `api`, and `read_api` for GET/HEAD).
pub(crate) const READ_API: &[&str] = &["api", "read_api"];
/// The users API also accepts `read_user` for GET (lib/api/users.rb).
pub(crate) const READ_USER: &[&str] = &["api", "read_api", "read_user"];

/// The authenticated caller.
pub(crate) struct Caller<'a> {
    /// Whom the request acts as: the token's owner, or the `Sudo` target.
    pub(crate) user: &'a User,
    /// The token presented.
    pub(crate) token: &'a Token,
}

impl Caller<'_> {
    pub(crate) fn is_admin(&self) -> bool {
        self.user.is_admin
    }
}

/// Authenticates the request for an endpoint that accepts `allowed` scopes.
pub(crate) fn authenticate<'a>(
    ctx: &Ctx,
    world: &'a World,
    allowed: &[&str],
) -> Result<Caller<'a>, ApiError> {
    // auth_finders.rb: job tokens are looked up first; the scenario has no CI jobs, so any is unknown.
    if ctx.present("job_token").is_some() || ctx.header("job-token").is_some() {
        return Err(ApiError::unauthorized());
    }
    let plaintext = presented_token(ctx).ok_or_else(ApiError::unauthorized)?;
    let token = world.token(plaintext).ok_or_else(ApiError::unauthorized)?;
    // app/services/access_token_validation_service.rb checks expiry, then revocation.
    if is_expired(token, Timestamp::now()) {
        return Err(ApiError::invalid_token(
            "Token is expired. You can either do re-authorization or token refresh.",
        ));
    }
    if token.revoked {
        return Err(ApiError::invalid_token(
            "Token was revoked. You have to re-authorize from the user.",
        ));
    }
    let owner = world
        .user_by_name(&token.user)
        .ok_or_else(ApiError::unauthorized)?;
    check_account(owner, &world.scenario.instance.external_url)?;
    // lib/api/helpers.rb: `sudo!` runs before the endpoint scope check, which is skipped under sudo.
    if let Some(target) = ctx.header("sudo").or_else(|| ctx.present("sudo")) {
        return sudo(world, owner, token, target);
    }
    if !token.scopes.iter().any(|s| allowed.contains(&s.as_str())) {
        return Err(ApiError::insufficient_scope(allowed));
    }
    Ok(Caller { user: owner, token })
}

/// The personal, OAuth or access token the request presents, wherever it carries it.
pub(crate) fn presented_token(ctx: &Ctx) -> Option<&str> {
    ctx.present("private_token")
        .or_else(|| ctx.header("private-token"))
        .or_else(|| bearer(ctx))
        .or_else(|| ctx.present("access_token"))
}

fn bearer(ctx: &Ctx) -> Option<&str> {
    let value = ctx.header("authorization")?;
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim())
        .filter(|t| !t.is_empty())
}

/// app/models/concerns/expirable.rb: a token expires at the start of its `expires_at` day.
pub(crate) fn is_expired(token: &Token, now: Timestamp) -> bool {
    let today = now.to_zoned(TimeZone::UTC).date();
    token.expires_at.is_some_and(|day| day <= today)
}

/// lib/gitlab/auth/user_access_denied_reason.rb: why a valid token's owner may not use the API.
fn check_account(user: &User, external_url: &str) -> Result<(), ApiError> {
    let reason = match user.state {
        UserState::Active => return Ok(()),
        UserState::BlockedPendingApproval => {
            "Your account is pending approval from your administrator and hence blocked."
                .to_string()
        }
        UserState::Deactivated => format!(
            "Your account has been deactivated by your administrator. Please log back in from a web browser to reactivate your account at {external_url}"
        ),
        UserState::Blocked | UserState::LdapBlocked | UserState::Banned => {
            "Your account has been blocked.".to_string()
        }
    };
    Err(ApiError::forbidden_because(&reason))
}

fn sudo<'a>(
    world: &'a World,
    owner: &'a User,
    token: &'a Token,
    target: &str,
) -> Result<Caller<'a>, ApiError> {
    if !owner.is_admin {
        return Err(ApiError::forbidden_because("Must be admin to use sudo"));
    }
    if !token.scopes.iter().any(|s| s == "sudo") {
        return Err(ApiError::insufficient_scope(&["sudo"]));
    }
    let user = world
        .user_by_id_or_name(target)
        .ok_or_else(|| ApiError::not_found(&format!("User with ID or username '{target}'")))?;
    Ok(Caller { user, token })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(expires_at: Option<&str>) -> Token {
        Token {
            id: 1,
            token: "glpat-TestTokenValue000001".into(),
            user: "u".into(),
            name: "t".into(),
            scopes: vec!["api".into()],
            created_at: None,
            expires_at: expires_at.map(|d| d.parse().expect("date")),
            revoked: false,
            last_used_at: None,
            description: None,
            kind: Default::default(),
            resource: None,
            access_level: None,
            last_used_ips: Vec::new(),
        }
    }

    #[test]
    fn token_expires_at_start_of_its_day() {
        let now: Timestamp = "2026-11-25T00:00:00Z".parse().expect("ts");
        assert!(is_expired(&token(Some("2026-11-25")), now));
        assert!(!is_expired(&token(Some("2026-11-26")), now));
        assert!(!is_expired(&token(None), now));
    }
}
