//! GitLab's version strings: `18.6.1-ee` from `GET /version`, `v17.9.2-ee` as tagged,
//! `18.7.0-pre` for a development build, `15.6.0-rc42` for a release candidate, and
//! `17.9.2-ee.0` as Omnibus packages name them.
//!
//! Not the `semver` crate: semver reads `-ee` as a pre-release, so `17.9.2-ee` would sort before
//! `17.9.2`, and it has no place for the package revision. Here the edition is kept beside the
//! number and never changes the order; only `-pre` and `-rcN` do.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A GitLab version. Two versions are ordered by [`Version::cmp_release`], which ignores the
/// edition: `17.9.2-ce` and `17.9.2-ee` are the same code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub stage: Stage,
    pub edition: Option<Edition>,
}

/// How far a build is from its release. Declared in release order, so the derived order is
/// the one GitLab ships them in: development builds, then candidates, then the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// `-pre`: a build of the default branch before the minor's release candidates.
    Pre,
    /// `-rcN`: a release candidate.
    Rc(u32),
    /// No suffix: the release itself.
    Release,
}

/// Community or Enterprise Edition, as the `-ce` / `-ee` suffix says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    Ce,
    Ee,
}

/// A minor release line such as `18.6`: patches are published per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Line {
    pub major: u32,
    pub minor: u32,
}

/// Why a string is not a GitLab version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a GitLab version (like 18.6.1-ee or 18.7.0-pre): {why}")]
pub struct VersionError {
    text: String,
    why: String,
}

impl Version {
    /// A released version without edition, as security release posts name them.
    pub fn release(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
            stage: Stage::Release,
            edition: None,
        }
    }

    pub fn line(&self) -> Line {
        Line {
            major: self.major,
            minor: self.minor,
        }
    }

    /// Release order, edition ignored: `18.7.0-pre` < `18.7.0-rc1` < `18.7.0` = `18.7.0-ee`.
    pub fn cmp_release(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch, self.stage).cmp(&(
            other.major,
            other.minor,
            other.patch,
            other.stage,
        ))
    }

    /// Whether this is a release with no edition suffix, the form a release post lists.
    pub fn is_plain_release(&self) -> bool {
        self.stage == Stage::Release && self.edition.is_none()
    }
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Version, VersionError> {
        let fail = |why: &str| VersionError {
            text: text.to_string(),
            why: why.to_string(),
        };
        let trimmed = text.trim();
        let trimmed = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let mut parts = trimmed.split('-');
        let numbers = parts.next().unwrap_or_default();
        let mut fields = numbers.split('.');
        let mut number = |name: &str| -> Result<u32, VersionError> {
            let field = fields
                .next()
                .ok_or_else(|| fail(&format!("no {name} number")))?;
            if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail(&format!("the {name} number is `{field}`")));
            }
            field
                .parse()
                .map_err(|_| fail(&format!("the {name} number `{field}` is too large")))
        };
        let (major, minor, patch) = (number("major")?, number("minor")?, number("patch")?);
        if fields.next().is_some() {
            return Err(fail("more than three numbers"));
        }
        let mut version = Version::release(major, minor, patch);
        for suffix in parts {
            // An Omnibus package adds its revision to the edition: `17.9.2-ee.0`.
            let (name, revision) = suffix.split_once('.').unwrap_or((suffix, ""));
            let edition = match name {
                "ee" => Some(Edition::Ee),
                "ce" => Some(Edition::Ce),
                _ => None,
            };
            if !revision.is_empty() && (edition.is_none() || revision.parse::<u32>().is_err()) {
                return Err(fail(&format!("unknown suffix `-{suffix}`")));
            }
            match (name, edition) {
                (_, Some(_)) if version.edition.is_some() => {
                    return Err(fail("two editions"));
                }
                (_, Some(e)) => version.edition = Some(e),
                _ if version.edition.is_some() || version.stage != Stage::Release => {
                    return Err(fail(&format!("`-{suffix}` out of place")));
                }
                ("pre", None) => version.stage = Stage::Pre,
                _ => {
                    let n = name
                        .strip_prefix("rc")
                        .and_then(|n| n.parse().ok())
                        .ok_or_else(|| fail(&format!("unknown suffix `-{suffix}`")))?;
                    version.stage = Stage::Rc(n);
                }
            }
        }
        Ok(version)
    }
}

