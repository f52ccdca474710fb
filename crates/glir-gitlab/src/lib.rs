//! GitLab REST API client for glir: authentication, offset and keyset paging, rate limits,
//! retries with backoff, and errors a responder can read.
//!
//! One [`Client`] talks to one GitLab instance. Endpoints live in [`endpoints`] (one module per
//! API area); list endpoints return a [`PageRequest`] that [`Client::pages`] or
//! [`Client::get_page`] follow, whichever paging style GitLab uses for that list. Mutations
//! (revoke, rotate, block, delete, settings) return an [`Applied`]: the post-state, whether
//! anything changed, and GitLab's request id for the journal.

mod applied;
mod auth;
mod base_url;
mod builder;
mod client;
pub mod endpoints;
mod error;
mod headers;
pub mod models;
mod pacing;
mod paging;
mod request;
mod response;
mod retry;
mod stats;

pub use applied::Applied;
pub use auth::Auth;
pub use base_url::{encode_segment, source_name};
pub use builder::ClientBuilder;
pub use client::Client;
pub use endpoints::audit::{AuditEventJson, AuditScope};
pub use endpoints::branches::ApprovalChange;
pub use endpoints::jobs::JobFilter;
pub use endpoints::tokens::PatFilter;
pub use endpoints::users::UserFilter;
pub use error::{Error, ErrorMessage};
pub use models::{
    Application, ApplicationSettings, ApprovalSettings, BranchAccess, ChangedFile, Commit,
    DeployKey, DeployToken, Email, GpgKey, Group, Hook, Identity, Job, JobArtifact, JobPipeline,
    Kas, Member, Metadata, Namespace, PersonalAccessToken, Project, ProtectedBranch,
    RenewedApplication, RotatedToken, Runner, RunnerTokenCheck, RunnerTokenReset,
    RunnerVerification, SshKey, TokenDetails, TokenLookup, Trigger, User, UserRef, Variable,
    Version, Visibility,
};
pub use paging::{Page, PageRequest, Paging};
pub use response::Response;
pub use retry::RetryPolicy;
pub use stats::ClientStats;
