//! Settings GitLab serves with a default and lets an API call change: the application settings,
//! and the settings of projects and groups. Each table names a field, its JSON type, GitLab's
//! default, and when GitLab serves it at all: edition, tier, version and the caller's role, as
//! GitLab's Grape entities decide with `expose …, if:` (lib/api/entities/*.rb and EE's
//! ee/lib/ee/api/entities/*.rb). The scenario stores only what differs from the defaults.

pub(crate) mod application;
pub(crate) mod group;
pub(crate) mod project;
mod read;

use crate::scenario::Tier;
use serde_json::{Map, Value, json};

pub(crate) use read::{Input, Refusal, read};

/// A field's JSON type, which is also how a PUT parameter is coerced (Grape's `type:`).
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Bool,
    Int,
    Text,
    /// A string from a fixed set (Grape's `values:`).
    OneOf(&'static [&'static str]),
    /// An array of strings; a PUT may also send one comma-separated string
    /// (`CommaSeparatedToArray`).
    Texts,
    /// An array of integers.
    Ints,
    /// An RFC 3339 timestamp, only ever set by the scenario.
    Timestamp,
}

impl Kind {
    /// Whether a scenario value has this type.
    fn admits(self, v: &Value) -> bool {
        match self {
            Kind::Bool => v.is_boolean(),
            Kind::Int => v.is_i64(),
            Kind::Text => v.is_string(),
            Kind::OneOf(values) => v.as_str().is_some_and(|s| values.contains(&s)),
            Kind::Texts => v
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            Kind::Ints => v
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_i64)),
            Kind::Timestamp => v
                .as_str()
                .is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok()),
        }
    }

    /// What a scenario file should hold instead, for error messages.
    pub(crate) fn describe(self) -> String {
        match self {
            Kind::Bool => "a boolean".to_string(),
            Kind::Int => "an integer".to_string(),
            Kind::Text => "a string".to_string(),
            Kind::OneOf(values) => format!("one of {values:?}"),
            Kind::Texts => "an array of strings".to_string(),
            Kind::Ints => "an array of integers".to_string(),
            Kind::Timestamp => "an RFC 3339 timestamp".to_string(),
        }
    }
}

/// GitLab's default for a field.
#[derive(Clone, Copy)]
pub(crate) enum Initial {
    Bool(bool),
    Int(i64),
    Text(&'static str),
    Texts(&'static [&'static str]),
    EmptyList,
    Null,
    /// The record's own creation time (a project's `last_activity_at`).
    CreatedAt,
}

impl Initial {
    fn value(self, created_at: &str) -> Value {
        match self {
            Initial::Bool(b) => json!(b),
            Initial::Int(n) => json!(n),
            Initial::Text(s) => json!(s),
            Initial::Texts(items) => json!(items),
            Initial::EmptyList => json!([]),
            Initial::Null => Value::Null,
            Initial::CreatedAt => json!(created_at),
        }
    }
}

/// Who GitLab shows a field to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    Everyone,
    /// `admin_project`: Maintainer and above, and administrators.
    Maintainer,
    /// Owners of a top-level group and administrators.
    TopLevelOwner,
    /// Stored but served by another endpoint only.
    Nobody,
}

/// What GitLab serves below the field's tier.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BelowTier {
    /// Nothing: the entity exposes it only when the feature is licensed.
    Absent,
    /// The key with its default: the entity exposes it, the unlicensed feature reads as off.
    Initial,
}

/// One setting.
#[derive(Clone, Copy)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    /// The stored setting it shows: its own name, or another's for a field GitLab serves under
    /// two names.
    source: &'static str,
    pub(crate) kind: Kind,
    initial: Initial,
    /// Only Enterprise Edition has it.
    ee: bool,
    /// The lowest tier whose license feature it belongs to.
    tier: Tier,
    below_tier: BelowTier,
    /// The GitLab version that introduced it (from the API docs' history notes).
    since: Option<(u32, u32)>,
    audience: Audience,
    /// Served by the detail entity only (`GET /groups/:id`), not in listings.
    detail_only: bool,
    /// A PUT may change it.
    writable: bool,
    /// The audit event GitLab writes when a PUT changes it, if it writes one per field.
    pub(crate) audit: Option<&'static str>,
}