impl TryFrom<String> for Version {
    type Error = VersionError;

    fn try_from(text: String) -> Result<Version, VersionError> {
        text.parse()
    }
}

impl From<Version> for String {
    fn from(version: Version) -> String {
        version.to_string()
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        match self.stage {
            Stage::Pre => f.write_str("-pre")?,
            Stage::Rc(n) => write!(f, "-rc{n}")?,
            Stage::Release => {}
        }
        match self.edition {
            Some(Edition::Ce) => f.write_str("-ce"),
            Some(Edition::Ee) => f.write_str("-ee"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl From<Line> for String {
    fn from(line: Line) -> String {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn every_shape_gitlab_prints_parses() {
        let ee = v("18.6.1-ee");
        assert_eq!((ee.major, ee.minor, ee.patch), (18, 6, 1));
        assert_eq!((ee.stage, ee.edition), (Stage::Release, Some(Edition::Ee)));
        assert_eq!(v("17.9.2"), Version::release(17, 9, 2));
        let old = v("16.11.10-ee");
        assert_eq!((old.minor, old.patch), (11, 10));
        assert_eq!(v("18.7.0-pre").stage, Stage::Pre);
        let rc = v("15.6.0-rc42");
        assert_eq!((rc.stage, rc.edition), (Stage::Rc(42), None));
        let tagged = v("v15.6.0-rc42-ee");
        assert_eq!(
            (tagged.stage, tagged.edition),
            (Stage::Rc(42), Some(Edition::Ee))
        );
        assert_eq!(v("17.9.2-ce").edition, Some(Edition::Ce));
        assert_eq!(v(" 17.9.2-ee.0\n"), v("17.9.2-ee"));
    }

    #[test]
    fn display_gives_back_the_text() {
        for text in [
            "18.6.1-ee",
            "17.9.2",
            "18.7.0-pre",
            "15.6.0-rc42",
            "15.6.0-rc42-ee",
        ] {
            assert_eq!(v(text).to_string(), text);
        }
    }

    #[test]
    fn order_is_by_number_then_stage_never_by_edition() {
        let ordered = [
            "16.11.10",
            "17.0.0-pre",
            "17.0.0-rc1",
            "17.0.0-rc12",
            "17.0.0",
            "17.0.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(
                v(pair[0]).cmp_release(&v(pair[1])),
                Ordering::Less,
                "{pair:?}"
            );
        }
        assert_eq!(v("17.9.2-ce").cmp_release(&v("17.9.2-ee")), Ordering::Equal);
        assert_eq!(v("17.10.0").cmp_release(&v("17.9.9")), Ordering::Greater);
        assert!(v("16.11.10").line() < v("17.0.0").line());
    }

    #[test]
    fn malformed_versions_are_refused_saying_why() {
        for (text, why) in [
            ("", "major number is ``"),
            ("18", "no minor number"),
            ("18.6", "no patch number"),
            ("18.6.1.2", "more than three numbers"),
            ("18.x.1", "minor number is `x`"),
            ("18.6.1-beta", "unknown suffix `-beta`"),
            ("18.6.1-ee-ce", "two editions"),
            ("18.6.1-ee-pre", "`-pre` out of place"),
            ("18.6.1-ee.x", "unknown suffix `-ee.x`"),
            ("18.6.1-rc", "unknown suffix `-rc`"),
            ("99999999999.0.0", "too large"),
        ] {
            let err = text.parse::<Version>().unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
    }
}
