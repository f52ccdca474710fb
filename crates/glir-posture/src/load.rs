//! Checks from YAML: the bundled set, then the user's directories (a check with a bundled id
//! replaces it), each checked whole before anything runs so a typo is an error naming the file
//! and the field, not a SKIP at the end of a long run.

use crate::check::{CheckSpec, FixAction, Scope, Source};
use crate::expr::Expr;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// Variables an expression may read.
const VARIABLES: &[&str] = &["item", "items", "target", "settings", "params", "instance"];

/// A check ready to run.
#[derive(Debug)]
pub struct Check {
    pub spec: CheckSpec,
    pub source: Source,
    pub when: Option<Expr>,
    pub select: Option<Expr>,
    pub condition: Option<Expr>,
    pub aggregate: Option<Expr>,
    pub label: Option<Expr>,
    pub detail: Option<Expr>,
    /// Where it came from: `bundled:instance/x.yml` or a path.
    pub origin: String,
}

impl Check {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// Whether an expression of the check reads the instance's application settings.
    pub fn reads_settings(&self) -> bool {
        self.spec.context.iter().any(|c| c == "settings")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("{}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("check id `{id}` is defined twice: {first} and {second}")]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
}

/// The bundled checks.
pub fn bundled() -> Result<Vec<Check>, LoadError> {
    let mut checks = Vec::new();
    for (path, text) in bundled::BUNDLED {
        checks.push(parse(text, &format!("bundled:{path}"))?);
    }
    no_duplicates(&checks)?;
    Ok(checks)
}

/// The bundled checks with each directory's checks on top: a user check with a bundled id
/// replaces it.
pub fn with_dirs(dirs: &[PathBuf]) -> Result<Vec<Check>, LoadError> {
    let mut by_id: BTreeMap<String, Check> = bundled()?
        .into_iter()
        .map(|c| (c.spec.id.clone(), c))
        .collect();
    for dir in dirs {
        let mut files = Vec::new();
        walk(dir, &mut files)?;
        files.sort();
        let mut own = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| LoadError::Read {
                path: file.clone(),
                source,
            })?;
            own.push(parse(&text, &file.display().to_string())?);
        }
        no_duplicates(&own)?;
        for check in own {
            by_id.insert(check.spec.id.clone(), check);
        }
    }
    Ok(by_id.into_values().collect())
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| LoadError::Read {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            files.push(path);
        }
    }
    Ok(())
}

fn no_duplicates(checks: &[Check]) -> Result<(), LoadError> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for c in checks {
        if let Some(first) = seen.insert(&c.spec.id, &c.origin) {
            return Err(LoadError::Duplicate {
                id: c.spec.id.clone(),
                first: first.to_string(),
                second: c.origin.clone(),
            });
        }
    }
    Ok(())
}

/// One check file's text.
pub fn parse(text: &str, origin: &str) -> Result<Check, LoadError> {
    let invalid = |message: String| LoadError::Invalid {
        origin: origin.to_string(),
        message,
    };
    let spec: CheckSpec = yaml_serde::from_str(text).map_err(|e| invalid(e.to_string()))?;
    if spec.id.is_empty()
        || !spec
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(invalid(format!(
            "id `{}`: use lowercase letters, digits and dashes",
            spec.id
        )));
    }
    let source = spec
        .source
        .checked()
        .map_err(|m| invalid(format!("source: {m}")))?;
    if source == Source::Target && spec.scope == Scope::Instance {
        return Err(invalid(
            "source: `target` is the group or project itself; an instance check reads `get`"
                .to_string(),
        ));
    }
    for name in &spec.context {
        if name != "settings" {
            return Err(invalid(format!(
                "context: unknown `{name}` (known: settings)"
            )));
        }
    }
    let compile = |field: &str, text: &Option<String>| -> Result<Option<Expr>, LoadError> {
        let Some(text) = text else { return Ok(None) };
        let expr = Expr::compile(text).map_err(|m| invalid(format!("{field}: {m}")))?;
        let bound = bound_names(text);
        for var in expr.variables() {
            if bound.contains(&var) {
                continue;
            }
            if !VARIABLES.contains(&var.as_str()) {
                return Err(invalid(format!(
                    "{field}: unknown variable `{var}` (known: {})",
                    VARIABLES.join(", ")
                )));
            }
            if var == "settings" && !spec.context.iter().any(|c| c == "settings") {
                return Err(invalid(format!(
                    "{field}: reads `settings`; add `context: [settings]`"
                )));
            }
            let over_items =
                field == "aggregate" || (field == "detail" && spec.aggregate.is_some());
            if (var == "item" && over_items) || (var == "items" && !over_items) {
                return Err(invalid(format!(
                    "{field}: `item` is one item (condition, select, label), `items` all of them (aggregate)"
                )));
            }
        }
        Ok(Some(expr))
    };
    let when = compile("when.if", &spec.when.as_ref().map(|w| w.condition.clone()))?;
    let select = compile("select", &spec.select)?;
    let condition = compile("condition", &spec.condition)?;
    let aggregate = compile("aggregate", &spec.aggregate)?;
    let label = compile("label", &spec.label)?;
    let detail = compile("detail", &spec.detail)?;
    match (&condition, &aggregate) {
        (Some(_), None) => {}
        (None, Some(_)) if source.is_list() => {}
        (None, Some(_)) => {
            return Err(invalid(
                "aggregate: only a list source has items to aggregate".to_string(),
            ));
        }
        _ => {
            return Err(invalid(
                "give exactly one of condition and aggregate".to_string(),
            ));
        }
    }
    if !source.is_list() && (select.is_some() || label.is_some()) {
        return Err(invalid("select and label are for list sources".to_string()));
    }
    if let Some(fix) = &spec.fix {
        let scope_ok = match fix.action {
            FixAction::SetInstanceSetting => true,
            FixAction::SetGroupSetting => spec.scope == Scope::Group,
            FixAction::RequireTwoFactor => spec.scope != Scope::Project,
            FixAction::SetProjectSetting
            | FixAction::DisablePublicJobs
            | FixAction::ProtectDefaultBranch
            | FixAction::SetApprovalSetting => spec.scope == Scope::Project,
            FixAction::MaskVariable
            | FixAction::ProtectVariable
            | FixAction::MaskAndProtectVariable
            | FixAction::EnableHookSsl => source.is_list(),
        };
        if !scope_ok {
            return Err(invalid(format!(
                "fix: {:?} does not fit a {} check with this source",
                fix.action,
                spec.scope.as_str()
            )));
        }
        let needs_values = matches!(
            fix.action,
            FixAction::SetInstanceSetting
                | FixAction::SetGroupSetting
                | FixAction::SetProjectSetting
                | FixAction::SetApprovalSetting
        );
        if needs_values == fix.values.is_empty() {
            return Err(invalid(if needs_values {
                "fix.values: say which settings to write".to_string()
            } else {
                "fix.values: this action takes none".to_string()
            }));
        }
    }
    Ok(Check {
        spec,
        source,
        when,
        select,
        condition,
        aggregate,
        label,
        detail,
        origin: origin.to_string(),
    })
}