impl Field {
    /// A field every edition and tier serves to anyone who may see the record.
    pub(crate) const fn new(name: &'static str, kind: Kind, initial: Initial) -> Field {
        Field {
            name,
            source: name,
            kind,
            initial,
            ee: false,
            tier: Tier::Free,
            below_tier: BelowTier::Absent,
            since: None,
            audience: Audience::Everyone,
            detail_only: false,
            writable: true,
            audit: None,
        }
    }

    /// A change through the API writes `event`.
    pub(crate) const fn audited(self, event: &'static str) -> Field {
        Field {
            audit: Some(event),
            ..self
        }
    }

    /// Enterprise Edition only, whatever the tier.
    pub(crate) const fn ee(self) -> Field {
        Field { ee: true, ..self }
    }

    /// Enterprise Edition, served only from `tier` up.
    pub(crate) const fn tier(self, tier: Tier) -> Field {
        Field {
            ee: true,
            tier,
            ..self
        }
    }

    /// Below its tier, still served with its default.
    pub(crate) const fn default_below_tier(self) -> Field {
        Field {
            below_tier: BelowTier::Initial,
            ..self
        }
    }

    pub(crate) const fn since(self, major: u32, minor: u32) -> Field {
        Field {
            since: Some((major, minor)),
            ..self
        }
    }

    pub(crate) const fn audience(self, audience: Audience) -> Field {
        Field { audience, ..self }
    }

    pub(crate) const fn detail_only(self) -> Field {
        Field {
            detail_only: true,
            ..self
        }
    }

    /// Served under this name with the value stored for `source` (GitLab's renamed fields).
    pub(crate) const fn alias_of(self, source: &'static str) -> Field {
        Field {
            source,
            writable: false,
            ..self
        }
    }

    /// Whether a scenario may store `v` for it: a value of its type, or `null` where GitLab's
    /// default is `null`.
    pub(crate) fn admits(&self, v: &Value) -> bool {
        self.kind.admits(v) || (v.is_null() && matches!(self.initial, Initial::Null))
    }

    /// Whether the scenario stores the field under its own name.
    pub(crate) fn is_stored(&self) -> bool {
        self.source == self.name
    }

    pub(crate) const fn read_only(self) -> Field {
        Field {
            writable: false,
            ..self
        }
    }
}

/// What decides whether a field is served: the instance, the record's tier and the caller.
#[derive(Clone, Copy)]
pub(crate) struct Gate {
    pub(crate) enterprise: bool,
    pub(crate) tier: Tier,
    /// `major.minor` of the instance, `None` when unparseable (then everything is current).
    pub(crate) version: Option<(u32, u32)>,
    pub(crate) viewer: Viewer,
    /// The detail entity rather than a listing's.
    pub(crate) detail: bool,
}

/// The caller's standing towards the record.
#[derive(Clone, Copy)]
pub(crate) struct Viewer {
    pub(crate) admin: bool,
    /// Effective access level (inherited memberships included).
    pub(crate) access: Option<u8>,
    /// The record is a top-level group.
    pub(crate) top_level: bool,
}

impl Viewer {
    fn reaches(self, audience: Audience) -> bool {
        let at_least = |min: u8| self.admin || self.access.is_some_and(|a| a >= min);
        match audience {
            Audience::Everyone => true,
            Audience::Maintainer => at_least(crate::world::MAINTAINER),
            Audience::TopLevelOwner => self.top_level && at_least(crate::world::OWNER),
            Audience::Nobody => false,
        }
    }
}

/// How a field shows for a gate.
#[derive(PartialEq, Eq, Debug)]
pub(crate) enum Shown {
    Absent,
    /// GitLab's default, whatever is stored (an unlicensed feature).
    Initial,
    Stored,
}

impl Field {
    pub(crate) fn shown(&self, gate: &Gate) -> Shown {
        let too_new = matches!((self.since, gate.version), (Some(since), Some(v)) if v < since);
        if (self.ee && !gate.enterprise)
            || too_new
            || (self.detail_only && !gate.detail)
            || !gate.viewer.reaches(self.audience)
        {
            return Shown::Absent;
        }
        if gate.tier >= self.tier {
            Shown::Stored
        } else if self.below_tier == BelowTier::Initial {
            Shown::Initial
        } else {
            Shown::Absent
        }
    }

