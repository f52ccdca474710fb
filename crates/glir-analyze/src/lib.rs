//! Analysis over the event store, in one place for `glir detect`, the playbooks and the demo:
//! the rule pack run over stored events in time order with the baseline's history
//! ([`detect_stored`]), and `--actor` resolved to what audit events carry ([`resolve_actor`]).

mod actor;
mod error;
mod pushdown;
mod stored;

pub use actor::{ActorResolution, StoredActor, resolve_actor, resolve_stored_actor};
pub use error::Error;
pub use pushdown::{PushdownRun, detect_pushed_down};
pub use stored::{
    BASELINE_SCOPE, StoredRun, Warmup, detect_stored, detect_stored_selecting, for_each_event,
    history_before, saves_baseline, selects_everything,
};
