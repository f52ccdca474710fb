//! Is a leaked GitLab token live? One side-effect-free probe per token family, honest verdicts
//! (a 403 is "valid but restricted", never "invalid"), requests deduplicated and cached per
//! (fingerprint, host).

mod classify;
mod inspect;
mod matrix;
mod verdict;
mod verifier;

pub use classify::from_error;
pub use inspect::{Fact, InspectOptions, Inspection, access, inspect};
pub use matrix::{Probe, probe_for};
pub use verdict::{Verdict, Verification};
pub use verifier::{Connection, Verifier};
