//! The releases file (`data/security-releases.json`): GitLab's security (patch) release posts,
//! newest first, each with the versions it published and the advisories it fixed.

use crate::Error;
use crate::version::{Line, Version};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The whole file, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReleaseFile {
    pub updated: Date,
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub releases: Vec<Release>,
}

/// One patch release post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub date: Date,
    /// The post's title, where it was seen (e.g. "GitLab Critical Patch Release: 19.4.1, …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The post on about.gitlab.com or docs.gitlab.com.
    pub url: String,
    /// One fixed version per release line it patched, newest line first.
    pub versions: Vec<Version>,
    /// The versions are known but not the advisories it fixed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub advisories_unknown: bool,
    #[serde(default)]
    pub advisories: Vec<Advisory>,
}

/// One fixed vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advisory {
    /// `CVE-2025-3601`.
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// CVSS base score, 0–10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<f64>,
}

/// GitLab's rating of an advisory, from its CVSS score. Declared mildest first, so the derived
/// order ranks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Release {
    /// The fixed version on `line`, when this release patched it.
    pub fn version_on(&self, line: Line) -> Option<&Version> {
        self.versions.iter().find(|v| v.line() == line)
    }

    /// Its fix on the oldest line it patched.
    pub fn oldest_fix(&self) -> Option<&Version> {
        self.versions.iter().min_by(|a, b| a.cmp_release(b))
    }

    pub fn newest_line(&self) -> Option<Line> {
        self.versions.iter().map(Version::line).max()
    }
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Parses and checks a releases file's text; errors name `origin` and the field.
pub(crate) fn parse(text: &str, origin: &str) -> Result<ReleaseFile, Error> {
    let invalid = |field: String, message: String| Error::Invalid {
        origin: origin.to_string(),
        field,
        message,
    };
    let de = &mut serde_json::Deserializer::from_str(text);
    let file: ReleaseFile = serde_path_to_error::deserialize(de)
        .map_err(|e| invalid(e.path().to_string(), e.inner().to_string()))?;
    check(&file).map_err(|(field, message)| invalid(field, message))?;
    Ok(file)
}

/// What serde cannot see: the order, and values a verdict would silently go wrong on.
fn check(file: &ReleaseFile) -> Result<(), (String, String)> {
    if file.releases.is_empty() {
        return Err(("releases".into(), "no releases".into()));
    }
    for (i, pair) in file.releases.windows(2).enumerate() {
        if pair[1].date > pair[0].date {
            return Err((
                format!("releases[{}].date", i + 1),
                format!(
                    "{} is after the release before it ({}): releases go newest first",
                    pair[1].date, pair[0].date
                ),
            ));
        }
    }
    for (i, release) in file.releases.iter().enumerate() {
        let at = |field: &str| format!("releases[{i}].{field}");
        if release.date > file.updated {
            return Err((
                at("date"),
                format!("{} is after `updated` ({})", release.date, file.updated),
            ));
        }
        if !release.url.starts_with("https://") {
            return Err((at("url"), format!("`{}` is not an https URL", release.url)));
        }
        if release.versions.is_empty() {
            return Err((at("versions"), "no versions".into()));
        }
        let mut lines = HashSet::new();
        for (j, version) in release.versions.iter().enumerate() {
            if !version.is_plain_release() {
                return Err((
                    at(&format!("versions[{j}]")),
                    format!("{version}: a post names releases, without -pre, -rc or edition"),
                ));
            }
            if !lines.insert(version.line()) {
                return Err((
                    at(&format!("versions[{j}]")),
                    format!("a second fix on line {}", version.line()),
                ));
            }
        }
        if release.advisories.is_empty() != release.advisories_unknown {
            return Err((
                at("advisories"),
                "list the advisories, or none with `advisories_unknown: true`".into(),
            ));
        }
        for (j, advisory) in release.advisories.iter().enumerate() {
            if let Some(score) = advisory.cvss
                && !(0.0..=10.0).contains(&score)
            {
                return Err((
                    at(&format!("advisories[{j}].cvss")),
                    format!("{score} is not a CVSS score (0 to 10)"),
                ));
            }
        }
    }
    Ok(())
}
