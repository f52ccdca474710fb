//! GitLab's error responses, each with the body GitLab sends for it.

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error response: status, JSON body and any extra headers.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Value,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    fn new(status: StatusCode, body: Value) -> ApiError {
        ApiError {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// `{"message": "..."}`, the body of GitLab's `render_api_error!` (lib/api/helpers.rb).
    pub(crate) fn message(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError::new(status, json!({ "message": message.into() }))
    }

    /// `{"error": "..."}`, what Grape renders for `error!` with a string and for invalid params.
    pub(crate) fn grape(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError::new(status, json!({ "error": error.into() }))
    }

    pub(crate) fn unauthorized() -> ApiError {
        ApiError::message(StatusCode::UNAUTHORIZED, "401 Unauthorized")
    }

    /// lib/api/api_guard.rb: expired and revoked tokens get rack-oauth2's `invalid_token` body
    /// and a `WWW-Authenticate` header rather than the plain 401 message.
    pub(crate) fn invalid_token(description: &str) -> ApiError {
        let mut err = ApiError::new(
            StatusCode::UNAUTHORIZED,
            json!({ "error": "invalid_token", "error_description": description }),
        );
        let challenge = format!(
            r#"Bearer realm="The API", error="invalid_token", error_description="{description}""#
        );
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            err.headers.push((header::WWW_AUTHENTICATE, value));
        }
        err
    }

    /// lib/api/api_guard.rb: `InsufficientScopeError` lists the scopes the endpoint accepts.
    pub(crate) fn insufficient_scope(scopes: &[&str]) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            json!({
                "error": "insufficient_scope",
                "error_description": "The request requires higher privileges than provided by the access token.",
                "scope": scopes.join(" "),
            }),
        )
    }

    pub(crate) fn forbidden() -> ApiError {
        ApiError::message(StatusCode::FORBIDDEN, "403 Forbidden")
    }

    /// lib/api/helpers.rb `forbidden!(reason)`: `403 Forbidden - <reason>`.
    pub(crate) fn forbidden_because(reason: &str) -> ApiError {
        ApiError::message(StatusCode::FORBIDDEN, format!("403 Forbidden - {reason}"))
    }

    /// lib/api/helpers.rb `not_found!(resource)`: `404 <Resource> Not Found`.
    pub(crate) fn not_found(resource: &str) -> ApiError {
        ApiError::message(StatusCode::NOT_FOUND, format!("404 {resource} Not Found"))
    }

    /// lib/api/helpers.rb `render_validation_error!`: 400 `{"message": {"<field>": ["<problem>"]}}`.
    pub(crate) fn validation(field: &str, problem: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            json!({ "message": { field: [problem] } }),
        )
    }

    /// Grape parameter validation failure, e.g. `created_after is invalid`.
    pub(crate) fn invalid_param(name: &str) -> ApiError {
        ApiError::grape(StatusCode::BAD_REQUEST, format!("{name} is invalid"))
    }

    /// Grape `values:` validation failure.
    pub(crate) fn invalid_value(name: &str) -> ApiError {
        ApiError::grape(
            StatusCode::BAD_REQUEST,
            format!("{name} does not have a valid value"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
