//! A GitLab simulator for tests and incident-response drills.
//!
//! [`start`] serves a [`Scenario`] (users, groups, projects, tokens of every family, CI jobs with
//! logs and artifact zips, CI variables, audit events) over HTTP with
//! GitLab's REST API v4 shapes, headers, errors, authentication and paging, for the endpoints glir
//! uses. [`SimHandle::inject`] adds faults (rate limiting, 5xx, slow responses, dropped
//! connections) so clients can be tested against a misbehaving server. [`SimHandle::stream_to`]
//! and a scenario's `streaming` destinations post the audit events to an HTTP receiver as GitLab's
//! audit event streaming does. The `glir-sim` binary runs one for drills; `scenarios/demo.json`
//! is a bundled synthetic incident.

mod api;
mod archive;
mod credentials;
mod error;
mod fault;
mod fields;
mod gating;
mod listener;
mod request_id;
pub mod scenario;
mod server;
mod streaming;
mod throttle;
mod world;

pub use error::SimError;
pub use fault::{Fault, FaultKind};
pub use scenario::{FleetSpec, Scenario};
pub use server::{SimHandle, start, start_on};
pub use streaming::{MAX_CUSTOM_HEADERS, StreamError, StreamReport, StreamTarget};
