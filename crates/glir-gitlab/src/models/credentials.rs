//! Credentials other than personal access tokens, and what the admin token lookup returns
//! (doc/api/deploy_tokens.md, doc/api/pipeline_triggers.md, doc/api/runners.md,
//! doc/api/applications.md, doc/api/admin/token.md).

use super::boolean::null_as_false;
use super::job::Job;
use super::secret_value::optional_secret;
use super::token::PersonalAccessToken;
use super::user::{User, UserRef};
use glir_redact::Secret;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// A deploy token: repository and registry access, no REST API access.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeployToken {
    /// Token id.
    pub id: i64,
    /// The name it was given.
    pub name: String,
    /// Login name, by default `gitlab+deploy-token-{n}`.
    pub username: String,
    /// Expiry time; `None` never expires.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// Revoked.
    #[serde(default, deserialize_with = "null_as_false")]
    pub revoked: bool,
    /// Past its expiry.
    #[serde(default, deserialize_with = "null_as_false")]
    pub expired: bool,
    /// Scopes such as `read_repository`, `read_registry`.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A pipeline trigger token. GitLab shows the full `token` only to its owner; it is kept as a
/// [`Secret`] so it never prints.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Trigger {
    /// Trigger id.
    pub id: i64,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Last pipeline it started.
    #[serde(default)]
    pub last_used: Option<Timestamp>,
    /// Expiry (17.x+; absent before).
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// The user pipelines run as.
    #[serde(default)]
    pub owner: Option<UserRef>,
    /// The token, full for its owner and shortened (`…abcd`) for others.
    #[serde(default, deserialize_with = "optional_secret")]
    pub token: Option<Secret>,
}

/// A runner as `GET /runners/:id` shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Runner {
    /// Runner id.
    pub id: i64,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// `instance_type`, `group_type` or `project_type`.
    #[serde(default)]
    pub runner_type: Option<String>,
    /// Not paused (older field; `paused` replaces it).
    #[serde(default)]
    pub active: Option<bool>,
    /// Paused by an owner.
    #[serde(default)]
    pub paused: Option<bool>,
    /// `online`, `offline`, `stale`, `never_contacted`.
    #[serde(default)]
    pub status: Option<String>,
    /// Last contact with GitLab.
    #[serde(default)]
    pub contacted_at: Option<Timestamp>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Authentication token expiry, when the instance sets one.
    #[serde(default)]
    pub token_expires_at: Option<Timestamp>,
    /// Shared with every project.
    #[serde(default)]
    pub is_shared: Option<bool>,
    /// Tags.
    #[serde(default)]
    pub tag_list: Vec<String>,
}

/// `POST /runners/verify` answered 200: the token authenticates a runner.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RunnerVerification {
    /// Runner id (newer versions send `RunnerRegistrationDetails`; older ones an empty body).
    #[serde(default)]
    pub id: Option<i64>,
    /// Authentication token expiry.
    #[serde(default)]
    pub token_expires_at: Option<Timestamp>,
}

/// Whether a runner token is live, from `POST /runners/verify`.
#[derive(Debug, Clone, PartialEq)]
pub enum RunnerTokenCheck {
    /// 200: a runner authenticates with it.
    Valid(RunnerVerification),
    /// 403: unknown, reset or expired.
    Invalid,
}

/// An OAuth application (`API::Entities::Application`); the secret itself is never shown here.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Application {
    /// Numeric id.
    pub id: i64,
    /// The OAuth client id (a long hex string).
    pub application_id: String,
    /// Display name.
    pub application_name: String,
    /// Redirect URI.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// Confidential client.
    #[serde(default)]
    pub confidential: Option<bool>,
}

/// What `POST /admin/token` found. GitLab's answer carries no type field: the entity depends on
/// the token's family (`present_with` in `lib/authn/tokens/*.rb`), so it is told apart by shape
/// and the raw JSON is kept for fields not modelled here.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenLookup {
    /// The typed entity.
    pub details: TokenDetails,
    /// GitLab's JSON as received (may hold the token for trigger entities; never print it).
    pub raw: Value,
}