    /// Whether a PUT from this gate's caller changes it: served, licensed and writable.
    /// GitLab drops unlicensed parameters silently (EE `filter_attributes_using_license`).
    pub(crate) fn accepts_writes(&self, gate: &Gate) -> bool {
        self.writable && self.shown(gate) == Shown::Stored
    }

    /// The current value: the stored one, else GitLab's default.
    pub(crate) fn current(&self, stored: &Map<String, Value>, created_at: &str) -> Value {
        stored
            .get(self.source)
            .cloned()
            .unwrap_or_else(|| self.initial.value(created_at))
    }
}

/// The fields of `table` that `gate` shows, with stored values over GitLab's defaults.
pub(crate) fn render(
    table: &[Field],
    gate: &Gate,
    stored: &Map<String, Value>,
    created_at: &str,
) -> Map<String, Value> {
    let mut out = Map::new();
    for field in table {
        let value = match field.shown(gate) {
            Shown::Absent => continue,
            Shown::Initial => field.initial.value(created_at),
            Shown::Stored => field.current(stored, created_at),
        };
        out.insert(field.name.to_string(), value);
    }
    out
}

/// The field a scenario stores under `name`, if the table knows it.
pub(crate) fn stored<'a>(table: &'a [Field], name: &str) -> Option<&'a Field> {
    table.iter().find(|f| f.name == name && f.is_stored())
}

/// Of the values a PUT asks for, those that differ from the current ones, as
/// `(field, from, to)`; a PUT that changes nothing writes no event.
pub(crate) fn changes<'t>(
    wanted: Vec<(&'t Field, Value)>,
    stored: &Map<String, Value>,
    created_at: &str,
) -> Vec<(&'t Field, Value, Value)> {
    wanted
        .into_iter()
        .filter_map(|(field, to)| {
            let from = field.current(stored, created_at);
            (from != to).then_some((field, from, to))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(tier: Tier, version: Option<(u32, u32)>, access: Option<u8>) -> Gate {
        Gate {
            enterprise: true,
            tier,
            version,
            viewer: Viewer {
                admin: false,
                access,
                top_level: true,
            },
            detail: true,
        }
    }

    #[test]
    fn tier_version_and_role_each_hide_a_field() {
        let f = Field::new("x", Kind::Bool, Initial::Bool(false))
            .tier(Tier::Ultimate)
            .since(15, 4)
            .audience(Audience::Maintainer);
        assert_eq!(
            f.shown(&gate(Tier::Ultimate, Some((17, 9)), Some(40))),
            Shown::Stored
        );
        assert_eq!(
            f.shown(&gate(Tier::Premium, Some((17, 9)), Some(40))),
            Shown::Absent
        );
        assert_eq!(
            f.shown(&gate(Tier::Ultimate, Some((15, 3)), Some(40))),
            Shown::Absent
        );
        assert_eq!(
            f.shown(&gate(Tier::Ultimate, Some((17, 9)), Some(30))),
            Shown::Absent
        );
        assert_eq!(
            f.shown(&gate(Tier::Ultimate, None, Some(40))),
            Shown::Stored
        );
        let mut ce = gate(Tier::Ultimate, Some((17, 9)), Some(40));
        ce.enterprise = false;
        assert_eq!(f.shown(&ce), Shown::Absent);
    }

    #[test]
    fn a_field_served_below_its_tier_shows_its_default() {
        let f = Field::new("x", Kind::Bool, Initial::Bool(false))
            .tier(Tier::Premium)
            .default_below_tier();
        let stored: Map<String, Value> = [("x".to_string(), json!(true))].into_iter().collect();
        let free = render(&[f], &gate(Tier::Free, None, None), &stored, "");
        assert_eq!(free.get("x"), Some(&json!(false)));
        let premium = render(&[f], &gate(Tier::Premium, None, None), &stored, "");
        assert_eq!(premium.get("x"), Some(&json!(true)));
    }
}
