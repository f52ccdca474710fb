//! Analysis over the event store, in one place for `glir detect`, the playbooks and the demo:
//! the rule pack run over stored events in time order with the baseline's history
//! ([`detect_stored`]), and `--actor` resolved to what audit events carry ([`resolve_actor`]).

mod actor;
mod error;
mod stored;

pub use actor::{ActorResolution, StoredActor, resolve_actor, resolve_stored_actor};
pub use error::Error;
pub use stored::{
    BASELINE_SCOPE, StoredRun, Warmup, detect_stored, for_each_event, history_before,
    saves_baseline, selects_everything,
};