/// The entity behind a looked-up token.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenDetails {
    /// Personal, impersonation, project or group access token.
    PersonalAccessToken(PersonalAccessToken),
    /// Deploy token.
    DeployToken(DeployToken),
    /// Runner authentication token: the runner.
    Runner(Runner),
    /// Pipeline trigger token.
    Trigger(Trigger),
    /// CI job token: the job.
    Job(Box<Job>),
    /// OAuth application secret: the application.
    Application(Application),
    /// Session cookie: the signed-in user.
    User(Box<User>),
    /// A family this client does not model (feed, incoming email, agent, feature-flag tokens).
    Other,
}

impl TokenLookup {
    /// Tells the entity apart by the fields only it has.
    pub fn from_json(raw: Value) -> TokenLookup {
        let has = |key: &str| raw.get(key).is_some();
        let parse = |raw: &Value| -> Option<TokenDetails> {
            let v = raw.clone();
            if has("application_id") {
                serde_json::from_value(v)
                    .ok()
                    .map(TokenDetails::Application)
            } else if has("runner_type") {
                serde_json::from_value(v).ok().map(TokenDetails::Runner)
            } else if has("stage") && has("pipeline") {
                serde_json::from_value(v)
                    .ok()
                    .map(|j| TokenDetails::Job(Box::new(j)))
            } else if has("user_id") && has("scopes") {
                serde_json::from_value(v)
                    .ok()
                    .map(TokenDetails::PersonalAccessToken)
            } else if has("scopes") && has("username") {
                serde_json::from_value(v)
                    .ok()
                    .map(TokenDetails::DeployToken)
            } else if has("owner") && has("last_used") {
                serde_json::from_value(v).ok().map(TokenDetails::Trigger)
            } else if has("username") && has("state") {
                serde_json::from_value(v)
                    .ok()
                    .map(|u| TokenDetails::User(Box::new(u)))
            } else {
                None
            }
        };
        let details = parse(&raw).unwrap_or(TokenDetails::Other);
        TokenLookup { details, raw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_tells_families_apart_by_shape() {
        let pat = json!({"id":1,"user_id":2,"name":"t","revoked":false,"active":true,"scopes":["api"],"expires_at":null,"created_at":"2025-01-01T00:00:00Z","last_used_at":null,"impersonation":false});
        assert!(matches!(
            TokenLookup::from_json(pat).details,
            TokenDetails::PersonalAccessToken(t) if t.user_id == 2
        ));
        let deploy = json!({"id":3,"name":"d","username":"gitlab+deploy-token-3","expires_at":null,"revoked":false,"expired":false,"scopes":["read_repository"]});
        assert!(matches!(
            TokenLookup::from_json(deploy).details,
            TokenDetails::DeployToken(d) if d.username == "gitlab+deploy-token-3"
        ));
        let runner = json!({"id":7,"runner_type":"project_type","description":"r","paused":false});
        assert!(matches!(
            TokenLookup::from_json(runner).details,
            TokenDetails::Runner(r) if r.id == 7
        ));
        let trigger = json!({"id":4,"description":"t","owner":{"id":2,"username":"dev"},"last_used":null,"token":"glptt-0123456789abcdef0123"});
        let found = TokenLookup::from_json(trigger);
        let TokenDetails::Trigger(t) = &found.details else {
            panic!("not a trigger: {:?}", found.details)
        };
        assert!(!format!("{t:?}").contains("0123456789abcdef"));
        let app = json!({"id":5,"application_id":"abc","application_name":"ci","callback_url":"https://x","confidential":true});
        assert!(matches!(
            TokenLookup::from_json(app).details,
            TokenDetails::Application(a) if a.application_name == "ci"
        ));
        let user = json!({"id":2,"username":"dev","name":"Dev","state":"active"});
        assert!(matches!(
            TokenLookup::from_json(user).details,
            TokenDetails::User(u) if u.username == "dev"
        ));
        assert_eq!(
            TokenLookup::from_json(json!({"feed":true})).details,
            TokenDetails::Other
        );
    }
}
