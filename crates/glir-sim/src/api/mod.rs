//! The HTTP surface: GitLab's REST API v4 subset glir uses, plus `/-/sim/` control routes.

mod admin_token;
mod audit_events;
mod audit_write;
mod auth;
mod branches;
mod credentials;
mod ctx;
mod error;
mod form;
mod hooks;
mod instance;
mod jobs;
mod keys;
mod middleware;
mod moderation;
mod mutation;
mod namespaces;
mod paging;
mod render;
mod render_ci;
mod repository;
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
use axum::routing::{delete, get, post};
use error::ApiError;
use std::sync::Arc;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/version", get(instance::metadata))
        .route("/metadata", get(instance::metadata))
        .route("/user", get(users::current_user))
        .route("/users", get(users::list))
        .route("/users/{id}", get(users::get))
        .route("/users/{id}/{verb}", post(moderation::moderate))
        .route("/users/{id}/keys", get(keys::ssh_keys))
        .route("/users/{id}/keys/{key_id}", delete(keys::delete_ssh_key))
        .route("/users/{id}/gpg_keys", get(keys::gpg_keys))
        .route(
            "/users/{id}/gpg_keys/{key_id}",
            delete(keys::delete_gpg_key),
        )
        .route("/users/{id}/emails", get(keys::emails))
        .route("/personal_access_tokens", get(tokens::list))
        .route("/personal_access_tokens/self", get(tokens::current))
        .route(
            "/personal_access_tokens/{id}",
            get(tokens::get).delete(revoke_tokens::revoke_pat),
        )
        .route(
            "/personal_access_tokens/{id}/rotate",
            post(revoke_tokens::rotate_pat),
        )
        .route(
            "/admin/token",
            post(admin_token::lookup).delete(revoke_credentials::admin_revoke),
        )
        .route("/applications", get(revoke_credentials::applications))
        .route(
            "/applications/{id}/renew-secret",
            post(revoke_credentials::renew_application_secret),
        )
        .route(
            "/application/settings",
            get(settings::application_settings).put(settings::update_application_settings),
        )
        .route("/hooks", get(hooks::system_hooks))
        .route("/hooks/{hook_id}", delete(hooks::delete_system_hook))
        .route("/deploy_tokens", get(credentials::instance))
        .route("/runners/verify", post(credentials::verify))
        .route("/runners/all", get(credentials::runners_all))
        .route("/runners/{id}", get(credentials::runner))
        .route(
            "/runners/{id}/reset_authentication_token",
            post(revoke_credentials::reset_runner_token),
        )
        .route("/job", get(jobs::current))
        .route(
            "/groups/{id}",
            get(namespaces::group).put(settings::update_group),
        )
        .route("/groups/{id}/projects", get(namespaces::group_projects))
        .route("/groups/{id}/access_tokens", get(tokens::group))
        .route(
            "/groups/{id}/access_tokens/{token_id}",
            get(revoke_tokens::get_group_token).delete(revoke_tokens::revoke_group_token),
        )
        .route(
            "/groups/{id}/access_tokens/{token_id}/rotate",
            post(revoke_tokens::rotate_group_token),
        )
        .route("/groups/{id}/deploy_tokens", get(credentials::group))
        .route(
            "/groups/{id}/deploy_tokens/{token_id}",
            delete(revoke_credentials::delete_group_deploy_token),
        )
        .route("/groups/{id}/variables", get(variables::group))
        .route(
            "/groups/{id}/variables/{key}",
            axum::routing::put(settings::update_group_variable),
        )
        .route("/groups/{id}/hooks", get(hooks::group_hooks))
        .route(
            "/groups/{id}/hooks/{hook_id}",
            delete(hooks::delete_group_hook),
        )
        .route(
            "/groups/{id}/members/all/{user_id}",
            get(namespaces::group_member),
        )
        .route("/groups/{id}/audit_events", get(audit_events::group))
        .route(
            "/projects/{id}",
            get(namespaces::project).put(settings::update_project),
        )
        .route(
            "/projects/{id}/members/all/{user_id}",
            get(namespaces::project_member),
        )
        .route("/projects/{id}/audit_events", get(audit_events::project))
        .route("/projects/{id}/access_tokens", get(tokens::project))
        .route(
            "/projects/{id}/access_tokens/{token_id}",
            get(revoke_tokens::get_project_token).delete(revoke_tokens::revoke_project_token),
        )
        .route(
            "/projects/{id}/access_tokens/{token_id}/rotate",
            post(revoke_tokens::rotate_project_token),
        )
        .route("/projects/{id}/deploy_tokens", get(credentials::project))
        .route(
            "/projects/{id}/deploy_tokens/{token_id}",
            delete(revoke_credentials::delete_project_deploy_token),
        )
        .route("/projects/{id}/triggers", get(credentials::triggers))
        .route(
            "/projects/{id}/triggers/{trigger_id}",
            delete(revoke_credentials::delete_trigger),
        )
        .route("/projects/{id}/variables", get(variables::project))
        .route(
            "/projects/{id}/variables/{key}",
            axum::routing::put(settings::update_project_variable),
        )
        .route("/projects/{id}/hooks", get(hooks::project_hooks))
        .route(
            "/projects/{id}/hooks/{hook_id}",
            delete(hooks::delete_project_hook),
        )
        .route("/projects/{id}/deploy_keys", get(keys::deploy_keys))
        .route(
            "/projects/{id}/deploy_keys/{key_id}",
            delete(keys::delete_deploy_key),
        )
        .route("/projects/{id}/runners", get(credentials::project_runners))
        .route(
            "/projects/{id}/protected_branches",
            get(branches::list).post(branches::protect),
        )
        .route(
            "/projects/{id}/protected_branches/{name}",
            get(branches::get).delete(branches::unprotect),
        )
        .route(
            "/projects/{id}/approvals",
            get(branches::approvals).post(branches::set_approvals),
        )
        .route("/projects/{id}/jobs", get(jobs::list))
        .route(
            "/projects/{id}/repository/commits",
            get(repository::commits),
        )
        .route(
            "/projects/{id}/repository/commits/{sha}/diff",
            get(repository::diff),
        )
        .route("/projects/{id}/jobs/{job_id}", get(jobs::show))
        .route("/projects/{id}/jobs/{job_id}/cancel", post(jobs::cancel))
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
