//! CI/CD variables (doc/api/project_level_variables.md, doc/api/group_level_variables.md).

use super::boolean::null_as_false;
use super::secret_value::optional_secret;
use glir_redact::Secret;
use serde::Deserialize;

/// A CI/CD variable. The value is a [`Secret`]: `Debug` never shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Variable {
    /// Name, `[A-Za-z0-9_]`, at most 255 characters.
    pub key: String,
    /// The value; `None` when hidden (`masked_and_hidden`, 17.4+), which GitLab sends as `null`.
    #[serde(default, deserialize_with = "optional_secret")]
    pub value: Option<Secret>,
    /// `env_var` or `file`.
    #[serde(default = "env_var")]
    pub variable_type: String,
    /// Only exposed to protected branches and tags.
    #[serde(default, deserialize_with = "null_as_false")]
    pub protected: bool,
    /// Replaced by `[MASKED]` in job logs (best effort).
    #[serde(default, deserialize_with = "null_as_false")]
    pub masked: bool,
    /// Masked and never shown again (17.4+); absent on older versions.
    #[serde(default)]
    pub hidden: Option<bool>,
    /// Not expanded (`$OTHER` stays literal).
    #[serde(default, deserialize_with = "null_as_false")]
    pub raw: bool,
    /// Environment scope, `*` for all.
    #[serde(default)]
    pub environment_scope: Option<String>,
    /// Free text (16.2+).
    #[serde(default)]
    pub description: Option<String>,
}

fn env_var() -> String {
    "env_var".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_redacted_and_hidden_is_null() {
        let vars: Vec<Variable> = serde_json::from_str(
            r#"[{"variable_type":"env_var","key":"TEST_VARIABLE_1","value":"TEST_1_SECRETVALUE","protected":false,"masked":true,"hidden":false,"raw":false,"environment_scope":"*","description":null},
                {"variable_type":"file","key":"HIDDEN","value":null,"protected":true,"masked":true,"hidden":true,"raw":true,"environment_scope":"production","description":"kept secret"}]"#,
        )
        .unwrap();
        assert_eq!(
            vars[0].value.as_ref().map(Secret::expose),
            Some("TEST_1_SECRETVALUE")
        );
        assert!(!format!("{:?}", vars[0]).contains("TEST_1_SECRETVALUE"));
        assert_eq!(vars[1].value, None);
        assert_eq!(vars[1].hidden, Some(true));
        assert_eq!(vars[1].variable_type, "file");
        assert!(vars[1].protected && vars[1].raw);
    }
}
