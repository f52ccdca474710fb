//! GitLab's JSON entities as far as glir reads them. Unknown fields are ignored, optional ones
//! are `Option`, and null booleans read as `false` ("GitLab treats null values in boolean
//! fields the same as false", doc/api/rest/_index.md). Booleans only admins see stay
//! `Option<bool>`: "not shown to this token" must not read as "false".

mod boolean;
mod commit;
mod credentials;
mod group;
mod instance;
mod job;
mod member;
mod persistence;
mod project;
mod rotation;
mod secret_value;
mod token;
mod user;
mod variable;

pub use commit::{ChangedFile, Commit};
pub use credentials::{
    Application, DeployToken, Runner, RunnerTokenCheck, RunnerVerification, TokenDetails,
    TokenLookup, Trigger,
};
pub use group::Group;
pub use instance::{Kas, Metadata, Version};
pub use job::{Job, JobArtifact, JobPipeline};
pub use member::Member;
pub use persistence::{
    ApplicationSettings, ApprovalSettings, BranchAccess, DeployKey, Email, GpgKey, Hook,
    ProtectedBranch, SshKey,
};
pub use project::{Namespace, Project, Visibility};
pub use rotation::{RenewedApplication, RotatedToken, RunnerTokenReset};
pub use token::PersonalAccessToken;
pub use user::{Identity, User, UserRef};
pub use variable::Variable;
