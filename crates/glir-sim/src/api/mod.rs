//! The HTTP surface: GitLab's REST API v4 subset glir uses, plus `/-/sim/` control routes.

mod admin_token;
mod audit_events;
mod auth;
mod credentials;
mod ctx;
mod error;
mod form;
mod instance;
mod jobs;
mod middleware;
mod namespaces;
mod paging;
mod render;
mod render_ci;
mod roles;
mod sim;
mod tokens;
mod users;
mod variables;

use crate::server::Shared;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use error::ApiError;
use std::sync::Arc;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/version", get(instance::metadata))
        .route("/metadata", get(instance::metadata))
        .route("/user", get(users::current_user))
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::get))
        .route("/personal_access_tokens", get(tokens::list))
        .route("/personal_access_tokens/self", get(tokens::current))
        .route("/personal_access_tokens/{id}", get(tokens::get))
        .route("/admin/token", post(admin_token::lookup))
        .route("/deploy_tokens", get(credentials::instance))
        .route("/runners/verify", post(credentials::verify))
        .route("/runners/{id}", get(credentials::runner))
        .route("/job", get(jobs::current))
        .route("/groups/{id}", get(namespaces::group))
        .route("/groups/{id}/projects", get(namespaces::group_projects))
        .route("/groups/{id}/access_tokens", get(tokens::group))
        .route("/groups/{id}/deploy_tokens", get(credentials::group))
        .route("/groups/{id}/variables", get(variables::group))
        .route(
            "/groups/{id}/members/all/{user_id}",
            get(namespaces::group_member),
        )
        .route("/groups/{id}/audit_events", get(audit_events::group))
        .route("/projects/{id}", get(namespaces::project))
        .route(
            "/projects/{id}/members/all/{user_id}",
            get(namespaces::project_member),
        )
        .route("/projects/{id}/audit_events", get(audit_events::project))
        .route("/projects/{id}/access_tokens", get(tokens::project))
        .route("/projects/{id}/deploy_tokens", get(credentials::project))
        .route("/projects/{id}/triggers", get(credentials::triggers))
        .route("/projects/{id}/variables", get(variables::project))
        .route("/projects/{id}/jobs", get(jobs::list))
        .route("/projects/{id}/jobs/{job_id}/trace", get(jobs::trace))
        .route(
            "/projects/{id}/jobs/{job_id}/artifacts",
            get(jobs::artifacts),
        )
        .route("/audit_events", get(audit_events::instance));
    Router::new()
        .nest("/api/v4", api)
        .route(
            "/-/sim/faults",
            post(sim::add_fault).delete(sim::clear_faults),
        )
        .route("/-/sim/requests", get(sim::requests))
        // lib/api/api.rb: unknown routes end in `error!('404 Not Found', 404)`.
        .fallback(|| async { ApiError::grape(StatusCode::NOT_FOUND, "404 Not Found") })
        .method_not_allowed_fallback(|| async {
            ApiError::grape(StatusCode::METHOD_NOT_ALLOWED, "405 Not Allowed")
        })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            middleware::observe,
        ))
        .with_state(shared)
}
