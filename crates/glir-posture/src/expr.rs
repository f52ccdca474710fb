//! Check conditions are CEL (the Common Expression Language of Kubernetes admission policies
//! and Google's IAM conditions), evaluated by the `cel` crate over GitLab's JSON. glir adds two
//! functions for dates, which GitLab gives as text: `days_since(t)` and `days_until(t)`, whole
//! days between now and a timestamp (`2025-01-02T03:04:05.000Z`) or a date (`2025-01-02`).

use cel::{Context, ExecutionError, Program, Value as CelValue};
use jiff::Timestamp;
use serde_json::Value;
use std::sync::Arc;

/// A compiled expression with its text, for messages.
pub struct Expr {
    text: String,
    program: Program,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Expr").field(&self.text).finish()
    }
}

/// Why an expression gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// GitLab's answer lacks a field the expression reads: an older version, a lower tier or a
    /// role that is not shown it.
    Missing(String),
    /// Anything else (a type mismatch, a bad date).
    Failed(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Missing(field) => write!(f, "GitLab's answer has no `{field}`"),
            EvalError::Failed(why) => f.write_str(why),
        }
    }
}

impl Expr {
    pub fn compile(text: &str) -> Result<Expr, String> {
        let program = Program::compile(text).map_err(|e| e.to_string())?;
        Ok(Expr {
            text: text.to_string(),
            program,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The variables the expression reads (`item`, `settings`, …), sorted.
    pub fn variables(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .program
            .references()
            .variables()
            .into_iter()
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    pub fn truth(&self, scope: &Scope<'_>) -> Result<bool, EvalError> {
        match self.value(scope)? {
            CelValue::Bool(b) => Ok(b),
            other => Err(EvalError::Failed(format!(
                "`{}` gave {} instead of true or false",
                self.text,
                describe(&other)
            ))),
        }
    }

    /// The value as text, for labels and details.
    pub fn text_of(&self, scope: &Scope<'_>) -> Result<String, EvalError> {
        Ok(match self.value(scope)? {
            CelValue::String(s) => s.to_string(),
            other => describe(&other),
        })
    }

    fn value(&self, scope: &Scope<'_>) -> Result<CelValue, EvalError> {
        self.program.execute(&scope.context).map_err(|e| match e {
            ExecutionError::NoSuchKey(key) => EvalError::Missing(key.to_string()),
            other => EvalError::Failed(format!("`{}`: {other}", self.text)),
        })
    }
}

/// Variables for one evaluation. A scope made from another sees its variables too, so the
/// per-item scope costs only the item.
pub struct Scope<'p> {
    context: Context<'p, 'static>,
}

impl Scope<'static> {
    /// The root scope with glir's functions; `now` is fixed for the run so every check agrees.
    pub fn root(now: Timestamp) -> Scope<'static> {
        let mut context = Context::default();
        // The names are not CEL's own, so declaring them cannot clash.
        let _ = context.add_function("days_since", move |t: Arc<String>| {
            days_between(&t, now).map(|d| -d)
        });
        let _ = context.add_function("days_until", move |t: Arc<String>| days_between(&t, now));
        Scope { context }
    }
}

impl<'p> Scope<'p> {
    pub fn child(&'p self) -> Scope<'p> {
        Scope {
            context: self.context.new_inner_scope(),
        }
    }

    pub fn set(&mut self, name: &str, value: &Value) {
        self.context.add_variable_from_value(name, to_cel(value));
    }

    pub fn set_list(&mut self, name: &str, values: &[Value]) {
        let list: Vec<CelValue> = values.iter().map(to_cel).collect();
        self.context
            .add_variable_from_value(name, CelValue::List(Arc::new(list)));
    }
}

/// Whole days from `now` to `text` (negative when `text` is past).
fn days_between(text: &str, now: Timestamp) -> Result<i64, ExecutionError> {
    let at = parse_instant(text).ok_or_else(|| {
        ExecutionError::function_error("days_since", format!("`{text}` is not a date or time"))
    })?;
    let seconds = at.as_second() - now.as_second();
    Ok(seconds.div_euclid(86_400))
}

fn parse_instant(text: &str) -> Option<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

fn to_cel(value: &Value) -> CelValue {
    match value {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(CelValue::Int)
            .or_else(|| n.as_u64().map(CelValue::UInt))
            .unwrap_or_else(|| CelValue::Float(n.as_f64().unwrap_or(f64::NAN))),
        Value::String(s) => CelValue::String(Arc::new(s.clone())),
        Value::Array(items) => CelValue::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Object(map) => {
            let entries: std::collections::HashMap<cel::objects::Key, CelValue> = map
                .iter()
                .map(|(k, v)| (cel::objects::Key::from(k.clone()), to_cel(v)))
                .collect();
            CelValue::Map(cel::objects::Map::from(entries))
        }
    }
}

fn describe(value: &CelValue) -> String {
    match value {
        CelValue::Null => "null".to_string(),
        CelValue::Bool(b) => b.to_string(),
        CelValue::Int(i) => i.to_string(),
        CelValue::UInt(u) => u.to_string(),
        CelValue::Float(f) => f.to_string(),
        CelValue::String(s) => format!("{s:?}"),
        CelValue::List(items) => format!(
            "[{}]",
            items.iter().map(describe).collect::<Vec<_>>().join(", ")
        ),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-06-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn conditions_read_gitlab_json_and_dates() {
        let root = Scope::root(now());
        let mut scope = root.child();
        scope.set(
            "item",
            &json!({"masked": false, "key": "AWS_SECRET", "last_used_at": "2026-01-01T10:00:00.000Z", "expires_at": "2026-06-11", "n": 3}),
        );
        let t = |text: &str| Expr::compile(text).unwrap().truth(&scope);
        assert_eq!(
            t("item.key.matches('(?i)secret') && !item.masked"),
            Ok(true)
        );
        assert_eq!(t("days_since(item.last_used_at) > 90"), Ok(true));
        assert_eq!(t("days_until(item.expires_at) == 10"), Ok(true));
        assert_eq!(t("item.n > 2.5"), Ok(true));
        assert_eq!(
            t("item.absent == 1"),
            Err(EvalError::Missing("absent".into()))
        );
        assert!(matches!(t("item.n"), Err(EvalError::Failed(_))));
        assert!(matches!(
            t("days_since(item.key) > 1"),
            Err(EvalError::Failed(_))
        ));
    }

    #[test]
    fn a_child_scope_sees_its_parents_variables() {
        let mut root = Scope::root(now());
        root.set("params", &json!({"max": 2}));
        let mut child = root.child();
        child.set_list("items", &[json!(1), json!(2)]);
        let e = Expr::compile("size(items) <= params.max").unwrap();
        assert_eq!(e.truth(&child), Ok(true));
        assert_eq!(
            e.variables(),
            vec!["items".to_string(), "params".to_string()]
        );
    }

    #[test]
    fn a_syntax_error_is_refused_at_compile_time() {
        assert!(Expr::compile("item.x ==").is_err());
    }
}
