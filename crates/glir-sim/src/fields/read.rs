//! A PUT's parameters for a table of fields, coerced as Grape coerces them: booleans from
//! `true`/`false`/`1`/`0`, integers from their text, arrays from repeated `key[]` parameters, a
//! JSON array or one comma-separated string (`CommaSeparatedToArray`). Parameters the table
//! does not know, or that the caller's edition, tier or version does not accept, are ignored,
//! as GitLab ignores undeclared and unlicensed parameters.

use super::{Field, Gate, Kind};
use serde_json::{Value, json};

/// Where the parameters come from (a form or JSON body, then the query string).
pub(crate) trait Input {
    /// A non-empty scalar parameter as text.
    fn text(&self, name: &str) -> Option<&str>;
    /// An array parameter, if given in any of its spellings.
    fn list(&self, name: &str) -> Option<Vec<String>>;
}

/// Why a parameter was refused, with the parameter's name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not of its type: Grape's `<name> is invalid`.
    Invalid(&'static str),
    /// Not one of its values: Grape's `<name> does not have a valid value`.
    NotAllowed(&'static str),
}

/// The values asked for, field by field, in table order; the first bad one refuses the request.
pub(crate) fn read<'t>(
    table: &'t [Field],
    gate: &Gate,
    input: &impl Input,
) -> Result<Vec<(&'t Field, Value)>, Refusal> {
    let mut wanted = Vec::new();
    for field in table.iter().filter(|f| f.accepts_writes(gate)) {
        if let Some(value) = coerce(field, input)? {
            wanted.push((field, value));
        }
    }
    Ok(wanted)
}

fn coerce(field: &Field, input: &impl Input) -> Result<Option<Value>, Refusal> {
    let name = field.name;
    let value = match field.kind {
        Kind::Texts => input.list(name).map(|items| json!(items)),
        Kind::Ints => match input.list(name) {
            None => None,
            Some(items) => Some(json!(
                items
                    .iter()
                    .map(|s| s.trim().parse::<i64>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| Refusal::Invalid(name))?
            )),
        },
        Kind::Bool => match input.text(name) {
            None => None,
            Some("true" | "1" | "yes" | "t") => Some(json!(true)),
            Some("false" | "0" | "no" | "f") => Some(json!(false)),
            Some(_) => return Err(Refusal::Invalid(name)),
        },
        Kind::Int => match input.text(name) {
            None => None,
            Some(raw) => Some(json!(
                raw.parse::<i64>().map_err(|_| Refusal::Invalid(name))?
            )),
        },
        Kind::Text | Kind::Timestamp => input.text(name).map(|s| json!(s)),
        Kind::OneOf(values) => match input.text(name) {
            None => None,
            Some(s) if values.contains(&s) => Some(json!(s)),
            Some(_) => return Err(Refusal::NotAllowed(name)),
        },
    };
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::super::{Gate, Initial, Viewer};
    use super::*;
    use crate::scenario::Tier;
    use std::collections::HashMap;

    struct Form(HashMap<&'static str, &'static str>);

    impl Input for Form {
        fn text(&self, name: &str) -> Option<&str> {
            self.0.get(name).copied()
        }
        fn list(&self, name: &str) -> Option<Vec<String>> {
            self.0
                .get(name)
                .map(|s| s.split(',').map(|p| p.trim().to_string()).collect())
        }
    }

    const TABLE: &[Field] = &[
        Field::new("on", Kind::Bool, Initial::Bool(false)),
        Field::new("n", Kind::Int, Initial::Int(0)),
        Field::new("ids", Kind::Ints, Initial::EmptyList),
        Field::new("mode", Kind::OneOf(&["a", "b"]), Initial::Text("a")),
        Field::new("paid", Kind::Bool, Initial::Bool(false)).tier(Tier::Ultimate),
    ];

    fn gate(tier: Tier) -> Gate {
        Gate {
            enterprise: true,
            tier,
            version: None,
            viewer: Viewer {
                admin: true,
                access: None,
                top_level: true,
            },
            detail: true,
        }
    }

    fn names(wanted: &[(&Field, Value)]) -> Vec<&'static str> {
        wanted.iter().map(|(f, _)| f.name).collect()
    }

    #[test]
    fn values_are_coerced_and_unknown_or_unlicensed_ones_ignored() {
        let form = Form(HashMap::from([
            ("on", "1"),
            ("n", "42"),
            ("ids", "3, 4"),
            ("paid", "true"),
            ("typo", "x"),
        ]));
        let wanted = read(TABLE, &gate(Tier::Premium), &form).expect("valid");
        assert_eq!(names(&wanted), vec!["on", "n", "ids"]);
        assert_eq!(wanted[0].1, json!(true));
        assert_eq!(wanted[2].1, json!([3, 4]));
        let wanted = read(TABLE, &gate(Tier::Ultimate), &form).expect("valid");
        assert_eq!(names(&wanted), vec!["on", "n", "ids", "paid"]);
    }

    #[test]
    fn bad_types_and_values_are_refused_by_name() {
        let bad = |k: &'static str, v: &'static str| {
            read(TABLE, &gate(Tier::Ultimate), &Form(HashMap::from([(k, v)]))).err()
        };
        assert_eq!(bad("on", "maybe"), Some(Refusal::Invalid("on")));
        assert_eq!(bad("n", "4.5"), Some(Refusal::Invalid("n")));
        assert_eq!(bad("ids", "1,x"), Some(Refusal::Invalid("ids")));
        assert_eq!(bad("mode", "c"), Some(Refusal::NotAllowed("mode")));
    }
}
