//! The scenario: everything the simulated GitLab instance knows (users, groups, projects,
//! tokens, audit events), loaded from JSON. The format is documented in the crate README.

mod ci;
mod containment_fixture;
mod credentials;
mod credentials_fixture;
mod fleet;
mod hardening;
mod persistence;
mod security;
mod synthetic;
mod tier;
mod validate;
mod validate_ci;
mod validate_persistence;
mod validate_posture;

use crate::error::SimError;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::path::Path;

pub use ci::{ArtifactFile, Job, Variable};
pub use credentials::{
    Application, DeployToken, Runner, RunnerAccessLevel, RunnerType, TokenKind, Trigger,
};
pub use fleet::FleetSpec;
pub use hardening::PushRule;
pub use persistence::{
    ApprovalRule, ApprovalSettings, ClusterAgent, ClusterAgentToken, DeployKey, Email, GpgKey,
    Hook, ProtectedBranch, SshKey, access_level_name,
};
pub(crate) use security::SCANNER_TYPES;
pub use security::{Branch, PolicyRule, ProtectedEnvironment, ScanExecutionPolicy};
pub use tier::{License, Tier};
pub(crate) use validate::{ENTITY_TYPES, KNOWN_SCOPES, derived_full_path, validate};

/// The bundled demo incident, synthetic drill data.
const DEMO_JSON: &str = include_str!("../../scenarios/demo.json");

/// `created_at` for users, groups, projects and tokens that leave it out.
pub const DEFAULT_CREATED_AT: Timestamp = Timestamp::constant(1_704_067_200, 0); // 2024-01-01T00:00:00Z

/// A whole simulated GitLab instance, as read from a scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Free text shown to drill participants; the demo says it is synthetic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Version, edition and URL of the simulated instance.
    #[serde(default)]
    pub instance: Instance,
    /// Every user account.
    #[serde(default)]
    pub users: Vec<User>,
    /// Every group, parents before or after children.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Every project; each lives in a group.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// Personal, impersonation, project and group access tokens, with their plaintext so the
    /// sim can authenticate them.
    #[serde(default)]
    pub tokens: Vec<Token>,
    /// Deploy tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deploy_tokens: Vec<DeployToken>,
    /// Pipeline trigger tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Runners and their authentication tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runners: Vec<Runner>,
    /// OAuth applications and their secrets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<Application>,
    /// CI jobs with their logs, artifacts and job tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<Job>,
    /// System hooks (admin).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_hooks: Vec<Hook>,
    /// Application settings that differ from the simulator's defaults (`GET /application/settings`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub settings: Map<String, Value>,
    /// Instance-level CI/CD variables (`GET /admin/ci/variables`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_variables: Vec<Variable>,
    /// Public deploy keys: created by an administrator, usable by any project
    /// (doc/api/deploy_keys.md, "List all deploy keys", `public=true`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_deploy_keys: Vec<DeployKey>,
    /// Audit events, in GitLab's REST entity shape.
    #[serde(default)]
    pub audit_events: Vec<AuditEvent>,
    /// HTTP destinations that receive every audit event, as GitLab's audit event streaming
    /// sends them: the existing ones when the simulator starts, then each new one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub streaming: Vec<crate::streaming::StreamTarget>,
}

/// What `/version` and `/metadata` report, and the base of every `web_url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// GitLab version string, e.g. `17.9.2-ee`.
    #[serde(default = "default_version")]
    pub version: String,
    /// Git revision of the GitLab build.
    #[serde(default = "default_revision")]
    pub revision: String,
    /// Enterprise Edition (audit events are an EE feature).
    #[serde(default = "default_true")]
    pub enterprise: bool,
    /// GitLab.com (SaaS) rather than self-managed: no instance audit events.
    #[serde(default)]
    pub gitlab_com: bool,
    /// The instance's public URL, used in `web_url` fields.
    #[serde(default = "default_external_url")]
    pub external_url: String,
    /// Whether the agent server for Kubernetes (KAS) is enabled.
    #[serde(default)]
    pub kas_enabled: bool,
    /// Subscription tier of a self-managed instance; `enterprise: false` is always free, and on
    /// GitLab.com each top-level group's `plan` decides instead.
    #[serde(default)]
    pub tier: Tier,
    /// The license behind a Premium or Ultimate tier (`GET /license`); defaults apply when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
}

impl Default for Instance {
    fn default() -> Self {
        Instance {
            version: default_version(),
            revision: default_revision(),
            enterprise: true,
            gitlab_com: false,
            external_url: default_external_url(),
            kas_enabled: false,
            tier: Tier::default(),
            license: None,
        }
    }
}

fn default_version() -> String {
    "17.9.2-ee".to_string()
}

fn default_revision() -> String {
    "5f4c4b6a0e2".to_string()
}

