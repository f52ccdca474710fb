//! The HTTP surface: GitLab's REST API v4 subset glir uses, plus `/-/sim/` control routes.

mod admin_token;
mod audit_events;
mod audit_write;
mod auth;
mod branches;
mod cluster_agents;
mod credentials;
mod ctx;
mod error;
mod form;
mod graphql;
mod graphql_security;
mod group_edit;
mod hooks;
mod instance;
mod instance_admin;
mod jobs;
mod keys;
mod listings;
mod memberships;
mod middleware;
mod moderation;
mod mutation;
mod namespaces;
mod paging;
mod project_edit;
mod project_protection;
mod protected_environments;
pub(crate) mod render;
mod render_ci;
mod repository;
mod repository_branches;
mod revoke_credentials;
mod revoke_tokens;
mod roles;
mod settings;
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
        .merge(instance::routes())
        .merge(users::routes())
        .merge(memberships::routes())
        .merge(moderation::routes())
        .merge(keys::routes())
        .merge(tokens::routes())
        .merge(admin_token::routes())
        .merge(credentials::routes())
        .merge(settings::routes())
        .merge(hooks::routes())
        .merge(jobs::routes())
        .merge(namespaces::routes())
        .merge(variables::routes())
        .merge(audit_events::routes())
        .merge(branches::routes())
        .merge(cluster_agents::routes())
        .merge(repository::routes())
        .merge(listings::routes())
        .merge(project_protection::routes())
        .merge(protected_environments::routes())
        .merge(repository_branches::routes())
        .merge(instance_admin::routes());
    Router::new()
        .nest("/api/v4", api)
        .nest("/api", graphql::routes())
        .route(
            "/-/sim/faults",
            post(sim::add_fault).delete(sim::clear_faults),
        )
        .route("/-/sim/requests", get(sim::requests))
        .route("/-/sim/state", get(sim::state))
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
