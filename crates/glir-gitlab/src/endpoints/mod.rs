//! GitLab API endpoints, one module per area; each adds methods to [`crate::Client`].

pub mod audit;
pub mod branches;
mod credentials;
mod graphql;
mod groups;
mod hooks;
mod instance;
pub mod jobs;
mod keys;
mod members;
mod moderation;
mod projects;
mod repository;
mod revoke;
pub mod settings;
pub mod tokens;
pub mod users;
mod variables;

/// GitLab's largest page (doc/api/rest/_index.md).
const MAX_PER_PAGE: u32 = 100;