fn default_external_url() -> String {
    "https://gitlab.example.test".to_string()
}

fn default_true() -> bool {
    true
}

/// A user account with the fields an administrator sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Numeric id, positive and unique.
    pub id: i64,
    /// Unique username (login).
    pub username: String,
    /// Display name; defaults to the username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Primary email; defaults to `username@` the instance host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Account state.
    #[serde(default)]
    pub state: UserState,
    /// Instance administrator.
    #[serde(default)]
    pub is_admin: bool,
    /// Auditor (read-only admin, Premium).
    #[serde(default)]
    pub is_auditor: bool,
    /// Two-factor authentication enrolled.
    #[serde(default)]
    pub two_factor_enabled: bool,
    /// Bot account (project/group access token users, service accounts).
    #[serde(default)]
    pub bot: bool,
    /// External user.
    #[serde(default)]
    pub external: bool,
    /// Locked after too many failed sign-ins.
    #[serde(default)]
    pub locked: bool,
    /// Account creation time; defaults to [`DEFAULT_CREATED_AT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Email confirmation time; defaults to `created_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<Timestamp>,
    /// Previous sign-in time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<Timestamp>,
    /// Latest sign-in time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_sign_in_at: Option<Timestamp>,
    /// Latest sign-in IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_sign_in_ip: Option<String>,
    /// Previous sign-in IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in_ip: Option<String>,
    /// Number of sign-ins.
    #[serde(default)]
    pub sign_in_count: u64,
    /// Last day of activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity_on: Option<Date>,
    /// Public email shown on the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_email: Option<String>,
    /// Admin note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// External identities (`{provider, extern_uid}`), served as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<Value>,
    /// SSH keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_keys: Vec<SshKey>,
    /// GPG keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpg_keys: Vec<GpgKey>,
    /// Secondary email addresses (the primary one is `email`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
}

/// A user's account state, as GitLab spells it (`app/models/user.rb`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserState {
    /// Can sign in and use the API.
    #[default]
    Active,
    /// Blocked by an administrator.
    Blocked,
    /// Blocked by LDAP sync.
    LdapBlocked,
    /// Banned.
    Banned,
    /// Deactivated (dormant).
    Deactivated,
    /// Sign-up waiting for admin approval.
    BlockedPendingApproval,
}

impl UserState {
    /// The state string GitLab serves.
    pub fn as_str(self) -> &'static str {
        match self {
            UserState::Active => "active",
            UserState::Blocked => "blocked",
            UserState::LdapBlocked => "ldap_blocked",
            UserState::Banned => "banned",
            UserState::Deactivated => "deactivated",
            UserState::BlockedPendingApproval => "blocked_pending_approval",
        }
    }
}

/// Who can see a group or project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Members (and admins) only.
    #[default]
    Private,
    /// Any signed-in user.
    Internal,
    /// Everyone.
    Public,
}

impl Visibility {
    /// The visibility string GitLab serves.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Internal => "internal",
            Visibility::Public => "public",
        }
    }
}

/// A direct membership of a group or project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The member's username.
    pub username: String,
    /// GitLab access level: 5 minimal, 10 guest, 15 planner, 20 reporter, 30 developer, 40 maintainer, 50 owner.
    pub access_level: u8,
    /// Membership expiry date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Date>,
}

