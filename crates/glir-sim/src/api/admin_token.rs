//! `POST /admin/token`: identify a token of any family (doc/api/admin/token.md, 17.8 GA;
//! lib/api/admin/token.rb, `Authn::AgnosticTokenIdentifier`).

use super::auth::authenticate;
use super::ctx::Ctx;
use super::error::ApiError;
use super::form;
use super::render_ci;
use super::tokens;
use super::{jobs, render};
use crate::credentials::Credential;
use crate::server::Shared;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing;
use jiff::Timestamp;
use serde_json::Value;
use std::sync::Arc;

/// Prefixes of families the token API cannot identify (doc/api/admin/token.md lists the
/// supported ones; SCIM, workspace and GitLab-for-Slack tokens are not among them).
const UNSUPPORTED_PREFIXES: &[&str] = &["glsoat-", "glwt-", "glimt-"];

/// Prefixes of the families it can identify (doc/security/tokens/_index.md, token prefixes).
const SUPPORTED_PREFIXES: &[&str] = &[
    "glpat-",
    "gldt-",
    "glrt-",
    "glrtr-",
    "glptt-",
    "glcbt-",
    "gloas-",
    "glft-",
    "glagent-",
    "glffct-",
    "_gitlab_session=",
];

pub(crate) async fn lookup(ctx: Ctx, body: Bytes) -> Result<Json<Value>, ApiError> {
    let world = ctx.shared.world();
    let world = &*world;
    // A POST: only the `api` scope will do (lib/api/api.rb allows `read_api` for GET only).
    let caller = authenticate(&ctx, world, &["api"])?;
    // lib/api/helpers.rb `authenticated_as_admin!`.
    if !caller.is_admin() {
        return Err(ApiError::forbidden());
    }
    let params = form::params(&ctx.headers, &body);
    let plaintext = form::param(&params, ctx.param("token"), "token")
        .ok_or_else(|| ApiError::grape(StatusCode::BAD_REQUEST, "token is missing"))?;
    let Some(found) = world.credential(plaintext) else {
        let supported = SUPPORTED_PREFIXES.iter().any(|p| plaintext.starts_with(p))
            && !UNSUPPORTED_PREFIXES
                .iter()
                .any(|p| plaintext.starts_with(p));
        return Err(if supported {
            ApiError::message(StatusCode::NOT_FOUND, "404 Not Found")
        } else {
            ApiError::message(StatusCode::UNPROCESSABLE_ENTITY, "422 Unprocessable Entity")
        });
    };
    // Each family is presented with its own entity (`present_with` in lib/authn/tokens/*.rb).
    let entity = match found {
        Credential::Token(t) => {
            let mut v = render::token(world, t, tokens::is_active(t));
            v["impersonation"] = Value::Bool(t.kind == crate::scenario::TokenKind::Impersonation);
            v
        }
        Credential::Deploy(d) => render_ci::deploy_token(d, Timestamp::now()),
        Credential::Trigger(t) => render_ci::trigger(world, t, false),
        Credential::Runner(r) => render_ci::runner(world, r),
        Credential::Job(j) => jobs::entity(world, j),
        Credential::Application(a) => render_ci::application(a),
    };
    Ok(Json(entity))
}

/// This resource's routes, under `/api/v4`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route(
        "/admin/token",
        routing::post(lookup).delete(super::revoke_credentials::admin_revoke),
    )
}
