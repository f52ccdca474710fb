//! GitLab API endpoints, one module per area; each adds methods to [`crate::Client`].

pub mod audit;
mod groups;
mod instance;
mod members;
mod projects;
mod tokens;
pub mod users;