/// A group (namespace) that can hold projects and subgroups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Numeric id, positive and unique among groups.
    pub id: i64,
    /// Display name; defaults to `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The last path segment, e.g. `acme`.
    pub path: String,
    /// Full path; derived from the parent and `path` when left out, and checked when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_path: Option<String>,
    /// Parent group id for subgroups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
    /// Visibility; defaults to private.
    #[serde(default)]
    pub visibility: Visibility,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time; defaults to [`DEFAULT_CREATED_AT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Direct members.
    #[serde(default)]
    pub members: Vec<Member>,
    /// Group CI/CD variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
    /// Group webhooks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// Members must enrol in two-factor authentication.
    #[serde(default)]
    pub require_two_factor_authentication: bool,
    /// Hours members have to enrol once 2FA is required; GitLab's default is 48.
    #[serde(default = "default_grace_period")]
    pub two_factor_grace_period: u32,
    /// GitLab.com subscription of a top-level group (`free` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Tier>,
    /// Group settings that differ from GitLab's defaults, e.g. `{"default_branch_protection": 0}`
    /// (the known keys are listed in the README).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub settings: Map<String, Value>,
    /// URLs this top-level group streams its audit events to (listed by GraphQL's
    /// `externalAuditEventDestinations`; nothing is posted to them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub streaming_destinations: Vec<String>,
    /// Scan execution policies of the group's security policy project (Ultimate); they apply
    /// to its subgroups and projects too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scan_execution_policies: Vec<ScanExecutionPolicy>,
}

impl Group {
    /// A private top-level group with GitLab's defaults and nothing in it.
    pub fn new(id: i64, path: &str) -> Group {
        Group {
            id,
            name: None,
            path: path.to_string(),
            full_path: None,
            parent_id: None,
            visibility: Visibility::Private,
            description: None,
            created_at: None,
            members: Vec::new(),
            variables: Vec::new(),
            hooks: Vec::new(),
            require_two_factor_authentication: false,
            two_factor_grace_period: default_grace_period(),
            plan: None,
            settings: Map::new(),
            streaming_destinations: Vec::new(),
            scan_execution_policies: Vec::new(),
        }
    }
}

fn default_grace_period() -> u32 {
    48
}

/// A project inside a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Numeric id, positive and unique among projects.
    pub id: i64,
    /// Display name; defaults to `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The project's path segment, e.g. `app`.
    pub path: String,
    /// Full path of the group it lives in, e.g. `acme`.
    pub namespace: String,
    /// Visibility; defaults to private.
    #[serde(default)]
    pub visibility: Visibility,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default branch; defaults to `main`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    /// Archived.
    #[serde(default)]
    pub archived: bool,
    /// Creation time; defaults to [`DEFAULT_CREATED_AT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Direct members (group members are inherited on top).
    #[serde(default)]
    pub members: Vec<Member>,
    /// Project CI/CD variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
    /// Job logs and artifacts visible to non-members (`public_jobs`, GitLab's default `true`).
    #[serde(default = "default_true")]
    pub public_jobs: bool,
    /// Project webhooks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// Deploy keys enabled on the project.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deploy_keys: Vec<DeployKey>,
    /// Protected branch rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected_branches: Vec<ProtectedBranch>,
    /// Merge request approval settings.
    #[serde(default)]
    pub approvals: ApprovalSettings,
    /// Repository history, newest or oldest first (served newest first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commits: Vec<Commit>,
    /// Project settings that differ from GitLab's defaults, e.g.
    /// `{"only_allow_merge_if_pipeline_succeeds": true}` (the known keys are listed in the README).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub settings: Map<String, Value>,
    /// The push rule (Premium), if the project has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_rule: Option<PushRule>,
    /// Merge request approval rules (doc/api/merge_request_approvals.md, Premium).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approval_rules: Vec<ApprovalRule>,
    /// GitLab agents for Kubernetes registered in the project, with their tokens
    /// (doc/api/cluster_agents.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_agents: Vec<ClusterAgent>,
    /// Security scanners the latest default-branch pipeline runs, as GraphQL's
    /// `SecurityScannerType` names them (`SAST`, `DEPENDENCY_SCANNING`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_scanners: Vec<String>,
    /// Scan execution policies of the project's own security policy project (Ultimate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scan_execution_policies: Vec<ScanExecutionPolicy>,
    /// Branches besides the default branch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<Branch>,
    /// Protected environments (Premium).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected_environments: Vec<ProtectedEnvironment>,
}

impl Project {
    /// A private project of `namespace` with GitLab's defaults and nothing in it.
    pub fn new(id: i64, path: &str, namespace: &str) -> Project {
        Project {
            id,
            name: None,
            path: path.to_string(),
            namespace: namespace.to_string(),
            visibility: Visibility::Private,
            description: None,
            default_branch: None,
            archived: false,
            created_at: None,
            members: Vec::new(),
            variables: Vec::new(),
            public_jobs: true,
            hooks: Vec::new(),
            deploy_keys: Vec::new(),
            protected_branches: Vec::new(),
            approvals: ApprovalSettings::default(),
            commits: Vec::new(),
            settings: Map::new(),
            push_rule: None,
            approval_rules: Vec::new(),
            cluster_agents: Vec::new(),
            security_scanners: Vec::new(),
            scan_execution_policies: Vec::new(),
            branches: Vec::new(),
            protected_environments: Vec::new(),
        }
    }
}

/// A commit of a project's repository: who changed which files when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commit {
    /// The 40-hex commit id.
    pub id: String,
    /// First line of the message.
    pub title: String,
    pub author_name: String,
    pub author_email: String,
    pub authored_date: Timestamp,
    /// Paths changed by the commit.
    #[serde(default)]
    pub files: Vec<String>,
}

/// A personal, impersonation, project or group access token. `Debug` shows it redacted.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// Numeric id, positive and unique.
    pub id: i64,
    /// The plaintext the sim accepts; never logged or printed in full.
    pub token: String,
    /// Owner's username.
    pub user: String,
    /// The token's name.
    pub name: String,
    /// Scopes, e.g. `api`, `read_api`, `sudo`.
    pub scopes: Vec<String>,
    /// Creation time; defaults to [`DEFAULT_CREATED_AT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Expiry date; the token stops working at the start of that day (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Date>,
    /// Revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Last use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Personal (default), impersonation, project or group access token.
    #[serde(default, skip_serializing_if = "is_personal")]
    pub kind: TokenKind,
    /// Full path of the project or group of an access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The bot user's role for an access token (10…50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_level: Option<u8>,
    /// Recent client IPs, newest first (served as `last_used_ips`, 19.4+).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_used_ips: Vec<String>,
}

