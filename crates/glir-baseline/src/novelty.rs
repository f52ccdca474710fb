//! What a baseline says about one event, and the field names rules read it under.

/// What was new or unusual about one event, judged on the history before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Novelty {
    /// Past the warm-up span: the other answers mean something. While warming up no
    /// `baseline.*` field is given.
    pub ready: bool,
    /// The actor's first event is at least [`Config::known_after`](crate::Config) old.
    pub actor_known: bool,
    /// The actor had any event before this one (a timeline marks an address new only then).
    pub actor_seen_before: bool,
    /// The actor had not used this IP address within the history window.
    pub new_ip: bool,
    /// ... nor any address of its network (IPv4 /24, IPv6 /48): a new place, not a new lease.
    pub new_network: bool,
    /// The actor first used this network (after a gap longer than the window) within the last
    /// day: every event of a session from a new place, not only its first.
    pub network_new_today: bool,
    /// Nobody on the instance had used this address within the history window.
    pub new_ip_for_instance: bool,
    /// The actor had not done this type of event within the history window (a first variable
    /// read, first export, first admin action).
    pub new_event_type: bool,
    /// The actor had not acted on this entity (project, group, user) within the window.
    pub new_entity: bool,
    /// The event's UTC hour and its two neighbours hold under the configured share of the
    /// actor's events, over enough of them.
    pub unusual_hour: bool,
    /// The actor's events in this clock hour are above its usual rate.
    pub above_usual_rate: bool,
    /// The actor's events in this clock hour so far, this one included.
    pub events_this_hour: u32,
    /// Failed sign-ins from this event's IP address in the 30 minutes before it, by anyone.
    pub failed_signins_from_ip: u32,
}

/// Every `baseline.*` field a rule can read, with what it means (also in docs/DETECTIONS.md).
pub const FIELDS: &[(&str, &str)] = &[
    (
        "baseline.actor_known",
        "true when the actor's first event is at least a day old (first-seen fields are only true for known actors)",
    ),
    (
        "baseline.new_ip",
        "the actor had not used this IP address in the history window (default 14 days)",
    ),
    (
        "baseline.new_network",
        "the actor had not used any address of this /24 (IPv6 /48) in the window",
    ),
    (
        "baseline.network_new_today",
        "the actor first used this network less than a day ago (true for every event of a session from a new place)",
    ),
    (
        "baseline.new_ip_for_instance",
        "nobody on the instance had used this IP address in the window",
    ),
    (
        "baseline.new_event_type",
        "the actor had not done this type of event in the window",
    ),
    (
        "baseline.new_entity",
        "the actor had not acted on this project, group or user in the window",
    ),
    (
        "baseline.unusual_hour",
        "the event's UTC hour (with its neighbours) holds under 1% of the actor's events (after 100 events)",
    ),
    (
        "baseline.above_usual_rate",
        "the actor's events this clock hour exceed 4 times its mean per active hour, and 30",
    ),
    (
        "baseline.events_this_hour",
        "the actor's events in this clock hour so far (a number)",
    ),
    (
        "baseline.failed_signins_from_ip",
        "failed sign-ins from this IP address, by anyone, in the 30 minutes before the event (a number)",
    ),
];

impl Novelty {
    /// The value of a `baseline.*` field (the part after `baseline.`), if the event has one:
    /// none while warming up, and first-seen answers only for known actors.
    pub fn field(&self, name: &str) -> Option<FieldValue> {
        if !self.ready {
            return None;
        }
        let known = self.actor_known;
        Some(match name {
            "actor_known" => FieldValue::Bool(known),
            "new_ip" => FieldValue::Bool(known && self.new_ip),
            "new_network" => FieldValue::Bool(known && self.new_network),
            "network_new_today" => FieldValue::Bool(known && self.network_new_today),
            "new_ip_for_instance" => FieldValue::Bool(self.new_ip_for_instance),
            "new_event_type" => FieldValue::Bool(known && self.new_event_type),
            "new_entity" => FieldValue::Bool(known && self.new_entity),
            "unusual_hour" => FieldValue::Bool(self.unusual_hour),
            "above_usual_rate" => FieldValue::Bool(known && self.above_usual_rate),
            "events_this_hour" => FieldValue::Int(i64::from(self.events_this_hour)),
            "failed_signins_from_ip" => FieldValue::Int(i64::from(self.failed_signins_from_ip)),
            _ => return None,
        })
    }
}

/// A `baseline.*` field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue {
    /// A yes/no answer.
    Bool(bool),
    /// A count.
    Int(i64),
}
