//! Checks for what a posture check reads: settings the simulator knows with values of their
//! type, plans and streaming destinations on top-level groups only (GitLab keeps both there),
//! push rules and instance variables. Errors name the field as a JSON path, e.g.
//! `projects[3].settings.forking_acess_level: unknown project setting`.

use super::validate::invalid;
use super::validate_ci::check_variables;
use super::{Scenario, Tier};
use crate::error::SimError;
use crate::fields::{self, Field};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Keys a record's own scenario fields hold, which its `settings` must not repeat.
const PROJECT_OWN: &[&str] = &["visibility", "public_jobs", "archived", "default_branch"];
const GROUP_OWN: &[&str] = &[
    "visibility",
    "require_two_factor_authentication",
    "two_factor_grace_period",
    "parent_id",
    "full_path",
];

pub(super) fn check(s: &Scenario) -> Result<(), SimError> {
    for (key, value) in &s.settings {
        if let Some(field) = fields::stored(fields::application::FIELDS, key) {
            typed(&format!("settings.{key}"), field, value)?;
        }
    }
    for (i, g) in s.groups.iter().enumerate() {
        let at = format!("groups[{i}]");
        if g.parent_id.is_some() && g.plan.is_some() {
            return Err(invalid(
                format!("{at}.plan"),
                "only a top-level group has a subscription plan",
            ));
        }
        if g.plan.is_some_and(|p| p != Tier::Free) && !s.instance.gitlab_com {
            return Err(invalid(
                format!("{at}.plan"),
                "plans are per group on GitLab.com only; set instance.tier instead",
            ));
        }
        if g.parent_id.is_some() && !g.streaming_destinations.is_empty() {
            return Err(invalid(
                format!("{at}.streaming_destinations"),
                "only a top-level group streams audit events",
            ));
        }
        for (j, url) in g.streaming_destinations.iter().enumerate() {
            let web = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !web {
                return Err(invalid(
                    format!("{at}.streaming_destinations[{j}]"),
                    "not an http or https URL",
                ));
            }
        }
        settings(&at, "group", GROUP_OWN, fields::group::FIELDS, &g.settings)?;
    }
    let mut push_rules = HashSet::new();
    for (i, p) in s.projects.iter().enumerate() {
        let at = format!("projects[{i}]");
        settings(
            &at,
            "project",
            PROJECT_OWN,
            fields::project::FIELDS,
            &p.settings,
        )?;
        if let Some(rule) = &p.push_rule
            && (rule.id <= 0 || !push_rules.insert(rule.id))
        {
            return Err(invalid(
                format!("{at}.push_rule.id"),
                format!("{} is not a positive id unique among push rules", rule.id),
            ));
        }
    }
    check_variables("instance_variables", &s.instance_variables)
}

fn settings(
    at: &str,
    what: &str,
    own: &[&str],
    table: &[Field],
    stored: &Map<String, Value>,
) -> Result<(), SimError> {
    for (key, value) in stored {
        let here = format!("{at}.settings.{key}");
        if own.contains(&key.as_str()) {
            return Err(invalid(here, format!("set {at}.{key} instead")));
        }
        let field = fields::stored(table, key)
            .ok_or_else(|| invalid(here.clone(), format!("unknown {what} setting")))?;
        typed(&here, field, value)?;
    }
    Ok(())
}

fn typed(here: &str, field: &Field, value: &Value) -> Result<(), SimError> {
    if field.admits(value) {
        Ok(())
    } else {
        Err(invalid(
            here.to_string(),
            format!("must be {}", field.kind.describe()),
        ))
    }
}
