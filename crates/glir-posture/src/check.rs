//! One posture check as written in its YAML file: what it reads from GitLab, the condition the
//! answer must meet, what it needs before it can run, and the fix `--plan-fixes` proposes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// How bad a failure is; the order is the exit-code order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What a check looks at: the instance once, each group, or each project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Instance,
    Group,
    Project,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Instance => "instance",
            Scope::Group => "group",
            Scope::Project => "project",
        }
    }
}

/// GitLab.com or an instance of one's own; some settings exist on only one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offering {
    SelfManaged,
    GitlabCom,
}

/// GitLab's subscription tiers, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Free,
    Premium,
    Ultimate,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "Free",
            Tier::Premium => "Premium",
            Tier::Ultimate => "Ultimate",
        }
    }

    /// A license's or namespace's `plan` (`starter` and `bronze` are the old names of Premium's
    /// predecessors, `silver`/`gold` of Premium/Ultimate on GitLab.com).
    pub fn from_plan(plan: &str) -> Option<Tier> {
        match plan.to_ascii_lowercase().as_str() {
            "free" | "default" => Some(Tier::Free),
            "starter" | "bronze" | "premium" | "silver" | "premium_trial" => Some(Tier::Premium),
            "ultimate" | "gold" | "ultimate_trial" | "opensource" => Some(Tier::Ultimate),
            _ => None,
        }
    }
}

/// The role a check's API source needs; reasons name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reporter,
    Developer,
    Maintainer,
    Owner,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "Reporter",
            Role::Developer => "Developer",
            Role::Maintainer => "Maintainer",
            Role::Owner => "Owner",
            Role::Admin => "an administrator",
        }
    }
}

/// What must hold before the check can answer; unmet, it is SKIP with the reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offering: Option<Offering>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The first GitLab version that has what the check reads, `major.minor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Where the check's data comes from, as written: exactly one of the kinds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// One object: `GET path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get: Option<String>,
    /// Every item of a paged list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// With `list`: each item's own page (a list entry lacks the fields), `{item.id}` filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<String>,
    /// A GraphQL query; `items` is the dotted path of the list in its `data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graphql: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    /// The group or project itself, as listed: no request of its own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub target: bool,
    /// Something glir works out (`version`: the instance against GitLab's security releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glir: Option<String>,
}

/// A source, checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    Get(String),
    List { path: String, each: Option<String> },
    Graphql { query: String, items: String },
    Target,
    Glir(String),
}

impl Source {
    /// Whether the check answers over many items (each item passes or fails on its own).
    pub fn is_list(&self) -> bool {
        matches!(self, Source::List { .. } | Source::Graphql { .. })
    }
}

impl SourceSpec {
    pub fn checked(&self) -> Result<Source, String> {
        let kinds = [
            self.get.is_some(),
            self.list.is_some(),
            self.graphql.is_some(),
            self.target,
            self.glir.is_some(),
        ];
        if kinds.iter().filter(|&&k| k).count() != 1 {
            return Err("give exactly one of get, list, graphql, target, glir".to_string());
        }
        if self.each.is_some() && self.list.is_none() {
            return Err("`each` goes with `list`".to_string());
        }
        if self.items.is_some() != self.graphql.is_some() {
            return Err("`graphql` needs `items` (the dotted path of the list)".to_string());
        }
        for path in [&self.get, &self.list, &self.each].into_iter().flatten() {
            if !path.starts_with('/') {
                return Err(format!(
                    "`{path}` must start with `/` (a path under /api/v4)"
                ));
            }
        }
        Ok(if let Some(path) = &self.get {
            Source::Get(path.clone())
        } else if let Some(path) = &self.list {
            Source::List {
                path: path.clone(),
                each: self.each.clone(),
            }
        } else if let (Some(query), Some(items)) = (&self.graphql, &self.items) {
            Source::Graphql {
                query: query.clone(),
                items: items.clone(),
            }
        } else if let Some(name) = &self.glir {
            match name.as_str() {
                "version" => Source::Glir(name.clone()),
                other => return Err(format!("unknown glir source `{other}` (known: version)")),
            }
        } else {
            Source::Target
        })
    }
}

/// A condition that limits which targets the check applies to (`target.parent_id == null`:
/// top-level groups only), with the words a SKIP gives otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    #[serde(rename = "if")]
    pub condition: String,
    pub otherwise: String,
}

/// What `--plan-fixes` proposes for a failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    pub action: FixAction,
    /// Settings to write, for the `set_*` actions.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub values: Map<String, Value>,
    /// What the change may break, shown in the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixAction {
    /// Application settings (`PUT /application/settings`).
    SetInstanceSetting,
    /// The failing group's settings (`PUT /groups/:id`).
    SetGroupSetting,
    /// The failing project's settings (`PUT /projects/:id`).
    SetProjectSetting,
    /// Two-factor authentication required for the instance or the group.
    RequireTwoFactor,
    /// Each failing CI/CD variable masked.
    MaskVariable,
    /// Each failing CI/CD variable protected.
    ProtectVariable,
    /// Each failing CI/CD variable masked and protected.
    MaskAndProtectVariable,
    /// Job logs of the project visible to members only.
    DisablePublicJobs,
    /// The project's default branch protected.
    ProtectDefaultBranch,
    /// Merge request approval settings of the project (`values`, booleans).
    SetApprovalSetting,
    /// Each failing webhook verifies its receiver's certificate.
    EnableHookSsl,
}

/// A check file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub scope: Scope,
    #[serde(default)]
    pub requires: Requires,
    pub source: SourceSpec,
    /// Extra objects the expressions read by name: `settings` (the instance's application
    /// settings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    /// For a list: which items the check is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<String>,
    /// What each item (or the one object) must meet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// For a list: what the selected items together must meet (`items`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<String>,
    /// How a failing item is named (a string expression over `item`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What a failure says beyond the title (a string expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Thresholds the expressions read as `params.<name>`; the config may change them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    pub threat: String,
    pub remediation: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// CIS GitLab Benchmark recommendation ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<String>,
    /// Legitify policy names this check covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legitify: Vec<String>,
    /// MITRE ATT&CK technique ids of the threat.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attack: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}
