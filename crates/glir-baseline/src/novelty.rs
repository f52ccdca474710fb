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

/// One `baseline.*` answer, by name resolved once (a rule reads them on most events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `actor_known`
    ActorKnown,
    /// `new_ip`
    NewIp,
    /// `new_network`
    NewNetwork,
    /// `network_new_today`
    NetworkNewToday,
    /// `new_ip_for_instance`
    NewIpForInstance,
    /// `new_event_type`
    NewEventType,
    /// `new_entity`
    NewEntity,
    /// `unusual_hour`
    UnusualHour,
    /// `above_usual_rate`
    AboveUsualRate,
    /// `events_this_hour`
    EventsThisHour,
    /// `failed_signins_from_ip`
    FailedSigninsFromIp,
}

impl Answer {
    /// The answer a field name (the part after `baseline.`) asks for.
    pub fn of(name: &str) -> Option<Answer> {
        Some(match name {
            "actor_known" => Answer::ActorKnown,
            "new_ip" => Answer::NewIp,
            "new_network" => Answer::NewNetwork,
            "network_new_today" => Answer::NetworkNewToday,
            "new_ip_for_instance" => Answer::NewIpForInstance,
            "new_event_type" => Answer::NewEventType,
            "new_entity" => Answer::NewEntity,
            "unusual_hour" => Answer::UnusualHour,
            "above_usual_rate" => Answer::AboveUsualRate,
            "events_this_hour" => Answer::EventsThisHour,
            "failed_signins_from_ip" => Answer::FailedSigninsFromIp,
            _ => return None,
        })
    }
}

impl Answer {
    /// The answer as an SQL expression over columns named after [`Novelty`]'s fields (what
    /// glir-store's SQL baseline returns), gated as [`Novelty::answer`] gates it: first-seen
    /// answers only for known actors. A stored run is past warm-up, so every answer is there.
    pub fn sql(self) -> &'static str {
        match self {
            Answer::ActorKnown => "actor_known",
            Answer::NewIp => "(actor_known AND new_ip)",
            Answer::NewNetwork => "(actor_known AND new_network)",
            Answer::NetworkNewToday => "(actor_known AND network_new_today)",
            Answer::NewIpForInstance => "new_ip_for_instance",
            Answer::NewEventType => "(actor_known AND new_event_type)",
            Answer::NewEntity => "(actor_known AND new_entity)",
            Answer::UnusualHour => "unusual_hour",
            Answer::AboveUsualRate => "(actor_known AND above_usual_rate)",
            Answer::EventsThisHour => "events_this_hour",
            Answer::FailedSigninsFromIp => "failed_signins_from_ip",
        }
    }

    /// Whether the answer is a count rather than a yes/no.
    pub fn is_count(self) -> bool {
        matches!(self, Answer::EventsThisHour | Answer::FailedSigninsFromIp)
    }
}

impl Novelty {
    /// The value of a `baseline.*` field (the part after `baseline.`), if the event has one:
    /// none while warming up, and first-seen answers only for known actors.
    pub fn field(&self, name: &str) -> Option<FieldValue> {
        self.answer(Answer::of(name)?)
    }

    /// Sets one answer as a rule test states it (a boolean answer from `Bool`, a count from
    /// `Int`); `false` when the value is of the other kind or the count does not fit.
    pub fn set(&mut self, answer: Answer, value: FieldValue) -> bool {
        let flag = match answer {
            Answer::ActorKnown => &mut self.actor_known,
            Answer::NewIp => &mut self.new_ip,
            Answer::NewNetwork => &mut self.new_network,
            Answer::NetworkNewToday => &mut self.network_new_today,
            Answer::NewIpForInstance => &mut self.new_ip_for_instance,
            Answer::NewEventType => &mut self.new_event_type,
            Answer::NewEntity => &mut self.new_entity,
            Answer::UnusualHour => &mut self.unusual_hour,
            Answer::AboveUsualRate => &mut self.above_usual_rate,
            Answer::EventsThisHour | Answer::FailedSigninsFromIp => {
                let FieldValue::Int(n) = value else {
                    return false;
                };
                let Ok(n) = u32::try_from(n) else {
                    return false;
                };
                match answer {
                    Answer::EventsThisHour => self.events_this_hour = n,
                    _ => self.failed_signins_from_ip = n,
                }
                return true;
            }
        };
        match value {
            FieldValue::Bool(b) => {
                *flag = b;
                true
            }
            FieldValue::Int(_) => false,
        }
    }

    /// [`field`](Self::field) of a resolved name.
    pub fn answer(&self, answer: Answer) -> Option<FieldValue> {
        if !self.ready {
            return None;
        }
        let known = self.actor_known;
        Some(match answer {
            Answer::ActorKnown => FieldValue::Bool(known),
            Answer::NewIp => FieldValue::Bool(known && self.new_ip),
            Answer::NewNetwork => FieldValue::Bool(known && self.new_network),
            Answer::NetworkNewToday => FieldValue::Bool(known && self.network_new_today),
            Answer::NewIpForInstance => FieldValue::Bool(self.new_ip_for_instance),
            Answer::NewEventType => FieldValue::Bool(known && self.new_event_type),
            Answer::NewEntity => FieldValue::Bool(known && self.new_entity),
            Answer::UnusualHour => FieldValue::Bool(self.unusual_hour),
            Answer::AboveUsualRate => FieldValue::Bool(known && self.above_usual_rate),
            Answer::EventsThisHour => FieldValue::Int(i64::from(self.events_this_hour)),
            Answer::FailedSigninsFromIp => FieldValue::Int(i64::from(self.failed_signins_from_ip)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_field_resolves_and_nothing_else_does() {
        for (field, _) in FIELDS {
            let name = field.strip_prefix("baseline.").expect("prefixed");
            assert!(Answer::of(name).is_some(), "{field}");
        }
        assert_eq!(Answer::of("new_thing"), None);
    }
}
