//! New secrets GitLab returns once: a rotated token, a reset runner token, a renewed OAuth
//! application secret. Each secret is a [`Secret`] from the moment it is decoded.

use super::credentials::Application;
use super::secret_value::optional_secret;
use super::token::PersonalAccessToken;
use glir_redact::Secret;
use jiff::Timestamp;
use serde::Deserialize;

/// A rotated personal, project or group access token: the new token's metadata and plaintext.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RotatedToken {
    /// The new token (the old one is revoked).
    #[serde(flatten)]
    pub token: PersonalAccessToken,
    /// Its plaintext, shown by GitLab this once.
    #[serde(rename = "token", deserialize_with = "required_secret")]
    pub secret: Secret,
}

/// `POST /runners/:id/reset_authentication_token`: the runner's new token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunnerTokenReset {
    /// The new authentication token.
    #[serde(deserialize_with = "required_secret")]
    pub token: Secret,
    /// Its expiry, when the instance sets one.
    #[serde(default)]
    pub token_expires_at: Option<Timestamp>,
}

/// `POST /applications/:id/renew-secret`: the application and its new secret.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RenewedApplication {
    /// The application.
    #[serde(flatten)]
    pub application: Application,
    /// The new client secret.
    #[serde(deserialize_with = "required_secret")]
    pub secret: Secret,
}

fn required_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    optional_secret(d)?.ok_or_else(|| serde::de::Error::custom("the new secret is null"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_token_keeps_metadata_and_hides_the_secret() {
        let r: RotatedToken = serde_json::from_str(
            r#"{"id":42,"name":"ci","revoked":false,"active":true,"created_at":"2026-01-01T00:00:00Z","expires_at":"2026-01-08","last_used_at":null,"scopes":["api"],"user_id":2,"token":"glpat-RotatedSecretValue0001"}"#,
        )
        .unwrap();
        assert_eq!(r.token.id, 42);
        assert_eq!(r.secret.expose(), "glpat-RotatedSecretValue0001");
        assert!(!format!("{r:?}").contains("RotatedSecretValue"));
    }
}