/// Names CEL's macros bind (`items.exists(b, b.name == …)`): the program reports them among
/// its variables, but they are not the check's inputs.
fn bound_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for mac in [".exists(", ".all(", ".exists_one(", ".map(", ".filter("] {
        let mut rest = text;
        while let Some(at) = rest.find(mac) {
            rest = &rest[at + mac.len()..];
            if let Some((name, _)) = rest.split_once(',') {
                let name = name.trim();
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    names.push(name.to_string());
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id: test-check
title: A test
severity: low
scope: project
source: {list: "/projects/{target.id}/hooks"}
condition: item.enable_ssl_verification
label: item.url
threat: t
remediation: r
fix: {action: enable_hook_ssl}
"#;

    #[test]
    fn every_bundled_check_loads() {
        let checks = bundled().unwrap();
        assert!(checks.len() >= 40, "only {} bundled checks", checks.len());
    }

    #[test]
    fn a_good_check_loads_and_mistakes_name_the_file_and_field() {
        assert!(parse(GOOD, "x.yml").is_ok());
        let cases = [
            (GOOD.replace("item.url", "item.url +"), "label:"),
            (
                GOOD.replace("item.url", "itme.url"),
                "unknown variable `itme`",
            ),
            (
                GOOD.replace("id: test-check", "id: Test Check"),
                "id `Test Check`",
            ),
            (
                GOOD.replace("{list: \"/projects/{target.id}/hooks\"}", "{get: x}"),
                "must start with `/`",
            ),
            (
                GOOD.replace(
                    "condition: item.enable_ssl_verification",
                    "condition: settings.x",
                ),
                "add `context: [settings]`",
            ),
            (
                GOOD.replace("severity: low", "severity: dire"),
                "unknown variant",
            ),
            (
                GOOD.replace(
                    "fix: {action: enable_hook_ssl}",
                    "fix: {action: set_group_setting, values: {a: 1}}",
                ),
                "does not fit",
            ),
            (
                GOOD.replace("threat: t", "threat: t\nextra: 1"),
                "unknown field `extra`",
            ),
        ];
        for (text, wanted) in cases {
            let err = parse(&text, "dir/x.yml").unwrap_err().to_string();
            assert!(err.starts_with("dir/x.yml"), "{err}");
            assert!(err.contains(wanted), "{err} lacks {wanted}");
        }
    }

    #[test]
    fn a_user_check_replaces_a_bundled_one_and_duplicates_in_a_dir_are_refused() {
        let bundled_id = bundled().unwrap()[0].spec.id.clone();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.yml"),
            GOOD.replace("test-check", &bundled_id),
        )
        .unwrap();
        let checks = with_dirs(&[dir.path().to_path_buf()]).unwrap();
        let mine = checks.iter().find(|c| c.spec.id == bundled_id).unwrap();
        assert!(mine.origin.ends_with("mine.yml"));
        std::fs::write(
            dir.path().join("again.yml"),
            GOOD.replace("test-check", &bundled_id),
        )
        .unwrap();
        let err = with_dirs(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(matches!(err, LoadError::Duplicate { .. }), "{err}");
    }
}
