//! GitLab's JSON entities as far as glir reads them. Unknown fields are ignored, optional ones
//! are `Option`, and null booleans read as `false` ("GitLab treats null values in boolean
//! fields the same as false", doc/api/rest/_index.md). Booleans only admins see stay
//! `Option<bool>`: "not shown to this token" must not read as "false".

mod boolean;
mod group;
mod instance;
mod member;
mod project;
mod token;
mod user;

pub use group::Group;
pub use instance::{Kas, Metadata, Version};
pub use member::Member;
pub use project::{Namespace, Project};
pub use token::PersonalAccessToken;
pub use user::{Identity, User, UserRef};