fn is_personal(kind: &TokenKind) -> bool {
    *kind == TokenKind::Personal
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("id", &self.id)
            .field("token", &glir_redact::redact(&self.token))
            .field("user", &self.user)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("revoked", &self.revoked)
            .field("last_used_at", &self.last_used_at)
            .field("description", &self.description)
            .field("kind", &self.kind)
            .field("resource", &self.resource)
            .field("access_level", &self.access_level)
            .field("last_used_ips", &self.last_used_ips)
            .finish()
    }
}

/// An audit event in the REST entity shape (doc/api/audit_events.md,
/// EE `ee/lib/api/entities/audit_event.rb`). Extra top-level keys are kept and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Unique id; keyset paging orders by it.
    pub id: i64,
    /// The acting user's id, or a negative id for non-user authors (`lib/gitlab/audit/null_author.rb`).
    pub author_id: i64,
    /// Id of the User, Group or Project the event is about (any value for InstanceScope).
    pub entity_id: i64,
    /// `User`, `Group`, `Project` or `Gitlab::Audit::InstanceScope`.
    pub entity_type: String,
    /// The event type name from the catalogue; filled from `details.event_name` when left out.
    #[serde(default)]
    pub event_name: Option<String>,
    /// Free-form details (`author_name`, `target_id`, `ip_address`, `change`/`from`/`to`, …).
    #[serde(default)]
    pub details: Map<String, Value>,
    /// When it happened.
    pub created_at: Timestamp,
    /// Any other top-level keys, served unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Scenario {
    /// Reads and validates a scenario file; errors name the file and the field.
    pub fn from_path(path: &Path) -> Result<Scenario, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Scenario::parse(&text, &path.display().to_string())
    }

    /// Parses and validates a scenario from JSON text.
    pub fn from_json_str(s: &str) -> Result<Scenario, SimError> {
        Scenario::parse(s, "scenario")
    }

    /// The bundled demo incident (synthetic drill data, see `scenarios/demo.json`).
    pub fn demo() -> Scenario {
        // The demo file is part of the crate and covered by tests, so failing here is a build bug.
        Scenario::parse(DEMO_JSON, "scenarios/demo.json")
            .unwrap_or_else(|e| panic!("bundled demo scenario is invalid: {e}"))
    }

    /// An admin user `root` (token `glpat-SimAdminToken0000001`, scopes api+read_api+sudo), a
    /// non-admin `dev` (token `glpat-SimDevToken100000001`, read_api), group `acme` (dev is
    /// Developer), project `acme/app`, and `n` audit events with ids 1..=n one minute apart from
    /// `start`, of mixed entity types and several authors. Ids: users root=1, dev=2, ops=3 (Owner
    /// of acme, token `glpat-SimOwnerToken0000001`, api); group acme=10; project acme/app=20.
    pub fn synthetic(n: usize, start: Timestamp) -> Scenario {
        synthetic::build(n, start)
    }

    /// [`Scenario::synthetic`] with no audit events, plus a credential of every family in every
    /// state, leaky CI jobs in `acme/app` and CI variables; `glir-sim`'s README lists each
    /// fixture token and the verdict it should get.
    pub fn credentials() -> Scenario {
        credentials_fixture::build()
    }

    /// A whole instance as a posture check meets it: `spec.projects` projects in groups and
    /// subgroups, about half as many users of every kind, tokens, keys, hooks, runners and CI
    /// variables in every state, settings that fail a realistic minority of hardening checks,
    /// and the authenticated API rate limit on. The same spec always gives the same instance.
    pub fn fleet(spec: FleetSpec) -> Scenario {
        fleet::build(&spec)
    }

    /// Checks cross-references and uniqueness; errors name the offending field.
    pub fn validate(&self) -> Result<(), SimError> {
        validate(self).map(|_| ())
    }

    fn parse(text: &str, origin: &str) -> Result<Scenario, SimError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let mut scenario: Scenario =
            serde_path_to_error::deserialize(de).map_err(|e| SimError::Parse {
                origin: origin.to_string(),
                field: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        scenario.fill_event_names();
        validate(&scenario).map_err(|e| e.with_origin(origin))?;
        Ok(scenario)
    }

    /// The REST entity's `event_name` comes from `details.event_name`, so either spelling works.
    fn fill_event_names(&mut self) {
        for event in &mut self.audit_events {
            if event.event_name.is_none() {
                event.event_name = event
                    .details
                    .get("event_name")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
        }
    }
}
